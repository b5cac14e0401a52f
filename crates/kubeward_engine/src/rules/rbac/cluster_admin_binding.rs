use crate::context::Context;
use crate::input::object::Object;
use crate::rule::{Rule, Severity};

use crate::analysis::rbac::{
    describe, is_builtin_default, list_some, rbac_kind, role_ref, subjects, RbacKind, BOOTSTRAP_LABEL, BOOTSTRAP_VALUE,
};

crate::declare_rule! {
    /// ## What it does
    /// Flags ClusterRoleBindings and RoleBindings whose `roleRef` is the ClusterRole
    /// `cluster-admin`, whatever the subjects. The built-in `cluster-admin` ClusterRoleBinding
    /// to the group `system:masters` (labelled `kubernetes.io/bootstrapping: rbac-defaults`) is
    /// not reported. A RoleBinding grants it in one namespace only and is reported with medium
    /// severity.
    ///
    /// ## Why is this bad?
    /// `cluster-admin` allows every action on every resource: reading every Secret, running
    /// commands in every pod, creating privileged pods on any node, granting itself anything.
    /// A compromised subject of such a binding is a compromised cluster, and the binding is
    /// the first thing an attacker looks for (CIS 5.1.1). Within a namespace it still gives
    /// full control of the namespace, including its Roles and Secrets.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata: {name: ci-admin}
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: cluster-admin
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: ci
    ///     namespace: build
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata: {name: ci-deployer, namespace: shop}
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: edit
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: ci
    ///     namespace: build
    /// ```
    ///
    /// ## How to fix
    /// Write a ClusterRole with the permissions the subject needs, or bind the built-in `edit`
    /// or `admin` with RoleBindings in the namespaces it manages. Keep `cluster-admin` for
    /// break-glass human access, and exempt the few controllers that truly need it with
    /// `kubeward.io/ignore: RBAC002` and a reason.
    pub ClusterAdminBinding {
        code: "RBAC002",
        name: "cluster-admin-binding",
        summary: "binding grants the `cluster-admin` role",
        severity: High,
        category: Rbac,
        targets: OBJECT,
        remediation: "bind a role with only the permissions the subject needs instead of `cluster-admin`",
        checklist: ["guide.rbac"],
        cis: ["5.1.1"],
        since: "0.1.0",
    }
}

impl Rule for ClusterAdminBinding {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(kind) = rbac_kind(obj) else {
            return;
        };
        let Some(rr) = role_ref(obj).filter(|r| r.is_cluster_role("cluster-admin")) else {
            return;
        };
        let subs = subjects(obj);
        let builtin_masters = kind == RbacKind::ClusterRoleBinding
            && obj.name() == "cluster-admin"
            && obj.label(BOOTSTRAP_LABEL) == Some(BOOTSTRAP_VALUE)
            && is_builtin_default(obj)
            && subs.iter().all(|s| s.kind == "Group" && s.name == "system:masters");
        if builtin_masters {
            return;
        }
        let names: Vec<String> = subs.iter().map(|s| s.describe(obj)).collect();
        let to =
            if names.is_empty() { " (no subjects yet)".to_string() } else { format!(" to {}", list_some(&names, 3)) };
        if kind == RbacKind::RoleBinding {
            let ns = obj.namespace().map_or_else(|| "its namespace".to_string(), |n| format!("namespace `{n}`"));
            cx.report(obj, rr.path, format!("{} grants `cluster-admin` in {ns}{to}", describe(obj)))
                .severity(Severity::Medium);
        } else {
            cx.report(obj, rr.path, format!("{} grants `cluster-admin`{to}", describe(obj)));
        }
    }
}
