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
//!   `GEN003 resource-not-audited` reports it and the audit goes on. 429, 5xx and refused
//!   connections are retried with backoff (honouring `Retry-After`), a timeout once, and what
//!   cannot succeed (certificate verification, 401, a malformed answer) never; other failures
//!   are input errors naming the API path and the cause.
//! - Bounded work: list answers stream through [`split::Splitter`] (one object at a time, never
//!   an answer whole), with byte budgets per object, per answer and per audit batch, and a page
//!   size that follows the bytes per object; an object over the budget is an `AuditGap` (reason
//!   `too-large`). Each request has a time limit, the collection an overall one
//!   ([`Options::overall_timeout`]); a repeated `continue` token ends its list. Exec credential
//!   plugins are run by the collector with a time limit.

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

mod exec;
pub mod split;
pub mod verify;

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
    /// Timeout of one request (default 60 s): its answer's head, then its body, each within it;
    /// a credential plugin within it too.
    pub timeout: Option<Duration>,
    /// Time limit of the whole collection (default [`DEFAULT_TIMEOUT`]): what is not read by
    /// then is an input error naming its path.
    pub overall_timeout: Option<Duration>,
    /// Do not read the nodes' kubelet configz.
    pub skip_kubelet_config: bool,
}

/// Default of [`Options::overall_timeout`]: 10 minutes (a 100,000-pod cluster takes seconds;
/// the in-cluster CronJob's `activeDeadlineSeconds` is 30 minutes).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

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

/// Builds the kube client config the way kubectl does; a user's exec credential plugin is
/// taken out of it and returned, for the collector to run (see `exec`).
///
/// # Errors
/// No usable kubeconfig or in-cluster environment, or an unknown context.
pub async fn config(opts: &Options) -> Result<(kube::Config, Option<kube::config::ExecConfig>), ConnectError> {
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
    // An exec credential plugin is run by kubeward (time limit, clear errors), not by kube-rs,
    // which runs it with no time limit on the async runtime's thread.
    let exec = if uses_exec(&cfg) { cfg.auth_info.exec.take() } else { None };
    cfg.connect_timeout = Some(Duration::from_secs(10).min(timeout));
    cfg.read_timeout = Some(timeout);
    cfg.write_timeout = Some(timeout);
    // kubeward retries itself (with Retry-After and 5xx), so the retry is visible and bounded.
    cfg.default_retry = false;
    Ok((cfg, exec))
}

/// Whether kube-rs would run the kubeconfig user's exec plugin (it prefers every other
/// credential to it).
fn uses_exec(cfg: &kube::Config) -> bool {
    let a = &cfg.auth_info;
    a.exec.is_some()
        && a.auth_provider.is_none()
        && a.token.is_none()
        && a.token_file.is_none()
        && (a.username.is_none() || a.password.is_none())
}

/// The API client of one run, as kubectl would connect (kubeconfig, context, in-cluster
/// account), with kubeward's exec plugin handling and time limits: `--timeout` starts here.
/// Shared by the collector and `verify`.
pub(crate) async fn connect(opts: &Options) -> Result<Api, ConnectError> {
    let overall = opts.overall_timeout.unwrap_or(DEFAULT_TIMEOUT);
    let deadline = tokio::time::Instant::now() + overall;
    let timeout = opts.timeout.unwrap_or(Duration::from_secs(60));
    let (mut cfg, exec_cfg) = config(opts).await?;
    let server = cfg.cluster_url.to_string();
    let ca = ca_source(&cfg, opts.kubeconfig.as_deref());
    let host = cfg.cluster_url.authority().map_or_else(|| server.clone(), ToString::to_string);
    // The exec plugin's first answer: a token (sent by `Api::open`, refreshed there) or a
    // client certificate (given to the TLS set-up).
    let mut exec = None;
    if let Some(e) = exec_cfg {
        let limit = timeout.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        let c =
            exec::run(&e, limit).await.map_err(|m| ConnectError(format!("cannot authenticate to {server}: {m}")))?;
        if let Some((cert, key)) = &c.cert {
            cfg.auth_info.client_certificate_data = Some(exec::base64(cert.as_bytes()));
            cfg.auth_info.client_key_data = Some(exec::base64(key.as_bytes()).into());
        }
        if let Some(t) = c.token {
            exec = Some(exec::ExecAuth::new(e, t, c.expiry));
        }
    }
    let client =
        kube::Client::try_from(cfg).map_err(|e| ConnectError(format!("cannot create a client for {server}: {e}")))?;
    Ok(Api { client, timeout, deadline, overall, requests: AtomicUsize::new(0), exec, server: host, ca, url: server })
}

