//! `kubeward serve` over real HTTPS on loopback, with a test CA made by rcgen (ring).
//!
//! Every test waits for behaviour (a response, a certificate, a status), never for a time.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use std::convert::Infallible;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use kubeward_engine::settings::serve::Mode;
use kubeward_engine::Settings;
use kubeward_server::review::Policy;
use kubeward_server::{Config, Server};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_rustls::TlsConnector;

// ---------------------------------------------------------------- PKI

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    der: CertificateDer<'static>,
}

fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Ca { der: cert.der().clone(), params, key }
}

/// A serving certificate for `localhost`: (cert PEM, key PEM, cert DER).
fn leaf(ca: &Ca, cn: &str) -> (String, String, CertificateDer<'static>) {
    let mut params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    let key = KeyPair::generate().unwrap();
    let issuer = Issuer::from_params(&ca.params, &ca.key);
    let cert = params.signed_by(&key, &issuer).unwrap();
    (cert.pem(), key.serialize_pem(), cert.der().clone())
}

/// Writes a cert/key pair the way a Kubernetes Secret volume does: the files are symlinks
/// through `..data`, a symlink to a timestamped directory, swapped atomically on update.
fn write_secret_volume(dir: &Path, version: u32, cert: &str, key: &str) {
    let data = dir.join(format!("..v{version}"));
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("tls.crt"), cert).unwrap();
    std::fs::write(data.join("tls.key"), key).unwrap();
    let tmp = dir.join("..data_tmp");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(format!("..v{version}"), &tmp).unwrap();
    std::fs::rename(&tmp, dir.join("..data")).unwrap();
    for f in ["tls.crt", "tls.key"] {
        if std::fs::symlink_metadata(dir.join(f)).is_err() {
            std::os::unix::fs::symlink(format!("..data/{f}"), dir.join(f)).unwrap();
        }
    }
}

// ---------------------------------------------------------------- server

struct Running {
    addr: SocketAddr,
    health: SocketAddr,
    roots: Vec<CertificateDer<'static>>,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
    dir: PathBuf,
}

async fn start_with(settings: Settings, tweak: impl FnOnce(&mut Config)) -> Running {
    let ca = ca("kubeward test CA");
    let (cert, key, _) = leaf(&ca, "server-1");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    write_secret_volume(&dir, 1, &cert, &key);
    let policy = Policy::from_settings(&settings, "kubeward").unwrap();
    let mut cfg = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        "127.0.0.1:0".parse().unwrap(),
        dir.join("tls.crt"),
        dir.join("tls.key"),
        settings,
        policy,
    );
    cfg.log_decisions = false;
    tweak(&mut cfg);
    let server = Server::bind(cfg).await.unwrap();
    let (addr, health) = (server.local_addr().unwrap(), server.health_addr().unwrap());
    let (tx, rx) = oneshot::channel::<()>();
    let done = tokio::spawn(server.run(async move {
        let _ = rx.await;
    }));
    Running { addr, health, roots: vec![ca.der.clone()], stop: Some(tx), done, _dir: tmp, dir }
}

async fn start() -> Running {
    start_with(Settings::default(), |_| {}).await
}

// ---------------------------------------------------------------- client

type Body = BoxBody<Bytes, Infallible>;

struct Conn {
    send: SendRequest<Body>,
    peer: CertificateDer<'static>,
}

fn connector(roots: &[CertificateDer<'static>]) -> TlsConnector {
    let mut store = rustls::RootCertStore::empty();
    for r in roots {
        store.add(r.clone()).unwrap();
    }
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(cfg))
}

async fn connect(addr: SocketAddr, roots: &[CertificateDer<'static>]) -> Conn {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let tls = connector(roots).connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
    let peer = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.unwrap();
    tokio::spawn(conn);
    Conn { send, peer }
}

async fn post(c: &mut Conn, path: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
    c.send.ready().await.unwrap();
    let req = Request::post(path)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)).boxed())
        .unwrap();
    let resp = c.send.send_request(req).await.unwrap();
    let status = resp.status();
    (status, resp.into_body().collect().await.unwrap().to_bytes().to_vec())
}

