//! A loopback HTTPS fake of the Kubernetes API server, for tests and benchmarks only.
//!
//! It behaves like kube-apiserver where kubeward and kubectl look:
//! - TLS with a CA generated per server by rcgen (ring), serving `127.0.0.1` and `localhost`;
//! - bearer token authentication: no or a wrong token is `401 Unauthorized` (a `Status`);
//! - `/version`, discovery (`/api`, `/api/v1`, `/apis`, `/apis/{group}/{version}`) built from
//!   the resources it holds;
//! - lists (cluster-wide and per namespace) paginated with `limit` and `continue`, answering
//!   `metadata.continue`, `metadata.resourceVersion` and `metadata.remainingItemCount`; a
//!   malformed `continue` token is `410 Gone` like an expired one;
//! - single objects (`GET .../{name}`) and the nodes proxy `configz` endpoint;
//! - `403 Forbidden` for the resources listed as forbidden and `429 Too Many Requests` with
//!   `Retry-After` for the first N list requests, as real `Status` objects;
//! - anything but GET is `405 Method Not Allowed`;
//! - a request log (method, path and query) that tests read;
//! - hostile behaviours a real API server cannot be made to show on demand, for the robustness
//!   tests of `kubeward cluster` (issue 15): a `continue` token given again and again, endless
//!   pages, an endless body, a body that drips a byte at a time, an answer that never comes,
//!   `items` that is not an array.
//!
//! The server runs on its own thread and runtime, so sync tests (that run the CLI) and async
//! ones can use it alike; it stops when dropped.

use std::collections::{BTreeMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value};

/// One resource type the fake serves.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceType {
    /// API group (`""` for core).
    pub group: String,
    /// Version.
    pub version: String,
    /// Plural (`pods`).
    pub plural: String,
    /// Kind (`Pod`).
    pub kind: String,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
}

