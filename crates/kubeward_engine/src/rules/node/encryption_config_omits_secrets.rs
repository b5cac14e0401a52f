use crate::analysis::node::cluster_config::{is_encryption_config, secrets_entry};
use crate::context::Context;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `EncryptionConfiguration` (the file named by the kube-apiserver's
    /// `--encryption-provider-config`) in which no `resources[].resources` entry covers
    /// Secrets: neither `secrets`, `secrets.`, `*.` nor `*.*`.
    ///
    /// ## Why is this bad?
    /// Resources that no entry covers are written to etcd in plain text. Whoever reads an etcd
    /// member, its data directory, a snapshot or a backup reads every Secret of the cluster:
    /// service account tokens, registry credentials, TLS keys.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apiserver.config.k8s.io/v1
    /// kind: EncryptionConfiguration
    /// resources:
    ///   - resources: [configmaps]
    ///     providers:
    ///       - secretbox:
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
    ///   - resources: [secrets, configmaps]
    ///     providers:
    ///       - secretbox:
    ///           keys:
    ///             - name: key1
    ///               secret: dGhpcyBpcyBhIDMyIGJ5dGUgc2VjcmV0IGtleSAhISE=
    ///       - identity: {}
    /// ```
    ///
    /// ## How to fix
    /// Add `secrets` to the `resources` of an entry whose first provider is `kms` (v2),
    /// `secretbox` or `aesgcm`, restart the kube-apiserver, then rewrite the existing Secrets so
    /// they are stored encrypted: `kubectl get secrets -A -o json | kubectl replace -f -`.
    pub EncryptionConfigOmitsSecrets {
        code: "NODE070",
        name: "encryption-config-omits-secrets",
        summary: "encryption configuration does not cover secrets",
        severity: High,
        category: Node,
        targets: OBJECT,
        remediation: "list `secrets` in a `resources` entry whose first provider is `kms` v2, `secretbox` or `aesgcm`, then rewrite existing secrets",
        checklist: ["misc.2", "guide.encrypt-secrets"],
        cis: ["1.2.28"],
        since: "0.1.0",
    }
}

impl Rule for EncryptionConfigOmitsSecrets {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if !is_encryption_config(obj) || secrets_entry(obj.root).is_some() {
            return;
        }
        cx.report(
            obj,
            FieldPath::root().key("resources"),
            "no `resources` entry covers `secrets` (`secrets`, `*.` or `*.*`): secrets are stored unencrypted in etcd",
        );
    }
}
