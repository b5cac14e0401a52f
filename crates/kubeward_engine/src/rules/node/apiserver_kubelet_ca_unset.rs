use crate::analysis::node::apiserver_flags::{apiserver, require_flag};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers without `--kubelet-certificate-authority`. Without it the
    /// API server connects to kubelets without verifying their certificates.
    ///
    /// ## Why is this bad?
    /// `exec`, `attach`, `logs` and `port-forward` traffic goes from the API server to the kubelet.
    /// Without verification anyone who can intercept that connection impersonates the kubelet and
    /// reads or injects the session, with the API server's kubelet credentials exposed.
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
    ///         - --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt
    /// ```
    ///
    /// ## How to fix
    /// Enable kubelet serving certificate rotation (`serverTLSBootstrap: true`), approve the CSRs,
    /// and set `--kubelet-certificate-authority` to the CA that signs them.
    pub ApiserverKubeletCaUnset {
        code: "NODE018",
        name: "apiserver-kubelet-ca-unset",
        summary: "kube-apiserver does not verify kubelet serving certificates",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--kubelet-certificate-authority` on kube-apiserver",
        checklist: ["components.2", "kube-bench"],
        cis: ["1.2.5"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverKubeletCaUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        require_flag(
            pod,
            c,
            &comp,
            "kubelet-certificate-authority",
            "kubelet serving certificates are not verified",
            cx,
        );
    }
}
