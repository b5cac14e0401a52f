//! The admission decision: AdmissionReview in, AdmissionReview out. Synchronous and pure (no
//! I/O), so it is tested without a server and costs one parse and one rule pass per request.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use kubeward_engine::admission::Prepared;
use kubeward_engine::input::node::Node;
use kubeward_engine::input::yaml::Document;
use kubeward_engine::settings::serve::Mode;
use kubeward_engine::snapshot::SourceFile;
use kubeward_engine::{Diagnostic, Settings, Severity, Snapshot};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The only AdmissionReview version served.
pub const API_VERSION: &str = "admission.k8s.io/v1";

/// Most warnings returned in one response (kubectl prints each one), the last one saying how
/// many were left out.
const MAX_WARNINGS: usize = 30;
/// Longest warning, in characters (the API server's per-warning limit).
const MAX_WARNING_CHARS: usize = 256;
/// Most characters of all warnings of a response (the API server's limit).
const MAX_WARNING_TOTAL_CHARS: usize = 4096;
/// Room kept for the last warning, the count of those left out.
const WARNING_RESERVE: usize = 100;
/// Most findings kept per request: the most severe; the others are only counted.
pub const MAX_KEPT_FINDINGS: usize = 100;
/// Most findings the deny message lists (the most severe), then how many more there are.
pub const MAX_DENY_LISTED: usize = 20;
/// Longest line of the deny message, in characters.
const MAX_LINE_CHARS: usize = 512;
/// Longest kind, namespace or name quoted in a message or log line, in characters
/// (Kubernetes names have at most 253).
pub const MAX_NAME_CHARS: usize = 253;

/// The admission policy, resolved from `.kubeward.yaml` and the command line.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Lowest severity that denies.
    pub deny_at: Severity,
    /// Enforce or audit.
    pub mode: Mode,
    /// Namespaces whose requests are allowed unchecked (the server's own included).
    pub exempt_namespaces: Vec<String>,
    /// Namespace labels that exempt (applied to Namespace objects here, and to every namespaced
    /// object through the webhook's `namespaceSelector`).
    pub exempt_namespace_labels: BTreeMap<String, String>,
    /// Namespaces where `kubeward.io/ignore` annotations count (`*`: all).
    pub annotation_exemptions_in: Vec<String>,
}

impl Policy {
    /// The policy of `settings.serve`, with the server's own namespace exempt.
    ///
    /// # Errors
    /// Bad values in the `serve:` section.
    pub fn from_settings(settings: &Settings, own_namespace: &str) -> Result<Self, String> {
        let s = &settings.serve;
        let mut exempt_namespaces = s.exempt_namespaces();
        if !own_namespace.is_empty() && !exempt_namespaces.iter().any(|n| n == own_namespace) {
            exempt_namespaces.push(own_namespace.to_string());
        }
        Ok(Self {
            deny_at: s.deny_at().map_err(|e| format!("serve.deny-at: {e}"))?,
            mode: s.mode()?,
            exempt_namespaces,
            exempt_namespace_labels: s.exempt_namespace_labels.clone(),
            annotation_exemptions_in: if settings.allow_annotation_exemptions {
                s.annotation_exemptions_in.clone()
            } else {
                Vec::new()
            },
        })
    }
}

/// Why a request was answered the way it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Checked, nothing at or above the threshold (or audit mode).
    Allowed,
    /// Checked and denied.
    Denied,
    /// Allowed unchecked: exempt namespace.
    Exempt,
    /// Allowed unchecked: DELETE, CONNECT, or a subresource that does not change the spec.
    Skipped,
}

impl Verdict {
    /// Lower-case name (metrics label, log field).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Denied => "denied",
            Self::Exempt => "exempt",
            Self::Skipped => "skipped",
        }
    }
}

/// One decision: the response body plus what the log line and metrics need.
#[derive(Debug)]
pub struct Decision {
    /// The AdmissionReview response, serialized.
    pub body: Vec<u8>,
    /// The request's uid.
    pub uid: String,
    /// Kind of the object (`request.kind.kind`).
    pub kind: String,
    /// Namespace of the request.
    pub namespace: String,
    /// Name of the object.
    pub name: String,
    /// The requesting user.
    pub user: String,
    /// CREATE, UPDATE, DELETE or CONNECT.
    pub operation: String,
    /// Whether the request was a dry run.
    pub dry_run: bool,
    /// The answer.
    pub allowed: bool,
    /// Why.
    pub verdict: Verdict,
    /// Findings at or above the threshold (would deny in audit mode), per rule, most severe
    /// first: all of them counted, including those the response does not list.
    pub denying: Vec<RuleCount>,
    /// Findings below the threshold, per rule, most severe first.
    pub warning: Vec<RuleCount>,
}

