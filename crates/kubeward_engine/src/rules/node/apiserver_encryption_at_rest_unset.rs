use crate::analysis::node::apiserver_flags::{apiserver, require_flag};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers without `--encryption-provider-config`: resources are then
    /// stored in etcd as plain protobuf. The configuration file itself (which provider comes first)
    /// is checked separately (CIS 1.2.28).
    ///
    /// ## Why is this bad?
    /// Anyone who reads etcd's data directory, a snapshot or a backup, or who can query etcd
    /// directly, reads every Secret in clear: service account tokens, registry and cloud
    /// credentials.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-apiserver, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-apiserver
    ///       image: registry.k8s.io/kube-apiserver:v1.33.1
    ///       command:
    ///         - kube-apiserver
    ///         - --anonymous-auth=false
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-apiserver, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-apiserver
    ///       image: registry.k8s.io/kube-apiserver:v1.33.1
    ///       command:
    ///         - kube-apiserver
    ///         - --anonymous-auth=false
    ///         - --encryption-provider-config=/etc/kubernetes/enc/encryption.yaml
    /// ```
    ///
    /// ## How to fix
    /// Write an EncryptionConfiguration with a `kms` v2, `aescbc` or `secretbox` provider first for
    /// `secrets`, mount it into the API server pod, set `--encryption-provider-config`, then
    /// rewrite existing Secrets (`kubectl get secrets -A -o json | kubectl replace -f -`).
    pub ApiserverEncryptionAtRestUnset {
        code: "NODE024",
        name: "apiserver-encryption-at-rest-unset",
        summary: "kube-apiserver stores Secrets unencrypted in etcd",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "create an EncryptionConfiguration (aescbc, secretbox or kms for `secrets`) and set `--encryption-provider-config` on kube-apiserver",
        checklist: ["misc.2", "guide.encrypt-secrets"],
        cis: ["1.2.27"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverEncryptionAtRestUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        require_flag(pod, c, &comp, "encryption-provider-config", "Secrets are stored unencrypted in etcd", cx);
    }
}
