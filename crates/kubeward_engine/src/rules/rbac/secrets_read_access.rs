use crate::context::Context;
use crate::input::object::Object;
use crate::rule::{Rule, Severity};

use crate::analysis::rbac::{describe, is_builtin_default, policy_rules, rbac_kind, ticked, RbacKind};

crate::declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant `get`, `list` or `watch` (or `*`) on
    /// `secrets` of the core API group, directly or through `resources: ["*"]` or
    /// `apiGroups: ["*"]`. A ClusterRole is reported with high severity (bound by a
    /// ClusterRoleBinding, it reads the Secrets of every namespace), a Role with medium.
    ///
    /// Rules limited to named Secrets with `resourceNames` are the recommended least-privilege
    /// form and are not reported. The built-in roles of Kubernetes (`admin`, `edit`,
    /// `system:controller:*`, labelled `kubernetes.io/bootstrapping: rbac-defaults`) are not
    /// reported either: who is bound to them is what matters.
    ///
    /// ## Why is this bad?
    /// Secrets hold database passwords, API keys, TLS keys and ServiceAccount tokens. `list` and
    /// `watch` return the full content of every Secret, not just names. Whoever holds such a
    /// role can impersonate every workload whose credentials live in the namespace, and
    /// usually move on from there (CIS 5.1.2).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: config-reader}
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["configmaps", "secrets"]
    ///     verbs: ["get", "list", "watch"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata: {name: config-reader, namespace: shop}
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["configmaps"]
    ///     verbs: ["get", "list", "watch"]
    ///   - apiGroups: [""]
    ///     resources: ["secrets"]
    ///     resourceNames: ["shop-db"]
    ///     verbs: ["get"]
    /// ```
    ///
    /// ## How to fix
    /// Give read access to the named Secrets the workload uses (`resourceNames`), in a Role of
    /// its namespace. Better still, mount the Secrets into the pod instead of reading them
    /// through the API. Controllers that really manage Secrets cluster-wide can be exempted
    /// with `kubeward.io/ignore: RBAC005` and a reason.
    pub SecretsReadAccess {
        code: "RBAC005",
        name: "secrets-read-access",
        summary: "role can read every secret",
        severity: High,
        category: Rbac,
        targets: OBJECT,
        remediation: "limit secret access to the named Secrets the subject needs (`resourceNames`) in a namespaced Role",
        checklist: ["guide.rbac"],
        cis: ["5.1.2"],
        since: "0.1.0",
    }
}

impl Rule for SecretsReadAccess {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(kind) = rbac_kind(obj) else {
            return;
        };
        if is_builtin_default(obj) {
            return;
        }
        for r in policy_rules(obj) {
            if r.has_resource_names() {
                continue;
            }
            let verbs = r.granted_verbs(&["get", "list", "watch"], "", "secrets");
            if verbs.is_empty() {
                continue;
            }
            let Some((i, what)) = r.describe_resources(&["secrets"]) else {
                continue;
            };
            let path = r.item_path("resources", i);
            let who = describe(obj);
            if kind == RbacKind::ClusterRole {
                cx.report(obj, path, format!("{who} grants {} on {what} in every namespace", ticked(&verbs)));
            } else {
                let ns = obj.namespace().map_or_else(|| "its namespace".to_string(), |n| format!("namespace `{n}`"));
                cx.report(obj, path, format!("{who} grants {} on {what} in {ns}", ticked(&verbs)))
                    .severity(Severity::Medium);
            }
        }
    }
}
