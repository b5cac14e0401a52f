use std::collections::HashMap;

use crate::context::Context;
use crate::cross::{Cross, CrossDyn, FactList, Facts};
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

use super::helpers::{is_builtin_default, rbac_kind, role_ref, BindingFact, PolicyRule, RbacKind};

/// Built-in ClusterRoles that read secrets (`cluster-admin` is RBAC002's).
const BUILTIN_READERS: &[&str] = &["admin", "edit"];

/// The read verbs a ClusterRole grants on secrets of the core group (its `rules`, also for an
/// aggregated role, whose rules the API server fills in), in the order its rules grant them.
fn secret_read_verbs(role: &Object<'_>) -> Vec<&'static str> {
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

crate::declare_rule! {
    /// ## What it does
    /// Names who can read every Secret of the cluster: each subject of a ClusterRoleBinding
    /// whose ClusterRole grants `get`, `list` or `watch` on `secrets` in every namespace (a
    /// ClusterRole of the scanned objects, aggregated ones included, or the built-in `admin`
    /// and `edit`). Bindings to `cluster-admin` are RBAC002's; the built-in bindings of
    /// Kubernetes (`kubernetes.io/bootstrapping: rbac-defaults`) are not reported.
    ///
    /// ## Why is this bad?
    /// Secrets hold the credentials of every workload, registry and cloud account, and the
    /// tokens of other ServiceAccounts: whoever reads all of them can act as all of them. A
    /// ServiceAccount with this right turns any compromise of its pods into a compromise of the
    /// cluster (CIS 5.1.2). `list` and `watch` return the secrets' contents, not only names.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata:
    ///   name: ci-edit
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: edit
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: deployer
    ///     namespace: ci
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata:
    ///   name: ci-edit
    ///   namespace: shop
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: edit
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: deployer
    ///     namespace: ci
    /// ```
    ///
    /// ## How to fix
    /// Bind the role with RoleBindings in the namespaces that need it, and give the subject a
    /// role that names the few secrets it reads (`resourceNames`), or none.
    pub SecretsReadableClusterWide {
        code: "RBAC014",
        name: "secrets-readable-cluster-wide",
        summary: "a subject can read every secret of the cluster",
        severity: High,
        category: Rbac,
        targets: SNAPSHOT,
        remediation: "bind secret-reading roles per namespace with RoleBindings, limited to named secrets",
        checklist: ["guide.rbac"],
        cis: ["5.1.2"],
        since: "0.1.0",
    }
}

/// What the rule keeps across objects.
pub enum Fact {
    /// A ClusterRole: its name and the read verbs it grants on secrets.
    Role {
        /// `metadata.name`.
        name: Box<str>,
        /// See [`secret_read_verbs`].
        verbs: Box<[&'static str]>,
    },
    /// A ClusterRoleBinding (not built in) of a ClusterRole other than `cluster-admin`, with
    /// its subjects.
    Binding(BindingFact),
}

impl Rule for SecretsReadableClusterWide {
    fn cross(&self) -> Option<&dyn CrossDyn> {
        Some(self)
    }
}

impl Cross for SecretsReadableClusterWide {
    type Fact = Fact;

    fn fact(&self, obj: &Object<'_>, facts: &Facts<'_>, out: &mut Vec<Fact>) {
        match rbac_kind(obj) {
            Some(RbacKind::ClusterRole) => {
                out.push(Fact::Role { name: obj.name().into(), verbs: secret_read_verbs(obj).into() });
            }
            Some(RbacKind::ClusterRoleBinding) => {
                if is_builtin_default(obj)
                    || !role_ref(obj).is_some_and(|r| r.kind == "ClusterRole" && r.name != "cluster-admin")
                {
                    return;
                }
                if let Some(b) = BindingFact::of(obj, facts, |_| true) {
                    out.push(Fact::Binding(b));
                }
            }
            _ => {}
        }
    }

    fn finish(&self, facts: FactList<Fact>, cx: &mut Context<'_>) {
        // Name -> the verbs of the first ClusterRole of that name.
        let mut roles: HashMap<&str, &[&'static str]> = HashMap::new();
        for f in &facts {
            if let Fact::Role { name, verbs } = f {
                roles.entry(&**name).or_insert(&**verbs);
            }
        }
        let builtin: &[&'static str] = &["get", "list", "watch"];
        for f in &facts {
            let Fact::Binding(b) = f else { continue };
            let verbs = match roles.get(&*b.role_name) {
                Some(verbs) => *verbs,
                None if BUILTIN_READERS.contains(&&*b.role_name) => builtin,
                None => continue,
            };
            if verbs.is_empty() {
                continue;
            }
            for s in &b.subjects {
                let msg = format!(
                    "{} can {} every Secret of the cluster through ClusterRoleBinding `{}` (ClusterRole `{}`)",
                    b.describe_subject(s),
                    verbs.join("/"),
                    b.name(),
                    b.role_name
                );
                cx.report_at(&b.handle, &s.anchor(), msg);
            }
        }
    }
}
