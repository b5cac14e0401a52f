//! kubeward's cluster collector: connects like kubectl (kubeconfig, context, in-cluster service
//! account) with kube-rs, lists read-only (GET only) what the rules need, and returns a
//! [`Snapshot`] the engine audits like files ([`collect`]), or hands each page over as it is
//! read ([`collect_pages`]: `kubeward cluster` audits it at once and drops it).
//!
//! - Lists are paginated (`limit`/`continue`); the next page is asked for as soon as a page's
//!   `continue` token is known, so the server prepares it while this one is audited. Each page
//!   is turned into engine trees as it arrives and its JSON dropped, with the fields no rule
//!   reads (`managedFields`, the `last-applied-configuration` annotation, `status` except a
//!   Node's `nodeInfo`) left out.
//!   Pods, ReplicaSets and Jobs controlled by a workload kubeward also lists are skipped: their
//!   spec is their owner's template, audited once there.
//! - Custom resources found by discovery whose CustomResourceDefinition schema allows a pod
//!   template are listed, and their objects kept when they hold one (`spec.template.spec`,
//!   `spec.jobTemplate.spec.template.spec`); Istio `PeerAuthentication`s are kept for the
//!   service-mesh rule.
//! - `/version` becomes an object of kind `KubernetesVersion` (`kubeward.io/v1`, as for
//!   `kubeward node --k8s-version`) and each node's
//!   kubelet `configz`, when permitted, a `KubeletConfiguration` named after the node: the
//!   version and kubelet rules judge them.
//! - A list or read that is forbidden (403) becomes an object of kind `AuditGap`
//!   (`kubeward.io/v1`) naming the missing permission (verb, group, resource); the rule
//!   `GEN003 resource-not-audited` reports it and the audit goes on. 429 and 5xx are retried
//!   with backoff (honouring `Retry-After`); every request has a bounded timeout; other
//!   failures are input errors naming the API path.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;

use kube::client::Body;
use kubeward_engine::input::node::Node;
use kubeward_engine::input::object::{Object, Origin};
use kubeward_engine::input::workload::PodSpecView;
use kubeward_engine::input::yaml::Document;
use kubeward_engine::snapshot::SourceFile;
use kubeward_engine::{InputError, Snapshot};
use serde_json::{json, Value};

/// How to connect and what to read.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Kubeconfig file (default: `KUBECONFIG`, then `~/.kube/config`, then in-cluster).
    pub kubeconfig: Option<std::path::PathBuf>,
    /// Context of the kubeconfig (default: its current context).
    pub context: Option<String>,
    /// Audit one namespace only (cluster-scoped lists are then skipped, but the namespace).
    pub namespace: Option<String>,
    /// Page size of list requests (default 500, like kubectl).
    pub page_size: Option<u32>,
    /// Timeout of one request (default 60 s).
    pub timeout: Option<Duration>,
    /// Do not read the nodes' kubelet configz.
    pub skip_kubelet_config: bool,
}

/// Progress events for a progress bar.
#[derive(Clone, Debug)]
pub enum Progress {
    /// Listing a resource (`apps/v1 deployments`); `total` resources to list.
    Listing {
        /// The resource being listed.
        what: String,
        /// Index of the resource.
        index: usize,
        /// Resources to list.
        total: usize,
    },
    /// Objects kept so far.
    Objects(usize),
}

/// What was collected.
#[derive(Debug, Default)]
pub struct Collected {
    /// Objects to audit (API input: no file paths) and input errors.
    pub snapshot: Snapshot,
    /// GET requests made.
    pub requests: usize,
    /// Objects received from list requests (kept or skipped).
    pub received: usize,
}

/// What a streaming collection gives besides its pages (see [`collect_pages`]).
#[derive(Debug, Default)]
pub struct Listed {
    /// Input errors (an API path that failed, an answer that is not a list).
    pub errors: Vec<InputError>,
    /// GET requests made.
    pub requests: usize,
    /// Objects received from list requests (kept or skipped).
    pub received: usize,
}

/// A connection error (no report possible).
#[derive(Debug)]
pub struct ConnectError(pub String);

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConnectError {}

