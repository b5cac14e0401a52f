//! `kubeward serve`: a validating admission webhook over kubeward's engine.
//!
//! - `POST /validate` on the HTTPS listener (rustls, ring provider only; HTTP/2 and HTTP/1.1):
//!   an `admission.k8s.io/v1` AdmissionReview in, a decision out ([`review`]).
//! - `/healthz`, `/readyz` and `/metrics` on a plain-HTTP health listener ([`metrics`]).
//! - The serving certificate is reloaded when its files change ([`tls`]).
//! - A JSON log line per decision on stdout.
//! - A body limit, a per-request timeout, and a graceful shutdown that drains open requests.
//!
//! The engine stays synchronous: the rules run inline on the request's task (tens of
//! microseconds per object), prepared once at start-up.
#![warn(missing_docs)]

pub mod metrics;
pub mod review;
pub mod tls;
pub mod webhook;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use kubeward_engine::admission::Mode;
use kubeward_engine::Settings;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::metrics::Metrics;
use crate::review::{Decision, Evaluator, Policy};
use crate::tls::{CertStore, Reload};

/// Longest TLS handshake allowed.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server needs to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// HTTPS address of `/validate`.
    pub listen: SocketAddr,
    /// Plain-HTTP address of `/healthz`, `/readyz`, `/metrics`.
    pub health_listen: SocketAddr,
    /// PEM certificate chain.
    pub cert_file: PathBuf,
    /// PEM private key.
    pub key_file: PathBuf,
    /// Rule selection, severities, rule options.
    pub settings: Settings,
    /// The admission policy.
    pub policy: Policy,
    /// Largest request body accepted (413 beyond it).
    pub max_body_bytes: usize,
    /// Most `/validate` requests read and judged at once; more wait (within the request
    /// timeout). With the body limit, this bounds the memory that request bodies can take.
    pub max_in_flight: usize,
    /// Longest time to read and judge one request (keep it below the webhook's
    /// `timeoutSeconds`).
    pub request_timeout: Duration,
    /// How often the certificate files are checked for changes.
    pub cert_reload_interval: Duration,
    /// On shutdown, how long to go on serving while `/readyz` fails, so that endpoints
    /// controllers stop sending traffic first.
    pub shutdown_delay: Duration,
    /// On shutdown, longest wait for open requests to finish.
    pub drain_timeout: Duration,
    /// Write a JSON line per decision on stdout.
    pub log_decisions: bool,
    /// A directory of image scanner reports (Trivy, Grype, Clair v4 JSON): pods whose image
    /// has a blocking vulnerability under the `images:` policy are judged by IMG006. Re-read
    /// when its files change (checked at the certificate reload interval).
    pub image_reports: Option<PathBuf>,
}

impl Config {
    /// A configuration with the defaults of `kubeward serve`.
    #[must_use]
    pub fn new(
        listen: SocketAddr,
        health_listen: SocketAddr,
        cert_file: PathBuf,
        key_file: PathBuf,
        settings: Settings,
        policy: Policy,
    ) -> Self {
        Self {
            listen,
            health_listen,
            cert_file,
            key_file,
            settings,
            policy,
            max_body_bytes: 3 << 20,
            max_in_flight: 32,
            request_timeout: Duration::from_secs(8),
            cert_reload_interval: Duration::from_secs(5),
            shutdown_delay: Duration::ZERO,
            drain_timeout: Duration::from_secs(20),
            log_decisions: true,
            image_reports: None,
        }
    }
}

struct State {
    evaluator: Evaluator,
    metrics: Metrics,
    ready: AtomicBool,
    max_body: usize,
    permits: tokio::sync::Semaphore,
    timeout: Duration,
    audit: bool,
    log_decisions: bool,
    certs: Arc<CertStore>,
}

/// A bound server, ready to [`run`](Server::run).
pub struct Server {
    listener: TcpListener,
    health: TcpListener,
    state: Arc<State>,
    acceptor: TlsAcceptor,
    cfg: Config,
}

