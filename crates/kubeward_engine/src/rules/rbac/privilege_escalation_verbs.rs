use crate::context::Context;
use crate::input::object::Object;
use crate::rule::{Rule, Severity};

use crate::analysis::rbac::{describe, is_builtin_default, policy_rules, rbac_kind, ticked, RbacKind, ALL, RBAC_GROUP};

crate::declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant a verb made to bypass RBAC's own protection:
    /// - `escalate` on `roles` or `clusterroles` (of `rbac.authorization.k8s.io`): edit a role
    ///   to hold permissions the editor does not have;
    /// - `bind` on `roles` or `clusterroles`: bind any role, `cluster-admin` included, to
    ///   anyone, yourself included;
    /// - `impersonate` on `users`, `groups`, `serviceaccounts` or `uids`: act as another
    ///   identity (`kubectl --as=... --as-group=system:masters`).
    ///
    /// The verbs count when written or through `verbs: ["*"]`, and the resources when named or
    /// through `resources: ["*"]`. In a Role only what a namespace can hold is counted (binding
    /// roles in the namespace, impersonating its ServiceAccounts). A rule limited by
    /// `resourceNames` (to bind only `view`, say) is reported with high severity instead of
    /// critical. The built-in roles of Kubernetes (labelled `kubernetes.io/bootstrapping:
    /// rbac-defaults`) are not reported.
    ///
    /// ## Why is this bad?
    /// The API server refuses to let anyone create or update a role or binding that grants
    /// more than they hold. These three verbs switch that protection off: whoever has them can
    /// make themselves cluster-admin in one request (CIS 5.1.8).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: team-admin}
    /// rules:
    ///   - apiGroups: ["rbac.authorization.k8s.io"]
    ///     resources: ["clusterroles", "clusterrolebindings"]
    ///     verbs: ["get", "list", "create", "bind", "escalate"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: team-admin}
    /// rules:
    ///   - apiGroups: ["rbac.authorization.k8s.io"]
    ///     resources: ["rolebindings"]
    ///     verbs: ["get", "list", "create", "delete"]
    /// ```
    ///
    /// ## How to fix
    /// Remove `escalate`, `bind` and `impersonate`. A subject that hands out roles can do so
    /// without them for permissions it holds itself; when it must bind roles it does not
    /// hold, limit `bind` to those roles with `resourceNames`.
    pub PrivilegeEscalationVerbs {
        code: "RBAC007",
        name: "privilege-escalation-verbs",
        summary: "role grants `escalate`, `bind` or `impersonate`",
        severity: Critical,
        category: Rbac,
        targets: OBJECT,
        remediation: "remove the `escalate`, `bind` and `impersonate` verbs, or limit them with `resourceNames`",
        checklist: ["guide.rbac"],
        cis: ["5.1.8"],
        since: "0.1.0",
    }
}

/// (verb, API group, resources) a cluster-wide role can abuse.
const CLUSTER_TARGETS: &[(&str, &str, &[&str])] = &[
    ("escalate", RBAC_GROUP, &["roles", "clusterroles"]),
    ("bind", RBAC_GROUP, &["roles", "clusterroles"]),
    ("impersonate", "", &["users", "groups", "serviceaccounts"]),
    ("impersonate", "authentication.k8s.io", &["uids"]),
];

/// The same for a Role: only namespaced targets (a RoleBinding may reference a ClusterRole,
/// which needs `bind` on `clusterroles` in the namespace).
const NAMESPACE_TARGETS: &[(&str, &str, &[&str])] = &[
    ("escalate", RBAC_GROUP, &["roles"]),
    ("bind", RBAC_GROUP, &["roles", "clusterroles"]),
    ("impersonate", "", &["serviceaccounts"]),
];

impl Rule for PrivilegeEscalationVerbs {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(kind) = rbac_kind(obj) else {
            return;
        };
        if is_builtin_default(obj) {
            return;
        }
        let targets = if kind == RbacKind::Role { NAMESPACE_TARGETS } else { CLUSTER_TARGETS };
        for r in policy_rules(obj) {
            // verb -> resources granted, in CLUSTER_TARGETS order
            let mut parts: Vec<(&str, Vec<&str>)> = Vec::new();
            for (verb, group, resources) in targets {
                for res in *resources {
                    if r.grants(verb, group, res) {
                        match parts.iter_mut().find(|p| p.0 == *verb) {
                            Some(p) => p.1.push(res),
                            None => parts.push((verb, vec![res])),
                        }
                    }
                }
            }
            let Some(first) = parts.first().and_then(|p| r.verb_index(p.0)) else {
                continue;
            };
            let via_wildcard = parts.iter().any(|(v, _)| r.list("verbs").all(|(_, x)| x != *v));
            // verbs granted on the same resources are named together
            let mut grouped: Vec<(Vec<&str>, &Vec<&str>)> = Vec::new();
            for (v, res) in &parts {
                match grouped.iter_mut().find(|g| g.1 == res) {
                    Some(g) => g.0.push(v),
                    None => grouped.push((vec![v], res)),
                }
            }
            let text: Vec<String> =
                grouped.iter().map(|(verbs, res)| format!("{} on {}", ticked(verbs), ticked(res))).collect();
            let mut msg = format!("{} grants {}", describe(obj), text.join(" and "));
            if via_wildcard {
                msg.push_str(&format!(" (through `{ALL}` verbs)"));
            }
            let names = r.resource_names();
            let limited = !names.is_empty();
            if limited {
                msg.push_str(&format!(" limited to {}", ticked(&names)));
            }
            let d = cx.report(obj, r.item_path("verbs", first), msg);
            if limited {
                d.severity(Severity::High);
            }
        }
    }
}
