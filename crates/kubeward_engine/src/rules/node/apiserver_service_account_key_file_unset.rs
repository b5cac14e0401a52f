use crate::analysis::node::apiserver_flags::{apiserver, require_flag};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers without `--service-account-key-file`: the API server then
    /// verifies service account tokens with the key of `--tls-private-key-file`.
    ///
    /// ## Why is this bad?
    /// Tying token verification to the serving key means the serving certificate cannot be rotated
    /// without invalidating every token, and the signing key cannot be rotated independently (the
    /// flag accepts several keys to allow a rollover).
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
    ///         - --service-account-key-file=/etc/kubernetes/pki/sa.pub
    /// ```
    ///
    /// ## How to fix
    /// Generate a dedicated key pair (kubeadm: `sa.key`/`sa.pub`), set `--service-account-key-file`
    /// to the public key here and `--service-account-private-key-file` on kube-controller-manager
    /// (or `--service-account-signing-key-file` here) to the private key.
    pub ApiserverServiceAccountKeyFileUnset {
        code: "NODE023",
        name: "apiserver-service-account-key-file-unset",
        summary: "kube-apiserver verifies service account tokens with its TLS key",
        severity: Low,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--service-account-key-file` on kube-apiserver to the public key(s) of the service account signing key",
        checklist: ["kube-bench"],
        cis: ["1.2.22"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverServiceAccountKeyFileUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        require_flag(
            pod,
            c,
            &comp,
            "service-account-key-file",
            "service account tokens are verified with the TLS serving key",
            cx,
        );
    }
}
