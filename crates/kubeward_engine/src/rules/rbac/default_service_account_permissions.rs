use std::collections::{BTreeMap, HashMap};

use crate::analysis::rbac::RbacKind;
use crate::context::Context;
use crate::inventory::{Anchor, Binding, BindingSubject, Inventory, ObjectHandle};
use crate::rule::Rule;

/// What one binding gives the `default` ServiceAccounts it reaches.
struct Grant<'f> {
    /// Namespaces whose `default` ServiceAccount it reaches (`None`: every namespace).
    reaches: Option<&'f str>,
    /// `in namespace `x`` or `cluster-wide`.
    scope: String,
    /// `get/list pods, services` or why it is unknown.
    what: String,
    /// `RoleBinding `b` → ClusterRole `view``.
    via: String,
}

/// Whose `default` ServiceAccount a subject of a binding in namespace `binding_ns` reaches:
/// `None` when none, `Some(None)` every namespace's, `Some(Some(ns))` the one of `ns`.
fn reaches<'s>(
    kind: &str,
    name: &'s str,
    namespace: Option<&'s str>,
    binding_ns: Option<&'s str>,
) -> Option<Option<&'s str>> {
    match (kind, name) {
        ("ServiceAccount", "default") => namespace.filter(|n| !n.is_empty()).or(binding_ns).map(Some),
        ("Group", "system:serviceaccounts" | "system:authenticated") => Some(None),
        ("Group", g) => match g.strip_prefix("system:serviceaccounts:") {
            Some(ns) if !ns.is_empty() => Some(Some(ns)),
            _ => None,
        },
        _ => None,
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
        targets: INVENTORY,
        remediation: "remove the bindings to `default` and give workloads that use the API their own ServiceAccount",
        checklist: ["components.6"],
        cis: ["5.1.5"],
        since: "0.1.0",
    }
}

impl Rule for DefaultServiceAccountPermissions {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // (kind, name, namespace but for ClusterRoles) -> what the first such object allows.
        let mut index: HashMap<(&str, &str, Option<&str>), Option<&str>> = HashMap::new();
        for r in inv.roles() {
            index.entry((r.kind.as_str(), &r.name, r.namespace.as_deref())).or_insert(r.rules.as_deref());
        }
        for b in inv.bindings() {
            let key = (b.kind.as_str(), b.handle.name(), b.handle.namespace());
            index.entry(key).or_insert(b.rules.as_deref());
        }
        let role = |kind: &str, name: &str, ns: Option<&str>| {
            let ns = if kind == "ClusterRole" { None } else { ns };
            index.get(&(kind, name, ns)).copied()
        };
        let mut grants: Vec<(&Binding, &BindingSubject, Grant<'_>)> = Vec::new();
        // Bindings (not built in) with the subjects that reach a `default` ServiceAccount.
        for b in inv.bindings().iter().filter(|b| !b.builtin_default) {
            let Some((r_kind, r_name)) = b.role_ref.as_ref().map(|(k, n)| (&**k, &**n)) else { continue };
            let binding_ns = b.handle.namespace();
            let mut subjects = b
                .subjects
                .iter()
                .filter_map(|s| Some((s, reaches(&s.kind, &s.name, s.namespace.as_deref(), binding_ns)?)))
                .peekable();
            if subjects.peek().is_none() {
                continue;
            }
            let what = match role(r_kind, r_name, binding_ns) {
                Some(rules) => rules.unwrap_or("nothing (the role has no rules)").to_string(),
                None if r_kind == "ClusterRole" && r_name == "cluster-admin" => "everything".to_string(),
                None => format!("what {r_kind} `{r_name}` allows (not in the scanned objects)"),
            };
            let scope = if b.kind == RbacKind::ClusterRoleBinding {
                "cluster-wide".to_string()
            } else {
                format!("in namespace `{}`", binding_ns.unwrap_or("default"))
            };
            for (s, reaches) in subjects {
                let via = format!("{} `{}` → {r_kind} `{r_name}`", b.handle.kind(), b.handle.name());
                grants.push((b, s, Grant { reaches, scope: scope.clone(), what: what.clone(), via }));
            }
        }
        if grants.is_empty() {
            return;
        }
        // Namespaces: those with a Namespace object (the last of a name), and those bindings name.
        let mut namespaces: BTreeMap<&str, Option<(&ObjectHandle, Anchor)>> = BTreeMap::new();
        for n in inv.namespaces() {
            let at = n.name_at.anchor(crate::input::path::FieldPath::root().key("metadata").key("name"));
            namespaces.insert(n.handle.name(), Some((&n.handle, at)));
        }
        for (_, _, g) in &grants {
            if let Some(ns) = g.reaches {
                namespaces.entry(ns).or_insert(None);
            }
        }
        for (ns, ns_obj) in &namespaces {
            let mine: Vec<&(&Binding, &BindingSubject, Grant<'_>)> =
                grants.iter().filter(|(_, _, g)| g.reaches.is_none_or(|r| r == *ns)).collect();
            let Some((first_binding, first_subject, _)) = mine.first() else { continue };
            let list: Vec<String> =
                mine.iter().map(|(_, _, g)| format!("{} {} ({})", g.what, g.scope, g.via)).collect();
            let msg = format!("the `default` service account of namespace `{ns}` can: {}", list.join("; "));
            match ns_obj {
                Some((h, at)) => cx.report_at(h, at, msg),
                None => cx.report_at(&first_binding.handle, &first_subject.anchor(), msg),
            };
        }
    }
}
