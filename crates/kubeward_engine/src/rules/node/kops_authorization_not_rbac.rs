use crate::analysis::node::cluster_config::is_kops;
use crate::context::Context;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::{Rule, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Flags a kops `Cluster` whose `spec.authorization` is `alwaysAllow: {}` (critical), or
    /// does not select `rbac: {}` (missing or empty).
    ///
    /// ## Why is this bad?
    /// kops turns `spec.authorization` into the kube-apiserver's `--authorization-mode`.
    /// `alwaysAllow` lets every authenticated request do anything, including reading every
    /// Secret and creating privileged pods. Without the field kops leaves the apiserver
    /// default, `AlwaysAllow`, unless a kops version fills it in: the spec should say `rbac`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: Cluster
    /// metadata:
    ///   name: prod.example.com
    /// spec:
    ///   kubernetesVersion: 1.35.9
    ///   authorization:
    ///     alwaysAllow: {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: Cluster
    /// metadata:
    ///   name: prod.example.com
    /// spec:
    ///   kubernetesVersion: 1.35.9
    ///   authorization:
    ///     rbac: {}
    /// ```
    ///
    /// ## How to fix
    /// Set `spec.authorization: {rbac: {}}`, create Roles and RoleBindings for the existing
    /// users and service accounts first, then `kops update cluster --yes` and
    /// `kops rolling-update cluster --yes`.
    pub KopsAuthorizationNotRbac {
        code: "NODE076",
        name: "kops-authorization-not-rbac",
        summary: "kops cluster does not use RBAC authorization",
        severity: High,
        category: Node,
        targets: OBJECT,
        remediation: "set `spec.authorization: {rbac: {}}` in the kops cluster spec",
        checklist: ["guide.rbac", "components.1"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for KopsAuthorizationNotRbac {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if !is_kops(obj, "Cluster") {
            return;
        }
        let path = FieldPath::root().key("spec").key("authorization");
        let auth = obj.root.at(&["spec", "authorization"]);
        if auth.is_some_and(|a| a.get("alwaysAllow").is_some()) {
            cx.report(
                obj,
                path.key("alwaysAllow"),
                "`spec.authorization` is `alwaysAllow`: every authenticated request is authorized",
            )
            .severity(Severity::Critical);
        } else if auth.is_none_or(|a| a.get("rbac").is_none()) {
            cx.report(
                obj,
                path,
                "`spec.authorization` does not select `rbac`: the kube-apiserver may fall back to `AlwaysAllow`",
            );
        }
    }
}