/// Sends a review on a new connection and returns the `response` object.
async fn judge(r: &Running, review: &Value) -> Value {
    let mut c = connect(r.addr, &r.roots).await;
    let (status, body) = post(&mut c, "/validate", serde_json::to_vec(review).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(v["kind"], "AdmissionReview");
    assert_eq!(v["response"]["uid"], review["request"]["uid"], "the response echoes the request uid");
    v["response"].clone()
}

async fn health_get(addr: SocketAddr, path: &str) -> (StatusCode, String) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(conn);
    let resp = send.send_request(Request::get(path).body(Full::new(Bytes::new())).unwrap()).await.unwrap();
    let status = resp.status();
    (status, String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned())
}

// ---------------------------------------------------------------- objects

fn review(op: &str, ns: &str, object: Value) -> Value {
    let kind = object["kind"].as_str().unwrap_or("Pod").to_string();
    let api = object["apiVersion"].as_str().unwrap_or("v1").to_string();
    let (group, version) = api.rsplit_once('/').map_or((String::new(), api.clone()), |(g, v)| (g.into(), v.into()));
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": format!("uid-{op}-{kind}-{ns}"),
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": format!("{}s", kind.to_lowercase())},
            "name": object["metadata"]["name"].clone(),
            "namespace": ns,
            "operation": op,
            "userInfo": {"username": "alice@example.com", "groups": ["system:authenticated"]},
            "object": if op == "DELETE" { Value::Null } else { object.clone() },
            "oldObject": if op == "CREATE" { Value::Null } else { object },
            "dryRun": false
        }
    })
}

fn privileged_pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "root-shell", "labels": {"app": "x"}},
        "spec": {"containers": [{"name": "shell", "image": "registry.example.com/tools/shell:1.0",
            "securityContext": {"privileged": true}}]}})
}

fn hardened_pod_spec() -> Value {
    json!({
        "serviceAccountName": "web",
        "automountServiceAccountToken": false,
        "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "web",
            "image": "registry.example.com/shop/web:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "imagePullPolicy": "Always",
            "ports": [{"containerPort": 8080}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
            "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                "capabilities": {"drop": ["ALL"]}}
        }]
    })
}

fn hardened_deployment() -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": hardened_pod_spec()}}})
}

fn codes_in(text: &str) -> bool {
    text.contains("POD001")
}

