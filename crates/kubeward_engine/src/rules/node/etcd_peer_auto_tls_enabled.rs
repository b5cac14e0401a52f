use crate::analysis::node::plane_flags::Etcd;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags etcd containers with `--peer-auto-tls` (or `ETCD_PEER_AUTO_TLS`) set to `true`.
    /// Containers started with `--config-file` are not judged: etcd then ignores its flags and
    /// environment, and the file is not visible in the manifest.
    ///
    /// ## Why is this bad?
    /// With peer auto TLS members use self-signed certificates they generate themselves: peers
    /// cannot authenticate each other, so a host that reaches the peer port can pose as a member
    /// and receive a replica of the cluster state.
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
    ///         - --peer-auto-tls
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
    /// Remove `--peer-auto-tls` (it defaults to `false`) and configure `--peer-cert-file` and
    /// `--peer-key-file` with certificates issued by the etcd CA.
    pub EtcdPeerAutoTlsEnabled {
        code: "NODE035",
        name: "etcd-peer-auto-tls-enabled",
        summary: "etcd peers use self-signed auto-generated certificates",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "remove `--peer-auto-tls` and set `--peer-cert-file` and `--peer-key-file` to certificates from the etcd CA",
        checklist: ["components.2", "kube-bench"],
        cis: ["2.6"],
        since: "0.1.0",
    }
}

impl Rule for EtcdPeerAutoTlsEnabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(etcd) = Etcd::of(c) else { return };
        let Some(s) = etcd.setting("peer-auto-tls").filter(|s| s.as_bool() == Some(true)) else { return };
        cx.report(
            pod.object,
            s.path.clone(),
            format!(
                "etcd container `{}` uses self-signed peer certificates: {}",
                c.name(),
                s.describe("peer-auto-tls")
            ),
        )
        .container(c.name());
    }
}
