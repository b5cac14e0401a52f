use crate::analysis::node::kubelet_settings::{KubeletSettings, ROTATE_CERTIFICATES};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets that do not rotate their client certificate: `rotateCertificates` (or
    /// `--rotate-certificates`) `false` or not set, since it defaults to `false` with and
    /// without a config file (kubeadm sets it to `true`).
    ///
    /// ## Why is this bad?
    /// The kubelet's client certificate is then long-lived or expires and takes the node down;
    /// either way a stolen certificate stays valid until expiry, and replacing it is manual.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// rotateCertificates: false
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// rotateCertificates: true
    /// ```
    ///
    /// ## How to fix
    /// Set `rotateCertificates: true` (or `--rotate-certificates`) so the kubelet requests a new
    /// client certificate from the cluster before the current one expires.
    pub KubeletCertificateRotationDisabled {
        code: "NODE059",
        name: "kubelet-certificate-rotation-disabled",
        summary: "kubelet does not rotate its client certificate",
        severity: Medium,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "set `rotateCertificates: true` in the kubelet config (or `--rotate-certificates`)",
        checklist: ["components.2", "kube-bench"],
        cis: ["4.2.10"],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletCertificateRotationDisabled);

impl KubeletCertificateRotationDisabled {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let Some(set) = s.get(ROTATE_CERTIFICATES) else { return };
        if set.bool((false, false)) == Some(false) {
            s.report(cx, &set, format!("kubelet does not rotate its client certificate: {}", set.state(false)));
        }
    }
}