/// How many findings a rule made in one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleCount {
    /// The rule's code.
    pub code: &'static str,
    /// The highest severity among them.
    pub severity: Severity,
    /// How many.
    pub count: usize,
}

/// A request that is not a valid AdmissionReview: HTTP 400 with this message.
#[derive(Debug, PartialEq, Eq)]
pub struct BadRequest(pub String);

impl std::fmt::Display for BadRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Deserialize)]
struct ReviewIn {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    kind: Option<String>,
    request: Option<RequestIn>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Gvk {
    group: String,
    version: String,
    kind: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserInfo {
    username: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestIn {
    uid: Option<String>,
    #[serde(default)]
    kind: Gvk,
    #[serde(default)]
    sub_resource: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    operation: Option<String>,
    #[serde(default)]
    user_info: UserInfo,
    #[serde(default)]
    object: Option<Value>,
    #[serde(default)]
    dry_run: Option<bool>,
}

#[derive(Serialize)]
struct ReviewOut<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    response: ResponseOut<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseOut<'a> {
    uid: &'a str,
    allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<StatusOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    audit_annotations: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct StatusOut {
    code: u16,
    reason: &'static str,
    message: String,
}

/// Judges AdmissionReviews with prepared rules and settings.
pub struct Evaluator {
    policy: Policy,
    /// Blocking vulnerabilities of scanned images (`--image-reports`), swapped on reload.
    vulns: arc_swap::ArcSwap<kubeward_engine::images::VulnIndex>,
    /// Settings with annotation exemptions off (most namespaces).
    strict: Settings,
    /// Settings with annotation exemptions on (namespaces listed in `annotation-exemptions-in`).
    lenient: Settings,
    prepared: Prepared,
}

impl Evaluator {
    /// Prepares the rules `settings` selects that apply to one object.
    #[must_use]
    pub fn new(settings: &Settings, policy: Policy) -> Self {
        let mut strict = settings.clone();
        strict.allow_annotation_exemptions = false;
        let mut lenient = settings.clone();
        lenient.allow_annotation_exemptions = true;
        let prepared = Prepared::new(settings);
        let vulns = arc_swap::ArcSwap::from_pointee(kubeward_engine::images::VulnIndex::default());
        Self { policy, vulns, strict, lenient, prepared }
    }

    /// Replaces the vulnerability reports pods are judged against (IMG006): a container whose
    /// image has a blocking vulnerability is a finding at the vulnerability's severity.
    pub fn set_vulns(&self, index: kubeward_engine::images::VulnIndex) {
        self.vulns.store(std::sync::Arc::new(index));
    }

    /// The settings (for reading reports with the same `images:` policy).
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.strict
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Number of rules that run per request.
    #[must_use]
    pub fn rule_count(&self) -> usize {
        self.prepared.len()
    }

    /// Judges one request body.
    ///
    /// # Errors
    /// The body is not JSON, not an `admission.k8s.io/v1` AdmissionReview, or lacks what a
    /// request must have (uid, operation, the object of a CREATE or UPDATE).
    pub fn review(&self, body: &[u8]) -> Result<Decision, BadRequest> {
        // Parsed trees cost far more than the bytes for bodies of many tiny values
        // (`[0,0,0,...]`): refuse those before parsing, so memory stays bounded.
        let values = json_values(body);
        if values > MAX_JSON_VALUES {
            return Err(BadRequest(format!(
                "body has about {values} JSON values, more than the {MAX_JSON_VALUES} a Kubernetes object needs"
            )));
        }
        let review: ReviewIn = serde_json::from_slice(body)
            .map_err(|e| BadRequest(format!("body is not a valid AdmissionReview JSON document: {e}")))?;
        if review.kind.as_deref() != Some("AdmissionReview") {
            return Err(BadRequest(format!(
                "expected kind AdmissionReview, got {}",
                review
                    .kind
                    .as_deref()
                    .map_or_else(|| "no kind".to_string(), |k| format!("`{}`", clip(k, MAX_NAME_CHARS)))
            )));
        }
        if review.api_version.as_deref() != Some(API_VERSION) {
            return Err(BadRequest(format!(
                "expected apiVersion {API_VERSION}, got {} (set admissionReviewVersions: [v1])",
                review
                    .api_version
                    .as_deref()
                    .map_or_else(|| "none".to_string(), |k| format!("`{}`", clip(k, MAX_NAME_CHARS)))
            )));
        }
        let Some(req) = review.request else {
            return Err(BadRequest("AdmissionReview has no `request`".into()));
        };
        let uid = req.uid.filter(|u| !u.is_empty()).ok_or_else(|| BadRequest("request.uid is missing".into()))?;
        let operation = req.operation.ok_or_else(|| BadRequest("request.operation is missing".into()))?;
        let namespace = req.namespace.unwrap_or_default();
        let mut d = Decision {
            body: Vec::new(),
            uid,
            kind: req.kind.kind.clone(),
            namespace,
            name: req.name.unwrap_or_default(),
            user: req.user_info.username,
            operation,
            dry_run: req.dry_run.unwrap_or(false),
            allowed: true,
            verdict: Verdict::Allowed,
            denying: Vec::new(),
            warning: Vec::new(),
        };
        match d.operation.as_str() {
            "CREATE" | "UPDATE" => {}
            "DELETE" | "CONNECT" => {
                d.verdict = Verdict::Skipped;
                d.body = self.respond(&d, None, Vec::new(), BTreeMap::new());
                return Ok(d);
            }
            other => {
                return Err(BadRequest(format!(
                    "request.operation `{}` is not CREATE, UPDATE, DELETE or CONNECT",
                    clip(other, MAX_NAME_CHARS)
                )))
            }
        }
        // Subresources other than ephemeral containers (`kubectl debug`) do not change what runs.
        if req.sub_resource.as_deref().is_some_and(|s| !s.is_empty() && s != "ephemeralcontainers") {
            d.verdict = Verdict::Skipped;
            d.body = self.respond(&d, None, Vec::new(), BTreeMap::new());
            return Ok(d);
        }
        let Some(mut object) = req.object.filter(Value::is_object) else {
            return Err(BadRequest(format!("request.object is missing or not an object in a {} request", d.operation)));
        };
        fill_identity(&mut object, &req.kind, &d.namespace);
        if d.name.is_empty() {
            d.name = object
                .pointer("/metadata/name")
                .or_else(|| object.pointer("/metadata/generateName"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
        }
        if self.is_exempt(&d, &object) {
            d.verdict = Verdict::Exempt;
            d.body = self.respond(&d, None, Vec::new(), BTreeMap::new());
            return Ok(d);
        }

        let snap = Snapshot {
            files: vec![SourceFile {
                path: None,
                text: String::new(),
                documents: vec![Document { root: Node::from_json(&object), duplicates: Vec::new() }],
                partial: false,
            }],
            ..Snapshot::default()
        };
        drop(object);
        let settings = if self.annotations_allowed(&d.namespace) { &self.lenient } else { &self.strict };
        // Findings are kept as they are made, at most `MAX_KEPT_FINDINGS` (the most severe) and
        // the rest counted: a hostile object with thousands of bad containers costs its count,
        // not its findings.
        let mut kept = Kept::new(MAX_KEPT_FINDINGS);
        self.prepared.check_each(&snap, settings, |f| kept.add(f));
        let vulns = self.vulns.load();
        if !vulns.reports.is_empty() {
            kubeward_engine::admission::vulnerability_findings(&vulns, &snap, settings)
                .into_iter()
                .for_each(|f| kept.add(f));
        }
        drop(snap);
        let Kept { findings, counts, .. } = kept.finish();
        let deny_at = self.policy.deny_at;
        let (denying, below): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
            findings.iter().partition(|f| f.severity >= deny_at);
        d.denying = rule_counts(&counts, |s| s >= deny_at);
        d.warning = rule_counts(&counts, |s| s < deny_at);
        let denying_total: usize = d.denying.iter().map(|c| c.count).sum();
        let below_total: usize = d.warning.iter().map(|c| c.count).sum();

        let audit = self.policy.mode == Mode::Audit;
        let mut warnings = Warnings::default();
        let mut annotations = BTreeMap::new();
        let status = if denying_total == 0 || audit {
            if audit {
                warnings.due(denying_total);
                for f in &denying {
                    warnings.push(format!("would deny: {}", warning(f)));
                }
                if !counts.is_empty() {
                    // Distinct codes: bounded by the number of rules.
                    let mut codes: Vec<&str> = counts.keys().map(|(code, _)| *code).collect();
                    codes.dedup();
                    annotations.insert("findings", codes.join(","));
                }
                annotations.insert("would-deny", (denying_total > 0).to_string());
            }
            None
        } else {
            d.allowed = false;
            d.verdict = Verdict::Denied;
            Some(StatusOut { code: 403, reason: "Forbidden", message: self.deny_message(&d, &denying, denying_total) })
        };
        warnings.due(below_total);
        for f in &below {
            warnings.push(warning(f));
        }
        let warnings = warnings.finish();
        d.body = self.respond(&d, status, warnings, annotations);
        Ok(d)
    }

    fn respond(
        &self,
        d: &Decision,
        status: Option<StatusOut>,
        warnings: Vec<String>,
        audit_annotations: BTreeMap<&'static str, String>,
    ) -> Vec<u8> {
        let out = ReviewOut {
            api_version: API_VERSION,
            kind: "AdmissionReview",
            response: ResponseOut { uid: &d.uid, allowed: d.allowed, status, warnings, audit_annotations },
        };
        // Serializing these plain structs cannot fail; an empty body would be a 500.
        serde_json::to_vec(&out).unwrap_or_default()
    }

    /// The deny message: the most severe `MAX_DENY_LISTED` findings (each line clipped), and
    /// how many more there are.
    fn deny_message(&self, d: &Decision, denying: &[&Diagnostic], total: usize) -> String {
        let mut m = format!(
            "kubeward denied {} {}{}: {} finding{} at or above {}:",
            if d.kind.is_empty() { "object".into() } else { clip(&d.kind, MAX_NAME_CHARS) },
            if d.namespace.is_empty() { String::new() } else { format!("{}/", clip(&d.namespace, MAX_NAME_CHARS)) },
            clip(&d.name, MAX_NAME_CHARS),
            total,
            if total == 1 { "" } else { "s" },
            self.policy.deny_at
        );
        // `denying` is sorted by rule code and path; list the most severe, in that order.
        let mut listed: Vec<&&Diagnostic> = denying.iter().collect();
        listed.sort_by_key(|f| std::cmp::Reverse(f.severity));
        listed.truncate(MAX_DENY_LISTED);
        listed.sort_by(|a, b| (a.rule.code, &a.path, &a.message).cmp(&(b.rule.code, &b.path, &b.message)));
        for f in &listed {
            let line = format!(
                "{} ({}) {}: {}. Fix: {}",
                f.rule.code,
                f.severity,
                if f.path.as_str().is_empty() { "/" } else { f.path.as_str() },
                f.message,
                f.remediation
            );
            let _ = write!(m, "\n- {}", clip(&line, MAX_LINE_CHARS));
        }
        if total > listed.len() {
            let _ = write!(
                m,
                "\n- and {} more (run `kubeward scan` on the manifest to see them all)",
                total - listed.len()
            );
        }
        m
    }

    fn is_exempt(&self, d: &Decision, object: &Value) -> bool {
        let p = &self.policy;
        if !d.namespace.is_empty() && p.exempt_namespaces.contains(&d.namespace) {
            return true;
        }
        // A Namespace object carries its own name and labels.
        if d.kind == "Namespace" {
            if p.exempt_namespaces.contains(&d.name) {
                return true;
            }
            if let Some(labels) = object.pointer("/metadata/labels").and_then(Value::as_object) {
                return p
                    .exempt_namespace_labels
                    .iter()
                    .any(|(k, v)| labels.get(k).and_then(Value::as_str) == Some(v.as_str()));
            }
        }
        false
    }

    fn annotations_allowed(&self, namespace: &str) -> bool {
        self.policy.annotation_exemptions_in.iter().any(|n| n == "*" || n == namespace)
    }
}

/// Most JSON values (scalars, arrays, objects) in a body: a Pod has hundreds, a Deployment
/// with a thousand environment variables a few thousand.
pub const MAX_JSON_VALUES: usize = 200_000;

/// Counts the separators and openers outside strings: about the number of JSON values.
#[must_use]
pub fn json_values(body: &[u8]) -> usize {
    let (mut n, mut in_str, mut escaped) = (0usize, false, false);
    for &b in body {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_str = true,
                b',' | b'[' | b'{' | b':' => n += 1,
                _ => {}
            }
        }
    }
    n
}

/// The `request.uid` of an AdmissionReview body, read without building a tree (for an answer
/// to a request that could not be judged).
#[must_use]
pub fn request_uid(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Review {
        request: Option<Req>,
    }
    #[derive(Deserialize)]
    struct Req {
        uid: Option<String>,
    }
    let r: Review = serde_json::from_slice(body).ok()?;
    r.request?.uid.filter(|u| !u.is_empty())
}

/// An AdmissionReview response that allows or denies (403) with `message`, judging nothing.
#[must_use]
pub fn timeout_response(uid: &str, allowed: bool, message: &str) -> Vec<u8> {
    let out = ReviewOut {
        api_version: API_VERSION,
        kind: "AdmissionReview",
        response: ResponseOut {
            uid,
            allowed,
            status: (!allowed).then(|| StatusOut { code: 403, reason: "Forbidden", message: message.to_string() }),
            warnings: if allowed { vec![message.to_string()] } else { Vec::new() },
            audit_annotations: BTreeMap::from([("not-judged", "timeout".to_string())]),
        },
    };
    serde_json::to_vec(&out).unwrap_or_default()
}

/// Sets `apiVersion`, `kind` and `metadata.namespace` from the request when the object lacks
/// them (the API server fills the namespace in later), so findings name the object.
fn fill_identity(object: &mut Value, kind: &Gvk, namespace: &str) {
    let Some(map) = object.as_object_mut() else { return };
    if !map.contains_key("kind") && !kind.kind.is_empty() {
        map.insert("kind".into(), Value::String(kind.kind.clone()));
    }
    if !map.contains_key("apiVersion") && !kind.version.is_empty() {
        let v = if kind.group.is_empty() { kind.version.clone() } else { format!("{}/{}", kind.group, kind.version) };
        map.insert("apiVersion".into(), Value::String(v));
    }
    if namespace.is_empty() {
        return;
    }
    let meta = map.entry("metadata").or_insert_with(|| Value::Object(serde_json::Map::new()));
    if let Some(meta) = meta.as_object_mut() {
        if !meta.get("namespace").is_some_and(Value::is_string) {
            meta.insert("namespace".into(), Value::String(namespace.to_string()));
        }
    }
}

fn warning(f: &Diagnostic) -> String {
    let w = format!(
        "{} ({}) {}: {}",
        f.rule.code,
        f.severity,
        if f.path.as_str().is_empty() { "/" } else { f.path.as_str() },
        f.message
    );
    clip(&w, MAX_WARNING_CHARS).into_owned()
}

/// `s` cut to at most `max` characters, `...` marking a cut.
#[must_use]
pub fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => s.into(),
        Some(_) => {
            let keep = max.saturating_sub(3);
            let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
            format!("{}...", &s[..end]).into()
        }
    }
}

/// The warnings of a response, within what the API server passes on: it truncates each
/// warning to 256 characters once a response's warnings pass 4096 characters, and drops the
/// ones after that (`k8s.io/apiserver/pkg/endpoints/filters/warning.go`). kubeward stays
/// under both limits, so what it sends arrives whole, and ends with a count of what it left out.
#[derive(Default)]
struct Warnings {
    list: Vec<String>,
    chars: usize,
    expected: usize,
}

impl Warnings {
    /// `n` more warnings are due (listed or not).
    fn due(&mut self, n: usize) {
        self.expected += n;
    }

