//! `kubeward serve`: a validating admission webhook over kubeward's engine.
//!
//! - `POST /validate` on the HTTPS listener (rustls, ring provider only; HTTP/2 and HTTP/1.1):
//!   an `admission.k8s.io/v1` AdmissionReview in, a decision out ([`review`]).
//! - `/healthz`, `/readyz` and `/metrics` on a plain-HTTP health listener ([`metrics`]).
//! - The serving certificate is reloaded when its files change ([`tls`]).
//! - A JSON log line per decision on stdout.
//! - A body limit, a per-request timeout, and a graceful shutdown that drains open requests.
//!
//! The engine stays synchronous: the rules run on tokio's blocking pool (prepared once at
//! start-up), so a costly request never stalls the async workers that accept connections,
//! read bodies and answer the health listener.
//!
//! Bounds (docs/robustness.md, "`serve`"): connections (`max_connections`, a TLS handshake
//! timeout, an idle timeout), request bodies being read (a byte budget, read before any
//! judging slot is taken, within the request timeout), requests judged at once (`max_in_flight`
//! and a budget of JSON values), findings kept per request, and the size of responses and log
//! lines.
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
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use kubeward_engine::settings::serve::Mode;
use kubeward_engine::Settings;
use serde::Serialize;
use std::sync::atomic::AtomicUsize;
use tokio::net::TcpListener;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;

use crate::metrics::Metrics;
use crate::review::{Decision, Evaluator, Policy};
use crate::tls::{CertStore, Reload};

/// Bytes of request bodies held at once (being read, waiting, being judged): beyond it,
/// reading waits. At least `max_body_bytes`.
const BODY_BUDGET_BYTES: usize = 32 << 20;
/// JSON values (`review::MAX_JSON_VALUES` at most per request) judged at once: judging costs
/// about 300 bytes of memory per value (parsed request and the engine's tree), so this
/// bounds the memory of judging to about 120 MiB whatever `max_in_flight` is.
const JUDGE_BUDGET_VALUES: usize = 2 * review::MAX_JSON_VALUES;
/// HTTP/2 flow-control windows: what a client can make the server buffer before the body is
/// read (per stream, per connection).
const H2_STREAM_WINDOW: u32 = 64 << 10;
const H2_CONN_WINDOW: u32 = 128 << 10;
/// HTTP/1.1 read buffer (headers must fit; AdmissionReview requests have a few hundred bytes).
const H1_MAX_BUF: usize = 64 << 10;

/// What to answer when a request is not judged within the request timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnTimeout {
    /// HTTP 503: the API server applies the webhook's `failurePolicy` (the default).
    Error,
    /// Deny (fail closed, whatever the `failurePolicy`).
    Deny,
    /// Allow unchecked (fail open, whatever the `failurePolicy`).
    Allow,
}

