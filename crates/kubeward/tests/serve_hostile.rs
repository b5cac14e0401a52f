//! `kubeward serve` as a binary under hostile load (issue 15, points 5, 7 and 17): the peak
//! memory and response of one review with 22,000 privileged containers, and SIGTERM with
//! keep-alive clients (HTTP/1.1 and HTTP/2) on the connections.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{CertificateParams, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// The server process, killed if a test fails before stopping it.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Served {
    child: Guard,
    addr: SocketAddr,
    health: SocketAddr,
    ca: CertificateDer<'static>,
    stderr: std::io::Lines<BufReader<std::process::ChildStderr>>,
    stdout: std::thread::JoinHandle<String>,
    _dir: tempfile::TempDir,
}

/// The tests here run one at a time: the huge review keeps both cores busy for seconds, and
/// the shutdown test's clients must each get a request in during the shutdown delay (as real
/// clients do while endpoints propagate), which a starved client cannot.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serve(extra: &[&str]) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &rcgen::Issuer::from_params(&ca_params, &ca_key))
        .unwrap();
    std::fs::write(dir.path().join("tls.crt"), cert.pem()).unwrap();
    std::fs::write(dir.path().join("tls.key"), key.serialize_pem()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .env_remove("KUBEWARD_CONFIG")
        .env("KUBEWARD_PEAK_RSS", "1")
        .current_dir(dir.path())
        .args(["serve", "--tls-cert-file", "tls.crt", "--tls-private-key-file", "tls.key"])
        .args(["--listen", "127.0.0.1:0", "--health-listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The decision log is read as it comes (a full pipe would block the server).
    let mut out = child.stdout.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let (addr, health) = loop {
        let line = stderr.next().expect("the server logs `serving`").unwrap();
        let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if v["msg"] == "serving" {
            break (v["listen"].as_str().unwrap().parse().unwrap(), v["health"].as_str().unwrap().parse().unwrap());
        }
    };
    Served { child: Guard(child), addr, health, ca: ca.der().clone(), stderr, stdout, _dir: dir }
}

impl Served {
    fn sigterm(&self) {
        assert!(Command::new("kill").args(["-TERM", &self.child.0.id().to_string()]).status().unwrap().success());
    }

    /// Waits for the exit: (exit code, stdout, stderr lines after `serving`).
    fn wait(mut self) -> (Option<i32>, String, Vec<String>) {
        let status = self.child.0.wait().unwrap();
        let rest: Vec<String> = self.stderr.map_while(Result::ok).collect();
        (status.code(), self.stdout.join().unwrap(), rest)
    }
}

fn connector(ca: &CertificateDer<'static>, alpn: &[u8]) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![alpn.to_vec()];
    TlsConnector::from(Arc::new(cfg))
}

fn review(uid: &str, containers: usize) -> Vec<u8> {
    let containers: Vec<Value> = (0..containers)
        .map(|i| json!({"name": format!("c{i}"), "image": "nginx", "securityContext": {"privileged": true}}))
        .collect();
    serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": "shop",
        "operation": "CREATE", "userInfo": {"username": "mallory"},
        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": containers}}}}))
    .unwrap()
}

/// One HTTP/1.1 response read from a raw stream: (head, body), or None when the stream ends
/// first.
async fn read_response<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 << 10];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    while buf.len() < head_end + len {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some((head, buf[head_end..head_end + len].to_vec()))
}

async fn ready(health: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect(health).await else { return false };
    if s.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.is_err() {
        return false;
    }
    read_response(&mut s).await.is_some_and(|(h, _)| h.starts_with("http/1.1 200"))
}

/// 22,000 privileged containers in one 1.6 MB review: a response of a few KiB, a short
/// decision line, and a peak RSS far below the deployment's 256 MiB limit (before: a 15.5 MB
/// response, a 2 MB log line and 263 MiB).
#[test]
fn one_huge_review_has_bounded_memory_response_and_log_line() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let s = serve(&[]);
    let body = review("huge", 22_000);
    assert!(body.len() > 1_500_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (head, resp) = rt.block_on(async {
        let tcp = TcpStream::connect(s.addr).await.unwrap();
        let mut tls =
            connector(&s.ca, b"http/1.1").connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
        let head = format!("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n", body.len());
        tls.write_all(head.as_bytes()).await.unwrap();
        tls.write_all(&body).await.unwrap();
        read_response(&mut tls).await.expect("a response")
    });
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(resp.len() < 16 << 10, "response of {} bytes", resp.len());
    let v: Value = serde_json::from_slice(&resp).unwrap();
    assert_eq!(v["response"]["allowed"], false);
    s.sigterm();
    let (code, stdout, stderr) = s.wait();
    assert_eq!(code, Some(0));
    let line = stdout.lines().next().expect("a decision line");
    assert!(line.len() < 4096, "decision line of {} bytes", line.len());
    let d: Value = serde_json::from_str(line).unwrap();
    assert!(d["deny_findings"].as_u64().unwrap() >= 22_000, "{d}");
    assert!(d["deny_rules"].as_array().unwrap().iter().any(|c| c == "POD001"), "{d}");
    let peak = stderr.iter().find_map(|l| l.strip_prefix("kubeward: peak RSS ")).expect("peak RSS printed");
    let mib = peak.trim_end_matches(" KiB").parse::<u64>().unwrap() / 1024;
    eprintln!("peak RSS {mib} MiB, response {} bytes, decision line {} bytes", resp.len(), line.len());
    assert!(mib < 160, "peak RSS {mib} MiB");
}

impl Tally {
    fn lose(&self, how: String) {
        self.lost.lock().unwrap().push(how);
    }
}

#[derive(Default)]
struct Tally {
    answered: AtomicUsize,
    /// Sent on a connection the server had not announced it would close, and not answered:
    /// how each was lost.
    lost: std::sync::Mutex<Vec<String>>,
    /// Times the server announced a close (HTTP/1.1 `Connection: close`, HTTP/2 GOAWAY) while it
    /// still accepted new connections, i.e. during the shutdown delay.
    told_early: AtomicUsize,
}

/// A keep-alive HTTP/1.1 client that writes each request on its connection without probing
/// it first (as many clients do): it loses a request when the server closes the connection
/// without saying so. On `Connection: close` it reconnects, unless `/readyz` fails (the
/// endpoints would no longer send it here).
async fn h1_client(s: Arc<(SocketAddr, SocketAddr, CertificateDer<'static>)>, tally: Arc<Tally>, id: usize) {
    let (addr, health, ca) = (&s.0, s.1, &s.2);
    let body = review(&format!("h1-{id}"), 1);
    loop {
        let Ok(tcp) = TcpStream::connect(addr).await else { return };
        let Ok(mut tls) = connector(ca, b"http/1.1").connect(ServerName::try_from("localhost").unwrap(), tcp).await
        else {
            return;
        };
        loop {
            let head = format!("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n", body.len());
            let sent = tls.write_all(head.as_bytes()).await.is_ok() && tls.write_all(&body).await.is_ok();
            let Some((head, _)) = (if sent { read_response(&mut tls).await } else { None }) else {
                tally.lose(format!("h1 client {id}: {}", if sent { "no response" } else { "write failed" }));
                return;
            };
            tally.answered.fetch_add(1, Ordering::SeqCst);
            if head.contains("\r\nconnection: close") {
                if TcpStream::connect(addr).await.is_ok() {
                    tally.told_early.fetch_add(1, Ordering::SeqCst);
                }
                break;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        if !ready(health).await {
            return;
        }
    }
}

/// A keep-alive HTTP/2 client: on GOAWAY (the connection closes) it reconnects, unless
/// `/readyz` fails. A request refused by GOAWAY was not processed (the protocol says so) and
/// is not lost; any other failure is.
async fn h2_client(s: Arc<(SocketAddr, SocketAddr, CertificateDer<'static>)>, tally: Arc<Tally>, id: usize) {
    let (addr, health, ca) = (&s.0, s.1, &s.2);
    let body = Bytes::from(review(&format!("h2-{id}"), 1));
    loop {
        let Ok(tcp) = TcpStream::connect(addr).await else { return };
        let Ok(tls) = connector(ca, b"h2").connect(ServerName::try_from("localhost").unwrap(), tcp).await else {
            return;
        };
        let Ok((mut send, conn)) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls)).await
        else {
            return;
        };
        let conn = tokio::spawn(conn);
        loop {
            if send.ready().await.is_err() {
                break;
            }
            let req = hyper::Request::post("https://localhost/validate").body(Full::new(body.clone())).unwrap();
            match send.try_send_request(req).await {
                Ok(resp) => {
                    if let Err(e) = resp.into_body().collect().await {
                        tally.lose(format!("h2 client {id}: body: {e:?}"));
                        return;
                    }
                    tally.answered.fetch_add(1, Ordering::SeqCst);
                }
                // hyper hands back a request it never wrote (the connection closed first).
                Err(e) if e.message().is_some() => break,
                // hyper reports a stream refused by GOAWAY as an HTTP/2 GoAway or REFUSED_STREAM error.
                Err(e) if format!("{e:?}").contains("GoAway") || format!("{e:?}").contains("REFUSED_STREAM") => break,
                Err(e) => {
                    tally.lose(format!("h2 client {id}: {e:?}"));
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        let _ = conn.await;
        if TcpStream::connect(addr).await.is_ok() {
            tally.told_early.fetch_add(1, Ordering::SeqCst);
        }
        if !ready(health).await {
            return;
        }
    }
}

/// SIGTERM with `--shutdown-delay`: keep-alive clients are told during the delay to stop
/// reusing their connections (HTTP/1.1 `Connection: close`, HTTP/2 GOAWAY), every request the
/// server received is answered, and none is lost on a connection closed under it.
#[test]
fn sigterm_loses_no_request_on_keep_alive_connections() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let s = serve(&["--shutdown-delay", "1.5", "--drain-timeout", "10"]);
    let shared = Arc::new((s.addr, s.health, s.ca.clone()));
    let tally = Arc::new(Tally::default());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let clients: Vec<_> = (0..8)
        .map(|i| {
            if i % 2 == 0 {
                rt.spawn(h1_client(shared.clone(), tally.clone(), i))
            } else {
                rt.spawn(h2_client(shared.clone(), tally.clone(), i))
            }
        })
        .collect();
    // Every client has been answered at least once on its connection.
    for _ in 0..400 {
        if tally.answered.load(Ordering::SeqCst) >= 16 {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(tally.answered.load(Ordering::SeqCst) >= 16, "the clients are not being served");
    s.sigterm();
    rt.block_on(async {
        for c in clients {
            tokio::time::timeout(Duration::from_secs(30), c).await.expect("client stops").unwrap();
        }
    });
    let (code, stdout, _) = s.wait();
    assert_eq!(code, Some(0));
    let lost = tally.lost.lock().unwrap().clone();
    let answered = tally.answered.load(Ordering::SeqCst);
    assert!(lost.is_empty(), "{} requests lost ({answered} answered): {lost:?}", lost.len());
    assert_eq!(stdout.lines().count(), answered, "every request received was answered");
    let told = tally.told_early.load(Ordering::SeqCst);
    assert!(told >= 8, "each client is told to reconnect during the shutdown delay (told {told} times)");
}

/// SIGTERM with `--shutdown-delay`: a client that opens a new connection during the delay (as
/// the API server does after a GOAWAY: it does not look at `/readyz`, and the Service may still
/// send it to this pod until the endpoints change) gets its request answered on it, over
/// HTTP/2 and HTTP/1.1, and is then told to go (GOAWAY, `Connection: close`). Before, a new
/// HTTP/2 connection was closed at once and its request failed (the real API server's
/// `broken pipe`, `serve_real.rs`).
#[test]
fn sigterm_serves_new_connections_during_the_shutdown_delay() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Longer than the test: the server is killed at the end, not waited for.
    let s = serve(&["--shutdown-delay", "120"]);
    s.sigterm();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let mut polls = 0;
        while ready(s.health).await {
            polls += 1;
            assert!(polls < 3000, "/readyz never failed after SIGTERM");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for round in 0..3 {
            let tcp = TcpStream::connect(s.addr).await.expect("still accepting during the delay");
            let tls = connector(&s.ca, b"h2").connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
            let (mut send, conn) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls)).await.unwrap();
            let conn = tokio::spawn(conn);
            let req = hyper::Request::post("https://localhost/validate")
                .body(Full::new(Bytes::from(review(&format!("h2-{round}"), 1))))
                .unwrap();
            let resp = send.send_request(req).await.unwrap_or_else(|e| panic!("HTTP/2 round {round}: {e:?}"));
            assert_eq!(resp.status(), 200);
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            let v: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["response"]["uid"], format!("h2-{round}"));
            // Then GOAWAY: the connection ends.
            tokio::time::timeout(Duration::from_secs(60), conn).await.expect("GOAWAY after the answer").unwrap().ok();

            let tcp = TcpStream::connect(s.addr).await.expect("still accepting during the delay");
            let mut tls =
                connector(&s.ca, b"http/1.1").connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
            let body = review(&format!("h1-{round}"), 1);
            let head = format!("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n", body.len());
            tls.write_all(head.as_bytes()).await.unwrap();
            tls.write_all(&body).await.unwrap();
            let (head, body) = read_response(&mut tls).await.unwrap_or_else(|| panic!("HTTP/1.1 round {round}"));
            assert!(head.starts_with("http/1.1 200") && head.contains("\r\nconnection: close"), "{head}");
            let v: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["response"]["uid"], format!("h1-{round}"));
        }
    });
}
