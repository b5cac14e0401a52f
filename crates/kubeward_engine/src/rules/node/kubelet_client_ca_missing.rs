use crate::analysis::node::kubelet_settings::{From, KubeletSettings, CLIENT_CA_FILE};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets without a client certificate authority: no
    /// `authentication.x509.clientCAFile` in a `KubeletConfiguration`, or a kubelet command
    /// line without `--client-ca-file` and without `--config` (no default in either case).
    ///
    /// ## Why is this bad?
    /// Without a client CA the kubelet cannot authenticate the API server's client certificate
    /// (`--kubelet-client-certificate`): `kubectl exec` and `logs` then rely on anonymous access
    /// or break, and the usual fix people reach for is enabling anonymous auth.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// authentication:
    ///   anonymous:
    ///     enabled: false
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// authentication:
    ///   anonymous:
    ///     enabled: false
    ///   x509:
    ///     clientCAFile: /etc/kubernetes/pki/ca.crt
    /// ```
    ///
    /// ## How to fix
    /// Set `authentication.x509.clientCAFile` (or `--client-ca-file`) to the cluster CA that
    /// signs the API server's kubelet client certificate.
    pub KubeletClientCaMissing {
        code: "NODE052",
        name: "kubelet-client-ca-missing",
        summary: "kubelet has no client certificate authority",
        severity: High,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "set `authentication.x509.clientCAFile` (or `--client-ca-file`) to the cluster CA",
        checklist: ["components.2", "kube-bench"],
        cis: ["4.2.3"],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletClientCaMissing);

impl KubeletClientCaMissing {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let Some(set) = s.get(CLIENT_CA_FILE) else { return };
        if set.from == From::Unknown {
            return;
        }
        match set.str().map(str::trim) {
            Some(v) if !v.is_empty() => {}
            Some(_) => {
                s.report(cx, &set, format!("kubelet does not verify client certificates: `{}` is empty", set.name))
            }
            None => {
                s.report(cx, &set, format!("kubelet does not verify client certificates: `{}` is not set", set.name))
            }
        }
    }
}
