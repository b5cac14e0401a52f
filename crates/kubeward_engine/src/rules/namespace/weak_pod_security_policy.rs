use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::{Rule, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Flags the weaknesses of a `PodSecurityPolicy`, one finding per weakness:
    /// - `privileged: true` (high);
    /// - `hostNetwork`, `hostPID` or `hostIPC: true` (high);
    /// - `allowedCapabilities: ["*"]` (high);
    /// - `allowPrivilegeEscalation` not `false` (it defaults to true);
    /// - no `requiredDropCapabilities`;
    /// - a capability both required to be dropped and allowed or added by default
    ///   (`allowedCapabilities`, `defaultAddCapabilities`), which the seed guide warns about;
    /// - `runAsUser.rule: RunAsAny` (containers may run as root);
    /// - `runAsUser.rule: MustRunAs` with a range that includes UID 0 (containers may run as
    ///   root all the same).
    ///
    /// Group ranges (`runAsGroup`, `supplementalGroups`, `fsGroup`) that include GID 0 are not
    /// reported: the root group gives no capability (privilege comes with UID 0), and OpenShift
    /// runs arbitrary UIDs in group 0 by design, so such a finding would mostly be noise.
    ///
    /// ## Why is this bad?
    /// A PodSecurityPolicy is only as strong as its weakest field: every pod whose
    /// ServiceAccount may `use` it may run with what it allows. A policy that permits privileged
    /// containers or the host namespaces gives node access to anyone who can create a pod.
    /// (PodSecurityPolicy itself is removed since Kubernetes 1.25, see `pod-security-policy-in-use`.)
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1beta1
    /// kind: PodSecurityPolicy
    /// metadata: {name: loose}
    /// spec:
    ///   privileged: true
    ///   seLinux: {rule: RunAsAny}
    ///   runAsUser: {rule: RunAsAny}
    ///   supplementalGroups: {rule: RunAsAny}
    ///   fsGroup: {rule: RunAsAny}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: policy/v1beta1
    /// kind: PodSecurityPolicy
    /// metadata: {name: restricted}
    /// spec:
    ///   privileged: false
    ///   allowPrivilegeEscalation: false
    ///   requiredDropCapabilities: [ALL]
    ///   seLinux: {rule: RunAsAny}
    ///   runAsUser: {rule: MustRunAsNonRoot}
    ///   supplementalGroups: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}
    ///   fsGroup: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}
    /// ```
    ///
    /// ## How to fix
    /// Tighten the policy (no privileged, no host namespaces, `allowPrivilegeEscalation:
    /// false`, `requiredDropCapabilities: [ALL]`, `runAsUser.rule: MustRunAsNonRoot`), or better,
    /// migrate to Pod Security admission with the `restricted` level.
    pub WeakPodSecurityPolicy {
        code: "NS004",
        name: "weak-pod-security-policy",
        summary: "a PodSecurityPolicy allows dangerous pod settings",
        severity: High,
        category: Namespace,
        targets: OBJECT,
        remediation: "tighten the PodSecurityPolicy, or migrate to Pod Security admission with the `restricted` level",
        checklist: ["guide.psp", "guide.capabilities", "workload.5"],
        cis: ["5.2.2", "5.2.3", "5.2.4", "5.2.5", "5.2.6", "5.2.7", "5.2.9"],
        since: "0.1.0",
    }
}

/// `CAP_SYS_ADMIN`, `sys_admin` and `SYS_ADMIN` are the same capability.
fn cap_name(s: &str) -> String {
    let u = s.trim().to_ascii_uppercase();
    u.strip_prefix("CAP_").map_or(u.clone(), str::to_string)
}

fn caps(spec: &Node, field: &str) -> Vec<(usize, String)> {
    spec.get(field)
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, n)| n.as_str().map(|s| (i, cap_name(s))))
        .collect()
}

impl Rule for WeakPodSecurityPolicy {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind() != "PodSecurityPolicy" || !matches!(obj.group(), "policy" | "extensions") {
            return;
        }
        let Some(spec) = obj.root.get("spec") else {
            return;
        };
        let sp = FieldPath::root().key("spec");
        let name = obj.name();
        if spec.get("privileged").is_some_and(Node::is_true) {
            cx.report(obj, sp.key("privileged"), format!("policy `{name}` allows privileged containers"));
        }
        for (field, what) in [("hostNetwork", "network"), ("hostPID", "process ID"), ("hostIPC", "IPC")] {
            if spec.get(field).is_some_and(Node::is_true) {
                cx.report(
                    obj,
                    sp.key(field),
                    format!("policy `{name}` allows pods in the host's {what} namespace (`{field}: true`)"),
                );
            }
        }
        let allowed = caps(spec, "allowedCapabilities");
        if let Some((i, _)) = allowed.iter().find(|(_, c)| c == "*") {
            cx.report(
                obj,
                sp.key("allowedCapabilities").index(*i),
                format!("policy `{name}` allows adding any capability (`*`)"),
            );
        }
        if spec.get("allowPrivilegeEscalation").and_then(Node::as_bool) != Some(false) {
            cx.report(
                obj,
                sp.key("allowPrivilegeEscalation"),
                format!("policy `{name}` allows privilege escalation (`allowPrivilegeEscalation` is not false)"),
            )
            .severity(Severity::Medium);
        }
        let drop = caps(spec, "requiredDropCapabilities");
        if drop.is_empty() {
            cx.report(
                obj,
                sp.key("requiredDropCapabilities"),
                format!("policy `{name}` requires no capability to be dropped (`requiredDropCapabilities`)"),
            )
            .severity(Severity::Medium);
        }
        let added = caps(spec, "defaultAddCapabilities");
        for (i, d) in &drop {
            let also = if allowed.iter().any(|(_, c)| c == d) {
                Some("allowedCapabilities")
            } else if added.iter().any(|(_, c)| c == d) {
                Some("defaultAddCapabilities")
            } else {
                None
            };
            if let Some(field) = also {
                cx.report(
                    obj,
                    sp.key("requiredDropCapabilities").index(*i),
                    format!("policy `{name}` requires dropping `{d}` but also lists it in `{field}`"),
                )
                .severity(Severity::Medium);
            }
        }
        if spec.at(&["runAsUser", "rule"]).and_then(Node::as_str) == Some("RunAsAny") {
            cx.report(
                obj,
                sp.key("runAsUser").key("rule"),
                format!("policy `{name}` lets containers run as any user, root included (`runAsUser.rule: RunAsAny`)"),
            )
            .severity(Severity::Medium);
        }
        if spec.at(&["runAsUser", "rule"]).and_then(Node::as_str) == Some("MustRunAs") {
            let ranges = spec.at(&["runAsUser", "ranges"]).map(Node::items).unwrap_or_default();
            for (i, r) in ranges.iter().enumerate() {
                let (Some(min), Some(max)) = (r.get("min").and_then(Node::as_i64), r.get("max").and_then(Node::as_i64))
                else {
                    continue;
                };
                if min <= 0 && 0 <= max {
                    cx.report(
                        obj,
                        sp.key("runAsUser").key("ranges").index(i).key("min"),
                        format!(
                            "policy `{name}` lets containers run as root: the `runAsUser` range {min}-{max} includes UID 0"
                        ),
                    )
                    .severity(Severity::Medium)
                    .remediation("start the `runAsUser` ranges at 1 or above, or use `rule: MustRunAsNonRoot`");
                }
            }
        }
    }
}
