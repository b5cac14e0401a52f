use crate::analysis::node::cluster_config::{is_encryption_config, secrets_write_provider};
use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `EncryptionConfiguration` whose entry covering Secrets encrypts new writes with
    /// a `kms` provider of API version v1 (no `apiVersion`, or `apiVersion: v1`).
    ///
    /// ## Why is this bad?
    /// KMS v1 is deprecated since Kubernetes 1.28 and disabled by default in later releases: a
    /// kube-apiserver upgrade can stop reading the Secrets. It also calls the KMS for every
    /// write, which invites caching workarounds. KMS v2 (GA in 1.29) is the supported form.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apiserver.config.k8s.io/v1
    /// kind: EncryptionConfiguration
    /// resources:
    ///   - resources: [secrets]
    ///     providers:
    ///       - kms:
    ///           name: vault
    ///           endpoint: unix:///var/run/kmsplugin/socket.sock
    ///           cachesize: 1000
    ///           timeout: 3s
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
    ///       - kms:
    ///           apiVersion: v2
    ///           name: vault
    ///           endpoint: unix:///var/run/kmsplugin/socket.sock
    ///           timeout: 3s
    ///       - identity: {}
    /// ```
    ///
    /// ## How to fix
    /// Run a KMS v2 plugin and add a `kms` provider with `apiVersion: v2` first, keeping the
    /// v1 provider after it to read old data; rewrite the Secrets
    /// (`kubectl get secrets -A -o json | kubectl replace -f -`), then remove the v1 provider.
    pub EncryptionKmsV1Provider {
        code: "NODE073",
        name: "encryption-kms-v1-provider",
        summary: "secrets are encrypted with the deprecated KMS v1 provider",
        severity: Low,
        category: Node,
        targets: OBJECT,
        remediation: "put a `kms` provider with `apiVersion: v2` first, rewrite existing secrets, then remove the KMS v1 provider",
        checklist: ["misc.2", "guide.encrypt-secrets"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for EncryptionKmsV1Provider {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if !is_encryption_config(obj) {
            return;
        }
        let Some(("kms", kms, path)) = secrets_write_provider(obj.root) else {
            return;
        };
        match kms.get("apiVersion").and_then(Node::as_str) {
            Some("v1") => {
                let msg = "the first provider for `secrets` is `kms` with `apiVersion: v1` (KMS v1 is deprecated)";
                cx.report(obj, path.key("apiVersion"), msg);
            }
            None => {
                cx.report(
                    obj,
                    path,
                    "the first provider for `secrets` is `kms` without `apiVersion`, which means the deprecated KMS v1",
                );
            }
            Some(_) => {}
        }
    }
}
