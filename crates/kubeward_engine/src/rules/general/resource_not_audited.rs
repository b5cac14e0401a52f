use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports what `kubeward cluster` could not audit: a list or read that the API server
    /// refused (403), naming the exact permission missing (verb, API group, resource, or the
    /// non-resource URL of discovery) and the user the API server judged, or a
    /// kubelet the API server could not reach, or an object larger than kubeward reads (8 MiB
    /// of JSON), named by its kind, namespace and name. The collector records each as an object
    /// of kind `AuditGap` (`kubeward.io/v1`); the rest of the audit goes on.
    ///
    /// ## Why is this bad?
    /// A resource kubeward may not read is a resource whose problems go unreported: a clean
    /// report over a partial view is a false sense of security. The report says what is missing
    /// and which permission would fill the gap.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubeward.io/v1
    /// kind: AuditGap
    /// metadata:
    ///   name: list-networkpolicies.networking.k8s.io
    /// spec:
    ///   path: /apis/networking.k8s.io/v1/networkpolicies
    ///   verb: list
    ///   group: networking.k8s.io
    ///   resource: networkpolicies
    ///   reason: forbidden
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: kubeward-audit
    /// rules:
    ///   - apiGroups: [networking.k8s.io]
    ///     resources: [networkpolicies]
    ///     verbs: [get, list]
    /// ```
    ///
    /// ## How to fix
    /// Grant the identity kubeward runs as the missing read permission (the ClusterRole in
    /// `deploy/cluster-audit/` lists all it needs), or ignore the rule when a partial audit is
    /// intended (`kubeward cluster --namespace`).
    pub ResourceNotAudited {
        code: "GEN003",
        name: "resource-not-audited",
        summary: "a resource could not be audited (forbidden, unreachable or too large)",
        severity: Low,
        category: General,
        targets: OBJECT | CLUSTER,
        remediation: "grant kubeward read access (`get`, `list`) to the resource, as in deploy/cluster-audit/",
        checklist: ["general.1"],
        cis: [],
        since: "0.1.0",
    }
}

/// The user the API server names in a 403 message (`... User "alice" cannot list ...`).
fn user_of(message: &str) -> Option<&str> {
    let rest = message.split_once("User \"")?.1;
    rest.split_once('"').map(|(user, _)| user).filter(|u| !u.is_empty())
}

impl Rule for ResourceNotAudited {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind() != "AuditGap" || obj.group() != "kubeward.io" {
            return;
        }
        let field = |k: &str| obj.root.at(&["spec", k]).and_then(Node::as_str).unwrap_or("");
        let (verb, group, resource, reason) = (field("verb"), field("group"), field("resource"), field("reason"));
        let path = field("path");
        let group = if group.is_empty() { "\"\" (core)".to_string() } else { format!("`{group}`") };
        let (msg, remediation) = if reason == "too-large" {
            (
                format!("not audited: {}", field("message")),
                "audit the object from its manifest (`kubeward scan`), and check why it is so large".to_string(),
            )
        } else if reason == "unavailable" {
            (
                format!("not audited: `GET {path}` failed: {}", field("message")),
                "check that the API server reaches the node's kubelet, then audit again".to_string(),
            )
        } else {
            // The API server's message names the identity it judged (`User "..." cannot ...`).
            let user = user_of(field("message"));
            let who = user.map(|u| format!(" for user `{u}`")).unwrap_or_default();
            let (msg, remediation) = if resource.starts_with('/') {
                // Discovery and /version are non-resource URLs, granted by `nonResourceURLs`.
                (
                    format!("not audited: forbidden: missing permission `{verb}` on the non-resource URL `{resource}`{who} (`GET {path}`)"),
                    format!("grant kubeward `{verb}` on nonResourceURLs `{resource}` (the built-in ClusterRole `system:discovery` grants discovery to every authenticated user)"),
                )
            } else {
                (
                    format!("not audited: forbidden: missing permission `{verb}` on `{resource}` in API group {group}{who} (`GET {path}`)"),
                    format!("grant kubeward `{verb}` on `{resource}` in API group {group}, as in deploy/cluster-audit/"),
                )
            };
            // For an anonymous client the cause is the credentials, not a missing grant.
            let anonymous = "the API server took kubeward as `system:anonymous`: its kubeconfig sent no credentials the server accepted; give it a token or client certificate of an identity bound as in deploy/cluster-audit/";
            if user == Some("system:anonymous") {
                (msg, anonymous.to_string())
            } else {
                (msg, remediation)
            }
        };
        cx.report(obj, FieldPath::root().key("spec"), msg).remediation(remediation);
    }
}
