use std::collections::{BTreeMap, HashMap};

use crate::context::Context;
use crate::cross::{Anchor, Cross, CrossDyn, FactList, Facts, ObjectHandle};
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

use super::helpers::{is_builtin_default, rbac_kind, BindingFact, RbacKind, Subject, SubjectFact};

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

/// `get/list/watch pods, services; create deployments` from a role's rules (`everything` when
/// one rule grants every verb on every resource of every group); `None` when the role has no
/// rules.
fn describe_rules(role: &Object<'_>) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for rule in role.root.get("rules").map(Node::items).unwrap_or_default() {
        let list = |k: &str| -> Vec<&str> {
            rule.get(k).map(Node::items).unwrap_or_default().iter().filter_map(Node::as_str).collect()
        };
        let verbs = list("verbs");
        // `*` verbs on `*` resources of `*` groups, unnamed: what `cluster-admin` holds, said
        // as for a `cluster-admin` that is not in the scanned objects.
        if verbs.contains(&"*")
            && list("resources").contains(&"*")
            && list("apiGroups").contains(&"*")
            && list("resourceNames").is_empty()
        {
            return Some("everything".to_string());
        }
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
        None
    } else {
        Some(parts.join("; "))
    }
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
        targets: SNAPSHOT,
        remediation: "remove the bindings to `default` and give workloads that use the API their own ServiceAccount",
        checklist: ["components.6"],
        cis: ["5.1.5"],
        since: "0.1.0",
    }
}

/// What the rule keeps across objects.
pub enum Fact {
    /// A Role, ClusterRole, RoleBinding or ClusterRoleBinding: what a `roleRef` looks up.
    Rbac {
        /// The kind.
        kind: RbacKind,
        /// `metadata.name`.
        name: Box<str>,
        /// `metadata.namespace` (never for a ClusterRole).
        namespace: Option<Box<str>>,
        /// What its rules allow ([`describe_rules`]).
        rules: Option<Box<str>>,
    },
    /// A binding (not built in) with the subjects that reach a `default` ServiceAccount.
    Binding(BindingFact),
    /// A Namespace, and the position of its name.
    Namespace(ObjectHandle, Anchor),
}

impl Rule for DefaultServiceAccountPermissions {
    fn cross(&self) -> Option<&dyn CrossDyn> {
        Some(self)
    }
}

impl Cross for DefaultServiceAccountPermissions {
    type Fact = Fact;

    fn fact(&self, obj: &Object<'_>, facts: &Facts<'_>, out: &mut Vec<Fact>) {
        if obj.kind() == "Namespace" {
            if obj.group().is_empty() {
                let at = Anchor::of(obj, FieldPath::root().key("metadata").key("name"));
                out.push(Fact::Namespace(facts.handle(obj), at));
            }
            return;
        }
        let Some(kind) = rbac_kind(obj) else { return };
        let namespace = if kind == RbacKind::ClusterRole { None } else { obj.namespace().map(Into::into) };
        out.push(Fact::Rbac { kind, name: obj.name().into(), namespace, rules: describe_rules(obj).map(Into::into) });
        if kind.is_binding() && !is_builtin_default(obj) {
            let binding_ns = obj.namespace();
            let reaching = |s: &Subject<'_>| reaches(s.kind, s.name, s.namespace, binding_ns).is_some();
            if let Some(b) = BindingFact::of(obj, facts, reaching) {
                out.push(Fact::Binding(b));
            }
        }
    }

    fn finish(&self, facts: FactList<Fact>, cx: &mut Context<'_>) {
        // (kind, name, namespace but for ClusterRoles) -> what the first such object allows.
        let mut index: HashMap<(&str, &str, Option<&str>), Option<&str>> = HashMap::new();
        for f in &facts {
            if let Fact::Rbac { kind, name, namespace, rules } = f {
                index.entry((kind.as_str(), name, namespace.as_deref())).or_insert(rules.as_deref());
            }
        }
        let role = |kind: &str, name: &str, ns: Option<&str>| {
            let ns = if kind == "ClusterRole" { None } else { ns };
            index.get(&(kind, name, ns)).copied()
        };
        let mut grants: Vec<(&BindingFact, &SubjectFact, Grant<'_>)> = Vec::new();
        for f in &facts {
            let Fact::Binding(b) = f else { continue };
            let (r_kind, r_name) = (&*b.role_kind, &*b.role_name);
            let what = match role(r_kind, r_name, b.namespace()) {
                Some(rules) => rules.unwrap_or("nothing (the role has no rules)").to_string(),
                None if r_kind == "ClusterRole" && r_name == "cluster-admin" => "everything".to_string(),
                None => format!("what {r_kind} `{r_name}` allows (not in the scanned objects)"),
            };
            let scope = if b.kind() == "ClusterRoleBinding" {
                "cluster-wide".to_string()
            } else {
                format!("in namespace `{}`", b.namespace().unwrap_or("default"))
            };
            for s in &b.subjects {
                let Some(reaches) = reaches(&s.kind, &s.name, s.namespace.as_deref(), b.namespace()) else {
                    continue;
                };
                let via = format!("{} `{}` → {r_kind} `{r_name}`", b.kind(), b.name());
                grants.push((b, s, Grant { reaches, scope: scope.clone(), what: what.clone(), via }));
            }
        }
        if grants.is_empty() {
            return;
        }
        // Namespaces: those with a Namespace object (the last of a name), and those bindings name.
        let mut namespaces: BTreeMap<&str, Option<(&ObjectHandle, &Anchor)>> = BTreeMap::new();
        for f in &facts {
            if let Fact::Namespace(h, at) = f {
                namespaces.insert(h.name(), Some((h, at)));
            }
        }
        for (_, _, g) in &grants {
            if let Some(ns) = g.reaches {
                namespaces.entry(ns).or_insert(None);
            }
        }
        for (ns, ns_obj) in &namespaces {
            let mine: Vec<&(&BindingFact, &SubjectFact, Grant<'_>)> =
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