/// Builds the kube client config the way kubectl does.
///
/// # Errors
/// No usable kubeconfig or in-cluster environment, or an unknown context.
pub async fn config(opts: &Options) -> Result<kube::Config, ConnectError> {
    let kopts = kube::config::KubeConfigOptions { context: opts.context.clone(), ..Default::default() };
    let mut cfg = if let Some(path) = &opts.kubeconfig {
        let kc = kube::config::Kubeconfig::read_from(path)
            .map_err(|e| ConnectError(format!("cannot read kubeconfig {}: {e}", path.display())))?;
        kube::Config::from_custom_kubeconfig(kc, &kopts)
            .await
            .map_err(|e| ConnectError(format!("kubeconfig {}: {e}", path.display())))?
    } else if opts.context.is_some() {
        kube::Config::from_kubeconfig(&kopts).await.map_err(|e| ConnectError(format!("kubeconfig: {e}")))?
    } else {
        kube::Config::infer().await.map_err(|e| ConnectError(format!("no cluster to connect to: {e}")))?
    };
    let timeout = opts.timeout.unwrap_or(Duration::from_secs(60));
    cfg.connect_timeout = Some(Duration::from_secs(10).min(timeout));
    cfg.read_timeout = Some(timeout);
    cfg.write_timeout = Some(timeout);
    // kubeward retries itself (with Retry-After and 5xx), so the retry is visible and bounded.
    cfg.default_retry = false;
    Ok(cfg)
}

/// A resource to list.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Resource {
    group: String,
    version: String,
    plural: String,
    kind: String,
    namespaced: bool,
    /// A custom resource: only objects with a pod template are kept.
    custom: bool,
}

impl Resource {
    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
    fn prefix(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }
    fn list_path(&self, namespace: Option<&str>) -> String {
        match namespace.filter(|_| self.namespaced) {
            Some(ns) => format!("{}/namespaces/{ns}/{}", self.prefix(), self.plural),
            None => format!("{}/{}", self.prefix(), self.plural),
        }
    }
}

/// Built-in resources the rules read, by group and plural (never secrets).
const WANTED: &[(&str, &str)] = &[
    ("", "namespaces"),
    ("", "nodes"),
    ("", "pods"),
    ("", "services"),
    ("", "serviceaccounts"),
    ("", "configmaps"),
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("networking.k8s.io", "networkpolicies"),
    ("networking.k8s.io", "ingresses"),
    ("rbac.authorization.k8s.io", "roles"),
    ("rbac.authorization.k8s.io", "rolebindings"),
    ("rbac.authorization.k8s.io", "clusterroles"),
    ("rbac.authorization.k8s.io", "clusterrolebindings"),
    ("policy", "podsecuritypolicies"),
];

/// Custom resources kept whole (not only pod templates): the service-mesh rule reads them.
const KEPT_CUSTOM: &[(&str, &str)] = &[("security.istio.io", "peerauthentications")];

/// Groups served by Kubernetes itself: their other resources are not workloads.
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "extensions",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "apiextensions.k8s.io",
    "admissionregistration.k8s.io",
    "apiregistration.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "node.k8s.io",
    "scheduling.k8s.io",
    "resource.k8s.io",
    "storagemigration.k8s.io",
    "internal.apiserver.k8s.io",
    "metrics.k8s.io",
];

/// Owner kinds whose controlled objects are skipped (their template is audited).
const CONTROLLERS: &[&str] =
    &["ReplicaSet", "Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob", "ReplicationController"];

/// Outcome of one GET.
enum Got {
    Ok(Vec<u8>),
    /// 403, with the server's message.
    Forbidden(String),
    /// 404.
    NotFound,
    /// 410: a `continue` token expired (the list must start again).
    Gone(String),
    /// Any other failure, with a message naming the path.
    Failed(String),
}

/// The API client with kubeward's retry policy and request counting.
struct Api {
    client: kube::Client,
    timeout: Duration,
    requests: AtomicUsize,
}

/// Resources listed at the same time (each list stays paginated, so memory stays bounded).
const LIST_CONCURRENCY: usize = 4;
/// Kubelet configz requests at the same time.
const CONFIGZ_CONCURRENCY: usize = 8;

const MAX_ATTEMPTS: u32 = 6;

impl Api {
    async fn get(&self, path: &str) -> Got {
        self.get_tries(path, MAX_ATTEMPTS).await
    }