// ---------------------------------------------------------------- tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privileged_pod_is_denied_with_its_reason() {
    let r = start().await;
    let resp = judge(&r, &review("CREATE", "shop", privileged_pod())).await;
    assert_eq!(resp["allowed"], false);
    assert_eq!(resp["status"]["code"], 403);
    let msg = resp["status"]["message"].as_str().unwrap();
    assert!(codes_in(msg), "{msg}");
    assert!(msg.contains("/spec/containers/0/securityContext/privileged"), "the JSON path is named: {msg}");
    assert!(msg.contains("Fix: "), "the remediation is given: {msg}");
    assert!(msg.contains("Pod shop/root-shell"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hardened_deployment_is_allowed() {
    let r = start().await;
    let resp = judge(&r, &review("CREATE", "shop", hardened_deployment())).await;
    assert_eq!(resp["allowed"], true, "{resp}");
    assert!(resp.get("status").is_none(), "{resp}");
    assert!(resp.get("warnings").is_none(), "the hardened deployment has no finding at all: {resp}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cronjob_and_crd_workload_are_judged_by_their_pod_templates() {
    let r = start().await;
    let mut spec = hardened_pod_spec();
    spec["hostPID"] = json!(true);
    spec["restartPolicy"] = json!("OnFailure");
    let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"metadata": {"labels": {"app": "n"}}, "spec": spec}}}}});
    let resp = judge(&r, &review("CREATE", "shop", cron)).await;
    assert_eq!(resp["allowed"], false, "{resp}");
    let msg = resp["status"]["message"].as_str().unwrap();
    assert!(msg.contains("/spec/jobTemplate/spec/template/spec/hostPID"), "{msg}");

    let mut spec = hardened_pod_spec();
    spec["containers"][0]["securityContext"]["privileged"] = json!(true);
    let rollout = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "canary"},
        "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "c"}}, "spec": spec}}});
    let resp = judge(&r, &review("CREATE", "shop", rollout)).await;
    assert_eq!(resp["allowed"], false, "{resp}");
    let msg = resp["status"]["message"].as_str().unwrap();
    assert!(
        msg.contains("POD001") && msg.contains("/spec/template/spec/containers/0/securityContext/privileged"),
        "{msg}"
    );
    assert!(msg.contains("Rollout shop/canary"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_is_judged_the_same() {
    let r = start().await;
    let mut rv = review("CREATE", "shop", privileged_pod());
    rv["request"]["dryRun"] = json!(true);
    let dry = judge(&r, &rv).await;
    let real = judge(&r, &review("CREATE", "shop", privileged_pod())).await;
    assert_eq!(dry["allowed"], false);
    assert_eq!(dry["status"], real["status"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_judges_the_new_object() {
    let r = start().await;
    // Fixing a privileged pod: the old object is bad, the new one is good.
    let mut rv = review("UPDATE", "shop", hardened_deployment());
    let mut old = hardened_deployment();
    old["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    rv["request"]["oldObject"] = old.clone();
    assert_eq!(judge(&r, &rv).await["allowed"], true);
    // Breaking it: the new object is bad.
    let mut rv = review("UPDATE", "shop", old);
    rv["request"]["oldObject"] = hardened_deployment();
    assert_eq!(judge(&r, &rv).await["allowed"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_and_connect_are_allowed() {
    let r = start().await;
    let resp = judge(&r, &review("DELETE", "shop", privileged_pod())).await;
    assert_eq!(resp["allowed"], true);
    let mut rv = review("CONNECT", "shop", privileged_pod());
    rv["request"]["subResource"] = json!("exec");
    rv["request"]["object"] = json!({"kind": "PodExecOptions", "apiVersion": "v1", "command": ["sh"]});
    assert_eq!(judge(&r, &rv).await["allowed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_below_the_threshold_are_warnings() {
    let mut d = hardened_deployment();
    d["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({});
    let r = start().await;
    let resp = judge(&r, &review("CREATE", "shop", d.clone())).await;
    assert_eq!(resp["allowed"], true, "{resp}");
    let warnings: Vec<&str> = resp["warnings"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(
        warnings.iter().any(|w| w.starts_with("POD017 (medium) /spec/template/spec/containers/0/resources")),
        "{warnings:?}"
    );

    // The same object with --deny-at medium is denied.
    let mut settings = Settings::default();
    settings.serve.deny_at = Some("medium".into());
    let r = start_with(settings, |_| {}).await;
    let resp = judge(&r, &review("CREATE", "shop", d)).await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert!(resp["status"]["message"].as_str().unwrap().contains("POD017"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_mode_never_denies_and_annotates() {
    let r = start_with(Settings::default(), |c| c.policy.mode = Mode::Audit).await;
    let resp = judge(&r, &review("CREATE", "shop", privileged_pod())).await;
    assert_eq!(resp["allowed"], true);
    assert!(resp.get("status").is_none());
    assert_eq!(resp["auditAnnotations"]["would-deny"], "true");
    assert!(resp["auditAnnotations"]["findings"].as_str().unwrap().contains("POD001"));
    let warnings = resp["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w.as_str().unwrap().starts_with("would deny: POD001")), "{warnings:?}");
    let resp = judge(&r, &review("CREATE", "shop", hardened_deployment())).await;
    assert_eq!(resp["auditAnnotations"]["would-deny"], "false");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exempt_namespaces_by_name_and_label() {
    let mut settings = Settings::default();
    settings.serve.exempt_namespaces = Some(vec!["kube-system".into(), "legacy".into()]);
    settings.serve.exempt_namespace_labels.insert("kubeward.io/exempt".into(), "true".into());
    settings.serve.annotation_exemptions_in = vec!["sandbox".into()];
    let r = start_with(settings, |_| {}).await;
    for ns in ["kube-system", "legacy", "kubeward"] {
        assert_eq!(judge(&r, &review("CREATE", ns, privileged_pod())).await["allowed"], true, "{ns} is exempt");
    }
    assert_eq!(judge(&r, &review("CREATE", "shop", privileged_pod())).await["allowed"], false);

    // Labels: the API server does not send the labels of an object's namespace (the
    // webhook's namespaceSelector applies them); a Namespace object carries its own.
    let ns = |labels: Value| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a", "labels": labels}});
    let exempt = judge(&r, &review("CREATE", "", ns(json!({"kubeward.io/exempt": "true"})))).await;
    assert_eq!(exempt["allowed"], true);
    assert!(exempt.get("warnings").is_none(), "an exempt namespace is not judged: {exempt}");
    let judged = judge(&r, &review("CREATE", "", ns(json!({"team": "a"})))).await;
    assert!(judged.get("warnings").is_some(), "a namespace without Pod Security labels gets warnings: {judged}");

    // Annotation exemptions count only where the config allows them.
    let mut pod = privileged_pod();
    pod["metadata"]["annotations"] =
        json!({"kubeward.io/ignore": "POD001,POD002,POD003", "kubeward.io/ignore-reason": "debug pod"});
    assert_eq!(judge(&r, &review("CREATE", "sandbox", pod.clone())).await["allowed"], true);
    assert_eq!(judge(&r, &review("CREATE", "shop", pod)).await["allowed"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_bodies_are_rejected() {
    let r = start_with(Settings::default(), |c| c.max_body_bytes = 64 << 10).await;
    let mut c = connect(r.addr, &r.roots).await;
    for (body, expect) in [
        (&b"{not json"[..], "not a valid AdmissionReview JSON"),
        (b"{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}", "expected kind AdmissionReview"),
        (b"{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{}}", "expected apiVersion"),
        (b"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"operation\":\"CREATE\"}}", "uid"),
        (b"\xff\xfe\x00", "not a valid AdmissionReview JSON"),
        (b"", "not a valid AdmissionReview JSON"),
    ] {
        let (status, text) = post(&mut c, "/validate", body.to_vec()).await;
        let text = String::from_utf8_lossy(&text);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
        assert!(text.contains(expect), "{text}");
    }
    // Deep nesting is refused by the JSON parser, not by a stack overflow.
    let mut c = connect(r.addr, &r.roots).await;
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let (status, _) = post(&mut c, "/validate", deep.into_bytes()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Oversized: refused on the declared length before the body is read...
    let (status, text) = post_oversized(connect(r.addr, &r.roots).await, Some(1 << 20), Bytes::from_static(b"{")).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    assert!(text.contains("larger than 65536 bytes"), "{text}");
    // ... or, with no length (chunked), once the limit is passed.
    let mut big = serde_json::to_vec(&review("CREATE", "shop", privileged_pod())).unwrap();
    big.resize((64 << 10) + 1, b' ');
    let (status, _) = post_oversized(connect(r.addr, &r.roots).await, None, Bytes::from(big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let mut c = connect(r.addr, &r.roots).await;
    let (status, _) = post(&mut c, "/other", b"{}".to_vec()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    c.send.ready().await.unwrap();
    let resp =
        c.send.send_request(Request::get("/validate").body(Full::new(Bytes::new()).boxed()).unwrap()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);

    // The server still answers after all that.
    assert_eq!(judge(&r, &review("CREATE", "shop", hardened_deployment())).await["allowed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let r = start().await;
    assert_eq!(health_get(r.health, "/healthz").await.0, StatusCode::OK);
    assert_eq!(health_get(r.health, "/readyz").await.0, StatusCode::OK);
    judge(&r, &review("CREATE", "shop", privileged_pod())).await;
    judge(&r, &review("CREATE", "shop", hardened_deployment())).await;
    let mut c = connect(r.addr, &r.roots).await;
    post(&mut c, "/validate", b"nope".to_vec()).await;
    let (status, m) = health_get(r.health, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(m.contains("kubeward_admission_requests_total{code=\"200\"} 2"), "{m}");
    assert!(m.contains("kubeward_admission_requests_total{code=\"400\"} 1"), "{m}");
    assert!(m.contains("kubeward_admission_decisions_total{verdict=\"denied\"} 1"), "{m}");
    assert!(m.contains("kubeward_admission_decisions_total{verdict=\"allowed\"} 1"), "{m}");
    assert!(m.contains("kubeward_admission_findings_total{rule=\"POD001\",verdict=\"deny\"} 1"), "{m}");
    assert!(m.contains("kubeward_admission_request_duration_seconds_count 3"), "{m}");
    assert!(m.contains("kubeward_admission_request_duration_seconds_bucket{le=\"+Inf\"} 3"), "{m}");
}

/// Sends `first` of a body that is declared (or turns out) larger than the limit, and reads
/// the response without writing more (the server answers 413 and closes the connection).
async fn post_oversized(mut c: Conn, declared: Option<usize>, first: Bytes) -> (StatusCode, String) {
    let (mut tx, chan) = http_body_util::channel::Channel::<Bytes>::new(4);
    let mut req = Request::post("/validate").header("content-type", "application/json");
    if let Some(n) = declared {
        req = req.header("content-length", n);
    }
    c.send.ready().await.unwrap();
    let fut = c.send.send_request(req.body(chan.boxed()).unwrap());
    // The server may answer (and drop the body) before this chunk is sent.
    let _ = tx.send_data(first).await;
    let resp = fut.await.unwrap();
    let status = resp.status();
    let text = String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned();
    drop(tx);
    (status, text)
}

/// A review sent in two halves: the first now, the second when the test says.
struct SlowRequest {
    tx: http_body_util::channel::Sender<Bytes>,
    rest: Bytes,
    response: tokio::task::JoinHandle<(StatusCode, Value, Conn)>,
}

async fn start_slow_request(mut c: Conn, review: &Value) -> SlowRequest {
    let body = serde_json::to_vec(review).unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    let (mut tx, chan) = http_body_util::channel::Channel::<Bytes>::new(4);
    tx.send_data(Bytes::copy_from_slice(first)).await.unwrap();
    let len = body.len();
    let rest = Bytes::copy_from_slice(rest);
    let response = tokio::spawn(async move {
        c.send.ready().await.unwrap();
        let req = Request::post("/validate")
            .header("content-type", "application/json")
            .header("content-length", len)
            .body(chan.boxed())
            .unwrap();
        let resp = c.send.send_request(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null), c)
    });
    SlowRequest { tx, rest, response }
}

impl SlowRequest {
    async fn finish(mut self) -> (StatusCode, Value, Conn) {
        self.tx.send_data(self.rest).await.unwrap();
        drop(self.tx);
        self.response.await.unwrap()
    }
}

/// Polls (bounded) until `f` holds; the bound is a failure, not a timing assertion.
async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..1200 {
        if f().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("never happened: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_rotation_keeps_in_flight_requests() {
    let mut r =
        start_with(Settings::default(), |c| c.cert_reload_interval = std::time::Duration::from_millis(50)).await;
    let ca2 = ca("kubeward test CA 2");
    r.roots.push(ca2.der.clone());
    let (cert_b, key_b, der_b) = leaf(&ca2, "server-2");

    let before = connect(r.addr, &r.roots).await;
    let old_cert = before.peer.clone();
    assert_ne!(old_cert, der_b);
    let rv = review("CREATE", "shop", privileged_pod());
    let slow = start_slow_request(before, &rv).await;

    // Rotate the way the kubelet updates a Secret volume: swap the `..data` symlink.
    write_secret_volume(&r.dir, 2, &cert_b, &key_b);
    let (addr, roots) = (r.addr, r.roots.clone());
    eventually("new connections get the new certificate", || {
        let (roots, der_b) = (roots.clone(), der_b.clone());
        async move { connect(addr, &roots).await.peer == der_b }
    })
    .await;

    // The request that was in flight during the rotation completes on its old connection.
    let (status, resp, mut conn) = slow.finish().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resp["response"]["uid"], rv["request"]["uid"]);
    assert_eq!(resp["response"]["allowed"], false);
    assert_eq!(conn.peer, old_cert);
    // ... and that connection stays usable.
    let (status, _) = post(&mut conn, "/validate", serde_json::to_vec(&rv).unwrap()).await;
    assert_eq!(status, StatusCode::OK);

    // A broken update is not loaded: the last good certificate keeps serving.
    write_secret_volume(&r.dir, 3, "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n", &key_b);
    let health = r.health;
    eventually("the failed reload is counted", || async move {
        health_get(health, "/metrics").await.1.contains("kubeward_tls_certificate_reload_errors_total 1")
    })
    .await;
    assert_eq!(connect(r.addr, &r.roots).await.peer, der_b);
    let (_, m) = health_get(r.health, "/metrics").await;
    assert!(m.contains("kubeward_tls_certificate_reloads_total 1"), "{m}");
    r.stop.take();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_drains_in_flight_requests() {
    let mut r = start().await;
    let rv = review("CREATE", "shop", hardened_deployment());
    let slow = start_slow_request(connect(r.addr, &r.roots).await, &rv).await;
    // Make sure the server is reading that request before shutting down.
    let health = r.health;
    eventually("the request is in flight", || async move {
        health_get(health, "/metrics").await.1.contains("kubeward_admission_in_flight 1")
    })
    .await;

    let _ = r.stop.take().map(|s| s.send(()));
    eventually("/readyz fails while draining", || async move {
        health_get(health, "/readyz").await.0 == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    // New connections are refused once draining starts.
    let addr = r.addr;
    eventually("the listener is closed", || async move { TcpStream::connect(addr).await.is_err() }).await;

    let (status, resp, _) = slow.finish().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resp["response"]["allowed"], true);
    assert_eq!(resp["response"]["uid"], rv["request"]["uid"]);
    r.done.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_requests_on_keep_alive_connections() {
    let r = start().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (addr, roots) = (r.addr, r.roots.clone());
        tasks.push(tokio::spawn(async move {
            let mut c = connect(addr, &roots).await;
            for j in 0..25 {
                let obj = if (i + j) % 2 == 0 { privileged_pod() } else { hardened_deployment() };
                let (status, body) =
                    post(&mut c, "/validate", serde_json::to_vec(&review("CREATE", "shop", obj)).unwrap()).await;
                assert_eq!(status, StatusCode::OK);
                let v: Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(v["response"]["allowed"], (i + j) % 2 == 1);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (_, m) = health_get(r.health, "/metrics").await;
    assert!(m.contains("kubeward_admission_requests_total{code=\"200\"} 200"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_request_times_out() {
    let r = start_with(Settings::default(), |c| c.request_timeout = std::time::Duration::from_millis(300)).await;
    let slow = start_slow_request(connect(r.addr, &r.roots).await, &review("CREATE", "shop", privileged_pod())).await;
    // The rest of the body never comes: the server answers 408 instead of waiting forever.
    let (status, _, _) = slow.response.await.unwrap();
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    drop(slow.tx);
    assert_eq!(judge(&r, &review("CREATE", "shop", hardened_deployment())).await["allowed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_clients_are_served() {
    let r = start().await;
    let mut store = rustls::RootCertStore::empty();
    store.add(r.roots[0].clone()).unwrap();
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = TcpStream::connect(r.addr).await.unwrap();
    let tls = TlsConnector::from(Arc::new(cfg)).connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), TokioIo::new(tls)).await.unwrap();
    tokio::spawn(conn);
    let body = serde_json::to_vec(&review("CREATE", "shop", privileged_pod())).unwrap();
    let resp = send
        .send_request(Request::post("https://localhost/validate").body(Full::new(Bytes::from(body))).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(v["response"]["allowed"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_body_holds_no_judging_slot() {
    // `max_in_flight` counts requests being judged, from the end of their body: a client
    // sending its body slowly does not hold the only slot (issue 15).
    let r = start_with(Settings::default(), |c| c.max_in_flight = 1).await;
    let first_review = review("CREATE", "shop", privileged_pod());
    let first = start_slow_request(connect(r.addr, &r.roots).await, &first_review).await;
    let health = r.health;
    eventually("the first request is being read", || async move {
        health_get(health, "/metrics").await.1.contains("kubeward_admission_in_flight 1")
    })
    .await;
    // The second request is judged while the first one's body is still incomplete...
    let mut c = connect(r.addr, &r.roots).await;
    let (status, body) =
        post(&mut c, "/validate", serde_json::to_vec(&review("CREATE", "shop", hardened_deployment())).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["response"]["allowed"], true);
    assert!(!first.response.is_finished());
    // ... and the first one is judged once its body is complete.
    let (status, resp, _) = first.finish().await;
    assert_eq!((status, resp["response"]["allowed"].as_bool()), (StatusCode::OK, Some(false)));
}

/// With `--image-reports`, a pod whose image has a blocking vulnerability in a scanner report
/// is denied by IMG006; other images pass; the reports are re-read when the directory changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_reports_deny_vulnerable_images() {
    let reports = tempfile::tempdir().unwrap();
    let image = "registry.example.com/shop/legacy:2.0";
    let trivy = json!({
        "SchemaVersion": 2,
        "ArtifactName": image,
        "ArtifactType": "container_image",
        "Results": [{
            "Target": "registry.example.com/shop/legacy:2.0 (debian 12.5)",
            "Class": "os-pkgs",
            "Type": "debian",
            "Vulnerabilities": [{
                "VulnerabilityID": "CVE-2024-6387",
                "PkgName": "openssh-server",
                "InstalledVersion": "1:9.2p1-2+deb12u2",
                "FixedVersion": "1:9.2p1-2+deb12u3",
                "Severity": "CRITICAL"
            }]
        }]
    });
    std::fs::write(reports.path().join("legacy.trivy.json"), trivy.to_string()).unwrap();
    let dir = reports.path().to_path_buf();
    let r = start_with(Settings::default(), move |c| {
        c.image_reports = Some(dir);
        c.cert_reload_interval = std::time::Duration::from_millis(50);
    })
    .await;
    let mut spec = hardened_pod_spec();
    spec["containers"][0]["image"] = json!(image);
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "legacy"}, "spec": spec});
    let resp = judge(&r, &review("CREATE", "shop", pod.clone())).await;
    assert_eq!(resp["allowed"], false, "{resp}");
    let msg = resp["status"]["message"].as_str().unwrap();
    assert!(
        msg.contains("IMG006") && msg.contains("CVE-2024-6387") && msg.contains("/spec/containers/0/image"),
        "{msg}"
    );
    // Another image is not affected.
    let resp = judge(&r, &review("CREATE", "shop", hardened_deployment())).await;
    assert_eq!(resp["allowed"], true, "{resp}");
    // The report goes away (the image was rebuilt): the pod is allowed once the directory is re-read.
    std::fs::remove_file(reports.path().join("legacy.trivy.json")).unwrap();
    let mut allowed = false;
    for _ in 0..200 {
        let resp = judge(&r, &review("CREATE", "shop", pod.clone())).await;
        if resp["allowed"] == true {
            allowed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(allowed, "the reports directory was not re-read");
}