impl Server {
    /// Loads the certificate, prepares the rules and binds both listeners.
    ///
    /// # Errors
    /// Bad certificate files or addresses in use.
    pub async fn bind(cfg: Config) -> anyhow::Result<Self> {
        let provider = tls::provider();
        let certs =
            Arc::new(CertStore::load(&cfg.cert_file, &cfg.key_file, provider.clone()).map_err(anyhow::Error::msg)?);
        let tls_cfg = tls::server_config(certs.clone(), provider).map_err(anyhow::Error::msg)?;
        let listener =
            TcpListener::bind(cfg.listen).await.map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.listen))?;
        let health = TcpListener::bind(cfg.health_listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.health_listen))?;
        let evaluator = Evaluator::new(&cfg.settings, cfg.policy.clone());
        if let Some(dir) = &cfg.image_reports {
            let index = kubeward_engine::images::VulnIndex::from_dir(dir, &cfg.settings);
            if let Some(e) = index.errors.iter().find(|e| e.message.starts_with("cannot read directory")) {
                return Err(anyhow::anyhow!("--image-reports: {e}"));
            }
            log_reports(&index);
            evaluator.set_vulns(index);
        }
        let state = Arc::new(State {
            evaluator,
            metrics: Metrics::default(),
            ready: AtomicBool::new(true),
            max_body: cfg.max_body_bytes,
            permits: tokio::sync::Semaphore::new(cfg.max_in_flight.max(1)),
            timeout: cfg.request_timeout,
            audit: cfg.policy.mode == Mode::Audit,
            log_decisions: cfg.log_decisions,
            certs,
        });
        Ok(Self { listener, health, state, acceptor: TlsAcceptor::from(Arc::new(tls_cfg)), cfg })
    }

    /// The HTTPS address (useful with port 0).
    ///
    /// # Errors
    /// The socket has no address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The health address.
    ///
    /// # Errors
    /// The socket has no address.
    pub fn health_addr(&self) -> std::io::Result<SocketAddr> {
        self.health.local_addr()
    }

    /// Number of rules that run per request.
    #[must_use]
    pub fn rule_count(&self) -> usize {
        self.state.evaluator.rule_count()
    }

    /// Serves until `shutdown` completes, then stops accepting, drains open requests (up to
    /// the drain timeout) and returns.
    ///
    /// # Errors
    /// None today; reserved for fatal listener errors.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let Self { listener, health, state, acceptor, cfg } = self;
        let (stop_tx, stop_rx) = watch::channel(false);
        let reloader = tokio::spawn(reload_loop(
            state.clone(),
            cfg.cert_reload_interval,
            cfg.image_reports.clone(),
            stop_rx.clone(),
        ));
        let health_addr = health.local_addr();
        let health_task = tokio::spawn(health_loop(health, state.clone(), stop_rx));

        let graceful = GracefulShutdown::new();
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).header_read_timeout(cfg.request_timeout);
        builder.http2().timer(TokioTimer::new()).max_concurrent_streams(256);
        let shown = |a: std::io::Result<SocketAddr>| a.map_or_else(|e| e.to_string(), |a| a.to_string());
        log_event(
            "info",
            "serving",
            &[
                ("listen", &shown(listener.local_addr())),
                ("health", &shown(health_addr)),
                ("rules", &state.evaluator.rule_count().to_string()),
            ],
        );

        let accept = |tcp: tokio::net::TcpStream| {
            let watcher = graceful.watcher();
            let acceptor = acceptor.clone();
            let builder = builder.clone();
            let state = state.clone();
            tokio::spawn(async move {
                let _ = tcp.set_nodelay(true);
                let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await else {
                    return;
                };
                let svc = hyper::service::service_fn(move |req| handle(state.clone(), req));
                let conn = builder.serve_connection(TokioIo::new(tls), svc);
                let _ = watcher.watch(conn).await;
            });
        };

        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                r = listener.accept() => match r {
                    Ok((tcp, _)) => accept(tcp),
                    Err(e) => accept_error(&e).await,
                },
            }
        }
        state.ready.store(false, Ordering::SeqCst);
        log_event("info", "shutting down: /readyz now fails", &[("delay", &format!("{:?}", cfg.shutdown_delay))]);
        if !cfg.shutdown_delay.is_zero() {
            let delay = tokio::time::sleep(cfg.shutdown_delay);
            tokio::pin!(delay);
            loop {
                tokio::select! {
                    () = &mut delay => break,
                    r = listener.accept() => match r {
                        Ok((tcp, _)) => accept(tcp),
                        Err(e) => accept_error(&e).await,
                    },
                }
            }
        }
        drop(listener);
        let open = graceful.count();
        if tokio::time::timeout(cfg.drain_timeout, graceful.shutdown()).await.is_err() {
            log_event("warn", "drain timeout: closing open connections", &[("connections", &open.to_string())]);
        }
        let _ = stop_tx.send(true);
        let _ = health_task.await;
        let _ = reloader.await;
        log_event("info", "stopped", &[]);
        Ok(())
    }
}

