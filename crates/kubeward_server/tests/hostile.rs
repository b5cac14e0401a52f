//! `kubeward serve` under hostile clients (issue 15, points 5, 6 and 17), over real HTTPS on
//! 127.0.0.1: one costly review, idle connections, slow bodies, too many connections.
//!
//! Timing: tests wait for behaviour; where a time matters, the bound asserted is far from the
//! configured timeouts (several times over), never a tight latency.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use kubeward_engine::settings::serve::Mode;
use kubeward_engine::Settings;
use kubeward_server::review::{Evaluator, Policy};
use kubeward_server::{Config, OnTimeout, Server};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

// ---------------------------------------------------------------- server and clients

struct Running {
    addr: SocketAddr,
    health: SocketAddr,
    ca: CertificateDer<'static>,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn start_with(tweak: impl FnOnce(&mut Config)) -> Running {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, "hostile test CA");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_key = KeyPair::generate().unwrap();
    let ca = params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &Issuer::from_params(&params, &ca_key))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tls.crt"), leaf.pem()).unwrap();
    std::fs::write(dir.path().join("tls.key"), key.serialize_pem()).unwrap();
    let settings = Settings::default();
    let policy = Policy::from_settings(&settings, "kubeward").unwrap();
    let mut cfg = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("tls.crt"),
        dir.path().join("tls.key"),
        settings,
        policy,
    );
    cfg.log_decisions = false;
    tweak(&mut cfg);
    let server = Server::bind(cfg).await.unwrap();
    let (addr, health) = (server.local_addr().unwrap(), server.health_addr().unwrap());
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(server.run(async move {
        let _ = rx.await;
    }));
    Running { addr, health, ca: ca.der().clone(), _stop: tx, _dir: dir }
}

fn connector(ca: &CertificateDer<'static>, alpn: &[&[u8]]) -> TlsConnector {
    let mut store = rustls::RootCertStore::empty();
    store.add(ca.clone()).unwrap();
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth();
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    TlsConnector::from(Arc::new(cfg))
}

async fn tls(r: &Running, alpn: &[&[u8]]) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(r.addr).await.unwrap();
    connector(&r.ca, alpn).connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap()
}

type Body = BoxBody<Bytes, Infallible>;

async fn h1(r: &Running) -> hyper::client::conn::http1::SendRequest<Body> {
    let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls(r, &[b"http/1.1"]).await)).await.unwrap();
    tokio::spawn(conn);
    send
}

async fn post(send: &mut hyper::client::conn::http1::SendRequest<Body>, body: Vec<u8>) -> (StatusCode, Value) {
    send.ready().await.unwrap();
    let req = Request::post("/validate")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)).boxed())
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into())))
}

async fn health_get(addr: SocketAddr, path: &str) -> (StatusCode, String) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(conn);
    let resp = send.send_request(Request::get(path).body(Full::new(Bytes::new())).unwrap()).await.unwrap();
    let status = resp.status();
    (status, String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned())
}

/// A metric's value from `/metrics`.
async fn metric(r: &Running, name: &str) -> u64 {
    let text = health_get(r.health, "/metrics").await.1;
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

fn review(uid: &str, object: Value) -> Value {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": "shop",
        "operation": "CREATE", "userInfo": {"username": "mallory"}, "object": object}})
}

/// The review of issue 15: one pod with `n` privileged containers (22,000: a 1.6 MB body).
fn many_privileged(n: usize) -> Value {
    let containers: Vec<Value> = (0..n)
        .map(|i| json!({"name": format!("c{i}"), "image": "nginx", "securityContext": {"privileged": true}}))
        .collect();
    review(
        "many",
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "many"}, "spec": {"containers": containers}}),
    )
}

fn small_privileged(uid: &str) -> Value {
    review(
        uid,
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "securityContext": {"privileged": true}}]}}),
    )
}

// ---------------------------------------------------------------- point 5, 17: bounded work

