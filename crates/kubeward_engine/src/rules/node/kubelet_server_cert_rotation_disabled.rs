use crate::analysis::node::kubelet_settings::{feature_gate, KubeletSettings};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets with the `RotateKubeletServerCertificate` feature gate turned off, in
    /// `featureGates` of a `KubeletConfiguration` or in `--feature-gates`. The gate defaults to
    /// `true`, so an absent gate is fine.
    ///
    /// ## Why is this bad?
    /// With the gate off the kubelet cannot request and renew its serving certificate from the
    /// cluster (`serverTLSBootstrap`), which leaves it on a self-signed or hand-managed
    /// certificate that nobody rotates.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// featureGates:
    ///   RotateKubeletServerCertificate: false
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// featureGates:
    ///   RotateKubeletServerCertificate: true
    /// ```
    ///
    /// ## How to fix
    /// Remove `RotateKubeletServerCertificate: false` from the feature gates (or set it to
    /// `true`), and enable `serverTLSBootstrap`.
    pub KubeletServerCertRotationDisabled {
        code: "NODE060",
        name: "kubelet-server-cert-rotation-disabled",
        summary: "kubelet serving certificate rotation is turned off",
        severity: Medium,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "remove `RotateKubeletServerCertificate=false` from the kubelet feature gates",
        checklist: ["components.2", "kube-bench"],
        cis: ["4.2.11"],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletServerCertRotationDisabled);

impl KubeletServerCertRotationDisabled {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        if let Some((false, path, how)) = feature_gate(s, "RotateKubeletServerCertificate") {
            s.report_at(cx, path, format!("kubelet serving certificate rotation is turned off: {how}"));
        }
    }
}
