use crate::context::Context;
use crate::input::object::Object;
use crate::rule::Rule;

use crate::analysis::rbac::{describe, is_builtin_default, policy_rules, ticked};

crate::declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant `create` or `get` (or `*`) on `pods/exec` or
    /// `pods/attach` of the core API group, directly or through `resources: ["*"]` or
    /// `["*/exec"]`. (`pods/*` is not a wildcard for the RBAC authorizer: it grants nothing
    /// and is not reported.) The built-in roles of Kubernetes (`admin`, `edit`, labelled
    /// `kubernetes.io/bootstrapping: rbac-defaults`) are not reported.
    ///
    /// ## Why is this bad?
    /// `kubectl exec` and `kubectl attach` run commands inside a running container, with its
    /// identity, its mounted Secrets and ServiceAccount token, and its network access. Whoever
    /// can exec into pods effectively holds every permission and every secret of those pods;
    /// a privileged pod then hands over the node. Both verbs matter: the websocket protocol
    /// used by current clients opens the stream with `get`, older ones with `create`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata: {name: debugger, namespace: shop}
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods", "pods/exec"]
    ///     verbs: ["get", "create"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata: {name: debugger, namespace: shop}
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods", "pods/log"]
    ///     verbs: ["get", "list"]
    /// ```
    ///
    /// ## How to fix
    /// Remove `pods/exec` and `pods/attach` from roles bound to workloads and to most people.
    /// Grant them for incident response through a separate, audited role (just-in-time access),
    /// and prefer logs, metrics and ephemeral debug containers under policy.
    pub PodExecAccess {
        code: "RBAC006",
        name: "pod-exec-access",
        summary: "role can exec or attach into pods",
        severity: High,
        category: Rbac,
        targets: OBJECT,
        remediation: "remove `pods/exec` and `pods/attach` from the role; grant them only through an audited break-glass role",
        checklist: ["guide.rbac"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for PodExecAccess {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if is_builtin_default(obj) {
            return;
        }
        for r in policy_rules(obj) {
            let mut verbs: Vec<&str> = Vec::new();
            let mut matched: Vec<&str> = Vec::new();
            for res in ["pods/exec", "pods/attach"] {
                let v = r.granted_verbs(&["create", "get"], "", res);
                if !v.is_empty() {
                    matched.push(res);
                    for x in v {
                        if !verbs.contains(&x) {
                            verbs.push(x);
                        }
                    }
                }
            }
            let Some((i, what)) = r.describe_resources(&matched) else {
                continue;
            };
            cx.report(
                obj,
                r.item_path("resources", i),
                format!("{} grants {} on {what}", describe(obj), ticked(&verbs)),
            );
        }
    }
}
