//! `kubeward verify`: the pure half. A table of probes (known-unsafe objects, each tied to the
//! rule it probes), the control pod they derive from, the classification of the API server's
//! answer to a dry-run create, and the report: a finding for each probe a namespace admits.
//! The cluster crate sends the objects (always with `dryRun=All`); nothing here does I/O.
//!
//! Every pod probe is the control pod (one that Pod Security `restricted` admits) with one
//! property changed, so that a denial is for the probed reason. Where the API server's own
//! validation forbids the single change (a privileged container, or an added `SYS_ADMIN`, with
//! `allowPrivilegeEscalation: false` is invalid), the probe also leaves
//! `allowPrivilegeEscalation` unset. When the control pod itself is denied, the namespace's
//! denials prove nothing: its pod probes are inconclusive.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::diagnostic::{Diagnostic, InputError};
use crate::engine::Report;
use crate::input::node::{Node, Pos};
use crate::input::object::ObjectRef;
use crate::input::path::FieldPath;
use crate::input::yaml::Document;
use crate::rule::Severity;
use crate::settings::Settings;
use crate::snapshot::{Snapshot, SourceFile};

/// What a probe submits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A pod (`/api/v1/namespaces/NS/pods`).
    Pod,
    /// A RoleBinding (`/apis/rbac.authorization.k8s.io/v1/namespaces/NS/rolebindings`).
    RoleBinding,
}

impl Target {
    /// The collection the object is created in.
    #[must_use]
    pub fn collection(self, namespace: &str) -> String {
        match self {
            Target::Pod => format!("/api/v1/namespaces/{namespace}/pods"),
            Target::RoleBinding => format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings"),
        }
    }
}

/// One probe: a known-unsafe object and the rule it probes.
#[derive(Debug)]
pub struct Probe {
    /// Kebab-case id (`privileged`); the finding's path is `/probes/ID`.
    pub id: &'static str,
    /// The rule it probes (its code and severity are the finding's).
    pub code: &'static str,
    /// What the namespace admits, for messages (`privileged pods`).
    pub what: &'static str,
    /// The property changed from the control pod (the docs' probe table).
    pub change: &'static str,
    /// What is submitted.
    pub target: Target,
    /// The lowest Pod Security level whose `enforce` denies it; `None`: Pod Security does not
    /// cover it.
    pub psa: Option<&'static str>,
    /// Changes the control pod into the probe (pod probes).
    change_pod: fn(&mut Value),
}