    async fn get_tries(&self, path: &str, max_attempts: u32) -> Got {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let req = match http::Request::get(path).header("accept", "application/json").body(Body::empty()) {
                Ok(r) => r,
                Err(e) => return Got::Failed(format!("GET {path}: {e}")),
            };
            let outcome = tokio::time::timeout(self.timeout, async {
                let resp = self.client.send(req).await.map_err(|e| (true, e.to_string()))?;
                let status = resp.status();
                let retry_after = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok());
                let body = resp.into_body().collect_bytes().await.map_err(|e| (true, e.to_string()))?;
                Ok::<_, (bool, String)>((status, retry_after, body))
            })
            .await;
            let (retryable, wait_hint, failure) = match outcome {
                Err(_) => (true, None, format!("timed out after {}s", self.timeout.as_secs())),
                Ok(Err((retry, e))) => (retry, None, e),
                Ok(Ok((status, retry_after, body))) => {
                    let code = status.as_u16();
                    match code {
                        200..=299 => return Got::Ok(body.to_vec()),
                        403 => return Got::Forbidden(status_message(&body).unwrap_or_else(|| "forbidden".into())),
                        404 => return Got::NotFound,
                        410 => {
                            return Got::Gone(format!(
                                "GET {path}: 410 {}",
                                status_message(&body).unwrap_or_else(|| "Gone".into())
                            ))
                        }
                        429 | 500 | 502 | 503 | 504 => (
                            true,
                            retry_after,
                            format!("{code} {}", status_message(&body).unwrap_or_else(|| status.to_string())),
                        ),
                        _ => (
                            false,
                            None,
                            format!("{code} {}", status_message(&body).unwrap_or_else(|| status.to_string())),
                        ),
                    }
                }
            };
            if !retryable || attempt >= max_attempts {
                let tries = if attempt > 1 { format!(" (after {attempt} attempts)") } else { String::new() };
                return Got::Failed(format!("GET {path}: {failure}{tries}"));
            }
            // Backoff: the server's Retry-After (capped), else 250 ms doubling to 4 s.
            let backoff = wait_hint.map_or_else(
                || Duration::from_millis(250u64 << (attempt - 1).min(4)),
                |s| Duration::from_secs(s.min(10)),
            );
            tokio::time::sleep(backoff).await;
        }
    }
}

fn status_message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("message").and_then(Value::as_str).map(str::to_string)
}

/// Collects the cluster into a snapshot (every page kept; [`collect_pages`] hands pages over
/// as they are read instead).
///
/// # Errors
/// Configuration errors and an unreachable or unauthenticated API server (the first request,
/// `/version`, fails); later failures are input errors in the snapshot.
pub async fn collect(opts: &Options, progress: &(dyn Fn(Progress) + Sync)) -> Result<Collected, ConnectError> {
    let mut snapshot = Snapshot::default();
    let page = |_: usize, f: SourceFile| f;
    let listed = collect_pages(opts, progress, &page, &mut |f| snapshot.files.push(f)).await?;
    snapshot.errors = listed.errors;
    Ok(Collected { snapshot, requests: listed.requests, received: listed.received })
}

