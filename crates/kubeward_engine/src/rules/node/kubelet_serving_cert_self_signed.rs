use crate::analysis::node::kubelet_settings::{
    From, KubeletSettings, SERVER_TLS_BOOTSTRAP, TLS_CERT_FILE, TLS_PRIVATE_KEY_FILE,
};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets that serve a self-signed certificate: `tlsCertFile` or `tlsPrivateKeyFile`
    /// (`--tls-cert-file`, `--tls-private-key-file`) not set, and `serverTLSBootstrap` not
    /// `true` (a config-file setting: the kubelet then requests its serving certificate from the
    /// cluster CA).
    ///
    /// ## Why is this bad?
    /// Without a serving certificate the kubelet generates a self-signed one in `--cert-dir`.
    /// Nobody can verify it, so the API server (and metrics scrapers) talk to the kubelet with
    /// `--kubelet-insecure-tls` or no CA: a man in the middle on the node network reads exec
    /// sessions and logs.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// authorization:
    ///   mode: Webhook
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// authorization:
    ///   mode: Webhook
    /// serverTLSBootstrap: true
    /// ```
    ///
    /// ## How to fix
    /// Set `serverTLSBootstrap: true` (and approve the kubelet serving CSRs), or set
    /// `tlsCertFile` and `tlsPrivateKeyFile` to a certificate signed by a CA the API server
    /// trusts (`--kubelet-certificate-authority`).
    pub KubeletServingCertSelfSigned {
        code: "NODE058",
        name: "kubelet-serving-cert-self-signed",
        summary: "kubelet serves a self-signed certificate",
        severity: Medium,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "set `serverTLSBootstrap: true`, or `tlsCertFile` and `tlsPrivateKeyFile` to a CA-signed certificate",
        checklist: ["components.2", "kube-bench"],
        cis: ["4.2.9"],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletServingCertSelfSigned);

impl KubeletServingCertSelfSigned {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let (Some(cert), Some(key)) = (s.get(TLS_CERT_FILE), s.get(TLS_PRIVATE_KEY_FILE)) else { return };
        if s.get(SERVER_TLS_BOOTSTRAP).and_then(|b| b.bool((false, false))) == Some(true) {
            return;
        }
        // A value in a config file kubeward does not see here is not judged.
        if cert.from == From::Unknown || key.from == From::Unknown {
            return;
        }
        let missing: Vec<_> =
            [&cert, &key].into_iter().filter(|x| x.str().is_none_or(|v| v.trim().is_empty())).collect();
        let Some(first) = missing.first() else { return };
        let names: Vec<String> = missing.iter().map(|x| format!("`{}`", x.name)).collect();
        let verb = if missing.len() == 1 { "is" } else { "are" };
        let tail = if s.is_flags() { "" } else { " and `serverTLSBootstrap` is not `true`" };
        s.report(
            cx,
            first,
            format!("kubelet serves a self-signed certificate: {} {verb} not set{tail}", names.join(" and ")),
        );
    }
}
