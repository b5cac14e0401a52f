use crate::context::Context;
use crate::input::object::Object;
use crate::rule::{Rule, Severity};

use crate::analysis::rbac::{describe, is_builtin_default, policy_rules};

crate::declare_rule! {
    /// ## What it does
    /// Flags `*` in the `verbs`, `resources` or `apiGroups` of a Role or ClusterRole rule: one
    /// finding per field of each rule, on the `*` itself.
    ///
    /// The rules of an aggregated ClusterRole (with `aggregationRule`) are skipped: the
    /// controller replaces them. The built-in roles Kubernetes creates and reconciles
    /// (`cluster-admin` and the `system:` roles, labelled `kubernetes.io/bootstrapping:
    /// rbac-defaults`) are reported with low severity: they cannot be changed (the API server
    /// restores a removed rule at its next start), only bound carefully (see RBAC002), and the
    /// finding says so instead of asking for an edit.
    ///
    /// Severity is high when the rule has `resources: ["*"]` in the core group, `*`, or the
    /// RBAC, certificates, admission or authentication groups: every resource there, present
    /// and future, Secrets and roles included. Other wildcards are medium: `*` verbs on named
    /// resources (the dangerous verbs on Secrets, roles, identities and pods are reported by
    /// RBAC005-RBAC011), `*` API groups next to named resources, and wildcards confined to an
    /// operator's own API groups. `*` in `nonResourceURLs` is not reported.
    ///
    /// ## Why is this bad?
    /// A wildcard grants everything that exists now and everything added later: new verbs,
    /// new subresources, the custom resources of every operator installed after the role was
    /// written. `resources: ["*"]` includes `secrets`, `pods/exec` and `nodes/proxy`, and
    /// `verbs: ["*"]` includes `escalate`, `bind` and `impersonate`, so a wildcard role is
    /// rarely far from cluster-admin (CIS 5.1.3).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: operator}
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["*"]
    ///     verbs: ["*"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: operator}
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["configmaps", "services"]
    ///     verbs: ["get", "list", "watch", "update", "patch"]
    /// ```
    ///
    /// ## How to fix
    /// List the verbs, resources and API groups the workload really uses (`kubectl auth can-i
    /// --list --as system:serviceaccount:<ns>:<sa>` and the audit log help find them). Where a
    /// component really needs full access, bind the built-in `cluster-admin` explicitly and
    /// document it instead of re-creating it.
    pub RbacWildcard {
        code: "RBAC001",
        name: "rbac-wildcard",
        summary: "role grants `*` verbs, resources or API groups",
        severity: High,
        category: Rbac,
        targets: OBJECT,
        remediation: "replace `*` with the verbs, resources and API groups the subject really needs",
        checklist: ["guide.rbac", "kubeaudit"],
        cis: ["5.1.3"],
        since: "0.1.0",
    }
}

/// API groups where a wildcard reaches the keys of the cluster: Secrets, pods and nodes (core),
/// roles and bindings, certificates, admission webhooks, token reviews; and `*` itself.
const SENSITIVE_GROUPS: &[&str] = &[
    "",
    "*",
    "rbac.authorization.k8s.io",
    "certificates.k8s.io",
    "admissionregistration.k8s.io",
    "authentication.k8s.io",
];

impl Rule for RbacWildcard {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let rules = policy_rules(obj);
        if rules.is_empty() {
            return;
        }
        let builtin = is_builtin_default(obj);
        let who = describe(obj);
        for r in &rules {
            // High when the rule reaches every resource, present and future, of a group that
            // holds the cluster's keys; medium when the wildcard is confined to named resources
            // (whose dangerous verbs RBAC005-RBAC011 check) or to an operator's own groups.
            let broad =
                r.wildcard("resources").is_some() && r.list("apiGroups").any(|(_, g)| SENSITIVE_GROUPS.contains(&g));
            for (field, what) in
                [("verbs", "every verb"), ("resources", "every resource"), ("apiGroups", "every API group")]
            {
                let Some(i) = r.wildcard(field) else {
                    continue;
                };
                let mut msg = format!("{who} grants {what} (`*`) in `rules[{}]`", r.index);
                let sev = if builtin {
                    msg.push_str(" (built-in role, reconciled by the API server)");
                    Some(Severity::Low)
                } else if broad {
                    None
                } else {
                    Some(Severity::Medium)
                };
                let d = cx.report(obj, r.item_path(field, i), msg);
                if let Some(s) = sev {
                    d.severity(s);
                }
                if builtin {
                    // Reconciliation puts a removed rule back at the next start: editing the
                    // role is not the fix, choosing who is bound to it is.
                    d.remediation("leave the built-in role as it is (the API server restores it); bind it only to subjects that need it");
                }
            }
        }
    }
}