/// Collects the cluster page by page: each page of kept objects (a [`SourceFile`] without a
/// path, numbered from 0 in the order read) goes through `page` as soon as it is read, on the
/// task that read it, so that its trees can be dropped at once; what `page` returns goes to
/// `take` in a fixed order, the order of [`collect`]'s snapshot: the version object, the lists
/// in discovery order (each list's pages in order), the kubelet configurations, then the audit
/// gaps. A list that starts again after an expired `continue` token (410) drops what its
/// first pages gave.
///
/// # Errors
/// As [`collect`].
pub async fn collect_pages<O>(
    opts: &Options,
    progress: &(dyn Fn(Progress) + Sync),
    page: &(dyn Fn(usize, SourceFile) -> O + Sync),
    take: &mut dyn FnMut(O),
) -> Result<Listed, ConnectError> {
    if let Some(n) = &opts.namespace {
        let label = !n.is_empty()
            && n.len() <= 63
            && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !n.starts_with('-')
            && !n.ends_with('-');
        if !label {
            return Err(ConnectError(format!("`{n}` is not a namespace name (RFC 1123 label)")));
        }
    }
    let cfg = config(opts).await?;
    let server = cfg.cluster_url.to_string();
    let client =
        kube::Client::try_from(cfg).map_err(|e| ConnectError(format!("cannot create a client for {server}: {e}")))?;
    let api = std::sync::Arc::new(Api {
        client,
        timeout: opts.timeout.unwrap_or(Duration::from_secs(60)),
        requests: AtomicUsize::new(0),
    });
    let numbers = AtomicUsize::new(0);
    let pages = Pages { page, numbers: &numbers };
    let mut out = Collector::default();

    // 1. /version: proves the connection and the credentials.
    match api.get("/version").await {
        Got::Ok(body) => {
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if let Some(git) = v.get("gitVersion").and_then(Value::as_str) {
                // The object `kubeward node --k8s-version` makes too: the version rules read it.
                out.push_synthetic(&pages, json!({
                    "apiVersion": "kubeward.io/v1",
                    "kind": "KubernetesVersion",
                    "metadata": {"name": "kube-apiserver"},
                    "spec": {"version": git, "source": "/version", "platform": v.get("platform").cloned().unwrap_or(Value::Null)},
                }));
            }
        }
        Got::Forbidden(m) => out.gap("/version", "get", "", "/version", &m),
        Got::NotFound => {}
        Got::Failed(m) | Got::Gone(m) => {
            return Err(ConnectError(format!("cannot reach the API server at {server}: {m}")))
        }
    }

    // 2. Discovery.
    let mut resources = discover(&api, &mut out).await;
    workload_crds_only(&api, &mut out, &mut resources).await;

    // 3. Lists, or in --namespace mode the namespace itself and its namespaced resources.
    let ns = opts.namespace.as_deref();
    if let Some(n) = ns {
        match api.get(&format!("/api/v1/namespaces/{n}")).await {
            Got::Ok(body) => {
                if let Ok(mut v) = serde_json::from_slice::<Value>(&body) {
                    strip(&mut v, "Namespace");
                    out.push_synthetic(&pages, v);
                }
            }
            Got::Forbidden(m) => out.gap(&format!("/api/v1/namespaces/{n}"), "get", "", "namespaces", &m),
            Got::NotFound => return Err(ConnectError(format!("namespace `{n}` not found"))),
            Got::Failed(m) | Got::Gone(m) => out.error(m),
        }
    }
    let to_list: Vec<&Resource> = resources.iter().filter(|r| ns.is_none() || r.namespaced).collect();
    let page_size = opts.page_size.unwrap_or(500).max(1);
    let mut nodes: Vec<String> = Vec::new();
    let (started, kept) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let shared = Shared {
        api: &api,
        ns,
        page_size,
        progress,
        started: &started,
        kept: &kept,
        total: to_list.len(),
        pages: &pages,
    };
    out.drain(take);
    // A few lists at a time, taken in discovery order as each ends (the report does not depend
    // on timing).
    let mut listed = futures::stream::iter(to_list.iter().map(|r| list(&shared, r))).buffered(LIST_CONCURRENCY);
    while let Some((c, n)) = listed.next().await {
        out.merge(c);
        out.drain(take);
        nodes.extend(n);
    }
    drop(listed);

    // 4. Kubelet configz of each node, when permitted: the first alone (a 403 is the same for
    //    all), then the others a few at a time.
    if !opts.skip_kubelet_config && ns.is_none() {
        let fetch = |n: &String| {
            let path = format!("/api/v1/nodes/{n}/proxy/configz");
            let api = &api;
            // An unreachable kubelet is common (a node going away): two tries, not six.
            async move {
                let got = api.get_tries(&path, 2).await;
                (path, got)
            }
        };
        let mut answers: Vec<(String, Got)> = Vec::new();
        if let Some(first) = nodes.first() {
            answers.push(fetch(first).await);
        }
        if !matches!(answers.first(), Some((_, Got::Forbidden(_)))) {
            let rest: Vec<(String, Got)> =
                futures::stream::iter(nodes.iter().skip(1).map(fetch)).buffered(CONFIGZ_CONCURRENCY).collect().await;
            answers.extend(rest);
        }
        for (n, (path, got)) in nodes.iter().zip(answers) {
            match got {
                Got::Ok(body) => {
                    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let Some(Value::Object(cfg)) = v.get("kubeletconfig") else {
                        out.error(format!("GET {path}: no `kubeletconfig` in the answer"));
                        continue;
                    };
                    let mut obj = serde_json::Map::new();
                    obj.insert("apiVersion".into(), json!("kubelet.config.k8s.io/v1beta1"));
                    obj.insert("kind".into(), json!("KubeletConfiguration"));
                    obj.insert("metadata".into(), json!({"name": n}));
                    for (k, val) in cfg {
                        if k != "apiVersion" && k != "kind" {
                            obj.insert(k.clone(), val.clone());
                        }
                    }
                    out.push_synthetic(&pages, Value::Object(obj));
                }
                Got::Forbidden(m) => {
                    // One gap says it all: the permission is cluster-wide.
                    out.gap(&path, "get", "", "nodes/proxy", &m);
                    break;
                }
                Got::NotFound => {}
                // An unreachable kubelet is not an input error of the audit: say which node.
                Got::Failed(m) | Got::Gone(m) => out.gap_with(&path, "get", "", "nodes/proxy", "unavailable", &m),
            }
        }
    }
    out.finish_gaps(&pages);
    out.drain(take);
    Ok(Listed { errors: out.errors, requests: api.requests.load(Ordering::Relaxed), received: out.received })
}

