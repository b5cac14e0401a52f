//! Typed views of RBAC objects shared by the `rbac` rules: the policy rules of a Role or
//! ClusterRole with their paths, the subjects and `roleRef` of a binding, and `grants`, which
//! matches a permission exactly like the API server's RBAC authorizer does
//! (`pkg/apis/rbac/v1/evaluation_helpers.go`):
//! - a verb matches when the rule lists it or `*`;
//! - an API group matches when the rule lists it or `*` (`""` is the core group);
//! - a resource matches when the rule lists it exactly (`pods/exec` for a subresource), `*`
//!   (every resource and every subresource), or `*/<subresource>` (that subresource of every
//!   resource). `pods/*` is *not* a wildcard for the authorizer: it matches nothing real.
//!
//! `resourceNames` restricts a rule to named objects; rules say how they treat it.

use crate::input::node::Node;
use crate::input::object::{Object, ObjectRef};
use crate::input::path::FieldPath;

/// The API group of the RBAC kinds.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
/// The label Kubernetes puts on the roles and bindings it creates and reconciles.
pub const BOOTSTRAP_LABEL: &str = "kubernetes.io/bootstrapping";
/// Its value.
pub const BOOTSTRAP_VALUE: &str = "rbac-defaults";
/// The wildcard of verbs, API groups and resources.
pub const ALL: &str = "*";

/// The four RBAC kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RbacKind {
    /// `Role`: permissions in one namespace.
    Role,
    /// `ClusterRole`: permissions on cluster-scoped resources, or in every namespace once bound
    /// by a ClusterRoleBinding.
    ClusterRole,
    /// `RoleBinding`: grants a Role or ClusterRole in one namespace.
    RoleBinding,
    /// `ClusterRoleBinding`: grants a ClusterRole cluster-wide.
    ClusterRoleBinding,
}

impl RbacKind {
    /// The kind's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Role => "Role",
            Self::ClusterRole => "ClusterRole",
            Self::RoleBinding => "RoleBinding",
            Self::ClusterRoleBinding => "ClusterRoleBinding",
        }
    }

    /// Whether the kind is a role (holds `rules`).
    #[must_use]
    pub fn is_role(self) -> bool {
        matches!(self, Self::Role | Self::ClusterRole)
    }

    /// Whether the kind is a binding (holds `subjects` and `roleRef`).
    #[must_use]
    pub fn is_binding(self) -> bool {
        !self.is_role()
    }
}

/// The RBAC kind of an object of the `rbac.authorization.k8s.io` group (any version).
#[must_use]
pub fn rbac_kind(obj: &Object<'_>) -> Option<RbacKind> {
    if obj.group() != RBAC_GROUP {
        return None;
    }
    Some(match obj.kind() {
        "Role" => RbacKind::Role,
        "ClusterRole" => RbacKind::ClusterRole,
        "RoleBinding" => RbacKind::RoleBinding,
        "ClusterRoleBinding" => RbacKind::ClusterRoleBinding,
        _ => return None,
    })
}

/// Whether the object is one of the default roles or bindings the API server creates and
/// reconciles at every start (`kubernetes.io/bootstrapping: rbac-defaults` and a built-in name:
/// `cluster-admin`, `admin`, `edit`, `view`, or `system:*`). They show up in cluster dumps;
/// editing them is pointless (they are reconciled), so rules judge who is bound to them instead.
#[must_use]
pub fn is_builtin_default(obj: &Object<'_>) -> bool {
    let name = obj.name();
    obj.label(BOOTSTRAP_LABEL) == Some(BOOTSTRAP_VALUE)
        && (matches!(name, "cluster-admin" | "admin" | "edit" | "view") || name.starts_with("system:"))
}

/// Whether a ClusterRole is aggregated: the controller overwrites its `rules` with those of the
/// selected ClusterRoles, so the rules written in the manifest (usually none) never apply.
#[must_use]
pub fn is_aggregated(obj: &Object<'_>) -> bool {
    obj.kind() == "ClusterRole" && obj.root.get("aggregationRule").is_some_and(Node::is_map)
}

