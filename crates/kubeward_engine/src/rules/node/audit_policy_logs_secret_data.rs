use crate::analysis::node::cluster_config::{audit_level, is_audit_policy};
use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

/// Resources whose request or response bodies carry credentials: (group, resource).
const SENSITIVE: &[(&str, &str)] =
    &[("", "secrets"), ("", "configmaps"), ("authentication.k8s.io", "tokenreviews"), ("", "serviceaccounts/token")];

fn non_empty(rule: &Node, key: &str) -> bool {
    rule.get(key).is_some_and(|n| !n.items().is_empty())
}

/// Whether a `resources[]` name (`secrets`, `*`, `*/token`, `serviceaccounts/*`) matches.
fn name_matches(pattern: &str, resource: &str) -> bool {
    if pattern == "*" || pattern == resource {
        return true;
    }
    let (res, sub) = resource.split_once('/').unwrap_or((resource, ""));
    match pattern.split_once('/') {
        Some(("*", s)) => !sub.is_empty() && s == sub,
        Some((r, "*")) => !sub.is_empty() && r == res,
        _ => false,
    }
}

/// How a rule matches requests to `(group, resource)`: `None` when it cannot, `Some(true)`
/// when it matches every such request, `Some(false)` when only some (users, verbs,
/// namespaces or resource names narrow it).
fn matches(rule: &Node, group: &str, resource: &str) -> Option<bool> {
    if non_empty(rule, "nonResourceURLs") {
        return None;
    }
    let narrowed = ["users", "userGroups", "verbs", "namespaces"].iter().any(|k| non_empty(rule, k));
    let Some(list) = rule.get("resources").filter(|r| !r.items().is_empty()) else {
        return Some(!narrowed);
    };
    let mut found = None;
    for gr in list.items() {
        let g = gr.get("group").and_then(Node::as_str).unwrap_or("");
        if g != group && g != "*" {
            continue;
        }
        let names = gr.get("resources").map(Node::items).unwrap_or_default();
        if !names.is_empty() && !names.iter().any(|n| n.as_str().is_some_and(|p| name_matches(p, resource))) {
            continue;
        }
        let all = !narrowed && !non_empty(gr, "resourceNames");
        found = Some(found.unwrap_or(false) || all);
    }
    found
}

/// Whether a `Request`-level rule only matches reads, whose request bodies are empty.
fn reads_only(rule: &Node) -> bool {
    let verbs = rule.get("verbs").map(Node::items).unwrap_or_default();
    !verbs.is_empty() && verbs.iter().all(|v| matches!(v.as_str(), Some("get" | "list" | "watch")))
}

crate::declare_rule! {
    /// ## What it does
    /// Flags an audit `Policy` that logs `secrets`, `configmaps`, `tokenreviews` or
    /// `serviceaccounts/token` at `Request` or `RequestResponse` level: the first rule that
    /// can match such a request has that level (a `Request` rule limited to `get`, `list` and
    /// `watch` has empty request bodies and passes). A `Metadata` (or `None`) rule covering
    /// these resources for every request, placed earlier, protects them.
    ///
    /// ## Why is this bad?
    /// Request and response bodies of these resources are credentials: Secret values, tokens
    /// being reviewed, newly issued service account tokens. Logged, they are copied to every
    /// log backend, readable by whoever reads the logs and kept long after rotation. CIS 3.2.2
    /// asks for these resources at `Metadata` level only.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// omitStages: [RequestReceived]
    /// rules:
    ///   - level: None
    ///     nonResourceURLs: ["/healthz*", "/version"]
    ///   - level: RequestResponse
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// omitStages: [RequestReceived]
    /// rules:
    ///   - level: None
    ///     nonResourceURLs: ["/healthz*", "/version"]
    ///   - level: Metadata
    ///     resources:
    ///       - group: ""
    ///         resources: [secrets, configmaps, serviceaccounts/token]
    ///       - group: authentication.k8s.io
    ///         resources: [tokenreviews]
    ///   - level: RequestResponse
    /// ```
    ///
    /// ## How to fix
    /// Add a `level: Metadata` rule for `secrets`, `configmaps`, `serviceaccounts/token` and
    /// `authentication.k8s.io` `tokenreviews` before any `Request` or `RequestResponse` rule
    /// that covers them, and rotate the credentials already written to the audit logs.
    pub AuditPolicyLogsSecretData {
        code: "NODE086",
        name: "audit-policy-logs-secret-data",
        summary: "audit policy logs the bodies of secrets and tokens",
        severity: Medium,
        category: Node,
        targets: OBJECT,
        remediation: "log `secrets`, `configmaps`, `serviceaccounts/token` and `tokenreviews` at `Metadata` level, in a rule before any `Request` or `RequestResponse` rule",
        checklist: ["misc.1"],
        cis: ["3.2.2"],
        since: "0.1.0",
    }
}

impl Rule for AuditPolicyLogsSecretData {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if !is_audit_policy(obj) {
            return;
        }
        let rules = obj.root.get("rules").map(Node::items).unwrap_or_default();
        // Report each offending rule once, naming every resource it exposes.
        let mut exposed: Vec<(usize, &str, Vec<&str>)> = Vec::new();
        for &(group, resource) in SENSITIVE {
            for (i, rule) in rules.iter().enumerate() {
                let Some(all) = matches(rule, group, resource) else { continue };
                let level_text = rule.get("level").and_then(Node::as_str).unwrap_or("");
                let level = audit_level(level_text);
                if level.is_some_and(|l| l >= 2) && !(level == Some(2) && reads_only(rule)) {
                    match exposed.iter_mut().find(|(j, _, _)| *j == i) {
                        Some(e) => e.2.push(resource),
                        None => exposed.push((i, level_text, vec![resource])),
                    }
                    break;
                }
                if all {
                    break;
                }
            }
        }
        exposed.sort_by_key(|e| e.0);
        for (i, level, resources) in exposed {
            let names = resources.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ");
            let msg = format!("audit rule `rules[{i}]` logs {names} at `{level}` level: secret values and tokens are written to the audit log");
            cx.report(obj, FieldPath::root().key("rules").index(i).key("level"), msg);
        }
    }
}