impl ResourceType {
    /// `apiVersion` of its objects.
    #[must_use]
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// The built-in resource types kubeward lists (the fake knows them even when empty).
#[must_use]
pub fn builtin_types() -> Vec<ResourceType> {
    let t = |g: &str, v: &str, p: &str, k: &str, ns: bool| ResourceType {
        group: g.into(),
        version: v.into(),
        plural: p.into(),
        kind: k.into(),
        namespaced: ns,
    };
    vec![
        t("", "v1", "namespaces", "Namespace", false),
        t("", "v1", "nodes", "Node", false),
        t("", "v1", "pods", "Pod", true),
        t("", "v1", "services", "Service", true),
        t("", "v1", "serviceaccounts", "ServiceAccount", true),
        t("", "v1", "configmaps", "ConfigMap", true),
        t("", "v1", "replicationcontrollers", "ReplicationController", true),
        t("apps", "v1", "deployments", "Deployment", true),
        t("apps", "v1", "statefulsets", "StatefulSet", true),
        t("apps", "v1", "daemonsets", "DaemonSet", true),
        t("apps", "v1", "replicasets", "ReplicaSet", true),
        t("batch", "v1", "jobs", "Job", true),
        t("batch", "v1", "cronjobs", "CronJob", true),
        t("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true),
        t("networking.k8s.io", "v1", "ingresses", "Ingress", true),
        t("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
        t("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
        t("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
        t("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
        t("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false),
    ]
}

/// The cluster the fake serves.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    /// Objects by resource type, in insertion order.
    pub objects: BTreeMap<ResourceType, Vec<Value>>,
    /// `gitVersion` of `/version`.
    pub git_version: String,
    /// Kubelet configz documents by node name (`{"kubeletconfig": {...}}`).
    pub configz: BTreeMap<String, Value>,
}

impl Cluster {
    /// An empty cluster with the built-in types and a server version.
    #[must_use]
    pub fn new(git_version: &str) -> Self {
        let mut c = Self { git_version: git_version.into(), ..Self::default() };
        for t in builtin_types() {
            c.objects.insert(t, Vec::new());
        }
        c
    }

    /// Adds a resource type (a CRD's) with no objects.
    pub fn add_type(&mut self, t: ResourceType) {
        self.objects.entry(t).or_default();
    }

    /// Adds a custom resource type and its CustomResourceDefinition, whose schema has a pod
    /// template (`spec.template`) when `template`.
    pub fn add_crd(&mut self, t: ResourceType, template: bool) {
        let spec_props = if template {
            json!({"replicas": {"type": "integer"}, "template": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}})
        } else {
            json!({"color": {"type": "string"}})
        };
        self.add(json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": format!("{}.{}", t.plural, t.group)},
            "spec": {
                "group": t.group,
                "names": {"plural": t.plural, "kind": t.kind, "singular": t.kind.to_lowercase()},
                "scope": if t.namespaced { "Namespaced" } else { "Cluster" },
                "versions": [{"name": t.version, "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                    "type": "object", "properties": {"spec": {"type": "object", "properties": spec_props}}}}}],
            },
        }));
        self.add_type(t);
    }

    /// Adds an object; its type is found by `apiVersion` and `kind` among the known types, or
    /// made up (plural: lowercase kind + `s`, namespaced when it has a namespace).
    pub fn add(&mut self, obj: Value) {
        let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("v1").to_string();
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version.as_str()));
        let known = self.objects.keys().find(|t| t.group == group && t.version == version && t.kind == kind).cloned();
        let t = known.unwrap_or_else(|| ResourceType {
            group: group.into(),
            version: version.into(),
            plural: format!("{}s", kind.to_lowercase()),
            kind: kind.clone(),
            namespaced: obj.pointer("/metadata/namespace").is_some(),
        });
        self.objects.entry(t).or_default().push(obj);
    }

    /// Adds every object of a multi-document YAML-free JSON array or `List`.
    pub fn add_all(&mut self, objs: impl IntoIterator<Item = Value>) {
        for o in objs {
            self.add(o);
        }
    }
}

/// Behaviours to switch on.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `(group, plural)` whose list is forbidden (403).
    pub forbidden: Vec<(String, String)>,
    /// Forbid the nodes proxy (`nodes/proxy` get).
    pub forbid_node_proxy: bool,
    /// Answer this many list requests with 429 (Retry-After: 1) before serving them.
    pub throttle_lists: usize,
    /// Largest page served whatever `limit` asks (0: no cap).
    pub max_page: usize,
    /// Answer this many list requests with 503 (no Retry-After) before serving them.
    pub unavailable_lists: usize,
    /// `(group, plural)` whose list answers 200 with a body that is not JSON.
    pub garbage: Vec<(String, String)>,
    /// The first request carrying a `continue` token gets `410 Expired`, as when etcd has
    /// compacted the revision of a slow paginated list.
    pub expire_continue_once: bool,
    /// `(group, plural)` whose list always answers the same `continue` token (a loop).
    pub repeat_continue: Vec<(String, String)>,
    /// `(group, plural)` whose list never ends: every page has the first objects again and a new
    /// `continue` token.
    pub endless_pages: Vec<(String, String)>,
    /// `(group, plural)` whose list answers 200 with a chunked body that never ends (objects of
    /// 64 KiB, as fast as the client reads).
    pub endless_body: Vec<(String, String)>,
    /// `(group, plural)` whose list answers 200 and then one byte of its body every 100 ms,
    /// forever (a slow drip).
    pub drip_body: Vec<(String, String)>,
    /// `(group, plural)` whose list never answers (not even the status line).
    pub hang: Vec<(String, String)>,
    /// `(group, plural)` whose list answers `items` as an object, not an array.
    pub items_not_array: Vec<(String, String)>,
}

/// A response body: whole, or streamed by a hostile behaviour.
pub type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

/// A body that never ends: after `head`, `item` again and again (each after `delay`, when set).
struct Endless {
    head: Option<Bytes>,
    item: Bytes,
    delay: Option<std::time::Duration>,
    sleep: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl hyper::body::Body for Endless {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        if let Some(h) = self.head.take() {
            return std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(h))));
        }
        if let Some(d) = self.delay {
            let sleep = self.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(d)));
            if std::future::Future::poll(sleep.as_mut(), cx).is_pending() {
                return std::task::Poll::Pending;
            }
            self.sleep = None;
        }
        std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(self.item.clone()))))
    }
}