/// The kind in words, lowercase, for messages (`ClusterRole` -> `cluster role`).
#[must_use]
pub fn kind_words(kind: &str) -> String {
    let mut out = String::with_capacity(kind.len() + 4);
    for (i, c) in kind.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// ``cluster role `name` `` for messages (which start lowercase).
#[must_use]
pub fn describe(obj: &Object<'_>) -> String {
    describe_ref(&obj.oref)
}

/// [`describe`] of an object whose tree is gone.
#[must_use]
pub fn describe_ref(oref: &ObjectRef) -> String {
    format!("{} `{}`", kind_words(&oref.kind), oref.name)
}

/// `` `a`, `b`, `c` `` for messages.
#[must_use]
pub fn ticked<S: AsRef<str>>(items: &[S]) -> String {
    items.iter().map(|s| format!("`{}`", s.as_ref())).collect::<Vec<_>>().join(", ")
}

/// One item of a role's `rules`.
#[derive(Clone, Debug)]
pub struct PolicyRule<'a> {
    /// The rule's tree.
    pub node: &'a Node,
    /// Its path (`/rules/3`).
    pub path: FieldPath,
    /// Its index in `rules`.
    pub index: usize,
}

/// The policy rules of a Role or ClusterRole (nothing for other objects, and nothing for an
/// aggregated ClusterRole, whose written rules are replaced by the aggregation controller).
#[must_use]
pub fn policy_rules<'a>(obj: &Object<'a>) -> Vec<PolicyRule<'a>> {
    if !rbac_kind(obj).is_some_and(RbacKind::is_role) || is_aggregated(obj) {
        return Vec::new();
    }
    let base = FieldPath::root().key("rules");
    obj.root
        .get("rules")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, n)| n.is_map())
        .map(|(index, node)| PolicyRule { node, path: base.index(index), index })
        .collect()
}

/// Whether a resource pattern of a rule matches `resource` (`pods` or `pods/exec`).
#[must_use]
pub fn resource_matches(pattern: &str, resource: &str) -> bool {
    if pattern == ALL || pattern == resource {
        return true;
    }
    match (pattern.strip_prefix("*/"), resource.split_once('/')) {
        (Some(sub), Some((_, rsub))) => sub == rsub,
        _ => false,
    }
}

impl<'a> PolicyRule<'a> {
    /// The strings of a list field (`verbs`, `apiGroups`, `resources`, `resourceNames`) with
    /// their indices; non-string items are skipped.
    pub fn list(&self, field: &str) -> impl Iterator<Item = (usize, &'a str)> + 'a {
        self.node.get(field).map(Node::items).unwrap_or_default().iter().enumerate().filter_map(|(i, n)| {
            if n.is_null() {
                None
            } else {
                n.as_str().map(|s| (i, s))
            }
        })
    }

    /// The path of item `i` of a list field (`/rules/3/verbs/0`).
    #[must_use]
    pub fn item_path(&self, field: &str, i: usize) -> FieldPath {
        self.path.key(field).index(i)
    }

    /// The path of a field of the rule (`/rules/3/verbs`).
    #[must_use]
    pub fn field_path(&self, field: &str) -> FieldPath {
        self.path.key(field)
    }

    /// Index of the `*` in a list field.
    #[must_use]
    pub fn wildcard(&self, field: &str) -> Option<usize> {
        self.list(field).find(|(_, s)| *s == ALL).map(|(i, _)| i)
    }

    /// Whether the rule allows `verb` (listed, or `*`).
    #[must_use]
    pub fn has_verb(&self, verb: &str) -> bool {
        self.verb_index(verb).is_some()
    }

    /// Index of the verb entry allowing `verb` (the verb itself first, else `*`).
    #[must_use]
    pub fn verb_index(&self, verb: &str) -> Option<usize> {
        self.list("verbs")
            .find(|(_, v)| *v == verb)
            .or_else(|| self.list("verbs").find(|(_, v)| *v == ALL))
            .map(|x| x.0)
    }

    /// Whether the rule applies to API group `group` (`""` is core).
    #[must_use]
    pub fn has_group(&self, group: &str) -> bool {
        self.list("apiGroups").any(|(_, g)| g == group || g == ALL)
    }

    /// Index of the resource entry matching `resource` (an exact entry first, then `*/sub`,
    /// then `*`).
    #[must_use]
    pub fn resource_index(&self, resource: &str) -> Option<usize> {
        self.list("resources")
            .find(|(_, r)| *r == resource)
            .or_else(|| self.list("resources").find(|(_, r)| *r != ALL && resource_matches(r, resource)))
            .or_else(|| self.list("resources").find(|(_, r)| *r == ALL))
            .map(|x| x.0)
    }

    /// The resource entry at `i`.
    #[must_use]
    pub fn resource_at(&self, i: usize) -> Option<&'a str> {
        self.list("resources").find(|(j, _)| *j == i).map(|x| x.1)
    }

