use crate::context::Context;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags every `PodSecurityPolicy` object (`policy/v1beta1`, `extensions/v1beta1`).
    ///
    /// ## Why is this bad?
    /// PodSecurityPolicy was deprecated in Kubernetes 1.21 and removed in 1.25. On a current
    /// cluster the object is rejected or ignored, so the restrictions it was meant to enforce do
    /// not exist; on an older one, it blocks the upgrade.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1beta1
    /// kind: PodSecurityPolicy
    /// metadata: {name: restricted}
    /// spec:
    ///   privileged: false
    ///   seLinux: {rule: RunAsAny}
    ///   runAsUser: {rule: MustRunAsNonRoot}
    ///   supplementalGroups: {rule: RunAsAny}
    ///   fsGroup: {rule: RunAsAny}
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
    /// ```
    ///
    /// ## How to fix
    /// Migrate to Pod Security admission (namespace labels `pod-security.kubernetes.io/enforce`)
    /// and, for rules it does not cover, to a policy engine (ValidatingAdmissionPolicy, Kyverno,
    /// Gatekeeper). Then delete the PodSecurityPolicies and their RBAC bindings.
    pub PodSecurityPolicyInUse {
        code: "NS003",
        name: "pod-security-policy-in-use",
        summary: "a PodSecurityPolicy, removed since Kubernetes 1.25, is used",
        severity: Low,
        category: Namespace,
        targets: OBJECT,
        remediation: "replace the PodSecurityPolicy with Pod Security admission namespace labels",
        checklist: ["workload.5", "guide.psp"],
        cis: ["5.2.1"],
        since: "0.1.0",
    }
}

impl Rule for PodSecurityPolicyInUse {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind() == "PodSecurityPolicy" && matches!(obj.group(), "policy" | "extensions") {
            cx.report(
                obj,
                FieldPath::root().key("kind"),
                format!(
                    "the PodSecurityPolicy API was removed in Kubernetes 1.25: `{}` enforces nothing on current clusters",
                    obj.name()
                ),
            );
        }
    }
}
