use crate::analysis::node::apiserver_flags::{apiserver, require_flag};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers without `--tls-cert-file` and `--tls-private-key-file` (one
    /// finding per missing flag). Without them the API server serves `apiserver.crt` and
    /// `apiserver.key` from `--cert-dir` (`/var/run/kubernetes` by default), generating a
    /// self-signed pair when they are missing.
    ///
    /// ## Why is this bad?
    /// Certificates left to `--cert-dir` are typically the self-signed ones the API server
    /// generated, issued by no CA. Clients cannot verify them, so they are configured to skip
    /// verification (`insecure-skip-tls-verify`), which lets anyone on the path impersonate the API
    /// server and collect the credentials clients send.
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
    ///         - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt
    ///         - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key
    /// ```
    ///
    /// ## How to fix
    /// Issue a serving certificate from the cluster CA (kubeadm:
    /// `/etc/kubernetes/pki/apiserver.crt`) and set `--tls-cert-file` and `--tls-private-key-file`.
    pub ApiserverServingCertificateUnset {
        code: "NODE013",
        name: "apiserver-serving-certificate-unset",
        summary: "kube-apiserver serves a self-generated certificate",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--tls-cert-file` and `--tls-private-key-file` on kube-apiserver",
        checklist: ["components.2", "kube-bench"],
        cis: ["1.2.24"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverServingCertificateUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        require_flag(
            pod,
            c,
            &comp,
            "tls-cert-file",
            "the API server serves `apiserver.crt` from `--cert-dir`, self-signed and generated when missing",
            cx,
        );
        require_flag(
            pod,
            c,
            &comp,
            "tls-private-key-file",
            "the API server serves `apiserver.crt` from `--cert-dir`, self-signed and generated when missing",
            cx,
        );
    }
}