/// The probes, in report order.
pub const PROBES: &[Probe] = &[
    Probe {
        id: "privileged",
        code: "POD001",
        what: "privileged pods",
        change:
            "`securityContext.privileged: true` (and `allowPrivilegeEscalation` unset, which the API server requires)",
        target: Target::Pod,
        psa: Some("baseline"),
        change_pod: |p| {
            unset(p, "/spec/containers/0/securityContext", "allowPrivilegeEscalation");
            set(p, "/spec/containers/0/securityContext", "privileged", json!(true));
        },
    },
    Probe {
        id: "host-path-root",
        code: "POD010",
        what: "pods that mount the node's root directory (hostPath `/`)",
        change: "a `hostPath` volume of `/`, mounted read-only",
        target: Target::Pod,
        psa: Some("baseline"),
        change_pod: |p| {
            set(p, "/spec", "volumes", json!([{"name": "host", "hostPath": {"path": "/"}}]));
            set(
                p,
                "/spec/containers/0",
                "volumeMounts",
                json!([{"name": "host", "mountPath": "/host", "readOnly": true}]),
            );
        },
    },
    Probe {
        id: "host-network",
        code: "POD006",
        what: "pods on the node's network (`hostNetwork`)",
        change: "`hostNetwork: true`",
        target: Target::Pod,
        psa: Some("baseline"),
        change_pod: |p| set(p, "/spec", "hostNetwork", json!(true)),
    },
    Probe {
        id: "host-pid",
        code: "POD007",
        what: "pods in the node's process namespace (`hostPID`)",
        change: "`hostPID: true`",
        target: Target::Pod,
        psa: Some("baseline"),
        change_pod: |p| set(p, "/spec", "hostPID", json!(true)),
    },
    Probe {
        id: "host-ipc",
        code: "POD008",
        what: "pods in the node's IPC namespace (`hostIPC`)",
        change: "`hostIPC: true`",
        target: Target::Pod,
        psa: Some("baseline"),
        change_pod: |p| set(p, "/spec", "hostIPC", json!(true)),
    },
    Probe {
        id: "run-as-root",
        code: "POD003",
        what: "pods that run as root",
        change: "`runAsUser: 0` and `runAsNonRoot: false`",
        target: Target::Pod,
        psa: Some("restricted"),
        change_pod: |p| {
            set(p, "/spec/securityContext", "runAsNonRoot", json!(false));
            set(p, "/spec/securityContext", "runAsUser", json!(0));
        },
    },
    Probe {
        id: "add-sys-admin",
        code: "POD005",
        what: "pods that add the `SYS_ADMIN` capability",
        change: "`capabilities.add: [SYS_ADMIN]` (and `allowPrivilegeEscalation` unset, which the API server requires)",
        target: Target::Pod,
        psa: Some("baseline"),
        change_pod: |p| {
            unset(p, "/spec/containers/0/securityContext", "allowPrivilegeEscalation");
            set(p, "/spec/containers/0/securityContext/capabilities", "add", json!(["SYS_ADMIN"]));
        },
    },
    Probe {
        id: "privilege-escalation",
        code: "POD002",
        what: "pods that allow privilege escalation",
        change: "`allowPrivilegeEscalation: true`",
        target: Target::Pod,
        psa: Some("restricted"),
        change_pod: |p| set(p, "/spec/containers/0/securityContext", "allowPrivilegeEscalation", json!(true)),
    },
    Probe {
        id: "seccomp-unconfined",
        code: "POD012",
        what: "pods without seccomp (`Unconfined`)",
        change: "`seccompProfile: {type: Unconfined}`",
        target: Target::Pod,
        psa: Some("baseline"),
        change_pod: |p| set(p, "/spec/securityContext", "seccompProfile", json!({"type": "Unconfined"})),
    },
    Probe {
        id: "host-port",
        code: "POD009",
        what: "pods that bind a port of the node (`hostPort`)",
        change: "a container port with `hostPort: 8080`",
        target: Target::Pod,
        psa: Some("baseline"),
        change_pod: |p| {
            set(
                p,
                "/spec/containers/0",
                "ports",
                json!([{"containerPort": 8080, "hostPort": 8080, "protocol": "TCP"}]),
            );
        },
    },
    Probe {
        id: "service-account-token",
        code: "POD019",
        what: "pods that mount the `default` ServiceAccount's token",
        change: "`automountServiceAccountToken: true` (the `default` ServiceAccount)",
        target: Target::Pod,
        psa: None,
        change_pod: |p| set(p, "/spec", "automountServiceAccountToken", json!(true)),
    },
    Probe {
        id: "untrusted-registry",
        code: "IMG003",
        what: "images from a registry outside `rules.image.allowed-registries`",
        change:
            "the image `untrusted.kubeward-verify.invalid/probe:1.0` (only with `rules.image.allowed-registries` set)",
        target: Target::Pod,
        psa: None,
        change_pod: |p| set(p, "/spec/containers/0", "image", json!(UNTRUSTED_IMAGE)),
    },
    Probe {
        id: "bind-cluster-admin",
        code: "RBAC002",
        what: "a RoleBinding to ClusterRole `cluster-admin`",
        change: "a RoleBinding of ClusterRole `cluster-admin` to user `kubeward-verify-probe` (not a pod)",
        target: Target::RoleBinding,
        psa: None,
        change_pod: |_| {},
    },
];

/// The image of the untrusted-registry probe (a registry under `.invalid`, which no allowed
/// list names; it is never pulled: nothing is created).
pub const UNTRUSTED_IMAGE: &str = "untrusted.kubeward-verify.invalid/probe:1.0";

/// The control pod's image when no allowed registry is configured.
pub const DEFAULT_CONTROL_IMAGE: &str = "registry.k8s.io/pause:3.10";

/// The control pod's probe id (in messages and the text table).
pub const CONTROL_ID: &str = "control";

/// The label every submitted object carries (`kubeward.io/verify-probe: ID`).
pub const PROBE_LABEL: &str = "kubeward.io/verify-probe";

fn set(v: &mut Value, parent: &str, key: &str, value: Value) {
    if let Some(Value::Object(m)) = v.pointer_mut(parent) {
        m.insert(key.to_string(), value);
    }
}