/// The page callback of [`collect_pages`], numbering pages as they are read.
struct Pages<'a, O> {
    page: &'a (dyn Fn(usize, SourceFile) -> O + Sync),
    numbers: &'a AtomicUsize,
}

impl<O> Pages<'_, O> {
    fn give(&self, documents: Vec<Document>) -> O {
        let n = self.numbers.fetch_add(1, Ordering::Relaxed);
        (self.page)(n, SourceFile { path: None, text: String::new(), documents, partial: false })
    }
}

/// What the concurrent lists share.
struct Shared<'a, O> {
    api: &'a std::sync::Arc<Api>,
    ns: Option<&'a str>,
    page_size: u32,
    progress: &'a (dyn Fn(Progress) + Sync),
    started: &'a AtomicUsize,
    kept: &'a AtomicUsize,
    total: usize,
    pages: &'a Pages<'a, O>,
}

/// What one list (or the main task) gathered: the pages' results in order, errors, gaps.
struct Collector<O> {
    pages: Vec<O>,
    errors: Vec<InputError>,
    gaps: Vec<Value>,
    received: usize,
    kept: usize,
}

impl<O> Default for Collector<O> {
    fn default() -> Self {
        Self { pages: Vec::new(), errors: Vec::new(), gaps: Vec::new(), received: 0, kept: 0 }
    }
}

impl<O> Collector<O> {
    fn merge(&mut self, other: Collector<O>) {
        self.pages.extend(other.pages);
        self.errors.extend(other.errors);
        self.gaps.extend(other.gaps);
        self.received += other.received;
        self.kept += other.kept;
    }

    /// Hands the pages' results over, in order.
    fn drain(&mut self, take: &mut dyn FnMut(O)) {
        for p in self.pages.drain(..) {
            take(p);
        }
    }

    fn error(&mut self, message: String) {
        self.errors.push(InputError { file: None, pos: Default::default(), message });
    }

    fn push_synthetic(&mut self, pages: &Pages<'_, O>, v: Value) {
        self.pages.push(pages.give(vec![Document { root: Node::from_json(&v), duplicates: Vec::new() }]));
    }

    /// Records a resource that could not be audited.
    fn gap(&mut self, path: &str, verb: &str, group: &str, resource: &str, message: &str) {
        self.gap_with(path, verb, group, resource, "forbidden", message);
    }

    fn gap_with(&mut self, path: &str, verb: &str, group: &str, resource: &str, reason: &str, message: &str) {
        let name = if group.is_empty() {
            format!("{verb}-{}", resource.replace('/', "-"))
        } else {
            format!("{verb}-{}.{group}", resource.replace('/', "-"))
        };
        self.gaps.push(json!({
            "apiVersion": "kubeward.io/v1",
            "kind": "AuditGap",
            "metadata": {"name": name.trim_start_matches('/')},
            "spec": {"path": path, "verb": verb, "group": group, "resource": resource, "reason": reason, "message": message},
        }));
    }