/// The costly tests run one at a time: each keeps both cores busy judging tens of thousands of
/// containers, and together they would starve one another past their request timeouts.
/// (A tokio mutex: the async tests hold it across awaits, and it is not poisoned by a failure.)
static COSTLY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// 22,000 privileged containers: the response lists the most severe findings and counts the
/// rest; it stays a few KiB (it was 15.5 MB), and within the API server's warning limits.
#[test]
fn huge_review_gives_a_bounded_response() {
    let _costly = COSTLY.blocking_lock();
    let settings = Settings::default();
    for mode in [Mode::Enforce, Mode::Audit] {
        let mut policy = Policy::from_settings(&settings, "kubeward").unwrap();
        policy.mode = mode;
        let e = Evaluator::new(&settings, policy);
        let body = serde_json::to_vec(&many_privileged(22_000)).unwrap();
        assert!(body.len() > 1_500_000, "{}", body.len());
        let d = e.review(&body).unwrap();
        assert!(d.body.len() < 16 << 10, "{mode:?}: response of {} bytes", d.body.len());
        let v: Value = serde_json::from_slice(&d.body).unwrap();
        let pod001 = d.denying.iter().find(|c| c.code == "POD001").expect("POD001 counted");
        assert_eq!(pod001.count, 22_000, "every finding is counted, listed or not");
        assert!(d.denying.len() < 200, "one entry per rule: {}", d.denying.len());
        let warnings: Vec<&str> =
            v["response"]["warnings"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert!(warnings.iter().all(|w| w.chars().count() <= 256), "{warnings:?}");
        let total: usize = warnings.iter().map(|w| w.chars().count() + 8).sum();
        assert!(total <= 4096, "the API server keeps 4096 characters of warnings: {total}");
        let last = warnings.last().unwrap();
        assert!(last.starts_with("kubeward: ") && last.contains(" more findings"), "{last}");
        if mode == Mode::Enforce {
            assert_eq!(v["response"]["allowed"], false);
            let msg = v["response"]["status"]["message"].as_str().unwrap();
            let listed = msg.lines().filter(|l| l.starts_with("- ") && !l.starts_with("- and ")).count();
            assert_eq!(listed, kubeward_server::review::MAX_DENY_LISTED, "{msg}");
            assert!(msg.contains("more (run `kubeward scan`"), "{msg}");
            // The most severe findings are the ones listed.
            let worst = d.denying.first().unwrap();
            assert!(msg.contains(&format!("({})", worst.severity)), "{msg}");
        } else {
            assert_eq!(v["response"]["allowed"], true);
            assert!(v["response"]["auditAnnotations"]["findings"].as_str().unwrap().len() < 2000);
        }
    }
}

/// Request fields quoted in the deny message are clipped: a 1 MB name does not make a 1 MB
/// message (or 20 of them).
#[test]
fn long_names_are_clipped_in_messages() {
    let settings = Settings::default();
    let e = Evaluator::new(&settings, Policy::from_settings(&settings, "kubeward").unwrap());
    let long = "n".repeat(1 << 20);
    let containers: Vec<Value> = (0..30)
        .map(|i| json!({"name": format!("{long}{i}"), "image": "nginx", "securityContext": {"privileged": true}}))
        .collect();
    let mut r = review(
        &long,
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": long}, "spec": {"containers": containers}}),
    );
    r["request"]["kind"]["kind"] = json!(long);
    let d = e.review(&serde_json::to_vec(&r).unwrap()).unwrap();
    let v: Value = serde_json::from_slice(&d.body).unwrap();
    assert_eq!(v["response"]["uid"], json!(long), "the uid is echoed whole");
    let msg = v["response"]["status"]["message"].as_str().unwrap();
    assert!(msg.len() < 32 << 10, "deny message of {} bytes", msg.len());
    assert!(d.body.len() < (1 << 20) + (48 << 10), "response of {} bytes", d.body.len());
    // A 400 quotes the bad field clipped.
    for (field, value) in [("/request/operation", json!(long)), ("/kind", json!(long)), ("/apiVersion", json!(long))] {
        let mut bad = small_privileged("u");
        *bad.pointer_mut(field).unwrap() = value;
        let err = e.review(&serde_json::to_vec(&bad).unwrap()).unwrap_err();
        assert!(err.0.len() < 1024, "{field}: a 400 message of {} bytes", err.0.len());
    }
}

/// A costly review is judged off the async workers: the health listener answers while it is
/// judged, and the request timeout is enforced with the configured answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn costly_reviews_do_not_stall_health_and_time_out_as_configured() {
    let _costly = COSTLY.lock().await;
    for (on_timeout, audit, status, allowed) in [
        (OnTimeout::Deny, false, StatusCode::OK, Some(false)),
        (OnTimeout::Allow, false, StatusCode::OK, Some(true)),
        (OnTimeout::Error, false, StatusCode::SERVICE_UNAVAILABLE, None),
        // Audit mode never denies, not even on a timeout.
        (OnTimeout::Deny, true, StatusCode::OK, Some(true)),
    ] {
        let r = start_with(|c| {
            c.request_timeout = Duration::from_millis(300);
            c.on_timeout = on_timeout;
            if audit {
                c.policy.mode = Mode::Audit;
            }
        })
        .await;
        let body = serde_json::to_vec(&many_privileged(22_000)).unwrap();
        // As many costly requests as async workers.
        let mut heavy = Vec::new();
        for _ in 0..2 {
            let mut send = h1(&r).await;
            let body = body.clone();
            heavy.push(tokio::spawn(async move { post(&mut send, body).await }));
        }
        for h in heavy {
            let (st, v) = h.await.unwrap();
            assert_eq!(st, status, "{on_timeout:?}: {v}");
            if let Some(allowed) = allowed {
                assert_eq!(v["response"]["uid"], "many");
                assert_eq!(v["response"]["allowed"], allowed, "{v}");
                assert_eq!(v["response"]["auditAnnotations"]["not-judged"], "timeout", "{v}");
            } else {
                assert!(v.as_str().unwrap().contains("not judged within"), "{v}");
            }
        }
        // The judging jobs may still run (their answers were sent): health answers meanwhile
        // (that it does not wait for them is `health_answers_while_costly_reviews_are_judged`).
        assert_eq!(health_get(r.health, "/healthz").await.0, StatusCode::OK);
        assert!(metric(&r, "kubeward_admission_not_judged_total").await >= 2);
    }
}

