use crate::context::Context;
use crate::input::object::Object;
use crate::rule::{Rule, Severity};

use crate::analysis::rbac::{describe, is_builtin_default, role_ref, subjects};

crate::declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings that grant a role to everyone:
    /// - the user `system:anonymous` or the group `system:unauthenticated`: every request
    ///   without credentials, when anonymous authentication is enabled (the default) - critical;
    /// - the group `system:authenticated`: anyone with any valid credential, including every
    ///   ServiceAccount token of every pod and any identity of a federated identity provider -
    ///   high.
    ///
    /// The bindings Kubernetes creates itself (`kubernetes.io/bootstrapping: rbac-defaults`:
    /// `system:discovery`, `system:basic-user`, `system:public-info-viewer`) are not reported.
    /// Subjects are matched exactly as the authorizer does: a *group* named `system:anonymous`
    /// matches nobody and is not reported. A binding of one of the built-in roles made for
    /// everyone (`system:public-info-viewer`, `system:discovery`, `system:basic-user`,
    /// `system:service-account-issuer-discovery`, the latter to publish the OIDC issuer
    /// documents for workload identity federation) is reported with low severity.
    ///
    /// ## Why is this bad?
    /// Whatever the role allows is open to the network (anonymous) or to every pod and user of
    /// the cluster (authenticated). Such bindings have exposed Secrets, dashboards and node
    /// proxies of real clusters to the Internet; one compromised pod's token is enough to use
    /// permissions granted to `system:authenticated`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata: {name: metrics-public}
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: metrics-reader
    /// subjects:
    ///   - kind: Group
    ///     name: system:unauthenticated
    ///     apiGroup: rbac.authorization.k8s.io
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata: {name: metrics-reader}
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: metrics-reader
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: prometheus
    ///     namespace: monitoring
    /// ```
    ///
    /// ## How to fix
    /// Bind the role to the users, groups or ServiceAccounts that need it. For components
    /// that must be reachable without credentials (health or metrics endpoints), serve them
    /// outside the API server, or allow the exact `nonResourceURLs` only.
    pub BindingToPublicGroup {
        code: "RBAC004",
        name: "binding-to-public-group",
        summary: "binding grants a role to anonymous or all authenticated users",
        severity: Critical,
        category: Rbac,
        targets: OBJECT,
        remediation: "bind the role to the specific users, groups or ServiceAccounts that need it",
        checklist: ["guide.rbac"],
        cis: [],
        since: "0.1.0",
    }
}

/// Built-in ClusterRoles made for everyone: discovery, self-review and the public parts of
/// the API (`/version`, `/healthz`, the service account issuer's OIDC documents).
const PUBLIC_ROLES: &[&str] =
    &["system:public-info-viewer", "system:discovery", "system:basic-user", "system:service-account-issuer-discovery"];

impl Rule for BindingToPublicGroup {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let subs = subjects(obj);
        if subs.is_empty() || is_builtin_default(obj) {
            return;
        }
        let rr = role_ref(obj);
        let role = rr.as_ref().map_or_else(|| "its role".to_string(), |r| r.describe());
        let public_role = rr.as_ref().is_some_and(|r| r.kind == "ClusterRole" && PUBLIC_ROLES.contains(&r.name));
        for s in &subs {
            let (who, sev) = match (s.kind, s.name) {
                ("User", "system:anonymous") => ("anonymous requests (`system:anonymous`)", Severity::Critical),
                ("Group", "system:unauthenticated") => {
                    ("unauthenticated requests (`system:unauthenticated`)", Severity::Critical)
                }
                ("Group", "system:authenticated") => {
                    ("every authenticated user and service account (`system:authenticated`)", Severity::High)
                }
                _ => continue,
            };
            if public_role {
                let msg = format!("{} grants {role} to {who}; the built-in role is meant for it", describe(obj));
                cx.report(obj, s.path.clone(), msg).severity(Severity::Low);
            } else {
                cx.report(obj, s.path.clone(), format!("{} grants {role} to {who}", describe(obj))).severity(sev);
            }
        }
    }
}
