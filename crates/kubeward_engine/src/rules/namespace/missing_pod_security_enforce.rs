use crate::context::Context;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::{Rule, Severity};

/// The Pod Security admission label that enforces a level.
const ENFORCE: &str = "pod-security.kubernetes.io/enforce";

/// Namespaces whose system pods usually need the `privileged` level.
const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

crate::declare_rule! {
    /// ## What it does
    /// Flags Namespaces without the Pod Security admission label
    /// `pod-security.kubernetes.io/enforce`, or with an unknown level (medium), and Namespaces
    /// that enforce `privileged`, which allows everything (high). System namespaces are
    /// reported too, with a note: they often need `privileged`, which deserves a documented
    /// exemption.
    ///
    /// ## Why is this bad?
    /// Pod Security admission, the built-in replacement of PodSecurityPolicy, only acts on
    /// namespaces labelled with a level. Without the label (and without a cluster-wide default
    /// in the admission configuration), any pod is admitted: privileged, on the host network,
    /// with host paths.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: restricted
    ///     pod-security.kubernetes.io/enforce-version: latest
    /// ```
    ///
    /// ## How to fix
    /// Label every namespace with `pod-security.kubernetes.io/enforce: restricted` (or
    /// `baseline` where restricted is not yet possible); try the level first with the `warn`
    /// and `audit` labels. Keep `privileged` for the few namespaces of node agents, with a
    /// documented exemption.
    pub MissingPodSecurityEnforce {
        code: "NS002",
        name: "missing-pod-security-enforce",
        summary: "namespace does not enforce a Pod Security level",
        severity: Medium,
        category: Namespace,
        targets: OBJECT,
        remediation: "label the namespace `pod-security.kubernetes.io/enforce: restricted` (or `baseline`)",
        checklist: ["workload.5", "guide.psp"],
        cis: ["5.2.1"],
        since: "0.1.0",
    }
}

impl Rule for MissingPodSecurityEnforce {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind() != "Namespace" || !obj.group().is_empty() {
            return;
        }
        let labels = FieldPath::root().key("metadata").key("labels");
        let note = if SYSTEM_NAMESPACES.contains(&obj.name()) {
            " (system namespaces often need `privileged`: exempt it with a reason if so)"
        } else {
            ""
        };
        let name = obj.name();
        match obj.label(ENFORCE).map(str::trim) {
            None | Some("") => {
                cx.report(obj, labels.key(ENFORCE), format!("namespace `{name}` has no `{ENFORCE}` label{note}"));
            }
            Some("restricted" | "baseline") => {}
            Some("privileged") => {
                cx.report(
                    obj,
                    labels.key(ENFORCE),
                    format!(
                        "namespace `{name}` enforces the `privileged` Pod Security level, which allows any pod{note}"
                    ),
                )
                .severity(Severity::High);
            }
            Some(other) => {
                cx.report(
                    obj,
                    labels.key(ENFORCE),
                    format!("namespace `{name}` has `{ENFORCE}: {other}`, which is not a level (privileged, baseline, restricted)"),
                );
            }
        }
    }
}
