use crate::context::Context;
use crate::input::object::Object;
use crate::rule::{Rule, Severity};

use crate::analysis::rbac::{describe, is_builtin_default, policy_rules, ticked};

crate::declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant `create` (or `*`) on
    /// `serviceaccounts/token` of the core API group, directly or through `resources: ["*"]` or
    /// `["*/token"]`. A rule limited by `resourceNames` to named ServiceAccounts is reported
    /// with medium severity. The built-in roles of Kubernetes (labelled
    /// `kubernetes.io/bootstrapping: rbac-defaults`) are not reported.
    ///
    /// ## Why is this bad?
    /// The TokenRequest API issues a fresh token for a ServiceAccount, valid for as long as
    /// the caller asks (within the API server's limit) and usable from anywhere. Whoever can
    /// create tokens holds the permissions of every ServiceAccount the rule reaches, without
    /// running a pod or leaving a Secret behind (CIS 5.1.13).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata: {name: token-minter}
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["serviceaccounts/token"]
    ///     verbs: ["create"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # the kubelet mints a short-lived, audience-bound token for the pod itself
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: deployer, namespace: ci}
    /// spec:
    ///   serviceAccountName: deployer
    ///   containers:
    ///     - name: deploy
    ///       image: registry.example.com/deploy:1.0
    ///       volumeMounts: [{name: token, mountPath: /var/run/secrets/tokens}]
    ///   volumes:
    ///     - name: token
    ///       projected:
    ///         sources:
    ///           - serviceAccountToken: {path: token, audience: deploy-api, expirationSeconds: 600}
    /// ```
    ///
    /// A Role limited with `resourceNames` to the ServiceAccounts it mints for is reported at
    /// medium severity instead of high.
    ///
    /// ## How to fix
    /// Let pods get their tokens through projected volumes. When a component must mint
    /// tokens, grant it in a Role of the namespace, limited to the ServiceAccounts it mints for
    /// with `resourceNames`.
    pub ServiceaccountTokenCreate {
        code: "RBAC011",
        name: "serviceaccount-token-create",
        summary: "role can create service account tokens",
        severity: High,
        category: Rbac,
        targets: OBJECT,
        remediation: "remove `create` on `serviceaccounts/token`, or limit it to named ServiceAccounts with `resourceNames`",
        checklist: ["guide.rbac"],
        cis: ["5.1.13"],
        since: "0.1.0",
    }
}

impl Rule for ServiceaccountTokenCreate {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if is_builtin_default(obj) {
            return;
        }
        for r in policy_rules(obj) {
            let verbs = r.granted_verbs(&["create"], "", "serviceaccounts/token");
            if verbs.is_empty() {
                continue;
            }
            let Some((i, what)) = r.describe_resources(&["serviceaccounts/token"]) else {
                continue;
            };
            let names = r.resource_names();
            let mut msg = format!("{} grants {} on {what}", describe(obj), ticked(&verbs));
            if names.is_empty() {
                cx.report(obj, r.item_path("resources", i), msg);
            } else {
                msg.push_str(&format!(" for {}", ticked(&names)));
                cx.report(obj, r.item_path("resources", i), msg).severity(Severity::Medium);
            }
        }
    }
}
