use crate::context::Context;
use crate::input::object::Object;
use crate::rule::Rule;

use crate::analysis::rbac::{describe, is_builtin_default, role_ref, subjects};

crate::declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings with a subject that is the `default`
    /// ServiceAccount of a namespace, or a group that contains it: `system:serviceaccounts`
    /// (every ServiceAccount of the cluster) or `system:serviceaccounts:<namespace>`. The
    /// built-in bindings of Kubernetes (`kubernetes.io/bootstrapping: rbac-defaults`, such as
    /// `system:service-account-issuer-discovery`) are not reported.
    ///
    /// ## Why is this bad?
    /// Every pod that does not name a ServiceAccount runs as `default`, and gets its token
    /// unless automounting is disabled. Permissions given to `default` therefore go to every
    /// such pod of the namespace, today's and tomorrow's, including a compromised one that
    /// never needed them. The default ServiceAccount should have no permissions (CIS 5.1.5);
    /// workloads that talk to the API get their own ServiceAccount.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata: {name: app-reader, namespace: shop}
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: view
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: default
    ///     namespace: shop
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata: {name: app-reader, namespace: shop}
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: view
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: app
    ///     namespace: shop
    /// ```
    ///
    /// ## How to fix
    /// Create a dedicated ServiceAccount for the workload that needs the permissions, bind
    /// the role to it, and set `serviceAccountName` in its pod template. Leave `default` without
    /// bindings, and set `automountServiceAccountToken: false` on it.
    pub DefaultServiceAccountBinding {
        code: "RBAC003",
        name: "default-service-account-binding",
        summary: "binding grants permissions to the `default` service account",
        severity: Medium,
        category: Rbac,
        targets: OBJECT,
        remediation: "bind the role to a dedicated ServiceAccount of the workload, not to `default`",
        checklist: ["components.6", "guide.rbac"],
        cis: ["5.1.5"],
        since: "0.1.0",
    }
}

impl Rule for DefaultServiceAccountBinding {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let subs = subjects(obj);
        if subs.is_empty() || is_builtin_default(obj) {
            return;
        }
        let role = role_ref(obj).map_or_else(|| "its role".to_string(), |r| r.describe());
        for s in &subs {
            let msg = match s.kind {
                "ServiceAccount" if s.name == "default" => match s.effective_namespace(obj) {
                    Some(ns) => format!("{} grants {role} to the `default` service account of namespace `{ns}`", describe(obj)),
                    None => format!("{} grants {role} to the `default` service account", describe(obj)),
                },
                "Group" if s.name == "system:serviceaccounts" => format!(
                    "{} grants {role} to every service account of the cluster (`system:serviceaccounts`), `default` ones included",
                    describe(obj)
                ),
                "Group" => match s.name.strip_prefix("system:serviceaccounts:") {
                    Some(ns) if !ns.is_empty() => format!(
                        "{} grants {role} to every service account of namespace `{ns}` (`{}`), `default` included",
                        describe(obj),
                        s.name
                    ),
                    _ => continue,
                },
                _ => continue,
            };
            cx.report(obj, s.path.clone(), msg);
        }
    }
}