    /// Whether the rule applies to `resource` (`pods`, `pods/exec`).
    #[must_use]
    pub fn has_resource(&self, resource: &str) -> bool {
        self.resource_index(resource).is_some()
    }

    /// Whether the rule is limited to named objects (`resourceNames`).
    #[must_use]
    pub fn has_resource_names(&self) -> bool {
        self.list("resourceNames").next().is_some()
    }

    /// The `resourceNames` of the rule.
    #[must_use]
    pub fn resource_names(&self) -> Vec<&'a str> {
        self.list("resourceNames").map(|x| x.1).collect()
    }

    /// Whether the rule grants `verb` on `resource` (`pods/exec` for a subresource) of API
    /// group `group`, ignoring `resourceNames` (a rule limited to named objects still grants
    /// the permission on those).
    #[must_use]
    pub fn grants(&self, verb: &str, group: &str, resource: &str) -> bool {
        self.has_verb(verb) && self.has_group(group) && self.has_resource(resource)
    }

    /// The verbs among `verbs` the rule grants on `resource` of `group`, as written in the rule
    /// (`*` once when it comes from the wildcard).
    #[must_use]
    pub fn granted_verbs(&self, verbs: &[&str], group: &str, resource: &str) -> Vec<&'a str> {
        if !self.has_group(group) || !self.has_resource(resource) {
            return Vec::new();
        }
        if self.wildcard("verbs").is_some() {
            return vec![ALL];
        }
        self.list("verbs").map(|x| x.1).filter(|v| verbs.contains(v)).collect()
    }
}

impl PolicyRule<'_> {
    /// Describes how the rule reaches `matched` (resources it was found to grant): the index
    /// of the first resource entry involved, and `` `pods/exec` `` or `` `*` (covers
    /// `pods/exec`, `pods/attach`) `` for messages.
    #[must_use]
    pub fn describe_resources(&self, matched: &[&str]) -> Option<(usize, String)> {
        let mut entries: Vec<(usize, &str, Vec<String>)> = Vec::new();
        for res in matched {
            let Some(i) = self.resource_index(res) else {
                continue;
            };
            match entries.iter_mut().find(|e| e.0 == i) {
                Some(e) => e.2.push(format!("`{res}`")),
                None => entries.push((i, self.resource_at(i).unwrap_or(""), vec![format!("`{res}`")])),
            }
        }
        let first = entries.iter().map(|e| e.0).min()?;
        let mut exact: Vec<String> = Vec::new();
        let mut parts: Vec<String> = Vec::new();
        for (_, entry, covered) in &entries {
            if covered.len() == 1 && covered.first().is_some_and(|c| c.trim_matches('`') == *entry) {
                exact.push(format!("`{entry}`"));
            } else {
                parts.push(format!("`{entry}` (covers {})", list_some(covered, 3)));
            }
        }
        if !exact.is_empty() {
            parts.insert(0, exact.join(", "));
        }
        Some((first, parts.join(", ")))
    }
}

/// Whether the rule allows `verb` on `resource` of `group` (see [`PolicyRule::grants`]).
#[must_use]
pub fn grants(rule: &PolicyRule<'_>, verb: &str, group: &str, resource: &str) -> bool {
    rule.grants(verb, group, resource)
}