    fn push(&mut self, w: String) {
        // The API server counts the header form, `299 - "text"`, with quotes escaped.
        let cost = w.chars().count() + 8 + w.matches(['"', '\\']).count();
        if self.list.len() < MAX_WARNINGS - 1 && self.chars + cost <= MAX_WARNING_TOTAL_CHARS - WARNING_RESERVE {
            self.chars += cost;
            self.list.push(w);
        }
    }

    fn finish(mut self) -> Vec<String> {
        let more = self.expected.saturating_sub(self.list.len());
        if more > 0 {
            self.list.push(format!("kubeward: {more} more findings (run `kubeward scan` on the manifest)"));
        }
        self.list
    }
}

/// Findings kept while the rules run: the `keep` most severe, and a count of all of them per
/// rule code and severity. Memory: at most `2 * keep` findings plus one counter per rule.
struct Kept {
    findings: Vec<Diagnostic>,
    keep: usize,
    counts: BTreeMap<(&'static str, Severity), usize>,
}

/// Most severe first, then by rule code, path and message: a total order, so which findings
/// are kept does not depend on the order the rules ran.
fn severity_order(a: &Diagnostic, b: &Diagnostic) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| (a.rule.code, &a.path, &a.message).cmp(&(b.rule.code, &b.path, &b.message)))
}

