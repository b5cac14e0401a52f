use crate::analysis::node::plane_flags::Etcd;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags etcd containers whose `--peer-client-cert-auth` (or `ETCD_PEER_CLIENT_CERT_AUTH`)
    /// is not `true`. It defaults to `false`.
    /// Containers started with `--config-file` are not judged: etcd then ignores its flags and
    /// environment, and the file is not visible in the manifest.
    ///
    /// ## Why is this bad?
    /// Without peer certificate authentication any host that reaches the peer port can join the
    /// etcd cluster as a member and receive a full replica of the cluster state, Secrets included.
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
    ///         - --peer-client-cert-auth=false
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
    ///         - --peer-client-cert-auth=true
    ///         - --peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    /// ```
    ///
    /// ## How to fix
    /// Set `--peer-client-cert-auth=true` and `--peer-trusted-ca-file` to the etcd CA on every
    /// member.
    pub EtcdPeerClientCertAuthDisabled {
        code: "NODE034",
        name: "etcd-peer-client-cert-auth-disabled",
        summary: "etcd does not require peer certificates",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--peer-client-cert-auth=true` and `--peer-trusted-ca-file` to the etcd CA",
        checklist: ["components.2", "kube-bench"],
        cis: ["2.5"],
        since: "0.1.0",
    }
}

impl Rule for EtcdPeerClientCertAuthDisabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(etcd) = Etcd::of(c) else { return };
        let flag = "peer-client-cert-auth";
        let (value, path) = match etcd.setting(flag) {
            None => {
                ("`--peer-client-cert-auth` is not set, defaults to false".to_string(), etcd.comp.insert_path.clone())
            }
            Some(s) if s.as_bool() == Some(true) || !s.is_known() => return,
            Some(s) => (s.describe(flag), s.path),
        };
        cx.report(
            pod.object,
            path,
            format!("etcd container `{}` does not require peer certificates: {value}", c.name()),
        )
        .container(c.name());
    }
}
