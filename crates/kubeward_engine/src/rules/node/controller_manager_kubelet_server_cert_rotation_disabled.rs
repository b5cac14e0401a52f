use crate::analysis::node::component::ComponentKind;
use crate::analysis::node::plane_flags::{component, feature_gate};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-controller-manager containers whose `--feature-gates` turn
    /// `RotateKubeletServerCertificate` off. The gate defaults to `true` (beta since 1.12),
    /// so an unset gate is fine.
    ///
    /// ## Why is this bad?
    /// With the gate off the controller manager does not approve and sign kubelet serving
    /// certificate renewals: kubelets keep self-signed or expiring serving certificates, and the
    /// API server cannot verify the kubelets it connects to.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-controller-manager, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-controller-manager
    ///       image: registry.k8s.io/kube-controller-manager:v1.33.1
    ///       command:
    ///         - kube-controller-manager
    ///         - --feature-gates=RotateKubeletServerCertificate=false
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-controller-manager, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-controller-manager
    ///       image: registry.k8s.io/kube-controller-manager:v1.33.1
    ///       command:
    ///         - kube-controller-manager
    ///         - --feature-gates=RotateKubeletServerCertificate=true
    /// ```
    ///
    /// ## How to fix
    /// Remove `RotateKubeletServerCertificate=false` from `--feature-gates` (or set it to
    /// `true`), and let kubelets rotate their serving certificates (`serverTLSBootstrap: true`).
    pub ControllerManagerKubeletServerCertRotationDisabled {
        code: "NODE045",
        name: "controller-manager-kubelet-server-cert-rotation-disabled",
        summary: "controller manager turns off kubelet serving certificate rotation",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "remove `RotateKubeletServerCertificate=false` from `--feature-gates` on kube-controller-manager",
        checklist: ["components.2", "kube-bench"],
        cis: ["1.3.6"],
        since: "0.1.0",
    }
}

impl Rule for ControllerManagerKubeletServerCertRotationDisabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = component(c, ComponentKind::ControllerManager) else { return };
        let Some(gates) = comp.flags.get("feature-gates") else { return };
        if feature_gate(gates, "RotateKubeletServerCertificate") != Some(false) {
            return;
        }
        cx.report(
            pod.object,
            comp.path_of("feature-gates"),
            format!(
                "controller manager container `{}` disables kubelet serving certificate rotation: `--feature-gates={gates}`",
                c.name()
            ),
        )
        .container(c.name());
    }
}
