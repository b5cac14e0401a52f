use crate::analysis::node::plane_flags::Etcd;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags etcd containers with `--auto-tls` (or `ETCD_AUTO_TLS`) set to `true`.
    /// Containers started with `--config-file` are not judged: etcd then ignores its flags and
    /// environment, and the file is not visible in the manifest.
    ///
    /// ## Why is this bad?
    /// With auto TLS etcd serves clients with a self-signed certificate it generates itself:
    /// clients cannot verify they talk to the real etcd, so the connection is open to
    /// man-in-the-middle attacks, and the certificate does not chain to any CA you control.
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
    ///         - --auto-tls=true
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
    ///         - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    ///         - --key-file=/etc/kubernetes/pki/etcd/server.key
    /// ```
    ///
    /// ## How to fix
    /// Remove `--auto-tls` (it defaults to `false`) and configure `--cert-file` and `--key-file`
    /// with a certificate issued by the etcd CA.
    pub EtcdAutoTlsEnabled {
        code: "NODE032",
        name: "etcd-auto-tls-enabled",
        summary: "etcd serves clients with a self-signed auto-generated certificate",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "remove `--auto-tls` and set `--cert-file` and `--key-file` to a certificate from the etcd CA",
        checklist: ["components.2", "kube-bench"],
        cis: ["2.3"],
        since: "0.1.0",
    }
}

impl Rule for EtcdAutoTlsEnabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(etcd) = Etcd::of(c) else { return };
        let Some(s) = etcd.setting("auto-tls").filter(|s| s.as_bool() == Some(true)) else { return };
        cx.report(
            pod.object,
            s.path.clone(),
            format!("etcd container `{}` uses a self-signed client certificate: {}", c.name(), s.describe("auto-tls")),
        )
        .container(c.name());
    }
}
