use crate::analysis::node::apiserver_flags::{apiserver, require_flag};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers without `--etcd-cafile`. Without it the API server cannot
    /// verify etcd's serving certificate.
    ///
    /// ## Why is this bad?
    /// etcd holds every Secret. Without a CA the API server does not authenticate the etcd it talks
    /// to, so it cannot reject an impostor that intercepts the connection and reads or forges
    /// cluster state.
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
    ///         - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
    /// ```
    ///
    /// ## How to fix
    /// Set `--etcd-cafile` to the etcd CA and use `https://` in `--etcd-servers`.
    pub ApiserverEtcdCaUnset {
        code: "NODE015",
        name: "apiserver-etcd-ca-unset",
        summary: "kube-apiserver does not verify the etcd server certificate",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--etcd-cafile` on kube-apiserver",
        checklist: ["components.2", "kube-bench"],
        cis: ["1.2.26"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverEtcdCaUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        require_flag(pod, c, &comp, "etcd-cafile", "the etcd server certificate is not verified", cx);
    }
}
