use crate::analysis::node::plane_flags::check_tls_pair;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags etcd containers without a peer certificate: `--peer-cert-file` or
    /// `--peer-key-file` (or `ETCD_PEER_CERT_FILE`/`ETCD_PEER_KEY_FILE` in the container's
    /// `env`) is not set.
    /// Containers started with `--config-file` are not judged: etcd then ignores its flags and
    /// environment, and the file is not visible in the manifest.
    ///
    /// ## Why is this bad?
    /// Without a peer certificate etcd members replicate over plain HTTP: the whole key space,
    /// Secrets included, crosses the network in clear text, and a host that can reach the peer
    /// port can impersonate a member.
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
    ///         - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
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
    ///         - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
    ///         - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key
    /// ```
    ///
    /// ## How to fix
    /// Issue peer certificates from the etcd CA and set `--peer-cert-file` and `--peer-key-file`
    /// on every member, with `https://` peer URLs. A single-member etcd still needs them for CIS
    /// 2.4: adding a member later must not open a clear-text channel.
    pub EtcdPeerTlsUnset {
        code: "NODE033",
        name: "etcd-peer-tls-unset",
        summary: "etcd peers talk without a TLS certificate",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--peer-cert-file` and `--peer-key-file` on etcd and use `https://` peer URLs",
        checklist: ["components.2", "kube-bench"],
        cis: ["2.4"],
        since: "0.1.0",
    }
}

impl Rule for EtcdPeerTlsUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        check_tls_pair(pod, c, ["peer-cert-file", "peer-key-file"], "peer", cx);
    }
}