fn has(list: &[(String, String)], group: &str, plural: &str) -> bool {
    list.iter().any(|(g, p)| g == group && p == plural)
}

/// One logged request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub uri: String,
    /// Status answered.
    pub status: u16,
}

struct State {
    cluster: Cluster,
    options: Options,
    token: String,
    log: Mutex<Vec<LoggedRequest>>,
    throttled: AtomicUsize,
    unavailable: AtomicUsize,
    expired: std::sync::atomic::AtomicBool,
    resource_version: u64,
}

/// A running fake API server.
pub struct FakeApiServer {
    addr: SocketAddr,
    ca_pem: String,
    token: String,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Errors starting the server.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

impl FakeApiServer {
    /// Starts a server on a free loopback port.
    ///
    /// # Errors
    /// Certificate generation, TLS set-up or binding failures.
    pub fn start(cluster: Cluster, options: Options) -> Result<Self, Error> {
        let (ca_pem, server_config) = tls()?;
        let token = "kubeward-test-token".to_string();
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            cluster,
            options,
            token: token.clone(),
            log: Mutex::new(Vec::new()),
            throttled: AtomicUsize::new(0),
            unavailable: AtomicUsize::new(0),
            expired: std::sync::atomic::AtomicBool::new(false),
            resource_version: 4242,
        });
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let st = state.clone();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let thread = std::thread::spawn(move || {
            rt.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
                loop {
                    let (tcp, _) = tokio::select! {
                        _ = &mut rx => return,
                        r = listener.accept() => match r { Ok(x) => x, Err(_) => continue },
                    };
                    let acceptor = acceptor.clone();
                    let st = st.clone();
                    tokio::spawn(async move {
                        let Ok(tls) = acceptor.accept(tcp).await else { return };
                        let io = hyper_util::rt::TokioIo::new(tls);
                        let svc = service_fn(move |req| {
                            let st = st.clone();
                            async move { Ok::<_, Infallible>(handle(&st, &req).await) }
                        });
                        let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, svc).await;
                    });
                }
            });
        });
        Ok(Self { addr, ca_pem, token, state, stop: Some(tx), thread: Some(thread) })
    }

    /// `https://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The CA certificate (PEM) that signed the serving certificate.
    #[must_use]
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The bearer token it accepts.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.token
    }

    /// A kubeconfig (JSON, which is YAML) with one context `fake` using the token.
    #[must_use]
    pub fn kubeconfig(&self) -> String {
        kubeconfig(&self.url(), &self.ca_pem, &self.token)
    }

    /// The requests served so far.
    #[must_use]
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A kubeconfig document (JSON) for a server, CA and token, with contexts `fake` (current)
/// and `other` (a wrong token).
#[must_use]
pub fn kubeconfig(url: &str, ca_pem: &str, token: &str) -> String {
    use std::fmt::Write as _;
    let mut b64 = String::new();
    base64_encode(ca_pem.as_bytes(), &mut b64);
    let cfg = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake", "cluster": {"server": url, "certificate-authority-data": b64}}],
        "users": [
            {"name": "fake", "user": {"token": token}},
            {"name": "wrong", "user": {"token": "not-the-token"}},
        ],
        "contexts": [
            {"name": "fake", "context": {"cluster": "fake", "user": "fake"}},
            {"name": "other", "context": {"cluster": "fake", "user": "wrong"}},
        ],
        "current-context": "fake",
    });
    let mut s = String::new();
    let _ = write!(s, "{cfg:#}");
    s
}

fn base64_encode(input: &[u8], out: &mut String) {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

fn tls() -> Result<(String, rustls::ServerConfig), Error> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "fake-apiserver-ca");
    ca_params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
    params.distinguished_name.push(DnType::CommonName, "kube-apiserver");
    let cert = params.signed_by(&key, &issuer)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone(), ca_cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((ca_cert.pem(), config))
}

fn status(code: u16, reason: &str, message: &str, details: Value) -> Response<Full<Bytes>> {
    let body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details,
        "code": code,
    });
    respond(code, &body)
}