/// One subject of a binding.
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    /// `kind`: `User`, `Group` or `ServiceAccount`.
    pub kind: &'a str,
    /// `name`.
    pub name: &'a str,
    /// `namespace` (ServiceAccounts), when written.
    pub namespace: Option<&'a str>,
    /// Path of the subject (`/subjects/0`).
    pub path: FieldPath,
    /// Index of the subject in `subjects`.
    pub index: usize,
}

impl Subject<'_> {
    /// Whether the subject is the ServiceAccount `name`.
    #[must_use]
    pub fn is_service_account(&self) -> bool {
        self.kind == "ServiceAccount"
    }

    /// The subject's namespace: its own, else the binding's (a RoleBinding's ServiceAccount
    /// subjects default to the binding's namespace).
    #[must_use]
    pub fn effective_namespace<'b>(&'b self, binding: &'b Object<'_>) -> Option<&'b str> {
        self.namespace.filter(|n| !n.is_empty()).or_else(|| binding.namespace())
    }

    /// ``service account `ns/name` ``, ``group `name` `` for messages.
    #[must_use]
    pub fn describe(&self, binding: &Object<'_>) -> String {
        describe_subject(self.kind, self.name, self.effective_namespace(binding))
    }
}

/// ``service account `ns/name` ``, ``group `name` ``: a subject of `kind` and `name` whose
/// effective namespace is `ns`.
/// ``service account `ns/name` ``, ``group `name` `` for messages.
#[must_use]
pub fn describe_subject(kind: &str, name: &str, ns: Option<&str>) -> String {
    match (kind == "ServiceAccount", ns) {
        (true, Some(ns)) => format!("service account `{ns}/{name}`"),
        _ => format!("{} `{name}`", kind_words(kind)),
    }
}

/// The subjects of a RoleBinding or ClusterRoleBinding (nothing for other objects).
#[must_use]
pub fn subjects<'a>(obj: &Object<'a>) -> Vec<Subject<'a>> {
    if !rbac_kind(obj).is_some_and(RbacKind::is_binding) {
        return Vec::new();
    }
    let base = FieldPath::root().key("subjects");
    let s = |n: &'a Node, k: &str| n.get(k).and_then(Node::as_str);
    obj.root
        .get("subjects")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            Some(Subject {
                kind: s(n, "kind")?,
                name: s(n, "name")?,
                namespace: s(n, "namespace"),
                path: base.index(i),
                index: i,
            })
        })
        .collect()
}

/// The `roleRef` of a binding.
#[derive(Clone, Debug)]
pub struct RoleRef<'a> {
    /// `Role` or `ClusterRole`.
    pub kind: &'a str,
    /// The role's name.
    pub name: &'a str,
    /// Path of `roleRef.name`.
    pub path: FieldPath,
}

impl RoleRef<'_> {
    /// Whether it names the ClusterRole `name`.
    #[must_use]
    pub fn is_cluster_role(&self, name: &str) -> bool {
        self.kind == "ClusterRole" && self.name == name
    }

    /// ``cluster role `name` `` for messages.
    #[must_use]
    pub fn describe(&self) -> String {
        format!("{} `{}`", kind_words(self.kind), self.name)
    }
}

/// The `roleRef` of a RoleBinding or ClusterRoleBinding (`apiGroup` must be RBAC's when written).
#[must_use]
pub fn role_ref<'a>(obj: &Object<'a>) -> Option<RoleRef<'a>> {
    if !rbac_kind(obj).is_some_and(RbacKind::is_binding) {
        return None;
    }
    let r = obj.root.get("roleRef")?;
    if r.get("apiGroup").and_then(Node::as_str).is_some_and(|g| g != RBAC_GROUP) {
        return None;
    }
    Some(RoleRef {
        kind: r.get("kind")?.as_str()?,
        name: r.get("name")?.as_str()?,
        path: FieldPath::root().key("roleRef").key("name"),
    })
}

/// `[a, b, c, d]` -> `` `a`, `b`, `c` and 1 more `` (subjects in messages).
#[must_use]
pub fn list_some(items: &[String], max: usize) -> String {
    let shown = items.iter().take(max).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > max {
        format!("{shown} and {} more", items.len() - max)
    } else {
        shown
    }
}

