//! `kubeward verify`'s client: submits the engine's probes ([`kubeward_engine::verify`]) to the
//! API server with server-side dry run, and returns each namespace's outcomes.
//!
//! Apart from the collector's GET requests (`/version`, the namespaces), its only write is
//! [`dry_run_create`], which adds `dryRun=All` to every request it sends: no code path can
//! omit it. Before any probe, the server must prove that it honours dry run (GA since
//! Kubernetes v1.18; an older server may ignore the parameter and create the object), else the
//! run is refused.

use std::sync::atomic::Ordering;

use futures::StreamExt;
use kube::client::Body;
use kubeward_engine::verify::{self, Answer, NamespaceInfo, NamespaceResult, Outcome, Plan, Target};
use kubeward_engine::InputError;
use serde_json::Value;

use super::{Api, ConnectError, Failure, Got, Kind, Options, Retry, MAX_ATTEMPTS};

/// The first Kubernetes minor version (of major 1) where server-side dry run is GA.
pub const DRY_RUN_GA_MINOR: u64 = 18;

/// Namespaces verified at the same time.
const NAMESPACE_CONCURRENCY: usize = 4;
/// Probes of one namespace submitted at the same time (after its control pod).
const PROBE_CONCURRENCY: usize = 4;
/// Largest answer read from a dry-run create.
const ANSWER_LIMIT: usize = 4 << 20;

/// What a run found.
#[derive(Debug, Default)]
pub struct Verified {
    /// Each namespace's outcomes, in name order (or the order of `--namespace`).
    pub results: Vec<NamespaceResult>,
    /// Namespaces that could not be read.
    pub errors: Vec<InputError>,
    /// Namespaces left out, and why (a namespace being deleted).
    pub notes: Vec<String>,
    /// Requests made (GET and dry-run POST).
    pub requests: usize,
}

/// The server's version as `(major, minor)` from `/version` (`"minor": "18+"` is 18).
fn version_of(body: &[u8]) -> Option<(u64, u64, String)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let num = |k: &str| -> Option<u64> {
        let s = v.get(k)?.as_str()?;
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let git = v.get("gitVersion").and_then(Value::as_str).unwrap_or("").to_string();
    Some((num("major")?, num("minor")?, git))
}

/// Refuses to go on unless the server honours server-side dry run.
async fn require_dry_run(api: &Api, server: &str) -> Result<(), ConnectError> {
    let refuse = |why: String| {
        ConnectError(format!(
            "refusing to verify {server}: {why}; `kubeward verify` needs server-side dry run (`dryRun=All`, GA since \
             Kubernetes v1.{DRY_RUN_GA_MINOR}), without which its probes could be created for real"
        ))
    };
    match api.get("/version").await {
        Got::Ok(body) => match version_of(&body) {
            Some((major, minor, _)) if major > 1 || (major == 1 && minor >= DRY_RUN_GA_MINOR) => Ok(()),
            Some((major, minor, git)) => Err(refuse(format!("the API server is {git} (v{major}.{minor})"))),
            None => Err(refuse("GET /version does not give the server's major and minor version".into())),
        },
        Got::Forbidden(m) => Err(refuse(format!("GET /version is forbidden ({m}), so its dry-run support is unknown"))),
        Got::NotFound => Err(refuse("GET /version: not found".into())),
        Got::Failed(m) | Got::Gone(m) => Err(ConnectError(format!("cannot reach the API server at {server}: {m}"))),
    }
}

fn namespace_info(v: &Value) -> Option<(NamespaceInfo, bool)> {
    let meta = v.get("metadata")?;
    let name = meta.get("name")?.as_str()?.to_string();
    let labels = meta
        .get("labels")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default();
    let terminating = v.pointer("/status/phase").and_then(Value::as_str) == Some("Terminating");
    Some((NamespaceInfo { name, labels }, terminating))
}

fn is_label(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 63
        && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !n.starts_with('-')
        && !n.ends_with('-')
}

fn error(message: String) -> InputError {
    InputError { file: None, pos: Default::default(), message }
}

