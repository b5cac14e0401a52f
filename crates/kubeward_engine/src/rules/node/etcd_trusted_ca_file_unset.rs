use crate::analysis::node::plane_flags::Etcd;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags etcd containers without `--trusted-ca-file` (or `ETCD_TRUSTED_CA_FILE`): the CA
    /// that client certificates must chain to.
    /// Containers started with `--config-file` are not judged: etcd then ignores its flags and
    /// environment, and the file is not visible in the manifest.
    ///
    /// ## Why is this bad?
    /// CIS 2.7 asks for a certificate authority used only for etcd. With no trusted CA file etcd
    /// has nothing of its own to verify client certificates against (Go then falls back to the
    /// host's system roots), so `--client-cert-auth` does not restrict clients to certificates
    /// you issued for etcd.
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
    ///         - --client-cert-auth=true
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
    ///         - --client-cert-auth=true
    ///         - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    /// ```
    ///
    /// ## How to fix
    /// Create a CA used only for etcd (kubeadm: `/etc/kubernetes/pki/etcd/ca.crt`, distinct from
    /// the cluster CA the API server trusts for users) and set `--trusted-ca-file` to it. Whether
    /// the file is really a distinct CA cannot be seen from the manifest; check it on the node.
    pub EtcdTrustedCaFileUnset {
        code: "NODE036",
        name: "etcd-trusted-ca-file-unset",
        summary: "etcd has no dedicated CA for client certificates",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--trusted-ca-file` on etcd to a CA used only for etcd",
        checklist: ["components.2", "kube-bench"],
        cis: ["2.7"],
        since: "0.1.0",
    }
}

impl Rule for EtcdTrustedCaFileUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(etcd) = Etcd::of(c) else { return };
        if etcd.lacks("trusted-ca-file") {
            cx.report(
                pod.object,
                etcd.path_of("trusted-ca-file"),
                format!(
                    "etcd container `{}` has no trusted CA for client certificates: `--trusted-ca-file` is not set",
                    c.name()
                ),
            )
            .container(c.name());
        }
    }
}