fn respond(code: u16, body: &Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert("content-type", http::HeaderValue::from_static("application/json"));
    r
}

async fn handle(st: &State, req: &Request<Incoming>) -> Response<Body> {
    use http_body_util::BodyExt;
    let uri = req.uri().path_and_query().map_or_else(|| req.uri().path().to_string(), ToString::to_string);
    let resp = match hostile(st, req) {
        Some(Hostile::Hang) => {
            if let Ok(mut log) = st.log.lock() {
                log.push(LoggedRequest { method: req.method().to_string(), uri, status: 0 });
            }
            std::future::pending::<()>().await;
            return Response::new(Full::new(Bytes::new()).boxed());
        }
        Some(Hostile::Stream(r)) => r,
        None => route(st, req).map(BodyExt::boxed),
    };
    if let Ok(mut log) = st.log.lock() {
        log.push(LoggedRequest { method: req.method().to_string(), uri, status: resp.status().as_u16() });
    }
    resp
}

enum Hostile {
    Hang,
    Stream(Response<Body>),
}

/// The hostile answers of [`Options`] that are not a whole JSON document.
fn hostile(st: &State, req: &Request<Incoming>) -> Option<Hostile> {
    let o = &st.options;
    if o.hang.is_empty() && o.endless_body.is_empty() && o.drip_body.is_empty() {
        return None;
    }
    let segs: Vec<&str> = req.uri().path().trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let (group, plural) = match segs.as_slice() {
        ["api", _, "namespaces", _, p] | ["api", _, p] => ("", *p),
        ["apis", g, _, "namespaces", _, p] | ["apis", g, _, p] => (*g, *p),
        _ => return None,
    };
    if has(&o.hang, group, plural) {
        return Some(Hostile::Hang);
    }
    let (item, delay) = if has(&o.endless_body, group, plural) {
        let obj = json!({"metadata": {"name": "endless", "namespace": "default"}, "data": {"k": "x".repeat(64 << 10)}});
        (Bytes::from(format!("{obj},")), None)
    } else if has(&o.drip_body, group, plural) {
        (Bytes::from_static(b" "), Some(std::time::Duration::from_millis(100)))
    } else {
        return None;
    };
    let head =
        Bytes::from_static(br#"{"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": ["#);
    let mut r = Response::new(http_body_util::BodyExt::boxed(Endless { head: Some(head), item, delay, sleep: None }));
    r.headers_mut().insert("content-type", http::HeaderValue::from_static("application/json"));
    Some(Hostile::Stream(r))
}

fn query_param<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| kv.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v))
}

fn route(st: &State, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == st.token);
    if !authorized {
        return status(401, "Unauthorized", "Unauthorized", json!({}));
    }
    if req.method() != hyper::Method::GET {
        return status(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            json!({}),
        );
    }
    let path = req.uri().path();
    let query = req.uri().query().unwrap_or("");
    let segs: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["version"] => respond(
            200,
            &json!({"major": "1", "minor": minor_of(&st.cluster.git_version), "gitVersion": st.cluster.git_version,
                    "gitCommit": "0000000", "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
                    "goVersion": "go1.24", "compiler": "gc", "platform": "linux/amd64"}),
        ),
        ["api"] => respond(
            200,
            &json!({"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
        ),
        ["apis"] => respond(200, &group_list(st)),
        ["api", v] => resource_list(st, "", v),
        ["apis", g, v] => resource_list(st, g, v),
        ["api", v, rest @ ..] => resource(st, "", v, rest, query),
        ["apis", g, v, rest @ ..] => resource(st, g, v, rest, query),
        _ => status(404, "NotFound", "the server could not find the requested resource", json!({})),
    }
}

fn minor_of(v: &str) -> String {
    v.trim_start_matches('v').split('.').nth(1).unwrap_or("0").to_string()
}