/// The namespaces to verify: those named (each read with GET), else every namespace (listed,
/// paginated), without those being deleted.
async fn namespaces(api: &Api, names: &[String], out: &mut Verified) -> Vec<NamespaceInfo> {
    let mut found = Vec::new();
    let mut keep = |v: &Value, out: &mut Verified| match namespace_info(v) {
        Some((ns, true)) => out.notes.push(format!("namespace `{}` skipped: it is being deleted", ns.name)),
        Some((ns, false)) => found.push(ns),
        None => out.errors.push(error("a namespace without a name in the API server's answer".into())),
    };
    if !names.is_empty() {
        for n in names {
            let path = format!("/api/v1/namespaces/{n}");
            match api.get(&path).await {
                Got::Ok(body) => match serde_json::from_slice::<Value>(&body) {
                    Ok(v) => keep(&v, out),
                    Err(e) => out.errors.push(error(format!("GET {path}: not JSON: {e}"))),
                },
                Got::NotFound => out.errors.push(error(format!("namespace `{n}` not found"))),
                Got::Forbidden(m) => {
                    out.errors.push(error(format!("cannot read namespace `{n}` (get namespaces): {m}")))
                }
                Got::Failed(m) | Got::Gone(m) => out.errors.push(error(m)),
            }
        }
        return found;
    }
    let mut cont: Option<String> = None;
    loop {
        let path = match &cont {
            Some(c) => format!("/api/v1/namespaces?limit=500&continue={}", super::encode(c)),
            None => "/api/v1/namespaces?limit=500".to_string(),
        };
        let body = match api.get(&path).await {
            Got::Ok(b) => b,
            Got::Forbidden(m) => {
                out.errors.push(error(format!("cannot list namespaces (list namespaces): {m}")));
                break;
            }
            Got::NotFound => {
                out.errors.push(error(format!("GET {path}: not found")));
                break;
            }
            Got::Failed(m) | Got::Gone(m) => {
                out.errors.push(error(m));
                break;
            }
        };
        let v: Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                out.errors.push(error(format!("GET {path}: not JSON: {e}")));
                break;
            }
        };
        for item in v.get("items").and_then(Value::as_array).into_iter().flatten() {
            keep(item, out);
        }
        let next = v.pointer("/metadata/continue").and_then(Value::as_str).filter(|c| !c.is_empty());
        match next {
            Some(c) if cont.as_deref() != Some(c) => cont = Some(c.to_string()),
            _ => break,
        }
    }
    found
}

/// `299 - "text"` → `text`.
fn warning_text(h: &str) -> String {
    let rest = h.trim();
    let rest = rest.split_once(' ').map_or(rest, |(_, r)| r.trim_start());
    let rest = rest.split_once(' ').map_or(rest, |(_, r)| r.trim_start());
    let inner = rest.strip_prefix('"').and_then(|r| r.rfind('"').map(|e| &r[..e])).unwrap_or(rest);
    inner.replace("\\\"", "\"").replace("\\\\", "\\")
}

/// Creates `body` in `collection` (a path without a query) with server-side dry run: the
/// request always carries `dryRun=All` (nothing is persisted), `fieldValidation=Strict` (a
/// field the server does not know fails the probe instead of being dropped) and the field
/// manager `kubeward-verify`. 429, 5xx and connection errors are tried again.
pub(crate) async fn dry_run_create(api: &Api, collection: &str, body: &Value) -> Answer {
    if collection.contains(['?', '#']) || !collection.starts_with('/') {
        return Answer { transport: Some(format!("`{collection}` is not a collection path")), ..Answer::default() };
    }
    let path = format!("{collection}?dryRun=All&fieldManager=kubeward-verify&fieldValidation=Strict");
    let bytes = match serde_json::to_vec(body) {
        Ok(b) => b,
        Err(e) => return Answer { transport: Some(format!("cannot encode the probe: {e}")), ..Answer::default() },
    };
    let mut retry = Retry::new(MAX_ATTEMPTS);
    loop {
        let mut failure = match attempt(api, &path, bytes.clone()).await {
            Ok(answer) => return answer,
            Err(f) => f,
        };
        if !retry.again(api, &mut failure).await {
            // No verdict: no answer, or 429/5xx each time.
            let mut t = format!("POST {path}: {}", failure.detail);
            if failure.attempts > 1 {
                t.push_str(&format!(" (after {} attempts)", failure.attempts));
            }
            return Answer { transport: Some(t), ..Answer::default() };
        }
    }
}

