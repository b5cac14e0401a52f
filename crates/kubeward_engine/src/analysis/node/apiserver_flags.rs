//! Shared helpers of the kube-apiserver rules (CIS 1.2): finding the API server container,
//! describing a flag's value for messages, and the effective admission plugin set.

use crate::analysis::node::component::{ComponentKind, ComponentView};
use crate::context::Context;
use crate::input::node::Node;
use crate::input::workload::{ContainerView, PodSpecView};

/// The kube-apiserver command line of a container, if it runs kube-apiserver. A cheap
/// pre-check avoids building a `ComponentView` for ordinary containers.
pub(crate) fn apiserver(c: &ContainerView<'_>) -> Option<ComponentView> {
    let first = c.get("command").and_then(|l| l.items().first()).and_then(Node::as_str);
    let likely = match first {
        Some(f) => f.ends_with("kube-apiserver") || f.ends_with("hyperkube"),
        None => c.image().is_some_and(|i| i.contains("kube-apiserver")),
    };
    if !likely {
        return None;
    }
    let comp = ComponentView::of(c)?;
    (comp.kind == ComponentKind::ApiServer).then_some(comp)
}

/// How a flag is set, for messages: "set to `v`", "set to an empty value", "given without a
/// value" or "not set".
pub(crate) fn shown(comp: &ComponentView, name: &str) -> String {
    if let Some(f) = comp.flags.flag(name).filter(|f| f.value_is_next_arg) {
        return format!("given as `--{name} {}`", f.value.as_deref().unwrap_or(""));
    }
    match comp.flags.flag(name).map(|f| f.value.as_deref()) {
        None => "not set".to_string(),
        Some(None) => "given without a value".to_string(),
        Some(Some("")) => "set to an empty value".to_string(),
        Some(Some(v)) => format!("set to `{v}`"),
    }
}

/// Like [`shown`] for a boolean flag, where a bare `--name` means `true`.
pub(crate) fn shown_bool(comp: &ComponentView, name: &str) -> String {
    match comp.flags.flag(name) {
        Some(f) if f.value.is_none() => "given without a value, meaning `true`".to_string(),
        Some(f) if f.value_is_next_arg => format!(
            "given as `--{name} {}`, which reads as `true`: a boolean flag never takes a space-separated value",
            f.value.as_deref().unwrap_or("")
        ),
        _ => shown(comp, name),
    }
}

/// Reports `message` at the flag `name` (or where it belongs) of the API server container.
pub(crate) fn report(
    pod: &PodSpecView<'_>,
    c: &ContainerView<'_>,
    comp: &ComponentView,
    name: &str,
    message: String,
    cx: &mut Context<'_>,
) {
    cx.report(pod.object, comp.path_of(name), message).container(c.name());
}

/// Reports when a required flag is absent or empty: `what` says what the API server does
/// without it.
pub(crate) fn require_flag(
    pod: &PodSpecView<'_>,
    c: &ContainerView<'_>,
    comp: &ComponentView,
    name: &str,
    what: &str,
    cx: &mut Context<'_>,
) {
    if comp.flags.get(name).is_none_or(str::is_empty) {
        let msg = format!("kube-apiserver container `{}` has `--{name}` {}: {what}", c.name(), shown(comp, name));
        report(pod, c, comp, name, msg, cx);
    }
}

/// Admission plugins that kube-apiserver enables when neither `--enable-admission-plugins` nor
/// `--admission-control` names them (the upstream default-on set, Kubernetes 1.23 and later).
const DEFAULT_ON: &[&str] = &[
    "NamespaceLifecycle",
    "LimitRanger",
    "ServiceAccount",
    "TaintNodesByCondition",
    "PodSecurity",
    "Priority",
    "DefaultTolerationSeconds",
    "DefaultStorageClass",
    "StorageObjectInUseProtection",
    "PersistentVolumeClaimResize",
    "RuntimeClass",
    "CertificateApproval",
    "CertificateSigning",
    "ClusterTrustBundleAttest",
    "CertificateSubjectRestriction",
    "DefaultIngressClass",
    "MutatingAdmissionWebhook",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionWebhook",
    "ResourceQuota",
];

/// Whether an admission plugin is enabled, and the flag that decides it (for the path and the
/// message). The deprecated `--admission-control` replaces the default set; otherwise a plugin
/// is on when `--enable-admission-plugins` lists it, or when it is on by default and
/// `--disable-admission-plugins` does not list it.
pub(crate) fn admission_plugin(comp: &ComponentView, plugin: &str) -> (bool, &'static str) {
    let listed = |flag: &str| comp.flags.get_list(flag).is_some_and(|l| l.contains(&plugin));
    if comp.flags.has("admission-control") && !comp.flags.has("enable-admission-plugins") {
        return (listed("admission-control"), "admission-control");
    }
    if listed("enable-admission-plugins") {
        return (true, "enable-admission-plugins");
    }
    if listed("disable-admission-plugins") {
        return (false, "disable-admission-plugins");
    }
    (DEFAULT_ON.contains(&plugin), "enable-admission-plugins")
}

/// CIS 1.2.7/1.2.8: `--authorization-mode` must include `mode` (`Node`, `RBAC`); unset means
/// `AlwaysAllow`. Silent when `--authorization-config` (a file we cannot see) decides.
pub(crate) fn check_authorization_includes(
    pod: &PodSpecView<'_>,
    c: &ContainerView<'_>,
    mode: &str,
    cx: &mut Context<'_>,
) {
    let Some(comp) = apiserver(c) else {
        return;
    };
    if comp.flags.has("authorization-config") {
        return;
    }
    let state = match comp.flags.get_list("authorization-mode") {
        None => "not set, defaults to `AlwaysAllow`".to_string(),
        Some(modes) if !modes.contains(&mode) => shown(&comp, "authorization-mode"),
        Some(_) => return,
    };
    let msg = format!("kube-apiserver container `{}` has `--authorization-mode` {state}, without `{mode}`", c.name());
    report(pod, c, &comp, "authorization-mode", msg, cx);
}

/// CIS 1.2.17–1.2.19: an audit log retention flag below `min` (0 means "keep everything", and
/// is not a finding). Only judged when file audit logging is on.
pub(crate) fn check_audit_retention(
    pod: &PodSpecView<'_>,
    c: &ContainerView<'_>,
    flag: &str,
    min: i64,
    cx: &mut Context<'_>,
) {
    let Some(comp) = apiserver(c) else {
        return;
    };
    if comp.flags.get("audit-log-path").is_none_or(|p| p.is_empty() || p == "-") {
        return;
    }
    let Some(v) = comp.flags.get(flag).and_then(|v| v.trim().parse::<i64>().ok()) else {
        return;
    };
    if v != 0 && v < min {
        let msg = format!("kube-apiserver container `{}` has `--{flag}` set to `{v}`, below {min}", c.name());
        report(pod, c, &comp, flag, msg, cx);
    }
}