    fn finish_gaps(&mut self, pages: &Pages<'_, O>) {
        let gaps = std::mem::take(&mut self.gaps);
        for g in gaps {
            self.push_synthetic(pages, g);
        }
    }
}

/// Discovery: the preferred version of every group, then the resources of each; returns the
/// resources to list (the wanted built-ins, and every listable custom resource).
async fn discover<O>(api: &Api, out: &mut Collector<O>) -> Vec<Resource> {
    let mut group_versions: Vec<(String, String)> = vec![(String::new(), "v1".into())];
    match api.get("/apis").await {
        Got::Ok(body) => {
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            for g in v.get("groups").and_then(Value::as_array).into_iter().flatten() {
                let Some(name) = g.get("name").and_then(Value::as_str) else { continue };
                let Some(ver) = g.pointer("/preferredVersion/version").and_then(Value::as_str) else { continue };
                // PodSecurityPolicy is served by policy/v1beta1 only (removed in 1.25).
                if name == "policy" {
                    let versions: Vec<&str> = g
                        .get("versions")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.get("version").and_then(Value::as_str))
                        .collect();
                    if versions.contains(&"v1beta1") {
                        group_versions.push((name.into(), "v1beta1".into()));
                    }
                    continue;
                }
                if BUILTIN_GROUPS.contains(&name) && !WANTED.iter().any(|(g, _)| *g == name) {
                    continue;
                }
                group_versions.push((name.into(), ver.into()));
            }
        }
        Got::Forbidden(m) => out.gap("/apis", "get", "", "/apis", &m),
        Got::NotFound => {}
        Got::Failed(m) | Got::Gone(m) => out.error(m),
    }
    let mut resources = Vec::new();
    for (group, version) in group_versions {
        let path = if group.is_empty() { format!("/api/{version}") } else { format!("/apis/{group}/{version}") };
        let body = match api.get(&path).await {
            Got::Ok(b) => b,
            Got::Forbidden(m) => {
                out.gap(&path, "get", &group, &path, &m);
                continue;
            }
            Got::NotFound => continue,
            Got::Failed(m) | Got::Gone(m) => {
                out.error(m);
                continue;
            }
        };
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let builtin = BUILTIN_GROUPS.contains(&group.as_str());
        for r in v.get("resources").and_then(Value::as_array).into_iter().flatten() {
            let Some(plural) = r.get("name").and_then(Value::as_str) else { continue };
            if plural.contains('/') {
                continue;
            }
            let listable = r
                .get("verbs")
                .and_then(Value::as_array)
                .is_some_and(|vs| vs.iter().any(|v| v.as_str() == Some("list")));
            let wanted = WANTED.iter().any(|(g, p)| *g == group && *p == plural);
            if !listable || (builtin && !wanted) {
                continue;
            }
            resources.push(Resource {
                group: group.clone(),
                version: version.clone(),
                plural: plural.to_string(),
                kind: r.get("kind").and_then(Value::as_str).unwrap_or_default().to_string(),
                namespaced: r.get("namespaced").and_then(Value::as_bool).unwrap_or(true),
                custom: !builtin && !KEPT_CUSTOM.iter().any(|(g, p)| *g == group && *p == plural),
            });
        }
    }
    resources
}