fn unset(v: &mut Value, parent: &str, key: &str) {
    if let Some(Value::Object(m)) = v.pointer_mut(parent) {
        m.remove(key);
    }
}

/// The control pod's image: from the first allowed registry, else [`DEFAULT_CONTROL_IMAGE`].
#[must_use]
pub fn control_image(settings: &Settings) -> String {
    match settings.rules.image.allowed_registries.first() {
        Some(r) => format!("{}/kubeward-verify-probe:1.0", r.trim_end_matches('/')),
        None => DEFAULT_CONTROL_IMAGE.to_string(),
    }
}

fn metadata(namespace: &str, id: &str) -> Value {
    json!({
        "generateName": format!("kubeward-verify-{id}-"),
        "namespace": namespace,
        "labels": {"app.kubernetes.io/name": "kubeward-verify", PROBE_LABEL: id},
        "annotations": {"kubeward.io/verify": "a dry run of kubeward verify: never persisted"},
    })
}

/// The control pod: Pod Security `restricted` admits it (non-root user 10001, seccomp
/// `RuntimeDefault`, every capability dropped, no privilege escalation, a read-only root
/// filesystem, no service account token, requests and limits, an image from an allowed
/// registry).
#[must_use]
pub fn control_pod(namespace: &str, image: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(namespace, CONTROL_ID),
        "spec": {
            "automountServiceAccountToken": false,
            "securityContext": {
                "runAsNonRoot": true,
                "runAsUser": 10001,
                "runAsGroup": 10001,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [{
                "name": "probe",
                "image": image,
                "imagePullPolicy": "Always",
                "securityContext": {
                    "allowPrivilegeEscalation": false,
                    "readOnlyRootFilesystem": true,
                    "capabilities": {"drop": ["ALL"]},
                },
                "resources": {
                    "requests": {"cpu": "10m", "memory": "16Mi"},
                    "limits": {"cpu": "10m", "memory": "16Mi"},
                },
            }],
        },
    })
}

impl Probe {
    /// The object this probe submits in `namespace`, the control pod being `control_image`'s.
    #[must_use]
    pub fn object(&self, namespace: &str, control_image: &str) -> Value {
        match self.target {
            Target::Pod => {
                let mut p = control_pod(namespace, control_image);
                set(&mut p, "", "metadata", metadata(namespace, self.id));
                (self.change_pod)(&mut p);
                p
            }
            Target::RoleBinding => json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": metadata(namespace, self.id),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "kubeward-verify-probe"}],
            }),
        }
    }
}

/// The engine's findings on one object (a probe or the control pod), under `settings`.
#[must_use]
pub fn audit(object: &Value, settings: &Settings) -> Report {
    let snap = Snapshot {
        files: vec![SourceFile {
            path: None,
            text: String::new(),
            documents: vec![Document { root: Node::from_json(object), duplicates: Vec::new() }],
            partial: false,
        }],
        ..Snapshot::default()
    };
    crate::engine::run(&snap, settings)
}

/// A probe that runs, with the severity the engine gives its object under the settings
/// (severity overrides, sensitive host paths).
#[derive(Debug)]
pub struct Planned {
    /// The probe.
    pub probe: &'static Probe,
    /// The finding's severity when a namespace admits it.
    pub severity: Severity,
}

/// What a run submits.
#[derive(Debug)]
pub struct Plan {
    /// The control pod's image.
    pub control_image: String,
    /// The probes that run.
    pub probes: Vec<Planned>,
    /// Probes left out, and why (notes for the user).
    pub notes: Vec<String>,
}

/// The probes of a run: those whose rule is selected and whose object the engine reports
/// under the settings (the untrusted-registry probe needs `rules.image.allowed-registries`;
/// `allowed-capabilities: [SYS_ADMIN]` leaves out the SYS_ADMIN probe).
#[must_use]
pub fn plan(settings: &Settings) -> Plan {
    let control_image = control_image(settings);
    let mut probes = Vec::new();
    let mut notes = Vec::new();
    for p in PROBES {
        let Some(rule) = crate::registry::find(p.code) else {
            notes.push(format!("probe `{}` skipped: rule {} is unknown", p.id, p.code));
            continue;
        };
        if !settings.is_selected(rule.meta()) {
            continue;
        }
        let report = audit(&p.object("kubeward-verify", &control_image), settings);
        let severity = report.findings().filter(|d| d.rule.code == p.code).map(|d| d.severity).max();
        match severity {
            Some(severity) => probes.push(Planned { probe: p, severity }),
            None if p.code == "IMG003" && settings.rules.image.allowed_registries.is_empty() => notes
                .push(format!("probe `{}` skipped: no `rules.image.allowed-registries` in the configuration", p.id)),
            None => notes.push(format!(
                "probe `{}` skipped: under this configuration {} does not report its object ({})",
                p.id, p.code, p.change
            )),
        }
    }
    Plan { control_image, probes, notes }
}

