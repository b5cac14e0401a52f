use std::collections::HashMap;

use crate::analysis::rbac::RbacKind;
use crate::context::Context;
use crate::inventory::Inventory;
use crate::rule::Rule;

/// Built-in ClusterRoles that read secrets (`cluster-admin` is RBAC002's).
const BUILTIN_READERS: &[&str] = &["admin", "edit"];

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
        targets: INVENTORY,
        remediation: "bind secret-reading roles per namespace with RoleBindings, limited to named secrets",
        checklist: ["guide.rbac"],
        cis: ["5.1.2"],
        since: "0.1.0",
    }
}

impl Rule for SecretsReadableClusterWide {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // Name -> the verbs of the first ClusterRole of that name.
        let mut roles: HashMap<&str, &[&'static str]> = HashMap::new();
        for r in inv.roles().iter().filter(|r| r.kind == RbacKind::ClusterRole) {
            roles.entry(&*r.name).or_insert(&*r.secret_read_verbs);
        }
        let builtin: &[&'static str] = &["get", "list", "watch"];
        for b in inv.bindings() {
            // ClusterRoleBindings (not built in) of a ClusterRole other than `cluster-admin`.
            if b.kind != RbacKind::ClusterRoleBinding || b.builtin_default {
                continue;
            }
            let Some(("ClusterRole", role)) = b.role_ref.as_ref().map(|(k, n)| (&**k, &**n)) else { continue };
            if role == "cluster-admin" {
                continue;
            }
            let verbs = match roles.get(role) {
                Some(verbs) => *verbs,
                None if BUILTIN_READERS.contains(&role) => builtin,
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
                    b.handle.name(),
                    role
                );
                cx.report_at(&b.handle, &s.anchor(), msg);
            }
        }
    }
}
