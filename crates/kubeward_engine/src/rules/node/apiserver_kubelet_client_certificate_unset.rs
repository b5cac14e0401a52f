use crate::analysis::node::apiserver_flags::{apiserver, require_flag};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers without `--kubelet-client-certificate` and
    /// `--kubelet-client-key` (one finding per missing flag). Without them the API server calls
    /// kubelets (logs, exec, port-forward) without credentials.
    ///
    /// ## Why is this bad?
    /// Kubelets can only require authentication on their API (anonymous auth off, Webhook
    /// authorization) when the API server presents a client certificate; otherwise `exec` and
    /// `logs` break, which pushes operators to leave the kubelet API open.
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
    ///         - --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt
    ///         - --kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key
    /// ```
    ///
    /// ## How to fix
    /// Issue a client certificate (kubeadm: `apiserver-kubelet-client`) and set
    /// `--kubelet-client-certificate` and `--kubelet-client-key`.
    pub ApiserverKubeletClientCertificateUnset {
        code: "NODE017",
        name: "apiserver-kubelet-client-certificate-unset",
        summary: "kube-apiserver does not authenticate to kubelets with a client certificate",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--kubelet-client-certificate` and `--kubelet-client-key` on kube-apiserver",
        checklist: ["components.2", "components.3", "kube-bench"],
        cis: ["1.2.4"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverKubeletClientCertificateUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        require_flag(
            pod,
            c,
            &comp,
            "kubelet-client-certificate",
            "the API server does not authenticate to kubelets",
            cx,
        );
        require_flag(pod, c, &comp, "kubelet-client-key", "the API server does not authenticate to kubelets", cx);
    }
}