impl Kept {
    fn new(keep: usize) -> Self {
        Self { findings: Vec::new(), keep: keep.max(1), counts: BTreeMap::new() }
    }

    fn add(&mut self, f: Diagnostic) {
        *self.counts.entry((f.rule.code, f.severity)).or_insert(0) += 1;
        self.findings.push(f);
        if self.findings.len() >= 2 * self.keep {
            self.findings.sort_by(severity_order);
            self.findings.truncate(self.keep);
        }
    }

    /// The kept findings sorted by rule code, path and message (the order of `scan`).
    fn finish(mut self) -> Self {
        self.findings.sort_by(severity_order);
        self.findings.truncate(self.keep);
        self.findings.sort_by(|a, b| (a.rule.code, &a.path, &a.message).cmp(&(b.rule.code, &b.path, &b.message)));
        self
    }
}

/// Findings per rule code among the severities `pick` selects, most severe first.
fn rule_counts(counts: &BTreeMap<(&'static str, Severity), usize>, pick: impl Fn(Severity) -> bool) -> Vec<RuleCount> {
    let mut out: Vec<RuleCount> = Vec::new();
    for (&(code, severity), &count) in counts.iter().filter(|((_, s), _)| pick(*s)) {
        match out.last_mut() {
            Some(last) if last.code == code => {
                last.count += count;
                last.severity = last.severity.max(severity);
            }
            _ => out.push(RuleCount { code, severity, count }),
        }
    }
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(b.code)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluator(mode: Mode) -> Evaluator {
        let settings = Settings::default();
        let mut policy = Policy::from_settings(&settings, "kubeward").expect("policy");
        policy.mode = mode;
        Evaluator::new(&settings, policy)
    }

    fn review(op: &str, ns: &str, object: &Value) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "apiVersion": API_VERSION, "kind": "AdmissionReview",
            "request": {"uid": "u-1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "namespace": ns, "operation": op, "userInfo": {"username": "alice"}, "object": object}
        }))
        .expect("json")
    }

    fn privileged() -> Value {
        serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "securityContext": {"privileged": true}}]}})
    }

    fn parse(d: &Decision) -> Value {
        serde_json::from_slice(&d.body).expect("response json")
    }

    #[test]
    fn privileged_pod_denied_with_reason() {
        let d = evaluator(Mode::Enforce).review(&review("CREATE", "default", &privileged())).expect("ok");
        assert!(!d.allowed);
        assert!(d.denying.iter().any(|c| c.code == "POD001"), "{:?}", d.denying);
        let v = parse(&d);
        assert_eq!(v["response"]["uid"], "u-1");
        assert_eq!(v["response"]["allowed"], false);
        let msg = v["response"]["status"]["message"].as_str().expect("message");
        assert!(msg.contains("POD001") && msg.contains("/spec/containers/0/securityContext/privileged"), "{msg}");
        assert!(msg.contains("Pod default/p"), "{msg}");
    }

    #[test]
    fn audit_never_denies() {
        let d = evaluator(Mode::Audit).review(&review("CREATE", "default", &privileged())).expect("ok");
        assert!(d.allowed);
        let v = parse(&d);
        assert_eq!(v["response"]["auditAnnotations"]["would-deny"], "true");
        assert!(v["response"]["warnings"][0].as_str().is_some_and(|w| w.starts_with("would deny:")));
    }

    #[test]
    fn bad_inputs_are_bad_requests() {
        let e = evaluator(Mode::Enforce);
        for body in [
            &b"not json"[..],
            b"{}",
            b"[]",
            b"{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{}}",
            b"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
            b"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"x\"}}",
            b"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"x\",\"operation\":\"CREATE\",\"object\":5}}",
            b"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":7}}",
        ] {
            assert!(e.review(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn bodies_of_countless_tiny_values_are_refused() {
        let e = evaluator(Mode::Enforce);
        let mut obj = privileged();
        obj["spec"]["x"] = Value::Array(vec![Value::from(0); MAX_JSON_VALUES + 1]);
        let err = e.review(&review("CREATE", "default", &obj)).expect_err("refused");
        assert!(err.0.contains("JSON values"), "{err}");
        assert_eq!(json_values(br#"{"a":"x,y:{[","b":[1,2],"c":"\\","d":{}}"#), 11);
        // A large but ordinary object is judged.
        obj["spec"]["x"] = Value::String("x".repeat(2 << 20));
        assert!(e.review(&review("CREATE", "default", &obj)).is_ok());
    }

    #[test]
    fn hostile_objects_do_not_panic() {
        let e = evaluator(Mode::Enforce);
        for obj in [
            serde_json::json!({}),
            serde_json::json!({"kind": 5, "metadata": "x", "spec": {"containers": "nope"}}),
            serde_json::json!({"kind": "Pod", "spec": {"containers": [null, 1, {"securityContext": []}]}}),
            serde_json::json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": [{"name": {}}]}}}}),
            serde_json::json!({"kind": "ClusterRoleBinding", "roleRef": [], "subjects": {"a": 1}}),
        ] {
            let d = e.review(&review("CREATE", "default", &obj)).expect("judged");
            assert!(!d.body.is_empty());
        }
    }

    /// Every value of a rich review replaced, one at a time, by values of every other JSON
    /// type: the evaluator answers (or refuses with 400) and never panics.
    #[test]
    fn type_confusion_never_panics() {
        let e = evaluator(Mode::Enforce);
        let mut pod = privileged();
        pod["spec"]["initContainers"] = serde_json::json!([{"name": "init", "image": "busybox",
            "securityContext": {"runAsUser": 0, "capabilities": {"add": ["SYS_ADMIN"]}},
            "env": [{"name": "PASSWORD", "value": "x"}], "volumeMounts": [{"name": "h", "mountPath": "/h"}]}]);
        pod["spec"]["volumes"] = serde_json::json!([{"name": "h", "hostPath": {"path": "/"}}]);
        pod["spec"]["securityContext"] = serde_json::json!({"sysctls": [{"name": "kernel.x", "value": "1"}]});
        pod["metadata"]["annotations"] =
            serde_json::json!({"kubeward.io/ignore": "POD001", "kubeward.io/ignore-until": "2999-01-01"});
        let base: Value = serde_json::from_slice(&review("UPDATE", "default", &pod)).expect("json");
        let mut paths = Vec::new();
        fn walk(v: &Value, at: String, out: &mut Vec<String>) {
            out.push(at.clone());
            match v {
                Value::Object(m) => m.iter().for_each(|(k, v)| walk(v, format!("{at}/{k}"), out)),
                Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| walk(v, format!("{at}/{i}"), out)),
                _ => {}
            }
        }
        walk(&base, String::new(), &mut paths);
        let replacements = [
            Value::Null,
            serde_json::json!(true),
            serde_json::json!(-1),
            serde_json::json!(1e300),
            serde_json::json!(""),
            serde_json::json!("yes"),
            serde_json::json!([]),
            serde_json::json!([null]),
            serde_json::json!({}),
        ];
        let mut judged = 0;
        for p in paths.iter().filter(|p| !p.is_empty()) {
            for r in &replacements {
                let mut v = base.clone();
                if let Some(slot) = v.pointer_mut(p) {
                    *slot = r.clone();
                }
                if e.review(&serde_json::to_vec(&v).expect("json")).is_ok() {
                    judged += 1;
                }
            }
        }
        assert!(judged > paths.len(), "most mutations are still valid reviews: {judged}");
    }

    #[test]
    fn exempt_namespaces_and_delete() {
        let e = evaluator(Mode::Enforce);
        for ns in ["kube-system", "kubeward"] {
            let d = e.review(&review("CREATE", ns, &privileged())).expect("ok");
            assert_eq!((d.allowed, d.verdict), (true, Verdict::Exempt), "{ns}");
        }
        let d = e.review(&review("DELETE", "default", &Value::Null)).expect("ok");
        assert_eq!((d.allowed, d.verdict), (true, Verdict::Skipped));
    }
}
