use crate::analysis::node::cluster_config::{
    audit_level, audit_omits_final_stages, audit_rule_matches_all, is_audit_policy,
};
use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

/// Groups whose `level: None` silences a whole class of callers.
const BROAD_GROUPS: &[&str] = &["system:authenticated", "system:unauthenticated", "system:serviceaccounts"];

/// A `level: None` rule that selects only by verb and/or by a broad group: it silences, for
/// example, every read, or every request of every authenticated user.
fn broad_none(rule: &Node) -> bool {
    let has = |k: &str| rule.get(k).is_some_and(|n| !n.items().is_empty());
    if ["users", "resources", "namespaces", "nonResourceURLs"].iter().any(|k| has(k)) {
        return false;
    }
    match rule.get("userGroups").filter(|g| !g.items().is_empty()) {
        Some(groups) => groups.items().iter().any(|g| g.as_str().is_some_and(|g| BROAD_GROUPS.contains(&g))),
        None => has("verbs"),
    }
}

crate::declare_rule! {
    /// ## What it does
    /// Flags an audit `Policy` that leaves whole classes of requests unrecorded (the policy
    /// that records nothing at all is NODE074):
    /// - no catch-all rule (a rule without selectors) at `Metadata` or above ends the rules, so
    ///   requests no rule matches are not logged; or the catch-all has `level: None` or omits
    ///   the `ResponseComplete` and `Panic` stages;
    /// - a `level: None` rule before the catch-all selects only by `verbs` and/or by a broad
    ///   group (`system:authenticated`, `system:unauthenticated`, `system:serviceaccounts`):
    ///   every read, or every request of every user, goes unrecorded.
    ///
    /// `level: None` rules for specific noisy users, resources or URLs followed by a `Metadata`
    /// catch-all are the recommended layout and pass.
    ///
    /// ## Why is this bad?
    /// Audit events carry the RBAC decision (`authorization.k8s.io/decision`). Requests outside
    /// the policy's rules leave no trace: the denied requests of a stolen token, or reads of
    /// Secrets through a resource nobody listed, cannot be detected or investigated.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    ///   - level: RequestResponse
    ///     resources:
    ///       - group: ""
    ///         resources: [pods]
    ///   - level: Metadata
    ///     resources:
    ///       - group: ""
    ///         resources: [secrets, configmaps]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// omitStages: [RequestReceived]
    /// rules:
    ///   - level: None
    ///     users: ["system:kube-proxy"]
    ///     verbs: [watch]
    ///     resources:
    ///       - group: ""
    ///         resources: [endpoints, services]
    ///   - level: Metadata
    ///     resources:
    ///       - group: ""
    ///         resources: [secrets, configmaps]
    ///   - level: RequestResponse
    ///     resources:
    ///       - group: ""
    ///         resources: [pods]
    ///   - level: Metadata
    /// ```
    ///
    /// ## How to fix
    /// End the rules with a catch-all `- level: Metadata`, and narrow `level: None` rules to
    /// the specific users, resources or URLs that are too noisy to log.
    pub AuditPolicyUnrecordedRequests {
        code: "NODE075",
        name: "audit-policy-unrecorded-requests",
        summary: "audit policy leaves a class of requests unrecorded",
        severity: Medium,
        category: Node,
        targets: OBJECT,
        remediation: "end the audit policy with a catch-all `- level: Metadata` rule and limit `level: None` rules to specific users, resources or URLs",
        checklist: ["components.5", "misc.1", "general.4"],
        cis: ["3.2.2"],
        since: "0.1.0",
    }
}

impl Rule for AuditPolicyUnrecordedRequests {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if !is_audit_policy(obj) {
            return;
        }
        let root = obj.root;
        let rules = root.get("rules").map(Node::items).unwrap_or_default();
        // NODE074 reports these policies.
        if rules.is_empty() || audit_omits_final_stages(root, None) {
            return;
        }
        let path = |i: usize| FieldPath::root().key("rules").index(i);
        for (i, rule) in rules.iter().enumerate() {
            let level = rule.get("level").and_then(Node::as_str).and_then(audit_level);
            if audit_rule_matches_all(rule) {
                if i == 0 {
                    return; // NODE074 when it records nothing; fine otherwise
                }
                if level == Some(0) {
                    let msg = format!("the catch-all audit rule `rules[{i}]` has `level: None`: requests no earlier rule matches are not recorded");
                    cx.report(obj, path(i).key("level"), msg);
                } else if level.is_some() && audit_omits_final_stages(root, Some(rule)) {
                    let msg = format!("the catch-all audit rule `rules[{i}]` omits the `ResponseComplete` and `Panic` stages: requests no earlier rule matches are recorded without their authorization decision");
                    cx.report(obj, path(i).key("omitStages"), msg);
                }
                return;
            }
            if level == Some(0) && broad_none(rule) {
                let msg = format!("audit rule `rules[{i}]` has `level: None` for a whole class of requests (selected only by verbs or a broad group): they are not recorded");
                cx.report(obj, path(i).key("level"), msg);
            }
        }
        cx.report(
            obj,
            FieldPath::root().key("rules"),
            "the audit policy has no catch-all rule: requests that no rule matches, RBAC denials included, are not recorded",
        );
    }
}