fn group_list(st: &State) -> Value {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in st.cluster.objects.keys().filter(|t| !t.group.is_empty()) {
        let v = groups.entry(&t.group).or_default();
        if !v.contains(&t.version.as_str()) {
            v.push(&t.version);
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(g, vs)| {
            let versions: Vec<Value> =
                vs.iter().map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v})).collect();
            json!({"name": g, "versions": versions, "preferredVersion": versions.first().cloned().unwrap_or(Value::Null)})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn resource_list(st: &State, group: &str, version: &str) -> Response<Full<Bytes>> {
    let types: Vec<&ResourceType> =
        st.cluster.objects.keys().filter(|t| t.group == group && t.version == version).collect();
    if types.is_empty() {
        return status(404, "NotFound", "the server could not find the requested resource", json!({}));
    }
    let gv = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
    let mut resources: Vec<Value> = types
        .iter()
        .map(|t| {
            json!({"name": t.plural, "singularName": t.kind.to_lowercase(), "namespaced": t.namespaced,
                   "kind": t.kind, "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]})
        })
        .collect();
    if group.is_empty() {
        resources
            .push(json!({"name": "nodes/proxy", "singularName": "", "namespaced": false, "kind": "NodeProxyOptions",
                              "verbs": ["create", "delete", "get", "patch", "update"]}));
        resources.push(json!({"name": "pods/status", "singularName": "", "namespaced": true, "kind": "Pod",
                              "verbs": ["get", "patch", "update"]}));
    }
    respond(200, &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}))
}

fn forbidden(verb: &str, group: &str, plural: &str, ns: Option<&str>) -> Response<Full<Bytes>> {
    let scope = ns.map_or_else(|| "at the cluster scope".to_string(), |n| format!("in the namespace \"{n}\""));
    let msg = format!(
        "{plural} is forbidden: User \"system:serviceaccount:kubeward:kubeward\" cannot {verb} resource \"{plural}\" in API group \"{group}\" {scope}"
    );
    status(403, "Forbidden", &msg, json!({"group": group, "kind": plural}))
}

fn resource(st: &State, group: &str, version: &str, rest: &[&str], query: &str) -> Response<Full<Bytes>> {
    // [plural] | [plural, name] | [namespaces, ns, plural] | [namespaces, ns, plural, name] | [nodes, name, proxy, configz]
    let (ns, plural, name) = match rest {
        [p] => (None, *p, None),
        ["nodes", n, "proxy", "configz"] if group.is_empty() => return configz(st, n),
        ["namespaces", ns, p] => (Some(*ns), *p, None),
        ["namespaces", ns, p, n] => (Some(*ns), *p, Some(*n)),
        [p, n] => (None, *p, Some(*n)),
        _ => return status(404, "NotFound", "the server could not find the requested resource", json!({})),
    };
    let Some((t, objs)) =
        st.cluster.objects.iter().find(|(t, _)| t.group == group && t.version == version && t.plural == plural)
    else {
        return status(404, "NotFound", "the server could not find the requested resource", json!({}));
    };
    if ns.is_some() && !t.namespaced {
        return status(404, "NotFound", "the server could not find the requested resource", json!({}));
    }
    let verb = if name.is_some() { "get" } else { "list" };
    if st.options.forbidden.iter().any(|(g, p)| g == group && p == plural) {
        return forbidden(verb, group, plural, ns);
    }
    let in_ns = |o: &&Value| ns.is_none_or(|n| o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(n));
    if let Some(name) = name {
        return match objs
            .iter()
            .filter(in_ns)
            .find(|o| o.pointer("/metadata/name").and_then(Value::as_str) == Some(name))
        {
            Some(o) => respond(200, o),
            None => status(
                404,
                "NotFound",
                &format!("{plural} \"{name}\" not found"),
                json!({"name": name, "group": group, "kind": plural}),
            ),
        };
    }
    if st.throttled.fetch_add(1, Ordering::SeqCst) < st.options.throttle_lists {
        let mut r = status(
            429,
            "TooManyRequests",
            "Too many requests, please try again later.",
            json!({"retryAfterSeconds": 1}),
        );
        r.headers_mut().insert("retry-after", http::HeaderValue::from_static("1"));
        return r;
    }
    if st.unavailable.fetch_add(1, Ordering::SeqCst) < st.options.unavailable_lists {
        return status(503, "ServiceUnavailable", "the server is currently unable to handle the request", json!({}));
    }
    if st.options.garbage.iter().any(|(g, p)| g == group && p == plural) {
        let mut r = Response::new(Full::new(Bytes::from_static(b"<html>502 Bad Gateway</html>")));
        r.headers_mut().insert("content-type", http::HeaderValue::from_static("text/html"));
        return r;
    }
    let matching: Vec<&Value> = objs.iter().filter(in_ns).collect();
    let token = query_param(query, "continue").filter(|c| !c.is_empty());
    if token.is_some() && st.options.expire_continue_once && !st.expired.swap(true, Ordering::SeqCst) {
        return status(
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
            json!({}),
        );
    }
    if has(&st.options.endless_pages, group, plural) {
        // A new token each time, and the first objects again: a list that never ends.
        let n = token.and_then(|c| c.strip_prefix("endless-")).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
        let items: Vec<Value> = matching.iter().take(2).map(|o| (*o).clone()).collect();
        return respond(
            200,
            &json!({"kind": format!("{}List", t.kind), "apiVersion": t.api_version(),
                    "metadata": {"resourceVersion": "1", "continue": format!("endless-{}", n + 1)}, "items": items}),
        );
    }
    let start = match token {
        None => 0,
        Some(c) => match c.strip_prefix("fake-continue-").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) if n <= matching.len() => n,
            _ => {
                return status(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list result.",
                    json!({}),
                )
            }
        },
    };
    let mut limit =
        query_param(query, "limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| *l > 0).unwrap_or(usize::MAX);
    if st.options.max_page > 0 {
        limit = limit.min(st.options.max_page);
    }
    let end = start.saturating_add(limit).min(matching.len());
    let page = matching.get(start..end).unwrap_or(&[]);
    let mut meta = json!({"resourceVersion": st.resource_version.to_string()});
    if end < matching.len() {
        meta["continue"] = json!(format!("fake-continue-{end}"));
        meta["remainingItemCount"] = json!(matching.len() - end);
    }
    if has(&st.options.repeat_continue, group, plural) {
        // The same token whatever was asked: the client would read the same page forever.
        meta["continue"] = json!("fake-continue-0");
    }
    // Items in a list carry no apiVersion/kind on the real server; the list does.
    let items: Vec<Value> = page
        .iter()
        .map(|o| {
            let mut o = (*o).clone();
            if let Some(m) = o.as_object_mut() {
                m.remove("apiVersion");
                m.remove("kind");
            }
            o
        })
        .collect();
    if has(&st.options.items_not_array, group, plural) {
        let items: serde_json::Map<String, Value> =
            items.into_iter().enumerate().map(|(i, o)| (i.to_string(), o)).collect();
        return respond(
            200,
            &json!({"kind": format!("{}List", t.kind), "apiVersion": t.api_version(), "metadata": meta, "items": items}),
        );
    }
    respond(
        200,
        &json!({"kind": format!("{}List", t.kind), "apiVersion": t.api_version(), "metadata": meta, "items": items}),
    )
}

