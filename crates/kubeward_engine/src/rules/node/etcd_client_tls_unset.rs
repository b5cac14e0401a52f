use crate::analysis::node::plane_flags::check_tls_pair;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags etcd containers without a client serving certificate: `--cert-file` or
    /// `--key-file` (or `ETCD_CERT_FILE`/`ETCD_KEY_FILE` in the container's `env`) is not set.
    ///
    /// ## Why is this bad?
    /// Without a certificate and key etcd can only serve clients over plain HTTP: every secret
    /// of the cluster, and the API server's credentials, cross the network in clear text and
    /// anyone on the path can read or rewrite the cluster state.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: etcd, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: etcd
    ///       image: registry.k8s.io/etcd:3.5.21-0
    ///       command:
    ///         - etcd
    ///         - --listen-client-urls=http://127.0.0.1:2379
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: etcd, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: etcd
    ///       image: registry.k8s.io/etcd:3.5.21-0
    ///       command:
    ///         - etcd
    ///         - --listen-client-urls=https://127.0.0.1:2379
    ///         - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    ///         - --key-file=/etc/kubernetes/pki/etcd/server.key
    /// ```
    ///
    /// ## How to fix
    /// Issue a serving certificate for etcd from a dedicated etcd CA and set `--cert-file` and
    /// `--key-file`, then switch the client URLs to `https://`. With `--config-file` etcd ignores
    /// flags and environment; kubeward then does not judge the container.
    pub EtcdClientTlsUnset {
        code: "NODE030",
        name: "etcd-client-tls-unset",
        summary: "etcd serves clients without a TLS certificate",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--cert-file` and `--key-file` on etcd and use `https://` client URLs",
        checklist: ["components.2", "kube-bench"],
        cis: ["2.1"],
        since: "0.1.0",
    }
}

impl Rule for EtcdClientTlsUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        check_tls_pair(pod, c, ["cert-file", "key-file"], "client", cx);
    }
}