async fn accept_error(e: &std::io::Error) {
    // Out of file descriptors and the like: back off instead of spinning.
    log_event("error", "accept failed", &[("error", &e.to_string())]);
    tokio::time::sleep(Duration::from_millis(50)).await;
}

type Body = Full<Bytes>;

fn text(status: StatusCode, msg: impl Into<String>) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from(msg.into())));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    if req.uri().path() != "/validate" {
        return Ok(text(StatusCode::NOT_FOUND, "kubeward: not found; the webhook path is /validate\n"));
    }
    if req.method() != Method::POST {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "kubeward: /validate takes POST\n");
        r.headers_mut().insert(hyper::header::ALLOW, HeaderValue::from_static("POST"));
        return Ok(r);
    }
    let start = Instant::now();
    let _in_flight = state.metrics.start();
    let resp = match tokio::time::timeout(state.timeout, validate(&state, req, start)).await {
        Ok(r) => r,
        Err(_) => text(
            StatusCode::REQUEST_TIMEOUT,
            format!("kubeward: request not read and judged within {:?}\n", state.timeout),
        ),
    };
    state.metrics.request(resp.status().as_u16(), start.elapsed());
    Ok(resp)
}

async fn validate(state: &State, req: Request<Incoming>, start: Instant) -> Response<Body> {
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        text(StatusCode::PAYLOAD_TOO_LARGE, format!("kubeward: request body larger than {} bytes\n", state.max_body))
    };
    if declared.is_some_and(|n| n > state.max_body as u64) {
        return too_large();
    }
    // Waits (within the request timeout) while `max_in_flight` requests are being read.
    let Ok(_permit) = state.permits.acquire().await else {
        return text(StatusCode::SERVICE_UNAVAILABLE, "kubeward: shutting down\n");
    };
    let body = match Limited::new(req.into_body(), state.max_body).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return too_large(),
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("kubeward: cannot read request body: {e}\n")),
    };
    // The rules are written for hostile input; should one panic all the same, this request
    // gets a 500 and the server goes on.
    let judged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| state.evaluator.review(&body)));
    let Ok(judged) = judged else {
        log_event("error", "internal error while judging a request (a bug: please report it)", &[]);
        return text(StatusCode::INTERNAL_SERVER_ERROR, "kubeward: internal error while judging the request\n");
    };
    match judged {
        Ok(d) => {
            state.metrics.decision(&d, state.audit);
            if state.log_decisions {
                log_decision(&d, state.audit, start.elapsed());
            }
            let mut r = Response::new(Full::new(Bytes::from(d.body)));
            r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Err(e) => text(StatusCode::BAD_REQUEST, format!("kubeward: bad request: {e}\n")),
    }
}

async fn health_loop(listener: TcpListener, state: Arc<State>, mut stop: watch::Receiver<bool>) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            r = listener.accept() => match r {
                Ok((tcp, _)) => {
                    let state = state.clone();
                    let svc = hyper::service::service_fn(move |req| health(state.clone(), req));
                    let conn = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(Duration::from_secs(10))
                        .serve_connection(TokioIo::new(tcp), svc);
                    let fut = graceful.watch(conn);
                    tokio::spawn(async move {
                        let _ = fut.await;
                    });
                }
                Err(e) => accept_error(&e).await,
            },
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), graceful.shutdown()).await;
}

async fn health(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    Ok(match req.uri().path() {
        "/healthz" => text(StatusCode::OK, "ok\n"),
        "/readyz" if state.ready.load(Ordering::SeqCst) => text(StatusCode::OK, "ready\n"),
        "/readyz" => text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n"),
        "/metrics" => {
            let mut r = text(StatusCode::OK, state.metrics.render());
            r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
            r
        }
        _ => text(StatusCode::NOT_FOUND, "kubeward: /healthz, /readyz or /metrics\n"),
    })
}