/// The API server's answer to one dry-run create.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    /// HTTP status (0 when no answer came).
    pub code: u16,
    /// The `Status` message of a failure.
    pub message: String,
    /// The `Warning` headers' texts.
    pub warnings: Vec<String>,
    /// No answer: the transport error, after retries.
    pub transport: Option<String>,
}

/// Who denied a probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeniedBy {
    /// Pod Security admission, at this level (`restricted`).
    PodSecurity(String),
    /// A validating or mutating admission webhook, by name.
    Webhook(String),
    /// A ValidatingAdmissionPolicy, by name.
    Policy(String),
    /// RBAC escalation prevention (the identity may not grant what it does not hold).
    RbacEscalation,
    /// Something else (another admission plugin); the message says what.
    Other,
}

impl std::fmt::Display for DeniedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeniedBy::PodSecurity(l) => write!(f, "Pod Security `{l}`"),
            DeniedBy::Webhook(n) => write!(f, "admission webhook `{n}`"),
            DeniedBy::Policy(n) => write!(f, "ValidatingAdmissionPolicy `{n}`"),
            DeniedBy::RbacEscalation => f.write_str("RBAC escalation prevention"),
            DeniedBy::Other => f.write_str("the API server"),
        }
    }
}

/// What one probe showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The cluster admits it: a finding. The API server's warnings.
    Admitted(Vec<String>),
    /// Something denied it, with the server's message.
    Denied(DeniedBy, String),
    /// It proves nothing (the identity may not create it, the control pod was denied, the
    /// object was invalid, no answer): an input error, never a pass.
    Inconclusive(String),
    /// Not sent (the control pod was denied, or a namespace was not reachable): why.
    NotSent(String),
}

/// The text between `start` and the next `end` after it.
fn between<'a>(s: &'a str, start: &str, end: char) -> Option<&'a str> {
    let at = s.find(start)? + start.len();
    let rest = s.get(at..)?;
    rest.find(end).and_then(|e| rest.get(..e))
}

/// Classifies the API server's answer to a dry-run create by what its `Status` message says.
#[must_use]
pub fn classify(a: &Answer) -> Outcome {
    if let Some(t) = &a.transport {
        return Outcome::Inconclusive(format!("no answer: {t}"));
    }
    if (200..300).contains(&a.code) {
        return Outcome::Admitted(a.warnings.clone());
    }
    let m = a.message.as_str();
    let msg = || m.to_string();
    // A webhook with side effects rejects every dry run: its verdict cannot be seen.
    if m.contains("does not support dry run") {
        return Outcome::Inconclusive(format!(
            "{m} (a webhook whose `sideEffects` is not `None` or `NoneOnDryRun` refuses every dry run)"
        ));
    }
    if let Some(level) = between(m, "violates PodSecurity \"", '"') {
        let level = level.split(':').next().unwrap_or(level);
        return Outcome::Denied(DeniedBy::PodSecurity(level.to_string()), msg());
    }
    if let Some(name) = between(m, "admission webhook \"", '"') {
        if m.contains("denied the request") {
            return Outcome::Denied(DeniedBy::Webhook(name.to_string()), msg());
        }
        // The webhook failed (unreachable, timed out) and its failurePolicy is Fail.
        return Outcome::Inconclusive(format!("admission webhook `{name}` failed: {m}"));
    }
    if let Some(name) = between(m, "ValidatingAdmissionPolicy '", '\'') {
        return Outcome::Denied(DeniedBy::Policy(name.to_string()), msg());
    }
    if m.contains("attempting to grant RBAC permissions not currently held") {
        return Outcome::Denied(DeniedBy::RbacEscalation, msg());
    }
    match a.code {
        403 if m.contains("cannot create resource") => {
            Outcome::Inconclusive(format!("the identity may not create it (see `kubeward verify --print-rbac`): {m}"))
        }
        401 => Outcome::Inconclusive(format!("401: the API server does not accept the credentials: {m}")),
        400 | 422 => Outcome::Inconclusive(format!("the API server found the probe object invalid ({}): {m}", a.code)),
        404 => Outcome::Inconclusive(format!("not found (404): {m}")),
        409 => Outcome::Inconclusive(format!("conflict (409): {m}")),
        // Admission plugins refuse with 403 Forbidden (quota, namespace lifecycle, image policy).
        403 => Outcome::Denied(DeniedBy::Other, msg()),
        // Anything else (405, 429, 5xx, a code no API server gives) is not a verdict.
        c => Outcome::Inconclusive(format!("{c}: {m}")),
    }
}

