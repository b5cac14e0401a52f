use crate::analysis::node::cluster_config::{is_encryption_config, secrets_write_provider};
use crate::context::Context;
use crate::input::object::Object;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `EncryptionConfiguration` whose entry covering Secrets encrypts new writes with
    /// `aescbc` (its first provider).
    ///
    /// ## Why is this bad?
    /// The Kubernetes documentation rates `aescbc` weak and does not recommend it: AES-CBC with
    /// PKCS#7 padding is open to padding-oracle attacks, and the key sits in the same file on
    /// every control-plane node. KMS v2 keeps the key out of the node, and `secretbox` is an
    /// authenticated cipher.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apiserver.config.k8s.io/v1
    /// kind: EncryptionConfiguration
    /// resources:
    ///   - resources: [secrets]
    ///     providers:
    ///       - aescbc:
    ///           keys:
    ///             - name: key1
    ///               secret: dGhpcyBpcyBhIDMyIGJ5dGUgc2VjcmV0IGtleSAhISE=
    ///       - identity: {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apiserver.config.k8s.io/v1
    /// kind: EncryptionConfiguration
    /// resources:
    ///   - resources: [secrets]
    ///     providers:
    ///       - secretbox:
    ///           keys:
    ///             - name: key2
    ///               secret: YW5vdGhlciAzMiBieXRlIHNlY3JldCBrZXkgISEhISE=
    ///       - aescbc:
    ///           keys:
    ///             - name: key1
    ///               secret: dGhpcyBpcyBhIDMyIGJ5dGUgc2VjcmV0IGtleSAhISE=
    ///       - identity: {}
    /// ```
    ///
    /// ## How to fix
    /// Put `kms` with `apiVersion: v2` (or `secretbox`) first and keep `aescbc` after it so old
    /// data stays readable, restart the kube-apiserver, rewrite the Secrets
    /// (`kubectl get secrets -A -o json | kubectl replace -f -`), then drop `aescbc`.
    pub EncryptionAescbcProviderFirst {
        code: "NODE072",
        name: "encryption-aescbc-provider-first",
        summary: "secrets are encrypted with the weak aescbc provider",
        severity: Medium,
        category: Node,
        targets: OBJECT,
        remediation: "put `kms` (apiVersion v2) or `secretbox` before `aescbc`, rewrite existing secrets, then remove `aescbc`",
        checklist: ["misc.2", "guide.encrypt-secrets"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for EncryptionAescbcProviderFirst {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if !is_encryption_config(obj) {
            return;
        }
        if let Some(("aescbc", _, path)) = secrets_write_provider(obj.root) {
            cx.report(obj, path, "the first provider for `secrets` is `aescbc`, which the Kubernetes docs rate weak (CBC padding oracle)");
        }
    }
}