/// Keeps, among the custom resources, those whose CustomResourceDefinition says their objects
/// may hold a pod template (`spec.template` or `spec.jobTemplate` in a served version's schema,
/// or a schema that does not say). Without this, every custom resource of the cluster would be
/// listed (and a read-only role that does not name their groups would give a gap for each).
/// When the CRDs cannot be read, no custom resource is listed and the gap says so.
async fn workload_crds_only<O>(api: &Api, out: &mut Collector<O>, resources: &mut Vec<Resource>) {
    if !resources.iter().any(|r| r.custom) {
        return;
    }
    let base = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    let mut workload: Vec<(String, String)> = Vec::new();
    let mut cont: Option<String> = None;
    loop {
        // CRDs carry their schemas (often hundreds of KB): small pages.
        let path = match &cont {
            None => format!("{base}?limit=50"),
            Some(c) => format!("{base}?limit=50&continue={}", encode(c)),
        };
        let page: Value = match api.get(&path).await {
            Got::Ok(b) => serde_json::from_slice(&b).unwrap_or(Value::Null),
            Got::Forbidden(m) => {
                out.gap(base, "list", "apiextensions.k8s.io", "customresourcedefinitions", &m);
                resources.retain(|r| !r.custom);
                return;
            }
            Got::NotFound => break,
            Got::Failed(m) | Got::Gone(m) => {
                out.error(m);
                resources.retain(|r| !r.custom);
                return;
            }
        };
        for crd in page.get("items").and_then(Value::as_array).into_iter().flatten() {
            let group = crd.pointer("/spec/group").and_then(Value::as_str).unwrap_or_default();
            let plural = crd.pointer("/spec/names/plural").and_then(Value::as_str).unwrap_or_default();
            let versions = crd.pointer("/spec/versions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
            let may_hold_template =
                versions.iter().filter(|v| v.get("served").and_then(Value::as_bool) != Some(false)).any(|v| {
                    let Some(spec) = v.pointer("/schema/openAPIV3Schema/properties/spec") else {
                        // No schema, or no `spec` in it: the schema does not say.
                        return v.pointer("/schema/openAPIV3Schema/properties").is_none();
                    };
                    spec.get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true)
                        || spec.pointer("/properties/template").is_some()
                        || spec.pointer("/properties/jobTemplate").is_some()
                });
            if may_hold_template {
                workload.push((group.to_string(), plural.to_string()));
            }
        }
        match page.pointer("/metadata/continue").and_then(Value::as_str).filter(|c| !c.is_empty()) {
            Some(c) => cont = Some(c.to_string()),
            None => break,
        }
    }
    // Custom resources served by an aggregated API server (no CRD) are not workloads.
    resources.retain(|r| !r.custom || workload.iter().any(|(g, p)| *g == r.group && *p == r.plural));
}

/// Drops what no rule reads: managed fields, the last-applied copy, status (but a Node's
/// `nodeInfo`) and a ConfigMap's `binaryData`.
fn strip(v: &mut Value, kind: &str) {
    let Some(o) = v.as_object_mut() else { return };
    if kind == "ConfigMap" {
        // No rule reads binary data; ConfigMaps are the bulk of many clusters' objects.
        o.remove("binaryData");
    }
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
    match o.remove("status") {
        Some(status) if kind == "Node" => {
            if let Some(info) = status.get("nodeInfo") {
                o.insert("status".into(), json!({"nodeInfo": info}));
            }
        }
        _ => {}
    }
}

/// Whether an object is controlled by a workload kubeward audits.
fn controlled(v: &Value) -> bool {
    v.pointer("/metadata/ownerReferences").and_then(Value::as_array).is_some_and(|refs| {
        refs.iter().any(|r| {
            r.get("controller").and_then(Value::as_bool) == Some(true)
                && r.get("kind").and_then(Value::as_str).is_some_and(|k| CONTROLLERS.contains(&k))
        })
    })
}