fn configz(st: &State, node: &str) -> Response<Full<Bytes>> {
    if st.options.forbid_node_proxy {
        let msg = format!(
            "nodes \"{node}\" is forbidden: User \"system:serviceaccount:kubeward:kubeward\" cannot get resource \"nodes/proxy\" in API group \"\" at the cluster scope"
        );
        return status(403, "Forbidden", &msg, json!({"name": node, "kind": "nodes"}));
    }
    match st.cluster.configz.get(node) {
        Some(c) => respond(200, c),
        None => status(
            503,
            "ServiceUnavailable",
            &format!("error trying to reach service: node {node} has no kubelet"),
            json!({}),
        ),
    }
}

/// The set of `(group, plural)` pairs a log's list requests touched (for assertions).
#[must_use]
pub fn listed(log: &[LoggedRequest]) -> HashSet<String> {
    log.iter().map(|r| r.uri.split('?').next().unwrap_or("").to_string()).collect()
}

/// Generates a synthetic cluster: `pods` pods and `deployments` deployments spread over
/// `namespaces` namespaces, each namespace with a default-deny NetworkPolicy, each deployment
/// with its ServiceAccount, Role, RoleBinding, NetworkPolicy and Service, plus three nodes with
/// their kubelet configz (for benchmarks). Pods are controlled by ReplicaSets, as in a real
/// cluster.
#[must_use]
pub fn synthetic(namespaces: usize, deployments: usize, pods: usize) -> Cluster {
    synthetic_with(namespaces, deployments, pods, true)
}