impl std::str::FromStr for OnTimeout {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "error" => Ok(Self::Error),
            "deny" => Ok(Self::Deny),
            "allow" => Ok(Self::Allow),
            _ => Err(format!("unknown value `{s}` (expected error, deny or allow)")),
        }
    }
}

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
    /// Most `/validate` requests judged at once, counted once their body has been read; more
    /// wait (within the request timeout).
    pub max_in_flight: usize,
    /// Longest time to read and judge one request, from its headers (keep it below the
    /// webhook's `timeoutSeconds`). A body not read by then is a 408; a request not judged by
    /// then is answered as `on_timeout` says.
    pub request_timeout: Duration,
    /// The answer to a request read but not judged within the request timeout.
    pub on_timeout: OnTimeout,
    /// Most connections open at once on the HTTPS listener; beyond it, new connections wait
    /// in the listen backlog.
    pub max_connections: usize,
    /// Longest TLS handshake.
    pub tls_handshake_timeout: Duration,
    /// A connection with no request for this long is closed (HTTP/2: GOAWAY).
    pub idle_timeout: Duration,
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
            on_timeout: OnTimeout::Error,
            max_connections: 256,
            tls_handshake_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(60),
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
    /// Set during the shutdown delay: HTTP/1.1 responses say `Connection: close`.
    draining: AtomicBool,
    max_body: usize,
    /// Bytes of request bodies held (`BODY_BUDGET_BYTES`).
    body_budget: Arc<Semaphore>,
    /// Requests being judged (`max_in_flight`).
    permits: Arc<Semaphore>,
    /// JSON values being judged (`JUDGE_BUDGET_VALUES`).
    judge_values: Arc<Semaphore>,
    timeout: Duration,
    on_timeout: OnTimeout,
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
            draining: AtomicBool::new(false),
            max_body: cfg.max_body_bytes,
            body_budget: Arc::new(Semaphore::new(BODY_BUDGET_BYTES.max(cfg.max_body_bytes))),
            permits: Arc::new(Semaphore::new(cfg.max_in_flight.max(1))),
            judge_values: Arc::new(Semaphore::new(JUDGE_BUDGET_VALUES)),
            timeout: cfg.request_timeout,
            on_timeout: cfg.on_timeout,
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

        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).header_read_timeout(cfg.request_timeout).max_buf_size(H1_MAX_BUF);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_concurrent_streams(256)
            .initial_stream_window_size(H2_STREAM_WINDOW)
            .initial_connection_window_size(H2_CONN_WINDOW);
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

        let max_conns = cfg.max_connections.clamp(1, Semaphore::MAX_PERMITS);
        let conn_slots = Arc::new(Semaphore::new(max_conns));
        let (phase_tx, phase_rx) = watch::channel(Phase::Serving);
        let limits = ConnLimits { handshake: cfg.tls_handshake_timeout, idle: cfg.idle_timeout };
        let accept = |tcp: tokio::net::TcpStream, slot: OwnedSemaphorePermit| {
            tokio::spawn(serve_connection(
                tcp,
                slot,
                acceptor.clone(),
                builder.clone(),
                state.clone(),
                phase_rx.clone(),
                limits,
            ));
        };

        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                r = accept_one(&listener, &conn_slots) => match r {
                    Ok((tcp, slot)) => accept(tcp, slot),
                    Err(e) => accept_error(&e).await,
                },
            }
        }
        state.ready.store(false, Ordering::SeqCst);
        log_event("info", "shutting down: /readyz now fails", &[("delay", &format!("{:?}", cfg.shutdown_delay))]);
        if !cfg.shutdown_delay.is_zero() {
            // Clients are told to stop reusing their connections (HTTP/1.1 `Connection: close`
            // on every response, HTTP/2 GOAWAY), so that none is left with a request on a
            // connection about to close; new connections are still served meanwhile.
            state.draining.store(true, Ordering::SeqCst);
            let _ = phase_tx.send(Phase::Draining);
            let delay = tokio::time::sleep(cfg.shutdown_delay);
            tokio::pin!(delay);
            loop {
                tokio::select! {
                    () = &mut delay => break,
                    r = accept_one(&listener, &conn_slots) => match r {
                        Ok((tcp, slot)) => accept(tcp, slot),
                        Err(e) => accept_error(&e).await,
                    },
                }
            }
        }
        drop(listener);
        // Every connection finishes the requests it has received, then closes.
        let _ = phase_tx.send(Phase::Closing);
        let open = max_conns.saturating_sub(conn_slots.available_permits());
        let all = u32::try_from(max_conns).unwrap_or(u32::MAX);
        if tokio::time::timeout(cfg.drain_timeout, conn_slots.acquire_many(all)).await.is_err() {
            log_event("warn", "drain timeout: closing open connections", &[("connections", &open.to_string())]);
        }
        let _ = stop_tx.send(true);
        let _ = health_task.await;
        let _ = reloader.await;
        log_event("info", "stopped", &[]);
        Ok(())
    }
}

/// Where the server is in its life; connections watch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Serving,
    /// The shutdown delay: HTTP/2 connections get GOAWAY, HTTP/1.1 responses `Connection: close`.
    Draining,
    /// Every connection closes once its requests are answered.
    Closing,
}

#[derive(Clone, Copy)]
struct ConnLimits {
    handshake: Duration,
    idle: Duration,
}