/// `get/list/watch pods, services; create deployments` from a role's rules (`everything` when
/// one rule grants every verb on every resource of every group); `None` when the role has no
/// rules.
#[must_use]
pub fn describe_rules(role: &Object<'_>) -> Option<String> {
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

/// Whether a ClusterRole other than `cluster-admin` has a rule allowing `*` verbs on `*`
/// resources (a home-made cluster-admin).
#[must_use]
pub fn allows_all(role: &Object<'_>) -> bool {
    role.name() != "cluster-admin"
        && policy_rules(role).iter().any(|r| r.wildcard("verbs").is_some() && r.wildcard("resources").is_some())
}

/// The read verbs a ClusterRole grants on secrets of the core group (its `rules`, also for an
/// aggregated role, whose rules the API server fills in), in the order its rules grant them.
#[must_use]
pub fn secret_read_verbs(role: &Object<'_>) -> Vec<&'static str> {
    let mut verbs = Vec::new();
    for (i, node) in role.root.get("rules").map(Node::items).unwrap_or_default().iter().enumerate() {
        let rule = PolicyRule { node, path: FieldPath::root().key("rules").index(i), index: i };
        if rule.has_resource_names() {
            continue;
        }
        for v in ["get", "list", "watch"] {
            if rule.grants(v, "", "secrets") && !verbs.contains(&v) {
                verbs.push(v);
            }
        }
    }
    verbs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Snapshot;

    const ROLE: &str = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
  - apiGroups: [""]
    resources: ["pods", "pods/exec"]
    verbs: ["get", "create"]
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
  - apiGroups: ["apps"]
    resources: ["*/scale", "pods/*"]
    verbs: ["update"]
    resourceNames: ["web"]
  - "not a map"
  - apiGroups: [~, 3]
    resources: ~
    verbs: "get"
"#;

    fn with_rules(text: &str, f: impl FnOnce(&Object<'_>, &[PolicyRule<'_>])) {
        let snap = Snapshot::from_text("t.yaml", text);
        let objs = snap.objects();
        let Some(obj) = objs.first() else { panic!("no object") };
        f(obj, &policy_rules(obj));
    }

    #[test]
    fn rules_with_paths() {
        with_rules(ROLE, |obj, rules| {
            assert_eq!(rbac_kind(obj), Some(RbacKind::ClusterRole));
            assert_eq!(rules.len(), 4);
            assert_eq!(rules[1].path.as_str(), "/rules/1");
            assert_eq!(rules[1].item_path("verbs", 0).as_str(), "/rules/1/verbs/0");
            assert_eq!(rules[1].wildcard("resources"), Some(0));
            assert_eq!(rules[0].wildcard("verbs"), None);
            // index 3 is skipped (not a map); the last one keeps its real index
            assert_eq!(rules[3].index, 4);
            assert_eq!(rules[3].list("apiGroups").count(), 1);
            assert!(!rules[3].has_verb("get"), "a scalar `verbs` is not a list");
        });
    }

    #[test]
    fn grants_matches_like_the_authorizer() {
        with_rules(ROLE, |_, rules| {
            let (exact, all, scoped) = (&rules[0], &rules[1], &rules[2]);
            assert!(grants(exact, "create", "", "pods/exec"));
            assert!(exact.grants("get", "", "pods"));
            assert!(!exact.grants("delete", "", "pods"));
            assert!(!exact.grants("get", "apps", "pods"));
            assert!(!exact.grants("get", "", "pods/attach"));
            assert!(!exact.grants("get", "", "pods/log"), "`pods` does not cover its subresources");
            assert!(all.grants("escalate", RBAC_GROUP, "clusterroles"));
            assert!(all.grants("get", "", "pods/exec"), "`*` covers subresources");
            assert!(scoped.grants("update", "apps", "deployments/scale"));
            assert!(!scoped.grants("update", "apps", "deployments"), "`*/scale` is only the subresource");
            assert!(!scoped.grants("update", "apps", "pods/exec"), "`pods/*` is not a wildcard");
            assert!(scoped.grants("update", "apps", "pods/*"), "but it matches itself");
            assert!(scoped.has_resource_names());
            assert_eq!(scoped.resource_names(), vec!["web"]);
            assert_eq!(exact.granted_verbs(&["get", "create", "delete"], "", "pods/exec"), vec!["get", "create"]);
            assert_eq!(all.granted_verbs(&["get"], "", "secrets"), vec!["*"]);
            assert!(exact.granted_verbs(&["get"], "", "secrets").is_empty());
            assert_eq!(all.verb_index("get"), Some(0));
            assert_eq!(exact.resource_index("pods/exec"), Some(1));
            assert_eq!(exact.describe_resources(&["pods/exec", "pods/attach"]), Some((1, "`pods/exec`".to_string())));
            assert_eq!(
                all.describe_resources(&["pods/exec", "pods/attach"]),
                Some((0, "`*` (covers `pods/exec`, `pods/attach`)".to_string()))
            );
            assert_eq!(exact.describe_resources(&["secrets"]), None);
        });
    }

    #[test]
    fn resource_patterns() {
        assert!(resource_matches("*", "pods"));
        assert!(resource_matches("*", "pods/exec"));
        assert!(resource_matches("pods/exec", "pods/exec"));
        assert!(resource_matches("*/exec", "pods/exec"));
        assert!(!resource_matches("*/exec", "pods"));
        assert!(!resource_matches("*/exec", "pods/execx"));
        assert!(!resource_matches("pods/*", "pods/exec"));
        assert!(!resource_matches("pods", "pods/exec"));
        assert!(!resource_matches("Pods", "pods"));
    }

    #[test]
    fn aggregated_and_builtin() {
        let text = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: cluster-admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {a: b}}]
rules:
  - {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
"#;
        with_rules(text, |obj, rules| {
            assert!(is_aggregated(obj));
            assert!(is_builtin_default(obj));
            assert!(rules.is_empty());
        });
        with_rules("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nrules: [{verbs: ['*']}]\n", |obj, rules| {
            assert_eq!(rbac_kind(obj), None);
            assert!(rules.is_empty());
        });
        with_rules(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: mine\n  labels: {kubernetes.io/bootstrapping: rbac-defaults}\n",
            |obj, _| assert!(!is_builtin_default(obj), "a custom name with the label is not built-in"),
        );
    }

    fn r_describe(obj: &Object<'_>) -> String {
        role_ref(obj).map(|r| r.describe()).unwrap_or_default()
    }

    #[test]
    fn binding_subjects_and_role_ref() {
        let text = r#"apiVersion: rbac.authorization.k8s.io/v1beta1
kind: RoleBinding
metadata: {name: b, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
  - {kind: ServiceAccount, name: default}
  - {kind: ServiceAccount, name: ci, namespace: build}
  - {kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}
  - {kind: User}
"#;
        let snap = Snapshot::from_text("t.yaml", text);
        let objs = snap.objects();
        let Some(obj) = objs.first() else { panic!("no object") };
        let subs = subjects(obj);
        assert_eq!(subs.len(), 3);
        assert_eq!(subs[0].describe(obj), "service account `shop/default`");
        assert_eq!(subs[1].describe(obj), "service account `build/ci`");
        assert_eq!(subs[2].describe(obj), "group `system:authenticated`");
        assert_eq!(describe(obj), "role binding `b`");
        assert_eq!(r_describe(obj), "cluster role `cluster-admin`");
        assert_eq!(subs[2].path.as_str(), "/subjects/2");
        let Some(r) = role_ref(obj) else { panic!("no roleRef") };
        assert!(r.is_cluster_role("cluster-admin"));
        assert_eq!(r.path.as_str(), "/roleRef/name");
        assert_eq!(kind_words("ClusterRoleBinding"), "cluster role binding");
        assert_eq!(list_some(&["a".into(), "b".into(), "c".into()], 2), "a, b and 1 more");
        assert_eq!(ticked(&["a", "b"]), "`a`, `b`");
    }
}