/// While costly reviews are being judged, `/healthz` and `/metrics` answer at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_while_costly_reviews_are_judged() {
    let _costly = COSTLY.lock().await;
    let r = start_with(|c| c.request_timeout = Duration::from_secs(60)).await;
    let body = serde_json::to_vec(&many_privileged(22_000)).unwrap();
    let mut heavy = Vec::new();
    for _ in 0..4 {
        let mut send = h1(&r).await;
        let body = body.clone();
        heavy.push(tokio::spawn(async move { post(&mut send, body).await }));
    }
    eventually("the costly requests are in flight", || async { metric(&r, "kubeward_admission_in_flight").await >= 4 })
        .await;
    // Health answered while the costly requests were still being judged: it did not wait for
    // them (no time is asserted; a stalled health check answers only after them).
    assert_eq!(health_get(r.health, "/healthz").await.0, StatusCode::OK);
    let still_judging = heavy.iter().any(|h| !h.is_finished());
    assert!(still_judging, "/healthz answered only after the costly reviews were judged");
    for h in heavy {
        let (st, v) = h.await.unwrap();
        assert_eq!((st, v["response"]["allowed"].as_bool()), (StatusCode::OK, Some(false)));
    }
}

// ---------------------------------------------------------------- point 6: connections

async fn closed_by_server(mut s: TlsStream<TcpStream>, within: Duration) -> bool {
    let mut buf = [0u8; 64];
    matches!(tokio::time::timeout(within, s.read(&mut buf)).await, Ok(Ok(0) | Err(_)))
}

/// TLS connections that send nothing after the handshake (HTTP/1.1 or HTTP/2 by ALPN), or
/// nothing after a request, are closed after the idle timeout.
#[tokio::test]
async fn idle_connections_are_closed() {
    let r = start_with(|c| c.idle_timeout = Duration::from_millis(300)).await;
    for alpn in [&b"http/1.1"[..], b"h2"] {
        let s = tls(&r, &[alpn]).await;
        assert!(closed_by_server(s, Duration::from_secs(5)).await, "{}", String::from_utf8_lossy(alpn));
    }
    // After a request, on a kept-alive connection.
    let mut s = tls(&r, &[b"http/1.1"]).await;
    let body = serde_json::to_vec(&small_privileged("u1")).unwrap();
    let head = format!("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n", body.len());
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("\"uid\":\"u1\"") {
        let n = s.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before the response");
        got.extend_from_slice(&buf[..n]);
    }
    assert!(closed_by_server(s, Duration::from_secs(5)).await);
    // The health listener answers one request per connection.
    let mut h = TcpStream::connect(r.health).await.unwrap();
    h.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut got = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), h.read_to_end(&mut got)).await;
    assert!(closed.is_ok(), "the health connection is left open after its response");
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
}

/// Slow-body clients hold a connection each, not a judging slot: with more of them than
/// `max_in_flight`, a legitimate request is answered at once.
#[tokio::test]
async fn slow_bodies_do_not_delay_other_requests() {
    let r = start_with(|c| c.request_timeout = Duration::from_secs(20)).await;
    let body = serde_json::to_vec(&small_privileged("slow")).unwrap();
    let mut slow = Vec::new();
    for _ in 0..40 {
        let mut s = tls(&r, &[b"http/1.1"]).await;
        let head = format!("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n", body.len());
        s.write_all(head.as_bytes()).await.unwrap();
        s.write_all(&body[..body.len() / 2]).await.unwrap();
        s.flush().await.unwrap();
        slow.push(s);
    }
    eventually("the slow requests are in flight", || async { metric(&r, "kubeward_admission_in_flight").await >= 40 })
        .await;
    let t = Instant::now();
    let mut send = h1(&r).await;
    let (status, v) = post(&mut send, serde_json::to_vec(&small_privileged("legit")).unwrap()).await;
    let took = t.elapsed();
    assert_eq!((status, v["response"]["uid"].as_str()), (StatusCode::OK, Some("legit")), "{v}");
    assert!(took < Duration::from_secs(5), "a legitimate request took {took:?} behind 40 slow bodies (timeout 20 s)");
    drop(slow);
}

/// At `max_connections`, a new connection waits (its handshake is not served) until one closes.
#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let r = start_with(|c| {
        c.max_connections = 4;
        c.idle_timeout = Duration::from_secs(60);
    })
    .await;
    let mut open = Vec::new();
    for _ in 0..4 {
        open.push(tls(&r, &[b"http/1.1"]).await);
    }
    let tcp = TcpStream::connect(r.addr).await.unwrap();
    let connector = connector(&r.ca, &[b"http/1.1"]);
    let fifth = tokio::spawn(async move { connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!fifth.is_finished(), "a fifth connection was served beyond max_connections = 4");
    drop(open.pop());
    let s = tokio::time::timeout(Duration::from_secs(10), fifth).await.expect("served once a slot is free");
    assert!(s.unwrap().is_ok());
}
