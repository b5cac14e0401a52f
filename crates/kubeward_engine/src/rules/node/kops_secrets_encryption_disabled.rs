use crate::analysis::node::cluster_config::is_kops;
use crate::context::Context;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a kops `Cluster` whose `spec.encryptionConfig` is not `true` (unset means false).
    ///
    /// ## Why is this bad?
    /// With `encryptionConfig: true` kops starts the kube-apiserver with
    /// `--encryption-provider-config`, using the `encryptionconfig` secret of the state store.
    /// Without it Secrets are stored in etcd in plain text: an etcd volume snapshot or backup
    /// discloses every credential of the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: Cluster
    /// metadata:
    ///   name: prod.example.com
    /// spec:
    ///   kubernetesVersion: 1.35.9
    ///   encryptionConfig: false
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: Cluster
    /// metadata:
    ///   name: prod.example.com
    /// spec:
    ///   kubernetesVersion: 1.35.9
    ///   encryptionConfig: true
    /// ```
    ///
    /// ## How to fix
    /// Create the configuration (`kops create secret encryptionconfig -f encryption.yaml`,
    /// first provider `kms` v2, `secretbox` or `aesgcm`), set `spec.encryptionConfig: true`,
    /// `kops update cluster --yes`, `kops rolling-update cluster --yes`, then rewrite the
    /// Secrets: `kubectl get secrets -A -o json | kubectl replace -f -`.
    pub KopsSecretsEncryptionDisabled {
        code: "NODE081",
        name: "kops-secrets-encryption-disabled",
        summary: "kops cluster does not encrypt secrets at rest",
        severity: Medium,
        category: Node,
        targets: OBJECT,
        remediation: "create an `encryptionconfig` secret with kops and set `spec.encryptionConfig: true`",
        checklist: ["guide.encrypt-secrets", "misc.2"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for KopsSecretsEncryptionDisabled {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if !is_kops(obj, "Cluster") {
            return;
        }
        let path = FieldPath::root().key("spec").key("encryptionConfig");
        // A value that is not a boolean (a quoted "true") is rejected by kops: not reported.
        match obj.root.at(&["spec", "encryptionConfig"]).map(|v| v.as_bool()) {
            Some(Some(true) | None) => {}
            Some(Some(false)) => {
                cx.report(obj, path, "`spec.encryptionConfig` is `false`: secrets are stored unencrypted in etcd");
            }
            None => {
                cx.report(
                    obj,
                    path,
                    "`spec.encryptionConfig` is not set (defaults to `false`): secrets are stored unencrypted in etcd",
                );
            }
        }
    }
}
