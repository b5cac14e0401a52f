use crate::analysis::node::apiserver_flags::{apiserver, require_flag};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers without `--etcd-certfile` and `--etcd-keyfile` (one finding
    /// per missing flag). Without them the API server has no client certificate for etcd.
    ///
    /// ## Why is this bad?
    /// etcd can only require client certificates (`--client-cert-auth`) when its clients present
    /// one; without it etcd must accept unauthenticated clients, and anyone reaching port 2379
    /// reads every Secret.
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
    ///         - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
    ///         - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key
    /// ```
    ///
    /// ## How to fix
    /// Issue a client certificate from the etcd CA and set `--etcd-certfile` and `--etcd-keyfile`.
    pub ApiserverEtcdClientCertificateUnset {
        code: "NODE016",
        name: "apiserver-etcd-client-certificate-unset",
        summary: "kube-apiserver does not authenticate to etcd with a client certificate",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--etcd-certfile` and `--etcd-keyfile` on kube-apiserver",
        checklist: ["components.2", "kube-bench"],
        cis: ["1.2.23"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverEtcdClientCertificateUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        require_flag(pod, c, &comp, "etcd-certfile", "the API server does not authenticate to etcd", cx);
        require_flag(pod, c, &comp, "etcd-keyfile", "the API server does not authenticate to etcd", cx);
    }
}