/// Waits for a connection slot, then accepts: at `max_connections`, new connections wait in
/// the listen backlog until one closes.
async fn accept_one(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> std::io::Result<(tokio::net::TcpStream, OwnedSemaphorePermit)> {
    let slot = slots.clone().acquire_owned().await.map_err(std::io::Error::other)?;
    let (tcp, _) = listener.accept().await?;
    Ok((tcp, slot))
}

/// What a connection's requests tell its watchdog.
struct ConnActivity {
    /// Requests being answered.
    active: AtomicUsize,
    /// When the last request started or ended.
    last: std::sync::Mutex<Instant>,
    /// The connection speaks HTTP/2 (ALPN, or a request seen).
    h2: AtomicBool,
    /// Requests answered.
    answered: AtomicUsize,
    /// Woken when a request is answered.
    answer: tokio::sync::Notify,
}

impl ConnActivity {
    fn touch(&self) {
        if let Ok(mut t) = self.last.lock() {
            *t = Instant::now();
        }
    }

    fn idle_since(&self) -> Option<Instant> {
        if self.active.load(Ordering::SeqCst) > 0 {
            return None;
        }
        self.last.lock().ok().map(|t| *t)
    }
}

/// Counts a request on its connection while it lives.
struct ActiveRequest(Arc<ConnActivity>);

impl Drop for ActiveRequest {
    fn drop(&mut self) {
        self.0.touch();
        self.0.active.fetch_sub(1, Ordering::SeqCst);
        self.0.answered.fetch_add(1, Ordering::SeqCst);
        self.0.answer.notify_one();
    }
}

/// One HTTPS connection: the TLS handshake (bounded in time), then HTTP until the client
/// closes, the connection is idle for `limits.idle`, or the server shuts down. The slot is
/// given back when the connection ends.
async fn serve_connection(
    tcp: tokio::net::TcpStream,
    _slot: OwnedSemaphorePermit,
    acceptor: TlsAcceptor,
    builder: auto::Builder<TokioExecutor>,
    state: Arc<State>,
    mut phase: watch::Receiver<Phase>,
    limits: ConnLimits,
) {
    let _ = tcp.set_nodelay(true);
    let Ok(Ok(tls)) = tokio::time::timeout(limits.handshake, acceptor.accept(tcp)).await else {
        return;
    };
    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
    let activity = Arc::new(ConnActivity {
        active: AtomicUsize::new(0),
        last: std::sync::Mutex::new(Instant::now()),
        h2: AtomicBool::new(h2),
        answered: AtomicUsize::new(0),
        answer: tokio::sync::Notify::new(),
    });
    let svc = {
        let activity = activity.clone();
        hyper::service::service_fn(move |req: Request<Incoming>| {
            activity.active.fetch_add(1, Ordering::SeqCst);
            activity.touch();
            if req.version() == hyper::Version::HTTP_2 {
                activity.h2.store(true, Ordering::SeqCst);
            }
            let guard = ActiveRequest(activity.clone());
            let state = state.clone();
            async move {
                let r = handle(state, req).await;
                drop(guard);
                r
            }
        })
    };
    let conn = builder.serve_connection(TokioIo::new(tls), svc);
    tokio::pin!(conn);
    let mut closing = false;
    let mut watch_phase = true;
    // The connection was open before the shutdown delay began.
    let mut seen_serving = false;
    loop {
        let now = *phase.borrow_and_update();
        seen_serving |= now == Phase::Serving;
        // During the shutdown delay an HTTP/2 connection gets GOAWAY once its client has used
        // it: at once if it was open before the delay, else after its first answer. A
        // connection opened during the delay (the client's next request after a GOAWAY) and
        // closed at once would fail the request its client writes on it: the API server does
        // not retry it (`broken pipe`, `connection reset by peer`) and applies the webhook's
        // failurePolicy, while this server is meant to go on serving.
        let used = seen_serving || activity.answered.load(Ordering::SeqCst) > 0;
        let draining_h2 = now == Phase::Draining && activity.h2.load(Ordering::SeqCst) && used;
        if !closing && (now == Phase::Closing || draining_h2) {
            conn.as_mut().graceful_shutdown();
            closing = true;
        }
        let idle_at = activity.idle_since().map_or_else(|| Instant::now() + limits.idle, |t| t + limits.idle);
        tokio::select! {
            _ = conn.as_mut() => break,
            r = phase.changed(), if watch_phase && !closing => {
                if r.is_err() {
                    watch_phase = false;
                }
            }
            () = activity.answer.notified(), if !closing && now == Phase::Draining => {}
            () = tokio::time::sleep_until(idle_at.into()), if !closing => {
                if activity.idle_since().is_some_and(|t| t.elapsed() >= limits.idle) {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
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
    let close = state.draining.load(Ordering::SeqCst) && req.version() < hyper::Version::HTTP_2;
    let mut resp = route(&state, req).await;
    if close {
        // The shutdown delay: this client should open a new connection (to another replica).
        resp.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(resp)
}

async fn route(state: &Arc<State>, req: Request<Incoming>) -> Response<Body> {
    if req.uri().path() != "/validate" {
        return text(StatusCode::NOT_FOUND, "kubeward: not found; the webhook path is /validate\n");
    }
    if req.method() != Method::POST {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "kubeward: /validate takes POST\n");
        r.headers_mut().insert(hyper::header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    let start = Instant::now();
    let _in_flight = state.metrics.start();
    let resp = validate(state, req, start).await;
    state.metrics.request(resp.status().as_u16(), start.elapsed());
    resp
}

/// A request body, with the share of the body budget it holds.
struct HeldBody {
    bytes: Bytes,
    _budget: Option<OwnedSemaphorePermit>,
}

/// Reads a body of at most `state.max_body` bytes, taking its size from the body budget as
/// the bytes arrive (a slow client holds only what it has sent).
async fn read_body(state: &State, body: Incoming) -> Result<HeldBody, Response<Body>> {
    let too_large = || {
        text(StatusCode::PAYLOAD_TOO_LARGE, format!("kubeward: request body larger than {} bytes\n", state.max_body))
    };
    let mut body = body;
    let mut buf = bytes::BytesMut::new();
    let mut held: Option<OwnedSemaphorePermit> = None;
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|e| text(StatusCode::BAD_REQUEST, format!("kubeward: cannot read request body: {e}\n")))?;
        let Ok(data) = frame.into_data() else { continue };
        if buf.len() + data.len() > state.max_body {
            return Err(too_large());
        }
        let n = u32::try_from(data.len()).map_err(|_| too_large())?;
        if n > 0 {
            let p = state
                .body_budget
                .clone()
                .acquire_many_owned(n)
                .await
                .map_err(|_| text(StatusCode::SERVICE_UNAVAILABLE, "kubeward: shutting down\n"))?;
            match &mut held {
                Some(h) => h.merge(p),
                None => held = Some(p),
            }
        }
        buf.extend_from_slice(&data);
    }
    Ok(HeldBody { bytes: buf.freeze(), _budget: held })
}

async fn validate(state: &Arc<State>, req: Request<Incoming>, start: Instant) -> Response<Body> {
    let deadline = tokio::time::Instant::from_std(start + state.timeout);
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.max_body as u64) {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("kubeward: request body larger than {} bytes\n", state.max_body),
        );
    }
    // The body is read before a judging slot is taken: slow clients hold a connection and the
    // bytes they sent, not a slot.
    let body = match tokio::time::timeout_at(deadline, read_body(state, req.into_body())).await {
        Ok(Ok(b)) => b,
        Ok(Err(r)) => return r,
        Err(_) => {
            return text(
                StatusCode::REQUEST_TIMEOUT,
                format!("kubeward: request body not read within {:?}\n", state.timeout),
            )
        }
    };
    let values = review::json_values(&body.bytes).clamp(1, review::MAX_JSON_VALUES);
    let permits = async {
        let slot = state.permits.clone().acquire_owned().await.ok()?;
        let n = u32::try_from(values).unwrap_or(u32::MAX);
        let weight = state.judge_values.clone().acquire_many_owned(n).await.ok()?;
        Some((slot, weight))
    };
    let permits = match tokio::time::timeout_at(deadline, permits).await {
        Ok(Some(p)) => p,
        Ok(None) => return text(StatusCode::SERVICE_UNAVAILABLE, "kubeward: shutting down\n"),
        Err(_) => return not_judged(state, &body.bytes),
    };
    let bytes = body.bytes.clone();
    let job = {
        let state = state.clone();
        let bytes = bytes.clone();
        // The permits and the body's budget go with the job: they are given back when judging
        // ends, even after the deadline has answered the request.
        tokio::task::spawn_blocking(move || {
            let _held = (permits, body);
            judge(&state, &bytes, start)
        })
    };
    match tokio::time::timeout_at(deadline, job).await {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => {
            log_event("error", "internal error while judging a request (a bug: please report it)", &[]);
            text(StatusCode::INTERNAL_SERVER_ERROR, "kubeward: internal error while judging the request\n")
        }
        Err(_) => not_judged(state, &bytes),
    }
}

/// Judges a body (on the blocking pool) and writes the decision line.
fn judge(state: &State, body: &[u8], start: Instant) -> Response<Body> {
    // The rules are written for hostile input; should one panic all the same, this request
    // gets a 500 and the server goes on.
    let judged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| state.evaluator.review(body)));
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

/// The answer to a request read but not judged in time, as `--on-timeout` says.
fn not_judged(state: &State, body: &[u8]) -> Response<Body> {
    state.metrics.judge_timeout();
    let verdict = match state.on_timeout {
        OnTimeout::Error => None,
        // Audit mode never denies.
        OnTimeout::Deny => Some(state.audit),
        OnTimeout::Allow => Some(true),
    };
    let msg = format!("kubeward: request not judged within {:?}", state.timeout);
    log_event(
        "warn",
        "request not judged within the request timeout",
        &[("on_timeout", &format!("{:?}", state.on_timeout).to_ascii_lowercase())],
    );
    let (Some(allowed), Some(uid)) = (verdict, review::request_uid(body)) else {
        return text(StatusCode::SERVICE_UNAVAILABLE, format!("{msg}\n"));
    };
    let mut r = Response::new(Full::new(Bytes::from(review::timeout_response(&uid, allowed, &msg))));
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
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
                    // One request per connection: probes and scrapes leave no idle
                    // connection behind, and a slow client is cut by the header timeout.
                    let conn = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .keep_alive(false)
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
    /// The most severe `MAX_LOGGED_RULES` rules with findings at or above the threshold.
    deny_rules: Vec<&'static str>,
    /// Rules at or above the threshold left out of `deny_rules`.
    deny_rules_more: usize,
    /// Findings at or above the threshold (all of them).
    deny_findings: usize,
    warn_rules: Vec<&'static str>,
    warn_rules_more: usize,
    warn_findings: usize,
    duration_us: u128,
}

/// Most rule codes a decision line lists per kind (deny, warn), the most severe; the line says
/// how many more there are. With the fields clipped to `MAX_LOGGED_CHARS`, a line stays under
/// about 4 KiB whatever the request.
const MAX_LOGGED_RULES: usize = 20;
/// Longest request field (uid, kind, namespace, name, user) in a decision line, in characters.
const MAX_LOGGED_CHARS: usize = 253;

fn log_decision(d: &Decision, audit: bool, elapsed: Duration) {
    let codes = |c: &[review::RuleCount]| c.iter().take(MAX_LOGGED_RULES).map(|c| c.code).collect::<Vec<_>>();
    let line = DecisionLine {
        ts: timestamp(),
        level: "info",
        msg: "admission decision",
        uid: &review::clip(&d.uid, MAX_LOGGED_CHARS),
        kind: &review::clip(&d.kind, MAX_LOGGED_CHARS),
        namespace: &review::clip(&d.namespace, MAX_LOGGED_CHARS),
        name: &review::clip(&d.name, MAX_LOGGED_CHARS),
        user: &review::clip(&d.user, MAX_LOGGED_CHARS),
        operation: &d.operation,
        dry_run: d.dry_run,
        allowed: d.allowed,
        verdict: d.verdict.as_str(),
        mode: if audit { "audit" } else { "enforce" },
        deny_rules: codes(&d.denying),
        deny_rules_more: d.denying.len().saturating_sub(MAX_LOGGED_RULES),
        deny_findings: d.denying.iter().map(|c| c.count).sum(),
        warn_rules: codes(&d.warning),
        warn_rules_more: d.warning.len().saturating_sub(MAX_LOGGED_RULES),
        warn_findings: d.warning.iter().map(|c| c.count).sum(),
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