/// The newest modification time and the names of a reports directory's files: when it
/// changes, the reports are read again.
fn reports_stamp(dir: &std::path::Path) -> Option<(Option<std::time::SystemTime>, Vec<std::ffi::OsString>)> {
    let mut names = Vec::new();
    let mut newest = None;
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        names.push(e.file_name());
        // `metadata` follows symlinks (a ConfigMap volume's `..data` swap changes targets).
        if let Ok(t) = std::fs::metadata(e.path()).and_then(|m| m.modified()) {
            newest = newest.max(Some(t));
        }
    }
    names.sort();
    Some((newest, names))
}

fn log_reports(index: &kubeward_engine::images::VulnIndex) {
    let a = index.accounting();
    log_event(
        "info",
        "image reports read",
        &[
            ("reports", &index.reports.len().to_string()),
            ("blocking", &a.blocking.to_string()),
            ("errors", &index.errors.len().to_string()),
        ],
    );
    for e in &index.errors {
        log_event("error", "cannot use an image report", &[("error", &e.to_string())]);
    }
}

async fn reload_loop(state: Arc<State>, every: Duration, reports: Option<PathBuf>, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(every.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_error = String::new();
    let mut stamp = reports.as_deref().and_then(reports_stamp);
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = tick.tick() => {}
        }
        if let Some(dir) = &reports {
            let now = reports_stamp(dir);
            if now != stamp {
                stamp = now;
                let index = kubeward_engine::images::VulnIndex::from_dir(dir, state.evaluator.settings());
                log_reports(&index);
                state.evaluator.set_vulns(index);
            }
        }
        match state.certs.reload() {
            Reload::Unchanged => {}
            Reload::Reloaded => {
                last_error.clear();
                state.metrics.cert_reload(true);
                log_event("info", "serving certificate reloaded", &[]);
            }
            Reload::Failed(e) => {
                state.metrics.cert_reload(false);
                if e != last_error {
                    log_event(
                        "error",
                        "cannot reload the serving certificate; the previous one is kept",
                        &[("error", &e)],
                    );
                    last_error = e;
                }
            }
        }
    }
}

#[derive(Serialize)]
struct DecisionLine<'a> {
    ts: String,
    level: &'static str,
    msg: &'static str,
    uid: &'a str,
    kind: &'a str,
    namespace: &'a str,
    name: &'a str,
    user: &'a str,
    operation: &'a str,
    dry_run: bool,
    allowed: bool,
    verdict: &'static str,
    mode: &'static str,
    deny_rules: &'a [&'static str],
    warn_rules: &'a [&'static str],
    duration_us: u128,
}

fn log_decision(d: &Decision, audit: bool, elapsed: Duration) {
    let line = DecisionLine {
        ts: timestamp(),
        level: "info",
        msg: "admission decision",
        uid: &d.uid,
        kind: &d.kind,
        namespace: &d.namespace,
        name: &d.name,
        user: &d.user,
        operation: &d.operation,
        dry_run: d.dry_run,
        allowed: d.allowed,
        verdict: d.verdict.as_str(),
        mode: if audit { "audit" } else { "enforce" },
        deny_rules: &d.denying,
        warn_rules: &d.warning,
        duration_us: elapsed.as_micros(),
    };
    if let Ok(mut s) = serde_json::to_vec(&line) {
        s.push(b'\n');
        use std::io::Write as _;
        // A closed stdout must not take the server down.
        let _ = std::io::stdout().lock().write_all(&s);
    }
}

/// A JSON log line about the server itself, on stderr.
fn log_event(level: &str, msg: &str, fields: &[(&str, &str)]) {
    let mut m = serde_json::Map::new();
    m.insert("ts".into(), timestamp().into());
    m.insert("level".into(), level.into());
    m.insert("msg".into(), msg.into());
    for (k, v) in fields {
        m.insert((*k).into(), (*v).into());
    }
    eprintln!("{}", serde_json::Value::Object(m));
}

/// Now as RFC 3339 UTC with milliseconds.
fn timestamp() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem % 3600 / 60, rem % 60, now.subsec_millis())
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamp_shape() {
        let t = super::timestamp();
        assert_eq!(t.len(), 24, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
    }
}
