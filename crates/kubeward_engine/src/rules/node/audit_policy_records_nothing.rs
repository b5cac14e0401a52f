use crate::analysis::node::cluster_config::{
    audit_level, audit_omits_final_stages, audit_rule_matches_all, is_audit_policy,
};
use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an audit `Policy` (the file named by the kube-apiserver's `--audit-policy-file`)
    /// that records no request, or no request after authorization:
    /// - it has no `rules` (a request no rule matches is not logged);
    /// - its first rule has no selector (it matches every request) and `level: None`;
    /// - it omits both `ResponseComplete` and `Panic` in the policy-level `omitStages` (or in
    ///   the first rule when that rule matches everything): no event is written after the
    ///   authorizer has decided.
    ///
    /// ## Why is this bad?
    /// The authorizer's decision is attached to every audit event at `Metadata` level or above
    /// (`authorization.k8s.io/decision: allow|forbid` and the RBAC reason). A policy that logs
    /// nothing leaves no trace of who read which Secret, who exec'd into which pod, and of the
    /// RBAC denials that reveal an attacker probing the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    ///   - level: None
    ///   - level: Metadata
    ///     resources:
    ///       - group: ""
    ///         resources: [secrets]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// omitStages: [RequestReceived]
    /// rules:
    ///   - level: None
    ///     nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version"]
    ///   - level: Metadata
    /// ```
    ///
    /// ## How to fix
    /// End the rules with a catch-all `- level: Metadata` (after any `level: None` rules for
    /// specific noisy requests), omit only `RequestReceived`, and restart the kube-apiserver.
    pub AuditPolicyRecordsNothing {
        code: "NODE074",
        name: "audit-policy-records-nothing",
        summary: "audit policy records no request",
        severity: High,
        category: Node,
        targets: OBJECT,
        remediation: "end the audit policy with a catch-all `- level: Metadata` rule and omit only the `RequestReceived` stage",
        checklist: ["components.5", "misc.1", "general.4"],
        cis: ["3.2.1"],
        since: "0.1.0",
    }
}

impl Rule for AuditPolicyRecordsNothing {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if !is_audit_policy(obj) {
            return;
        }
        let root = obj.root;
        let rules = root.get("rules").map(Node::items).unwrap_or_default();
        let Some(first) = rules.first() else {
            cx.report(obj, FieldPath::root().key("rules"), "the audit policy has no `rules`: no request is recorded");
            return;
        };
        if audit_omits_final_stages(root, None) {
            let msg = "the audit policy omits the `ResponseComplete` and `Panic` stages: no event records the authorization decision";
            cx.report(obj, FieldPath::root().key("omitStages"), msg);
            return;
        }
        if !audit_rule_matches_all(first) {
            return;
        }
        let level = first.get("level").and_then(Node::as_str).and_then(audit_level);
        if level == Some(0) {
            let msg = "the first audit rule matches every request with `level: None`: no request is recorded";
            cx.report(obj, FieldPath::root().key("rules").index(0).key("level"), msg);
        } else if level.is_some() && audit_omits_final_stages(root, Some(first)) {
            let msg = "the first audit rule matches every request and omits the `ResponseComplete` and `Panic` stages: no event records the authorization decision";
            cx.report(obj, FieldPath::root().key("rules").index(0).key("omitStages"), msg);
        }
    }
}