/// How the server's certificate is verified, for messages.
fn ca_source(cfg: &kube::Config, kubeconfig: Option<&std::path::Path>) -> String {
    if cfg.accept_invalid_certs {
        return "no CA (insecure-skip-tls-verify)".into();
    }
    if let Some(f) = &cfg.root_cert_file {
        return format!("CA {}", f.display());
    }
    match (&cfg.root_cert, kubeconfig) {
        (Some(_), Some(k)) => format!("CA certificate-authority(-data) of {}", k.display()),
        (Some(_), None) => "CA certificate-authority(-data) of the kubeconfig".into(),
        (None, _) => "the system's trusted CAs (no CA in the kubeconfig)".into(),
    }
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
    /// One of [`AGGREGATED_WORKLOADS`].
    fn aggregated_workload(&self) -> bool {
        AGGREGATED_WORKLOADS.iter().any(|(g, p)| *g == self.group && *p == self.plural)
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
const CONTROLLERS: &[&str] = &[
    "ReplicaSet",
    "Deployment",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "CronJob",
    "ReplicationController",
    "DeploymentConfig",
];

/// Workloads served by an aggregated API server rather than a CRD, listed all the same:
/// OpenShift's DeploymentConfig (its ReplicationControllers, one per revision, are then
/// skipped as controlled objects).
const AGGREGATED_WORKLOADS: &[(&str, &str)] = &[("apps.openshift.io", "deploymentconfigs")];

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

/// Why a request failed, and whether trying again can help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// 403.
    Forbidden,
    /// 404.
    NotFound,
    /// 410.
    Gone,
    /// The request's time ran out (tried again once).
    Timeout,
    /// 429, 5xx, a connection refused or reset (tried again with backoff).
    Transient,
    /// Cannot succeed by trying again: certificate verification, 401, a malformed answer, a
    /// credential plugin that failed.
    Permanent,
    /// The audit's overall time limit (`--timeout`) is reached.
    Deadline,
    /// The answer is over the byte limit of one answer (read again with a smaller page).
    TooLarge,
}

/// A failed request.
#[derive(Debug)]
struct Failure {
    kind: Kind,
    path: String,
    detail: String,
    retry_after: Option<u64>,
    attempts: u32,
}

impl Failure {
    fn new(kind: Kind, path: &str, detail: impl Into<String>) -> Self {
        Self { kind, path: path.to_string(), detail: detail.into(), retry_after: None, attempts: 1 }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GET {}: {}", self.path, self.detail)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl From<Failure> for Got {
    fn from(f: Failure) -> Self {
        match f.kind {
            Kind::Forbidden => Got::Forbidden(f.detail),
            Kind::NotFound => Got::NotFound,
            Kind::Gone => Got::Gone(f.to_string()),
            _ => Got::Failed(f.to_string()),
        }
    }
}

/// Bounds of what one request may bring (docs/robustness.md, "cluster").
mod budget {
    /// Largest object kept, in bytes of JSON (the API server's own limit is about 1.5 MiB in
    /// etcd; JSON can be larger than what etcd stores). A larger one is reported as not audited.
    pub const OBJECT: usize = 8 << 20;
    /// Largest list answer read; past it the page is asked for again with a smaller `limit`.
    pub const RESPONSE: u64 = 64 << 20;
    /// Largest answer that is not a list (version, discovery, configz, a namespace).
    pub const DOCUMENT: usize = 16 << 20;
    /// Largest list `metadata` (or oversized object's `metadata`) read.
    pub const METADATA: usize = 1 << 20;
    /// Kept objects are handed over for audit in batches of about this many bytes of JSON,
    /// even within one page.
    pub const BATCH: usize = 8 << 20;
    /// Pages aim at this many bytes: after a page, `limit` becomes this over the page's bytes
    /// per object (at most `--chunk-size`).
    pub const PAGE: u64 = 8 << 20;
}

/// The API client with kubeward's retry policy, time limits and request counting.
struct Api {
    client: kube::Client,
    /// Time limit of one request.
    timeout: Duration,
    /// The audit's overall time limit, and its length for messages.
    deadline: tokio::time::Instant,
    overall: Duration,
    requests: AtomicUsize,
    /// A kubeconfig exec credential plugin run by kubeward (not kube-rs).
    exec: Option<exec::ExecAuth>,
    /// The server and the CA it is verified with, for certificate errors.
    server: String,
    ca: String,
    /// The server's URL, for messages.
    url: String,
}

/// A `Retry-After` header in seconds.
fn retry_after(headers: &http::HeaderMap) -> Option<u64> {
    headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok())
}

/// Resources listed at the same time (each list stays paginated, so memory stays bounded).
const LIST_CONCURRENCY: usize = 4;
/// Kubelet configz requests at the same time.
const CONFIGZ_CONCURRENCY: usize = 8;

/// Attempts of a request that fails with 429, 5xx or a connection error.
const MAX_ATTEMPTS: u32 = 6;
/// Attempts of a request that times out (each attempt costs a whole `--request-timeout`).
const MAX_TIMEOUT_ATTEMPTS: u32 = 2;

/// Counts attempts and waits between them.
struct Retry {
    max: u32,
    attempts: u32,
    timeouts: u32,
}

impl Retry {
    fn new(max: u32) -> Self {
        Self { max, attempts: 0, timeouts: 0 }
    }

    /// After a failed attempt: whether to try again (after waiting the backoff, within the
    /// overall deadline). Records the attempt count in the failure.
    async fn again(&mut self, api: &Api, f: &mut Failure) -> bool {
        self.attempts += 1;
        f.attempts = self.attempts;
        let retry = match f.kind {
            Kind::Transient => self.attempts < self.max,
            Kind::Timeout => {
                self.timeouts += 1;
                self.timeouts < MAX_TIMEOUT_ATTEMPTS && self.attempts < self.max
            }
            _ => false,
        };
        if !retry {
            return false;
        }
        // Backoff: the server's Retry-After (capped), else 250 ms doubling to 4 s.
        let backoff = f.retry_after.map_or_else(
            || Duration::from_millis(250u64 << (self.attempts - 1).min(4)),
            |s| Duration::from_secs(s.min(10)),
        );
        if tokio::time::Instant::now() + backoff >= api.deadline {
            return false;
        }
        tokio::time::sleep(backoff).await;
        true
    }
}

impl Api {
    /// When the current request must end: its own time limit or the audit's, whichever first.
    fn request_deadline(&self, path: &str) -> Result<tokio::time::Instant, Failure> {
        let now = tokio::time::Instant::now();
        if now >= self.deadline {
            return Err(self.deadline_failure(path));
        }
        Ok((now + self.timeout).min(self.deadline))
    }

    fn deadline_failure(&self, path: &str) -> Failure {
        Failure::new(
            Kind::Deadline,
            path,
            format!("not done within the audit's time limit of {} s (--timeout)", self.overall.as_secs()),
        )
    }

    fn timed_out(&self, path: &str, until: tokio::time::Instant) -> Failure {
        if until >= self.deadline {
            self.deadline_failure(path)
        } else {
            Failure::new(
                Kind::Timeout,
                path,
                format!("timed out after {} s (--request-timeout)", self.timeout.as_secs()),
            )
        }
    }

    /// Sends one request (`req`, made for `path`) with the exec plugin's token, within the
    /// request's time limit: the answer's head, and the instant by which its body must be read.
    /// Every request of the collector and of `verify` goes through here (counted).
    async fn send(
        &self,
        path: &str,
        req: http::request::Builder,
        body: Body,
    ) -> Result<(http::Response<Body>, tokio::time::Instant), Failure> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let until = self.request_deadline(path)?;
        let mut req = req
            .header("accept", "application/json")
            .body(body)
            .map_err(|e| Failure::new(Kind::Permanent, path, e.to_string()))?;
        if let Some(auth) = &self.exec {
            let limit = until.saturating_duration_since(tokio::time::Instant::now());
            let h = auth.header(limit).await.map_err(|e| Failure::new(Kind::Permanent, path, e))?;
            req.headers_mut().insert(http::header::AUTHORIZATION, h);
        }
        match tokio::time::timeout_at(until, self.client.send(req)).await {
            Err(_) => Err(self.timed_out(path, until)),
            Ok(Err(e)) => Err(self.send_failure(path, &e)),
            Ok(Ok(r)) => Ok((r, until)),
        }
    }

    /// One GET: the answer's head when 2xx (the body is read by the caller), else a failure
    /// with the server's message.
    async fn open(&self, path: &str) -> Result<http::Response<Body>, Failure> {
        let (resp, until) = self.send(path, http::Request::get(path), Body::empty()).await?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let retry_after = retry_after(resp.headers());
        // The error's own body, bounded, for its message.
        let mut body = Vec::new();
        let _ = read_body(self, path, resp.into_body(), until, &mut |b| {
            if body.len() + b.len() > 64 << 10 {
                return Err("too long".into());
            }
            body.extend_from_slice(b);
            Ok(())
        })
        .await;
        let message = status_message(&body).unwrap_or_else(|| status.to_string());
        let code = status.as_u16();
        let (kind, detail) = match code {
            403 => (Kind::Forbidden, message),
            404 => (Kind::NotFound, message),
            410 => (Kind::Gone, format!("410 {message}")),
            401 => (Kind::Permanent, format!("401 {message}: the API server does not accept the credentials")),
            429 | 500 | 502 | 503 | 504 => (Kind::Transient, format!("{code} {message}")),
            _ => (Kind::Permanent, format!("{code} {message}")),
        };
        Err(Failure { retry_after, ..Failure::new(kind, path, detail) })
    }

    /// Names the cause of a failed connection or exchange, and whether to try again.
    fn send_failure(&self, path: &str, e: &kube::Error) -> Failure {
        let mut chain: Vec<String> = Vec::new();
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        let mut tls: Option<String> = None;
        let mut refused = false;
        while let Some(err) = source {
            let text = err.to_string();
            if !chain.iter().any(|c| c.contains(&text)) {
                chain.push(text);
            }
            if let Some(io) = err.downcast_ref::<std::io::Error>() {
                refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
                if let Some(t) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    tls = Some(t.to_string());
                }
            }
            if let Some(t) = err.downcast_ref::<rustls::Error>() {
                tls = Some(t.to_string());
            }
            // The same, when a layer boxed the TLS error into its own type.
            if tls.is_none() {
                const TLS: &[&str] = &["invalid peer certificate", "received fatal alert", "peer is incompatible"];
                let text = err.to_string();
                if let Some(at) = TLS.iter().filter_map(|t| text.find(t)).min() {
                    tls = Some(text[at..].to_string());
                }
            }
            source = err.source();
        }
        if let Some(t) = tls {
            return Failure::new(
                Kind::Permanent,
                path,
                format!("certificate verify failed for host {} with {}: {t}", self.server, self.ca),
            );
        }
        if matches!(e, kube::Error::Auth(_)) {
            return Failure::new(Kind::Permanent, path, format!("credentials: {}", chain.join(": ")));
        }
        let detail =
            if refused { format!("cannot connect to {}: connection refused", self.server) } else { chain.join(": ") };
        Failure::new(Kind::Transient, path, detail)
    }

    async fn get(&self, path: &str) -> Got {
        self.get_tries(path, MAX_ATTEMPTS).await
    }

    /// A GET of a document (not a list), read whole, at most [`budget::DOCUMENT`] bytes.
    async fn get_tries(&self, path: &str, max_attempts: u32) -> Got {
        let mut retry = Retry::new(max_attempts);
        loop {
            let attempt = async {
                let resp = self.open(path).await?;
                let until = self.request_deadline(path)?;
                let mut body = Vec::new();
                read_body(self, path, resp.into_body(), until, &mut |b| {
                    if body.len() + b.len() > budget::DOCUMENT {
                        return Err(format!("answer larger than {} bytes (the limit of one answer)", budget::DOCUMENT));
                    }
                    body.extend_from_slice(b);
                    Ok(())
                })
                .await?;
                Ok::<_, Failure>(body)
            };
            match attempt.await {
                Ok(body) => return Got::Ok(body),
                Err(mut f) => {
                    if !retry.again(self, &mut f).await {
                        return f.into();
                    }
                }
            }
        }
    }
}

