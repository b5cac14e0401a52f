use crate::analysis::node::plane_flags::Etcd;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags etcd containers whose `--client-cert-auth` (or `ETCD_CLIENT_CERT_AUTH`) is not
    /// `true`. It defaults to `false`.
    /// Containers started with `--config-file` are not judged: etcd then ignores its flags and
    /// environment, and the file is not visible in the manifest.
    ///
    /// ## Why is this bad?
    /// Without client certificate authentication anyone who can reach the client port reads and
    /// writes the whole cluster state: every Secret, and every RBAC binding, which makes them
    /// cluster-admin. etcd has no other authorization in a Kubernetes setup.
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
    ///         - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    ///         - --key-file=/etc/kubernetes/pki/etcd/server.key
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
    ///         - --client-cert-auth=true
    ///         - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    /// ```
    ///
    /// ## How to fix
    /// Set `--client-cert-auth=true` and `--trusted-ca-file` to a CA used only for etcd, and give
    /// the API server a client certificate from it (`--etcd-certfile`, `--etcd-keyfile`).
    pub EtcdClientCertAuthDisabled {
        code: "NODE031",
        name: "etcd-client-cert-auth-disabled",
        summary: "etcd does not require client certificates",
        severity: Critical,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--client-cert-auth=true` and `--trusted-ca-file` to the etcd CA",
        checklist: ["components.2", "kube-bench"],
        cis: ["2.2"],
        since: "0.1.0",
    }
}

impl Rule for EtcdClientCertAuthDisabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(etcd) = Etcd::of(c) else { return };
        let flag = "client-cert-auth";
        let (value, path) = match etcd.setting(flag) {
            None => ("`--client-cert-auth` is not set, defaults to false".to_string(), etcd.comp.insert_path.clone()),
            Some(s) if s.as_bool() == Some(true) || !s.is_known() => return,
            Some(s) => (s.describe(flag), s.path),
        };
        cx.report(
            pod.object,
            path,
            format!("etcd container `{}` does not require client certificates: {value}", c.name()),
        )
        .container(c.name());
    }
}