/// [`synthetic`], with `owned: false` for pods that no controller owns (each is then audited
/// on its own: the worst case for the collector and the engine).
#[must_use]
pub fn synthetic_with(namespaces: usize, deployments: usize, pods: usize, owned: bool) -> Cluster {
    let mut c = Cluster::new("v1.36.4");
    let namespaces = namespaces.max(1);
    for n in 0..namespaces {
        let ns = format!("team-{n}");
        c.add(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}));
        c.add(json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "default-deny", "namespace": ns},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}));
    }
    let template = |name: &str| {
        json!({"metadata": {"labels": {"app": name}}, "spec": {
            "serviceAccountName": name, "automountServiceAccountToken": false,
            "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "app", "image": format!("registry.example.com/{name}:1.0.0"),
                "ports": [{"containerPort": 8080, "name": "http"}],
                "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "128Mi"}},
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                "env": [{"name": "MODE", "value": "production"}, {"name": "LOG_LEVEL", "value": "info"}]}]}})
    };
    for d in 0..deployments {
        let ns = format!("team-{}", d % namespaces);
        let name = format!("app-{d}");
        c.add(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}, "automountServiceAccountToken": false}));
        c.add(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": name, "namespace": ns},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": [format!("{name}-config")], "verbs": ["get"]}]}));
        c.add(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": name, "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns}]}));
        c.add(json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name, "namespace": ns},
            "spec": {"podSelector": {"matchLabels": {"app": name}}, "policyTypes": ["Ingress"],
                     "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "frontend"}}}], "ports": [{"port": 8080}]}]}}));
        c.add(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
            "spec": {"type": "ClusterIP", "selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}));
        c.add(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns, "labels": {"app": name},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "x".repeat(2000)},
            "managedFields": [{"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}}, "template": template(&name)},
            "status": {"replicas": 2, "readyReplicas": 2}}));
    }
    for p in 0..pods {
        let ns = format!("team-{}", p % namespaces);
        let owner = if deployments > 0 { format!("app-{}", p % deployments) } else { "standalone".into() };
        let mut pod = template(&owner);
        pod["apiVersion"] = json!("v1");
        pod["kind"] = json!("Pod");
        pod["metadata"] = json!({"name": format!("{owner}-{p}"), "namespace": ns, "labels": {"app": owner},
            "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "fieldsV1": {"f:status": {"f:phase": {}, "f:conditions": {}, "f:podIP": {}}}}]});
        if owned {
            pod["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{owner}-5d9c7"), "uid": format!("uid-{p}"), "controller": true}]);
        }
        pod["spec"]["nodeName"] = json!(format!("node-{}", p % 3));
        pod["status"] = json!({"phase": "Running", "podIP": "10.0.0.1", "hostIP": "192.168.0.10",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "image": "registry.example.com/app:1.0.0",
                                   "imageID": "registry.example.com/app@sha256:0123456789abcdef", "containerID": "containerd://abcdef"}]});
        c.add(pod);
    }
    for n in 0..3 {
        c.add(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": format!("node-{n}")},
            "status": {"nodeInfo": {"kubeletVersion": "v1.36.4", "containerRuntimeVersion": "containerd://2.1.0"}}}));
        c.configz.insert(format!("node-{n}"), json!({"kubeletconfig": {"authentication": {"anonymous": {"enabled": false},
            "webhook": {"enabled": true}, "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"}},
            "authorization": {"mode": "Webhook"}, "readOnlyPort": 0, "protectKernelDefaults": true, "rotateCertificates": true,
            "serverTLSBootstrap": true, "seccompDefault": true, "podPidsLimit": 4096, "makeIPTablesUtilChains": true,
            "streamingConnectionIdleTimeout": "4h0m0s",
            "tlsCipherSuites": ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]}}));
    }
    c
}