/// Reads a body chunk by chunk until `until`; `f` may refuse a chunk (a permanent failure with
/// its message, or a [`Kind::TooLarge`] when the message starts so).
async fn read_body<F: FnMut(&[u8]) -> Result<(), String>>(
    api: &Api,
    path: &str,
    mut body: Body,
    until: tokio::time::Instant,
    f: &mut F,
) -> Result<(), Failure> {
    use http_body_util::BodyExt;
    loop {
        let frame = match tokio::time::timeout_at(until, body.frame()).await {
            Err(_) => return Err(api.timed_out(path, until)),
            Ok(None) => return Ok(()),
            Ok(Some(Err(e))) => return Err(api.send_failure(path, &e)),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Some(data) = frame.data_ref() {
            f(data).map_err(|m| Failure::new(Kind::Permanent, path, m))?;
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
    let api = std::sync::Arc::new(connect(opts).await?);
    let server = api.url.clone();
    let numbers = AtomicUsize::new(0);
    let pages = Pages { page, numbers: &numbers };
    let mut out = Collector::default();

    // 1. /version: proves the connection and the credentials.
    match api.get("/version").await {
        Got::Ok(body) => {
            let v: Value = match serde_json::from_slice(&body) {
                Ok(v) => v,
                Err(e) => {
                    return Err(ConnectError(format!(
                        "{server} does not answer like a Kubernetes API server: GET /version: not JSON: {e}"
                    )))
                }
            };
            if let Some(git) = v.get("gitVersion").and_then(Value::as_str) {
                // The object `kubeward node --k8s-version` makes too: the version rules read it.
                let mut version = json!({
                    "apiVersion": "kubeward.io/v1",
                    "kind": "KubernetesVersion",
                    "metadata": {"name": "kube-apiserver"},
                    "spec": {"version": git, "source": "/version", "platform": v.get("platform").cloned().unwrap_or(Value::Null)},
                });
                // With --namespace, the audit sees one namespace: rules about what the whole
                // cluster lacks (cluster_view::whole_cluster) must not judge it.
                if let (Some(n), Some(spec)) = (opts.namespace.as_deref(), version.get_mut("spec")) {
                    spec["namespace"] = json!(n);
                }
                out.push_synthetic(&pages, version);
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
            Got::Ok(body) => match serde_json::from_slice::<Value>(&body) {
                Ok(mut v) if v.is_object() => {
                    strip(&mut v, "Namespace");
                    out.push_synthetic(&pages, v);
                }
                Ok(_) => out.error(format!("GET /api/v1/namespaces/{n}: not a JSON object")),
                Err(e) => out.error(format!("GET /api/v1/namespaces/{n}: not JSON: {e}")),
            },
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
                    let v: Value = match serde_json::from_slice(&body) {
                        Ok(v) => v,
                        Err(e) => {
                            out.error(format!("GET {path}: not JSON: {e}"));
                            continue;
                        }
                    };
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
            let v: Value = match serde_json::from_slice(&body) {
                Ok(v) => v,
                Err(e) => {
                    out.error(format!("GET /apis: not JSON: {e}"));
                    Value::Null
                }
            };
            if !v.is_null() && !v.get("groups").is_some_and(Value::is_array) {
                out.error("GET /apis: malformed discovery: `groups` is not an array".into());
            }
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
        let v: Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                out.error(format!("GET {path}: not JSON: {e}"));
                continue;
            }
        };
        if !v.get("resources").is_some_and(Value::is_array) {
            out.error(format!("GET {path}: malformed discovery: `resources` is not an array"));
            continue;
        }
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
async fn workload_crds_only<O>(api: &std::sync::Arc<Api>, out: &mut Collector<O>, resources: &mut Vec<Resource>) {
    if !resources.iter().any(|r| r.custom) {
        return;
    }
    let base = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    let mut pager = CrdPager::default();
    // CRDs carry their schemas (often hundreds of KB): small pages.
    match paginate(api, base, 50, &mut pager).await {
        Ok(()) => {}
        Err(f) if f.kind == Kind::Forbidden => {
            out.gap(base, "list", "apiextensions.k8s.io", "customresourcedefinitions", &f.detail);
            resources.retain(|r| !r.custom || r.aggregated_workload());
            return;
        }
        Err(f) if f.kind == Kind::NotFound => {}
        Err(f) => {
            out.error(f.to_string());
            resources.retain(|r| !r.custom || r.aggregated_workload());
            return;
        }
    }
    out.errors.append(&mut pager.errors);
    let workload = pager.workload;
    // Custom resources served by an aggregated API server (no CRD) are not workloads, but for
    // the few known ones.
    resources.retain(|r| {
        !r.custom || workload.iter().any(|(g, p)| *g == r.group && *p == r.plural) || r.aggregated_workload()
    });
}

/// The pager of the CustomResourceDefinitions: the (group, plural) of those that may hold a pod
/// template.
#[derive(Default)]
struct CrdPager {
    workload: Vec<(String, String)>,
    errors: Vec<InputError>,
    mark: (usize, usize),
}

impl Pager for CrdPager {
    fn item(&mut self, path: &str, index: usize, json: Vec<u8>) {
        let crd: Value = match serde_json::from_slice(&json) {
            Ok(v) => v,
            Err(e) => {
                let message = format!("GET {path}: object {index} of the page is not valid JSON: {e}");
                self.errors.push(InputError { file: None, pos: Default::default(), message });
                return;
            }
        };
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
            self.workload.push((group.to_string(), plural.to_string()));
        }
    }

    fn oversized(&mut self, path: &str, index: usize, bytes: u64, _metadata: Option<Vec<u8>>) {
        let message = format!(
            "GET {path}: CustomResourceDefinition {index} of the page is {bytes} bytes, over the limit of {} bytes for one object; skipped",
            budget::OBJECT
        );
        self.errors.push(InputError { file: None, pos: Default::default(), message });
    }

    fn begin_page(&mut self) {
        self.mark = (self.workload.len(), self.errors.len());
    }

    fn abandon_page(&mut self) {
        self.workload.truncate(self.mark.0);
        self.errors.truncate(self.mark.1);
    }

    fn end_page(&mut self) {}

    fn restart(&mut self) {
        self.workload.clear();
        self.errors.clear();
    }
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

/// What a paginated list does with what it reads (see [`paginate`]).
trait Pager {
    /// One object of the list (JSON text of at most [`budget::OBJECT`] bytes), `index` in its page.
    fn item(&mut self, path: &str, index: usize, json: Vec<u8>);
    /// An object over [`budget::OBJECT`]: skipped, reported as not audited.
    fn oversized(&mut self, path: &str, index: usize, bytes: u64, metadata: Option<Vec<u8>>);
    /// A page starts: what follows may be abandoned.
    fn begin_page(&mut self);
    /// The page read since [`Pager::begin_page`] failed: forget what it gave.
    fn abandon_page(&mut self);
    /// The page is complete.
    fn end_page(&mut self);
    /// The list starts again from its first page (a 410): forget every page.
    fn restart(&mut self);
}

/// A page read.
struct PageEnd {
    next: Option<String>,
    bytes: u64,
    items: usize,
}

fn page_path(base: &str, limit: u32, cont: Option<&str>) -> String {
    match cont {
        None => format!("{base}?limit={limit}"),
        Some(c) => format!("{base}?limit={limit}&continue={}", encode(c)),
    }
}

/// The `limit` after a page of `bytes` for `items` objects: about [`budget::PAGE`] bytes a page,
/// at most `page_size`.
fn adapt(page_size: u32, bytes: u64, items: usize) -> u32 {
    if items == 0 {
        return page_size;
    }
    let per = (bytes / items as u64).max(1);
    u32::try_from(budget::PAGE / per).unwrap_or(u32::MAX).clamp(1, page_size)
}

fn token_hash(t: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

/// Lists `base` page by page (`limit`, `continue`), streaming each answer through the
/// [`split::Splitter`] into `pager`: objects one at a time, never a whole answer in memory.
/// Failed pages are tried again (429, 5xx, connection errors; a timeout once) and forgotten
/// first; an answer over [`budget::RESPONSE`] is asked for again with a smaller `limit`; the
/// `limit` follows the bytes per object ([`adapt`]); an expired `continue` token (410) restarts
/// the list once; a `continue` token given twice (a loop) ends the list with an error.
///
/// # Errors
/// The failure that ended the list (what was read before it stays with the pager).
async fn paginate(api: &std::sync::Arc<Api>, base: &str, page_size: u32, pager: &mut dyn Pager) -> Result<(), Failure> {
    let mut limit = page_size;
    let mut cont: Option<String> = None;
    let mut seen: std::collections::HashSet<u64> = std::collections::HashSet::new();
    let mut restarted = false;
    let mut prefetched: Option<Prefetch> = None;
    let mut pages = 0usize;
    loop {
        let mut retry = Retry::new(MAX_ATTEMPTS);
        let page = loop {
            let path = page_path(base, limit, cont.as_deref());
            pager.begin_page();
            // The next page asked for early (with the `limit` known then) is used whatever the
            // `limit` is now.
            let opened = match prefetched.take() {
                Some(p) if cont.as_ref().is_some_and(|c| *c == p.cont) => p.get().await,
                _ => api.open(&path).await,
            };
            let read = match opened {
                Ok(resp) => read_page(api, base, &path, limit, resp, pager, &mut prefetched).await,
                Err(f) => Err(f),
            };
            let mut f = match read {
                Ok(page) => break page,
                Err(f) => f,
            };
            pager.abandon_page();
            prefetched = None;
            if f.kind == Kind::TooLarge && limit > 1 {
                // Smaller pages: a quarter, or what the objects read so far suggest.
                limit = (limit / 4).max(1);
                continue;
            }
            if f.kind == Kind::Gone && cont.is_some() && !restarted {
                restarted = true;
                cont = None;
                limit = page_size;
                seen.clear();
                pager.restart();
                continue;
            }
            if !retry.again(api, &mut f).await {
                return Err(f);
            }
        };
        pages += 1;
        limit = adapt(page_size, page.bytes, page.items);
        match page.next {
            None => return Ok(()),
            Some(c) => {
                if !seen.insert(token_hash(&c)) {
                    // The page that gave the token again is a page read again: dropped.
                    pager.abandon_page();
                    return Err(Failure::new(
                        Kind::Permanent,
                        &page_path(base, limit, Some(&c)),
                        format!(
                            "the server gave a `continue` token it had given before (a pagination loop); the list stops after {pages} pages"
                        ),
                    ));
                }
                cont = Some(c);
            }
        }
    }
}

/// Reads one page's answer through the splitter into `pager`; starts the next page's request as
/// soon as the list's `continue` token is read (the server prepares it meanwhile).
async fn read_page(
    api: &std::sync::Arc<Api>,
    base: &str,
    path: &str,
    limit: u32,
    resp: http::Response<Body>,
    pager: &mut dyn Pager,
    prefetched: &mut Option<Prefetch>,
) -> Result<PageEnd, Failure> {
    let until = api.request_deadline(path)?;
    let mut splitter = split::Splitter::new(split::Limits {
        object: budget::OBJECT,
        response: budget::RESPONSE,
        metadata: budget::METADATA,
    });
    let mut next: Option<String> = None;
    let mut split_error: Option<split::SplitError> = None;
    read_body(api, path, resp.into_body(), until, &mut |chunk| {
        let mut on = |p: split::Piece| match p {
            split::Piece::Metadata(m) => {
                let v: Value = serde_json::from_slice(&m).unwrap_or(Value::Null);
                next = v.get("continue").and_then(Value::as_str).filter(|c| !c.is_empty()).map(str::to_string);
                if let Some(c) = &next {
                    *prefetched = Some(Prefetch::start(api, page_path(base, limit, Some(c)), c.clone()));
                }
            }
            split::Piece::Item(i, json) => pager.item(path, i, json),
            split::Piece::Oversized { index, bytes, metadata } => pager.oversized(path, index, bytes, metadata),
        };
        splitter.feed(chunk, &mut on).map_err(|e| {
            let m = e.to_string();
            split_error = Some(e);
            m
        })
    })
    .await
    .map_err(|mut f| {
        if matches!(split_error, Some(split::SplitError::TooLarge(_))) {
            f.kind = Kind::TooLarge;
        }
        f
    })?;
    splitter.finish().map_err(|e| Failure::new(Kind::Permanent, path, e.to_string()))?;
    pager.end_page();
    Ok(PageEnd { next, bytes: splitter.bytes(), items: splitter.items() })
}

/// The pager of a resource's list: keeps the objects the rules need, as engine trees, handed
/// over in batches of about [`budget::BATCH`] bytes.
struct ListPager<'s, 'a, O> {
    sh: &'s Shared<'a, O>,
    r: &'s Resource,
    base: String,
    api_version: String,
    skip_controlled: bool,
    out: Collector<O>,
    nodes: Vec<String>,
    documents: Vec<Document>,
    batch_bytes: usize,
    /// Where the page (and the list) started: pages, kept, nodes, gaps, errors, received.
    page_mark: (usize, usize, usize, usize, usize, usize),
}

impl<O> ListPager<'_, '_, O> {
    fn mark(&self) -> (usize, usize, usize, usize, usize, usize) {
        let o = &self.out;
        (o.pages.len(), o.kept, self.nodes.len(), o.gaps.len(), o.errors.len(), o.received)
    }

    fn rewind(&mut self, m: (usize, usize, usize, usize, usize, usize)) {
        self.out.pages.truncate(m.0);
        self.out.kept = m.1;
        self.nodes.truncate(m.2);
        self.out.gaps.truncate(m.3);
        self.out.errors.truncate(m.4);
        self.out.received = m.5;
        self.documents.clear();
        self.batch_bytes = 0;
    }

    fn flush(&mut self) {
        self.batch_bytes = 0;
        if self.documents.is_empty() {
            return;
        }
        let documents = std::mem::take(&mut self.documents);
        let n = documents.len();
        self.out.kept += n;
        (self.sh.progress)(Progress::Objects(self.sh.kept.fetch_add(n, Ordering::Relaxed) + n));
        self.out.pages.push(self.sh.pages.give(documents));
    }
}

impl<O> Pager for ListPager<'_, '_, O> {
    fn item(&mut self, path: &str, index: usize, json: Vec<u8>) {
        self.out.received += 1;
        let size = json.len();
        let mut item: Value = match serde_json::from_slice(&json) {
            Ok(v) => v,
            Err(e) => {
                self.out.error(format!("GET {path}: object {index} of the page is not valid JSON: {e}"));
                return;
            }
        };
        drop(json);
        if self.skip_controlled && controlled(&item) {
            return;
        }
        if let Some(o) = item.as_object_mut() {
            o.insert("apiVersion".into(), Value::String(self.api_version.clone()));
            o.insert("kind".into(), Value::String(self.r.kind.clone()));
        }
        strip(&mut item, &self.r.kind);
        if self.r.kind == "Node" {
            if let Some(n) = item.pointer("/metadata/name").and_then(Value::as_str) {
                self.nodes.push(n.to_string());
            }
        }
        let root = Node::from_json(&item);
        drop(item);
        if self.r.custom && !has_pod_template(&root) {
            return;
        }
        self.documents.push(Document { root, duplicates: Vec::new() });
        self.batch_bytes += size;
        if self.batch_bytes >= budget::BATCH {
            self.flush();
        }
    }

    fn oversized(&mut self, path: &str, index: usize, bytes: u64, metadata: Option<Vec<u8>>) {
        self.out.received += 1;
        let meta: Value = metadata.and_then(|m| serde_json::from_slice(&m).ok()).unwrap_or(Value::Null);
        let field = |k: &str| meta.get(k).and_then(Value::as_str).map(str::to_string);
        let (ns, name) = (field("namespace"), field("name"));
        let object = match (&ns, &name) {
            (Some(ns), Some(n)) => format!("{} {ns}/{n}", self.r.kind),
            (None, Some(n)) => format!("{} {n}", self.r.kind),
            _ => format!("{} number {index} of the page", self.r.kind),
        };
        let message = format!(
            "`{object}` is {bytes} bytes of JSON, over the limit of {} bytes for one object; skipped (`GET {path}`)",
            budget::OBJECT
        );
        let id = [ns.as_deref(), name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(".");
        let id = if id.is_empty() { format!("{index}") } else { id };
        let gap = json!({
            "apiVersion": "kubeward.io/v1",
            "kind": "AuditGap",
            "metadata": {"name": format!("too-large-{}-{id}", self.r.plural)},
            "spec": {"path": self.base, "verb": "list", "group": self.r.group, "resource": self.r.plural,
                     "reason": "too-large", "message": message,
                     "object": {"kind": self.r.kind, "namespace": ns, "name": name}, "bytes": bytes},
        });
        self.out.gaps.push(gap);
    }

    fn begin_page(&mut self) {
        self.page_mark = self.mark();
    }

    fn abandon_page(&mut self) {
        self.rewind(self.page_mark);
    }

    fn end_page(&mut self) {
        self.flush();
    }

    fn restart(&mut self) {
        self.rewind((0, 0, 0, 0, 0, 0));
    }
}

/// Lists one resource, page by page; returns what it kept and the names of the nodes.
async fn list<O>(sh: &Shared<'_, O>, r: &Resource) -> (Collector<O>, Vec<String>) {
    (sh.progress)(Progress::Listing {
        what: format!("{} {}", r.api_version(), r.plural),
        index: sh.started.fetch_add(1, Ordering::Relaxed),
        total: sh.total,
    });
    let base = r.list_path(sh.ns);
    let mut pager = ListPager {
        sh,
        r,
        base: base.clone(),
        api_version: r.api_version(),
        skip_controlled: matches!(r.kind.as_str(), "Pod" | "ReplicaSet" | "Job" | "ReplicationController") && !r.custom,
        out: Collector::default(),
        nodes: Vec::new(),
        documents: Vec::new(),
        batch_bytes: 0,
        page_mark: (0, 0, 0, 0, 0, 0),
    };
    match paginate(sh.api, &base, sh.page_size, &mut pager).await {
        Ok(()) => {}
        Err(f) if f.kind == Kind::Forbidden => {
            pager.out.gap(&base, "list", &r.group, &r.plural, &f.detail);
        }
        Err(f) if f.kind == Kind::NotFound => {}
        Err(f) => pager.out.error(f.to_string()),
    }
    (pager.out, pager.nodes)
}

/// A GET started on the runtime ahead of time (the next page of a list): its answer's head.
struct Prefetch {
    path: String,
    /// The `continue` token it asks with.
    cont: String,
    task: tokio::task::JoinHandle<Result<http::Response<Body>, Failure>>,
}

impl Prefetch {
    fn start(api: &std::sync::Arc<Api>, path: String, cont: String) -> Self {
        let (api, p) = (api.clone(), path.clone());
        Self { path, cont, task: tokio::spawn(async move { api.open(&p).await }) }
    }

    async fn get(mut self) -> Result<http::Response<Body>, Failure> {
        match (&mut self.task).await {
            Ok(got) => got,
            Err(e) => Err(Failure::new(Kind::Transient, &self.path, e.to_string())),
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