/// Lists one resource, page by page; returns what it kept and the names of the nodes.
async fn list<O>(sh: &Shared<'_, O>, r: &Resource) -> (Collector<O>, Vec<String>) {
    let mut out = Collector::default();
    let mut nodes = Vec::new();
    let (api, progress, page_size) = (sh.api, sh.progress, sh.page_size);
    progress(Progress::Listing {
        what: format!("{} {}", r.api_version(), r.plural),
        index: sh.started.fetch_add(1, Ordering::Relaxed),
        total: sh.total,
    });
    let base = r.list_path(sh.ns);
    let skip_controlled = matches!(r.kind.as_str(), "Pod" | "ReplicaSet" | "Job") && !r.custom;
    let api_version = r.api_version();
    let mut cont: Option<String> = None;
    // An expired `continue` token (410) restarts the list once, dropping the pages read.
    let (first_file, first_kept, first_nodes) = (out.pages.len(), out.kept, nodes.len());
    let mut restarted = false;
    let mut prefetched: Option<Prefetch> = None;
    loop {
        let path = match &cont {
            None => format!("{base}?limit={page_size}"),
            Some(c) => format!("{base}?limit={page_size}&continue={}", encode(c)),
        };
        // The page asked for while the previous one was being audited, or a first request.
        let got = match prefetched.take() {
            Some(p) => p.get().await,
            None => api.get(&path).await,
        };
        let body = match got {
            Got::Ok(b) => b,
            Got::Forbidden(m) => {
                out.gap(&base, "list", &r.group, &r.plural, &m);
                return (out, nodes);
            }
            Got::NotFound => return (out, nodes),
            Got::Gone(_) if cont.is_some() && !restarted => {
                restarted = true;
                cont = None;
                out.pages.truncate(first_file);
                out.kept = first_kept;
                nodes.truncate(first_nodes);
                continue;
            }
            Got::Gone(m) | Got::Failed(m) => {
                out.error(m);
                return (out, nodes);
            }
        };
        let page: Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                out.error(format!("GET {path}: not a JSON list: {e}"));
                return (out, nodes);
            }
        };
        drop(body);
        let Value::Object(mut page) = page else {
            out.error(format!("GET {path}: not a JSON list"));
            return (out, nodes);
        };
        let next = page
            .get("metadata")
            .and_then(|m| m.get("continue"))
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        let items = match page.remove("items") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        drop(page);
        // The server prepares the next page while this one is turned into trees and audited.
        if let Some(c) = &next {
            prefetched = Some(Prefetch::start(api, format!("{base}?limit={page_size}&continue={}", encode(c))));
        }
        let mut documents = Vec::with_capacity(items.len());
        for mut item in items {
            out.received += 1;
            if skip_controlled && controlled(&item) {
                continue;
            }
            if let Some(o) = item.as_object_mut() {
                o.insert("apiVersion".into(), Value::String(api_version.clone()));
                o.insert("kind".into(), Value::String(r.kind.clone()));
            }
            strip(&mut item, &r.kind);
            if r.kind == "Node" {
                if let Some(n) = item.pointer("/metadata/name").and_then(Value::as_str) {
                    nodes.push(n.to_string());
                }
            }
            let root = Node::from_json(&item);
            drop(item);
            if r.custom && !has_pod_template(&root) {
                continue;
            }
            documents.push(Document { root, duplicates: Vec::new() });
        }
        out.kept += documents.len();
        progress(Progress::Objects(sh.kept.fetch_add(documents.len(), Ordering::Relaxed) + documents.len()));
        if !documents.is_empty() {
            out.pages.push(sh.pages.give(documents));
        }
        match next {
            Some(c) => cont = Some(c),
            None => return (out, nodes),
        }
    }
}

/// A GET started on the runtime ahead of time (the next page of a list).
struct Prefetch {
    path: String,
    task: tokio::task::JoinHandle<Got>,
}

impl Prefetch {
    fn start(api: &std::sync::Arc<Api>, path: String) -> Self {
        let (api, p) = (api.clone(), path.clone());
        Self { path, task: tokio::spawn(async move { api.get(&p).await }) }
    }

    async fn get(mut self) -> Got {
        match (&mut self.task).await {
            Ok(got) => got,
            Err(e) => Got::Failed(format!("GET {}: {e}", self.path)),
        }
    }
}

impl Drop for Prefetch {
    /// A list that stops early (its future dropped) does not leave its next request running.
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn has_pod_template(root: &Node) -> bool {
    let origin = Origin { file: None, file_index: 0, doc_index: 0, item: None, partial: false };
    Object::from_node(root, origin).is_some_and(|o| PodSpecView::of(&o).is_some())
}

/// Percent-encodes a `continue` token for a query string.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Runs [`collect`] on a new runtime (for the synchronous CLI).
///
/// # Errors
/// As [`collect`], and a runtime that cannot start.
pub fn collect_blocking(opts: &Options, progress: &(dyn Fn(Progress) + Sync)) -> Result<Collected, ConnectError> {
    runtime()?.block_on(collect(opts, progress))
}

fn runtime() -> Result<tokio::runtime::Runtime, ConnectError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ConnectError(format!("cannot start the async runtime: {e}")))
}

/// Runs [`collect_pages`] on a new runtime (for the synchronous CLI).
///
/// # Errors
/// As [`collect_pages`], and a runtime that cannot start.
pub fn collect_pages_blocking<O>(
    opts: &Options,
    progress: &(dyn Fn(Progress) + Sync),
    page: &(dyn Fn(usize, SourceFile) -> O + Sync),
    take: &mut dyn FnMut(O),
) -> Result<Listed, ConnectError> {
    runtime()?.block_on(collect_pages(opts, progress, page, take))
}