async fn attempt(api: &Api, path: &str, bytes: Vec<u8>) -> Result<Answer, Failure> {
    let req = http::Request::post(path).header("content-type", "application/json");
    let (resp, until) = api.send(path, req, Body::from(bytes)).await?;
    let status = resp.status();
    let warnings: Vec<String> =
        resp.headers().get_all("warning").iter().filter_map(|v| v.to_str().ok()).map(warning_text).collect();
    let retry_after = super::retry_after(resp.headers());
    let mut body = Vec::new();
    super::read_body(api, path, resp.into_body(), until, &mut |b| {
        if body.len() + b.len() > ANSWER_LIMIT {
            return Err(format!("answer larger than {ANSWER_LIMIT} bytes"));
        }
        body.extend_from_slice(b);
        Ok(())
    })
    .await?;
    let code = status.as_u16();
    let message = if status.is_success() {
        String::new()
    } else {
        super::status_message(&body).unwrap_or_else(|| status.to_string())
    };
    if matches!(code, 429 | 500 | 502 | 503 | 504) {
        return Err(Failure { retry_after, ..Failure::new(Kind::Transient, path, format!("{code} {message}")) });
    }
    Ok(Answer { code, message, warnings, transport: None })
}

/// One namespace: the control pod first, then (when it is admitted) the probes.
async fn namespace(api: &Api, plan: &Plan, ns: NamespaceInfo) -> NamespaceResult {
    let control_pod = verify::control_pod(&ns.name, &plan.control_image);
    let control = verify::classify(&dry_run_create(api, &Target::Pod.collection(&ns.name), &control_pod).await);
    let sends = plan.probes.iter().map(|p| {
        let (control, ns) = (&control, &ns);
        async move {
            let o = match verify::blocked(p.probe, control) {
                Some(o) => o,
                None => {
                    let obj = p.probe.object(&ns.name, &plan.control_image);
                    verify::classify(&dry_run_create(api, &p.probe.target.collection(&ns.name), &obj).await)
                }
            };
            (p.probe, o)
        }
    });
    let probes: Vec<(&'static verify::Probe, Outcome)> =
        futures::stream::iter(sends).buffered(PROBE_CONCURRENCY).collect().await;
    NamespaceResult { namespace: ns, control, probes }
}

/// Verifies the namespaces named (all when none is) but those in `exclude`: refuses without
/// server-side dry run, then submits the control pod and `plan`'s probes in each.
///
/// # Errors
/// Configuration errors, an unreachable API server, and a server without dry run.
pub async fn verify(
    opts: &Options,
    names: &[String],
    exclude: &[String],
    plan: &Plan,
) -> Result<Verified, ConnectError> {
    for n in names.iter().chain(exclude) {
        if !is_label(n) {
            return Err(ConnectError(format!("`{n}` is not a namespace name (RFC 1123 label)")));
        }
    }
    // A namespace named twice is verified once, in the order first named.
    let mut unique: Vec<String> = Vec::new();
    for n in names {
        if !unique.contains(n) {
            unique.push(n.clone());
        }
    }
    let names = unique.as_slice();
    let api = super::connect(opts).await?;
    let server = api.server.clone();
    require_dry_run(&api, &server).await?;
    let mut out = Verified::default();
    let mut found = namespaces(&api, names, &mut out).await;
    found.retain(|ns| !exclude.contains(&ns.name));
    let api = &api;
    out.results = futures::stream::iter(found.into_iter().map(|ns| namespace(api, plan, ns)))
        .buffered(NAMESPACE_CONCURRENCY)
        .collect()
        .await;
    out.requests = api.requests.load(Ordering::Relaxed);
    Ok(out)
}

/// Runs [`verify`] on a new runtime (for the synchronous CLI).
///
/// # Errors
/// As [`verify`], and a runtime that cannot start.
pub fn verify_blocking(
    opts: &Options,
    names: &[String],
    exclude: &[String],
    plan: &Plan,
) -> Result<Verified, ConnectError> {
    super::runtime()?.block_on(verify(opts, names, exclude, plan))
}

#[cfg(test)]
mod tests {
    #[test]
    fn warning_headers() {
        assert_eq!(
            super::warning_text(r#"299 - "would violate PodSecurity \"restricted:latest\": host namespaces""#),
            r#"would violate PodSecurity "restricted:latest": host namespaces"#
        );
        assert_eq!(super::warning_text("299 - \"POD017 no limits\""), "POD017 no limits");
    }

    #[test]
    fn versions() {
        assert_eq!(
            super::version_of(br#"{"major":"1","minor":"18+","gitVersion":"v1.18.2-gke.1"}"#).map(|v| v.1),
            Some(18)
        );
        assert_eq!(super::version_of(br#"{"major":"1","minor":""}"#), None);
    }
}
