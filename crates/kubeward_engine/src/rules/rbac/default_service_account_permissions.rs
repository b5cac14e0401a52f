use std::collections::{BTreeMap, HashMap};

use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::{Rule, RuleMeta};
use crate::snapshot::Snapshot;

use super::helpers::{is_builtin_default, rbac_kind, role_ref, subjects, RbacKind};

/// What one binding gives the `default` ServiceAccounts it reaches.
struct Grant {
    /// Namespaces whose `default` ServiceAccount it reaches (`None`: every namespace).
    reaches: Option<String>,
    /// `in namespace `x`` or `cluster-wide`.
    scope: String,
    /// `get/list pods, services` or why it is unknown.
    what: String,
    /// `RoleBinding `b` → ClusterRole `view``.
    via: String,
}

/// `get/list/watch pods, services; create deployments` from a role's rules.
fn describe_rules(role: &Object<'_>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for rule in role.root.get("rules").map(Node::items).unwrap_or_default() {
        let list = |k: &str| -> Vec<&str> {
            rule.get(k).map(Node::items).unwrap_or_default().iter().filter_map(Node::as_str).collect()
        };
        let verbs = list("verbs");
        let mut resources = list("resources");
        resources.extend(list("nonResourceURLs"));
        if verbs.is_empty() || resources.is_empty() {
            continue;
        }
        let names = list("resourceNames");
        let named = if names.is_empty() { String::new() } else { format!(" (named {})", names.join(", ")) };
        parts.push(format!("{} {}{named}", verbs.join("/"), resources.join(", ")));
    }
    if parts.is_empty() {
        "nothing (the role has no rules)".to_string()
    } else {
        parts.join("; ")
    }
}

crate::declare_rule! {
    /// ## What it does
    /// Adds up what the `default` ServiceAccount of each namespace can do through all bindings:
    /// RoleBindings and ClusterRoleBindings that name it, or a group that holds it
    /// (`system:serviceaccounts`, `system:serviceaccounts:<namespace>`, `system:authenticated`),
    /// with the rules of the roles they grant when the roles are among the scanned objects (in a
    /// live cluster, they all are). One finding per namespace, on its Namespace object when
    /// there is one. Built-in bindings of Kubernetes (`kubernetes.io/bootstrapping:
    /// rbac-defaults`) are left out. RBAC003 reports each binding; this rule says what they
    /// amount to.
    ///
    /// ## Why is this bad?
    /// Every pod that names no ServiceAccount runs as `default`. Whatever `default` can do, any
    /// such pod can, including a compromised one that never needed the API (CIS 5.1.5). The
    /// permissions often come from several bindings made at different times, some through
    /// groups, so no single binding shows the whole.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata:
    ///   name: default-view
    ///   namespace: shop
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
    /// metadata:
    ///   name: reporter-view
    ///   namespace: shop
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: view
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: reporter
    ///     namespace: shop
    /// ```
    ///
    /// ## How to fix
    /// Remove the bindings to `default` (and to the groups that hold it); give the workloads
    /// that need the API their own ServiceAccount with the least role they need.
    pub DefaultServiceAccountPermissions {
        code: "RBAC015",
        name: "default-service-account-permissions",
        summary: "the default service account of a namespace holds permissions",
        severity: Medium,
        category: Rbac,
        targets: SNAPSHOT,
        remediation: "remove the bindings to `default` and give workloads that use the API their own ServiceAccount",
        checklist: ["components.6"],
        cis: ["5.1.5"],
        since: "0.1.0",
    }
}

impl Rule for DefaultServiceAccountPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_snapshot(&self, snap: &Snapshot, cx: &mut Context<'_>) {
        let objects = snap.objects();
        // (kind, name, namespace but for ClusterRoles) -> the first such object: one pass, so
        // that looking up each binding's role does not scan every object (quadratic at scale).
        let mut index: HashMap<(&str, &str, Option<&str>), &Object<'_>> = HashMap::new();
        for o in objects.iter() {
            if let Some(k) = rbac_kind(o) {
                let ns = if k.as_str() == "ClusterRole" { None } else { o.namespace() };
                index.entry((k.as_str(), o.name(), ns)).or_insert(o);
            }
        }
        let role = |kind: &str, name: &str, ns: Option<&str>| {
            let ns = if kind == "ClusterRole" { None } else { ns };
            index.get(&(kind, name, ns)).copied()
        };
        let mut grants: Vec<(&Object<'_>, FieldPath, Grant)> = Vec::new();
        for b in objects.iter().filter(|o| rbac_kind(o).is_some_and(RbacKind::is_binding)) {
            if is_builtin_default(b) {
                continue;
            }
            let Some(r) = role_ref(b) else { continue };
            let cluster_wide = b.kind() == "ClusterRoleBinding";
            let what = match role(r.kind, r.name, b.namespace()) {
                Some(ro) => describe_rules(ro),
                None if r.kind == "ClusterRole" && r.name == "cluster-admin" => "everything".to_string(),
                None => format!("what {} `{}` allows (not in the scanned objects)", r.kind, r.name),
            };
            let scope = if cluster_wide {
                "cluster-wide".to_string()
            } else {
                format!("in namespace `{}`", b.namespace().unwrap_or("default"))
            };
            for s in subjects(b) {
                let reaches = match (s.kind, s.name) {
                    ("ServiceAccount", "default") => s.effective_namespace(b).map(str::to_string),
                    ("Group", "system:serviceaccounts" | "system:authenticated") => None,
                    ("Group", g) => match g.strip_prefix("system:serviceaccounts:") {
                        Some(ns) if !ns.is_empty() => Some(ns.to_string()),
                        _ => continue,
                    },
                    _ => continue,
                };
                if s.kind == "ServiceAccount" && reaches.is_none() {
                    continue;
                }
                let via = format!("{} `{}` → {} `{}`", b.kind(), b.name(), r.kind, r.name);
                grants.push((b, s.path.clone(), Grant { reaches, scope: scope.clone(), what: what.clone(), via }));
            }
        }
        if grants.is_empty() {
            return;
        }
        // Namespaces: those with a Namespace object, and those bindings name.
        let mut namespaces: BTreeMap<String, Option<&Object<'_>>> = BTreeMap::new();
        for o in objects.iter().filter(|o| o.kind() == "Namespace" && o.group().is_empty()) {
            namespaces.insert(o.name().to_string(), Some(o));
        }
        for (_, _, g) in &grants {
            if let Some(ns) = &g.reaches {
                namespaces.entry(ns.clone()).or_insert(None);
            }
        }
        for (ns, ns_obj) in &namespaces {
            let mine: Vec<&(&Object<'_>, FieldPath, Grant)> =
                grants.iter().filter(|(_, _, g)| g.reaches.as_deref().is_none_or(|r| r == ns)).collect();
            let Some((first_binding, first_path, _)) = mine.first() else { continue };
            let list: Vec<String> =
                mine.iter().map(|(_, _, g)| format!("{} {} ({})", g.what, g.scope, g.via)).collect();
            let msg = format!("the `default` service account of namespace `{ns}` can: {}", list.join("; "));
            match ns_obj {
                Some(o) => cx.report(o, FieldPath::root().key("metadata").key("name"), msg),
                None => cx.report(first_binding, first_path.clone(), msg),
            };
        }
    }
}
