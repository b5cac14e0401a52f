use crate::context::Context;
use crate::input::object::Object;
use crate::rule::Rule;

use crate::analysis::rbac::{describe, is_builtin_default, policy_rules, rbac_kind, ticked, RbacKind};

crate::declare_rule! {
    /// ## What it does
    /// Flags ClusterRole rules that grant any verb on `nodes/proxy` of the core API group,
    /// directly or through `resources: ["*"]` or `["*/proxy"]`. Nodes are cluster-scoped, so a
    /// namespaced Role cannot grant it and is not checked. The built-in roles of Kubernetes
    /// (`system:kubelet-api-admin`, labelled `kubernetes.io/bootstrapping: rbac-defaults`) are
    /// not reported.
    ///
    /// ## Why is this bad?
    /// `nodes/proxy` forwards requests to the kubelet API of any node, through the API server.
    /// The kubelet API runs commands in any container of the node (`/exec`, `/run`), reads its
    /// logs and lists its pods, and these requests bypass admission control and most audit
    /// logging. Even `get` is enough: the kubelet authorizes the websocket upgrade of `/exec`
    /// as a `get` (CIS 5.1.10).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: node-metrics}
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["nodes", "nodes/proxy"]
    ///     verbs: ["get", "list", "watch"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: node-metrics}
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["nodes", "nodes/metrics", "nodes/stats"]
    ///     verbs: ["get", "list", "watch"]
    /// ```
    ///
    /// ## How to fix
    /// Use the kubelet's dedicated subresources (`nodes/metrics`, `nodes/stats`, `nodes/log`)
    /// or the metrics API instead of `nodes/proxy`. Monitoring agents that scrape the kubelet
    /// directly authenticate with their token and need `nodes/metrics`, not `nodes/proxy`.
    pub NodesProxyAccess {
        code: "RBAC008",
        name: "nodes-proxy-access",
        summary: "role grants access to `nodes/proxy`",
        severity: High,
        category: Rbac,
        targets: OBJECT,
        remediation: "replace `nodes/proxy` with `nodes/metrics`, `nodes/stats` or `nodes/log`, whichever the subject reads",
        checklist: ["guide.rbac"],
        cis: ["5.1.10"],
        since: "0.1.0",
    }
}

impl Rule for NodesProxyAccess {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if rbac_kind(obj) != Some(RbacKind::ClusterRole) || is_builtin_default(obj) {
            return;
        }
        for r in policy_rules(obj) {
            if !r.has_group("") {
                continue;
            }
            let verbs: Vec<&str> = r.list("verbs").map(|x| x.1).collect();
            if verbs.is_empty() {
                continue;
            }
            let Some((i, what)) = r.describe_resources(&["nodes/proxy"]) else {
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
