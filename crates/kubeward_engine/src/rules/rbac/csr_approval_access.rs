use crate::context::Context;
use crate::input::object::Object;
use crate::rule::Rule;

use crate::analysis::rbac::{describe, is_builtin_default, policy_rules, rbac_kind, ticked, RbacKind};

crate::declare_rule! {
    /// ## What it does
    /// Flags ClusterRoles that can approve CertificateSigningRequests: `update` or `patch` on
    /// `certificatesigningrequests/approval` together with `approve` on `signers` (both in
    /// `certificates.k8s.io`, possibly in different rules, written or through `*`). Approval
    /// limited by `resourceNames` to signers outside `kubernetes.io/` (cert-manager issuers,
    /// say) does not issue cluster credentials and is not reported. CSRs are cluster-scoped, so
    /// Roles are not checked. The built-in roles of Kubernetes (labelled
    /// `kubernetes.io/bootstrapping: rbac-defaults`) are not reported.
    ///
    /// ## Why is this bad?
    /// A CSR for the `kubernetes.io/kube-apiserver-client` signer becomes a client certificate
    /// for any user and any group, `system:masters` included; one for
    /// `kubernetes.io/kube-apiserver-client-kubelet` becomes a node identity. Whoever can both
    /// submit and approve CSRs can mint credentials the API server trusts and that cannot be
    /// revoked before they expire (CIS 5.1.11).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: csr-approver}
    /// rules:
    ///   - apiGroups: ["certificates.k8s.io"]
    ///     resources: ["certificatesigningrequests/approval"]
    ///     verbs: ["update"]
    ///   - apiGroups: ["certificates.k8s.io"]
    ///     resources: ["signers"]
    ///     verbs: ["approve"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: csr-approver}
    /// rules:
    ///   - apiGroups: ["certificates.k8s.io"]
    ///     resources: ["certificatesigningrequests/approval"]
    ///     verbs: ["update"]
    ///   - apiGroups: ["certificates.k8s.io"]
    ///     resources: ["signers"]
    ///     resourceNames: ["example.com/internal-mtls"]
    ///     verbs: ["approve"]
    /// ```
    ///
    /// ## How to fix
    /// Leave CSR approval to the controller manager. A component that approves certificates of
    /// its own signer should be limited to that signer with `resourceNames`.
    pub CsrApprovalAccess {
        code: "RBAC010",
        name: "csr-approval-access",
        summary: "role can approve certificate signing requests",
        severity: High,
        category: Rbac,
        targets: OBJECT,
        remediation: "remove CSR approval, or limit `approve` on `signers` to the subject's own signer with `resourceNames`",
        checklist: ["guide.rbac"],
        cis: ["5.1.11"],
        since: "0.1.0",
    }
}

const CERTS: &str = "certificates.k8s.io";

/// Whether a signer name (or `resourceNames` pattern) can issue cluster credentials.
fn is_cluster_signer(name: &str) -> bool {
    name == "*" || name.starts_with("kubernetes.io/")
}

impl Rule for CsrApprovalAccess {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if rbac_kind(obj) != Some(RbacKind::ClusterRole) || is_builtin_default(obj) {
            return;
        }
        let rules = policy_rules(obj);
        let signer = rules.iter().find_map(|r| {
            if !r.grants("approve", CERTS, "signers") {
                return None;
            }
            let names = r.resource_names();
            if names.is_empty() {
                Some(String::new())
            } else {
                let cluster: Vec<&str> = names.into_iter().filter(|n| is_cluster_signer(n)).collect();
                (!cluster.is_empty()).then(|| format!(" for {}", ticked(&cluster)))
            }
        });
        let Some(signer) = signer else {
            return;
        };
        for r in &rules {
            let verbs = r.granted_verbs(&["update", "patch"], CERTS, "certificatesigningrequests/approval");
            if verbs.is_empty() {
                continue;
            }
            let Some((i, what)) = r.describe_resources(&["certificatesigningrequests/approval"]) else {
                continue;
            };
            cx.report(
                obj,
                r.item_path("resources", i),
                format!(
                    "{} can approve certificate signing requests{signer}: {} on {what}, and `approve` on `signers`",
                    describe(obj),
                    ticked(&verbs)
                ),
            );
            return;
        }
    }
}
