use crate::analysis::node::cluster_config::{is_encryption_config, secrets_write_provider};
use crate::context::Context;
use crate::input::object::Object;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `EncryptionConfiguration` whose entry covering Secrets lists `identity` as its
    /// first provider.
    ///
    /// ## Why is this bad?
    /// The first provider encrypts new writes. `identity` does not encrypt: every Secret
    /// written is stored in plain text in etcd, and existing encrypted Secrets are decrypted as
    /// they are rewritten. The file looks like encryption is configured while it is not.
    /// `identity` later in the list is normal (it reads data written before encryption).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apiserver.config.k8s.io/v1
    /// kind: EncryptionConfiguration
    /// resources:
    ///   - resources: [secrets]
    ///     providers:
    ///       - identity: {}
    ///       - aesgcm:
    ///           keys:
    ///             - name: key1
    ///               secret: c2VjcmV0IGlzIHNlY3VyZQ==
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apiserver.config.k8s.io/v1
    /// kind: EncryptionConfiguration
    /// resources:
    ///   - resources: [secrets]
    ///     providers:
    ///       - aesgcm:
    ///           keys:
    ///             - name: key1
    ///               secret: c2VjcmV0IGlzIHNlY3VyZQ==
    ///       - identity: {}
    /// ```
    ///
    /// ## How to fix
    /// Put an encrypting provider first (`kms` with `apiVersion: v2`, `secretbox` or `aesgcm`)
    /// and keep `identity` last, restart the kube-apiserver, then rewrite the existing Secrets:
    /// `kubectl get secrets -A -o json | kubectl replace -f -`.
    pub EncryptionIdentityProviderFirst {
        code: "NODE071",
        name: "encryption-identity-provider-first",
        summary: "secrets are written unencrypted: the first provider is identity",
        severity: Critical,
        category: Node,
        targets: OBJECT,
        remediation: "put `kms` (apiVersion v2), `secretbox` or `aesgcm` first and `identity` last, then rewrite existing secrets",
        checklist: ["misc.2", "guide.encrypt-secrets"],
        cis: ["1.2.28"],
        since: "0.1.0",
    }
}

impl Rule for EncryptionIdentityProviderFirst {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if !is_encryption_config(obj) {
            return;
        }
        if let Some(("identity", _, path)) = secrets_write_provider(obj.root) {
            cx.report(
                obj,
                path,
                "the first provider for `secrets` is `identity`: secrets are written to etcd unencrypted",
            );
        }
    }
}
