use crate::analysis::node::apiserver_flags::{apiserver, require_flag};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers without `--client-ca-file`. Without it client certificates
    /// are not verified, so certificate authentication is off.
    ///
    /// ## Why is this bad?
    /// Kubelets, controllers and administrators authenticate with client certificates; without a
    /// client CA those fall back to tokens or anonymous access, and the API server cannot verify
    /// kubelet identities for the Node authorizer.
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
    ///         - --client-ca-file=/etc/kubernetes/pki/ca.crt
    /// ```
    ///
    /// ## How to fix
    /// Set `--client-ca-file` to the CA that signs client certificates (kubeadm:
    /// `/etc/kubernetes/pki/ca.crt`).
    pub ApiserverClientCaUnset {
        code: "NODE014",
        name: "apiserver-client-ca-unset",
        summary: "kube-apiserver does not authenticate client certificates",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--client-ca-file` on kube-apiserver",
        checklist: ["components.2", "kube-bench"],
        cis: ["1.2.25"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverClientCaUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        require_flag(pod, c, &comp, "client-ca-file", "client certificates are not authenticated", cx);
    }
}