/// A namespace as read from the API server.
#[derive(Clone, Debug, Default)]
pub struct NamespaceInfo {
    /// Its name.
    pub name: String,
    /// Its labels (the Pod Security ones matter).
    pub labels: BTreeMap<String, String>,
}

/// What a namespace showed.
#[derive(Clone, Debug)]
pub struct NamespaceResult {
    /// The namespace.
    pub namespace: NamespaceInfo,
    /// The control pod's outcome.
    pub control: Outcome,
    /// Each planned probe's outcome, in plan order.
    pub probes: Vec<(&'static Probe, Outcome)>,
}

/// The outcomes of a namespace's probes, given the control pod's: when the control pod is not
/// admitted, pod probes are not sent (`send` is called for the others only).
pub fn outcomes(
    plan: &Plan,
    control: &Outcome,
    mut send: impl FnMut(&'static Probe) -> Outcome,
) -> Vec<(&'static Probe, Outcome)> {
    plan.probes
        .iter()
        .map(|p| {
            let o = blocked(p.probe, control).unwrap_or_else(|| send(p.probe));
            (p.probe, o)
        })
        .collect()
}

/// Whether `probe` is not sent because of the control pod's outcome (pod probes, when the
/// control pod is not admitted): its outcome then.
#[must_use]
pub fn blocked(probe: &Probe, control: &Outcome) -> Option<Outcome> {
    match (probe.target, control) {
        (Target::Pod, Outcome::Admitted(_)) | (Target::RoleBinding, _) => None,
        (Target::Pod, c) => Some(Outcome::NotSent(control_denied(c))),
    }
}

fn control_denied(c: &Outcome) -> String {
    match c {
        Outcome::Denied(by, m) => format!(
            "the control pod (which Pod Security `restricted` admits) was denied too, by {by}: {m}; the namespace's denials prove nothing"
        ),
        Outcome::Inconclusive(m) | Outcome::NotSent(m) => format!("the control pod proved nothing: {m}"),
        Outcome::Admitted(_) => String::new(),
    }
}

const ENFORCE: &str = "pod-security.kubernetes.io/enforce";

fn level_rank(l: &str) -> Option<u8> {
    match l {
        "privileged" => Some(0),
        "baseline" => Some(1),
        "restricted" => Some(2),
        _ => None,
    }
}

/// Why nothing denied an admitted probe, from the namespace's Pod Security labels.
fn why_admitted(ns: &NamespaceInfo, probe: &Probe) -> String {
    let Some(needed) = probe.psa else {
        return match probe.target {
            Target::RoleBinding => "RBAC escalation prevention let it through (the identity running `kubeward verify` \
                                    holds `cluster-admin`'s permissions, or `bind` on it) and no admission webhook or \
                                    policy denied it"
                .to_string(),
            Target::Pod => "Pod Security does not cover it and no admission webhook or policy denied it".to_string(),
        };
    };
    let need = level_rank(needed).unwrap_or(2);
    let mut s = match ns.labels.get(ENFORCE).map(String::as_str) {
        None => "Pod Security `enforce` label is absent".to_string(),
        Some(v) => match level_rank(v) {
            Some(r) if r < need => format!("Pod Security enforces `{v}`, which allows it (`{needed}` denies it)"),
            Some(_) => format!(
                "Pod Security `enforce: {v}` is set but did not deny it (the API server's PodSecurity admission is \
                 off, or exempts this namespace, user or runtime class)"
            ),
            None => format!("Pod Security `enforce: {v}` is not a Pod Security level"),
        },
    };
    for mode in ["warn", "audit"] {
        if let Some(v) = ns.labels.get(&format!("pod-security.kubernetes.io/{mode}")) {
            if level_rank(v).is_some_and(|r| r >= need) {
                let _ = write!(s, "; `{mode}: {v}` only {}", if mode == "warn" { "warns" } else { "records it" });
            }
        }
    }
    s.push_str(", and no admission webhook or policy denied it");
    s
}

fn remediation(ns: &str, probe: &Probe) -> String {
    match (probe.psa, probe.target) {
        (Some(level), _) => format!(
            "enforce Pod Security on the namespace: `kubectl label namespace {ns} \
             pod-security.kubernetes.io/enforce=restricted`{}, or register `kubeward serve` as a validating \
             admission webhook (docs/serve.md)",
            if level == "baseline" {
                " (`baseline` is enough for this probe)"
            } else {
                " (`baseline` allows this probe)"
            }
        ),
        (None, Target::Pod) if probe.code == "IMG003" => {
            "deny it at admission: register `kubeward serve` with `rules.image.allowed-registries` in its \
             configuration (docs/serve.md), or a ValidatingAdmissionPolicy; Pod Security does not cover images"
                .to_string()
        }
        (None, Target::Pod) => "deny it at admission: register `kubeward serve` as a validating admission webhook \
                                (docs/serve.md), or a ValidatingAdmissionPolicy; Pod Security does not cover it"
            .to_string(),
        (None, Target::RoleBinding) => "run `kubeward verify` with the ClusterRole `kubeward verify --print-rbac` \
                                        prints (it cannot bind `cluster-admin`), keep `bind`, `escalate` and \
                                        `cluster-admin` from CI identities, and deny bindings to `cluster-admin` \
                                        with an admission policy where nobody should make them (docs/verify.md)"
            .to_string(),
    }
}

/// Quotes the API server's warnings (at most three, each at most 300 characters).
fn quoted(warnings: &[String]) -> String {
    let q: Vec<String> = warnings
        .iter()
        .take(3)
        .map(|w| {
            let w: String = w.chars().take(300).collect();
            format!("\"{w}\"")
        })
        .collect();
    let more = warnings.len().saturating_sub(3);
    let mut s = format!("; the API server warned: {}", q.join(", "));
    if more > 0 {
        let _ = write!(s, " (and {more} more)");
    }
    s
}

/// The finding for a probe that `ns` admitted.
#[must_use]
pub fn finding(ns: &NamespaceInfo, planned: &Planned, warnings: &[String]) -> Option<Diagnostic> {
    let probe = planned.probe;
    let rule = crate::registry::find(probe.code)?.meta();
    let mut message = format!(
        "namespace `{}` admits {}: nothing enforces {} there; {}",
        ns.name,
        probe.what,
        probe.code,
        why_admitted(ns, probe)
    );
    if !warnings.is_empty() {
        message.push_str(&quoted(warnings));
    }
    Some(Diagnostic {
        rule,
        severity: planned.severity,
        message,
        remediation: remediation(&ns.name, probe).into(),
        object: ObjectRef {
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: None,
            name: ns.name.clone(),
        },
        container: None,
        file: None,
        pos: Pos::default(),
        path: FieldPath::parse(&format!("/probes/{}", probe.id)),
        fix: None,
        doc: None,
    })
}

/// The report of a run: a finding for each admitted probe, an input error for each namespace's
/// inconclusive probes (grouped by reason), and `errors` (namespaces that could not be read).
#[must_use]
pub fn report(plan: &Plan, results: &[NamespaceResult], mut errors: Vec<InputError>) -> Report {
    let mut diagnostics = Vec::new();
    let mut verified = 0;
    for r in results {
        let mut inconclusive: Vec<(String, Vec<&str>)> = Vec::new();
        let mut any = false;
        for (probe, outcome) in &r.probes {
            match outcome {
                Outcome::Admitted(w) => {
                    any = true;
                    if let Some(planned) = plan.probes.iter().find(|p| std::ptr::eq(p.probe, *probe)) {
                        diagnostics.extend(finding(&r.namespace, planned, w));
                    }
                }
                Outcome::Denied(..) => any = true,
                Outcome::Inconclusive(why) | Outcome::NotSent(why) => {
                    match inconclusive.iter_mut().find(|(w, _)| w == why) {
                        Some((_, ids)) => ids.push(probe.id),
                        None => inconclusive.push((why.clone(), vec![probe.id])),
                    }
                }
            }
        }
        if any {
            verified += 1;
        }
        for (why, ids) in inconclusive {
            let ids: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
            errors.push(InputError {
                file: None,
                pos: Pos::default(),
                message: format!(
                    "namespace `{}`: {} inconclusive: {why}",
                    r.namespace.name,
                    if ids.len() == 1 { format!("probe {}", ids[0]) } else { format!("probes {}", ids.join(", ")) }
                ),
            });
        }
    }
    if verified == 0 {
        errors.push(InputError {
            file: None,
            pos: Pos::default(),
            message: if plan.probes.is_empty() {
                "no probe runs: the rule selection and the configuration leave none (see `kubeward verify --help`)"
                    .to_string()
            } else if results.is_empty() {
                "no namespace to verify".to_string()
            } else {
                "no probe could be verified in any namespace: nothing was proven".to_string()
            },
        });
    }
    diagnostics.sort_by(crate::diagnostic::order);
    Report::new(diagnostics, errors).with_counts(0, verified, plan.probes.len())
}

/// The text report's epilogue: each namespace's probes and what became of them.
///
/// # Errors
/// I/O errors.
pub fn write_table(results: &[NamespaceResult], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    if results.is_empty() {
        return Ok(());
    }
    let ns_w = results.iter().map(|r| r.namespace.name.chars().count()).max().unwrap_or(0).max("namespace".len());
    let probe_w = PROBES.iter().map(|p| p.id.len() + p.code.len() + 3).max().unwrap_or(0).max(CONTROL_ID.len());
    writeln!(out, "\nWhat each namespace admits (dry runs, nothing persisted):")?;
    writeln!(out, "  {:ns_w$}  {:probe_w$}  outcome", "namespace", "probe")?;
    for r in results {
        let name = crate::report::printable::printable(&r.namespace.name);
        let mut first = true;
        let rows = std::iter::once((CONTROL_ID.to_string(), &r.control))
            .chain(r.probes.iter().map(|(p, o)| (format!("{} ({})", p.id, p.code), o)));
        for (label, outcome) in rows {
            let ns = if first { name.as_ref() } else { "" };
            first = false;
            let cell = match outcome {
                Outcome::Admitted(_) => "admitted".to_string(),
                Outcome::Denied(by, _) => format!("denied by {by}"),
                Outcome::Inconclusive(_) => "inconclusive".to_string(),
                Outcome::NotSent(_) => "not sent (control pod not admitted)".to_string(),
            };
            writeln!(out, "  {ns:ns_w$}  {label:probe_w$}  {cell}")?;
        }
    }
    writeln!(out)
}

/// docs/verify-probes.md: the probe table, generated from [`PROBES`] and the control pod.
#[must_use]
pub fn docs_page() -> String {
    let mut s = String::from(crate::project::GENERATED_HEADER);
    s.push_str(
        "# `kubeward verify`: the probes

",
    );
    s.push_str(
        "What `kubeward verify` submits in each namespace, with server-side dry run (`dryRun=All`: nothing is \
         persisted). Each pod probe is the control pod below with one property changed, so that a denial is for the \
         probed reason; a probe the namespace admits is a finding of the rule it probes, with the severity the \
         engine gives the probe object under your configuration. \"Pod Security\" is the lowest `enforce` level that \
         denies the probe. See [verify.md](verify.md).\n\n",
    );
    s.push_str("| Probe | Rule | Change from the control pod | Pod Security |\n|---|---|---|---|\n");
    for p in PROBES {
        let rule = crate::registry::find(p.code).map(|r| r.meta());
        let link = rule.map_or_else(
            || p.code.to_string(),
            |m| format!("[{}](rules/{}-{}.md) `{}`", m.code, m.code, m.name, m.name),
        );
        let _ = writeln!(
            s,
            "| `{}` | {link} | {} | {} |",
            p.id,
            p.change,
            p.psa.map_or_else(|| "not covered".to_string(), |l| format!("`{l}`"))
        );
    }
    s.push_str("\n## The control pod\n\nSent first in each namespace (its image comes from the first of `rules.image.allowed-registries`, \
                else `registry.k8s.io/pause:3.10`). When it is not admitted, the namespace's pod probes prove nothing: they are not \
                sent, and the run reports them as inconclusive (exit code 2).\n\n```json\n");
    let control = control_pod("NAMESPACE", DEFAULT_CONTROL_IMAGE);
    s.push_str(&serde_json::to_string_pretty(&control).unwrap_or_default());
    s.push_str("\n```\n");
    s
}

#[cfg(test)]
mod tests;
