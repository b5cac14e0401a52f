use crate::analysis::node::kubelet_settings::{KubeletSettings, SECCOMP_DEFAULT};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets that run containers without seccomp by default: `seccompDefault` (or
    /// `--seccomp-default`) `false` or not set (the default is `false`).
    ///
    /// ## Why is this bad?
    /// A container that does not ask for a seccomp profile runs `Unconfined`: every system
    /// call is open, including the rarely used ones behind most container escapes. With
    /// `seccompDefault` the runtime's default profile applies unless a pod opts out.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// seccompDefault: false
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// seccompDefault: true
    /// ```
    ///
    /// ## How to fix
    /// Set `seccompDefault: true` (or `--seccomp-default`), after checking that workloads run
    /// under the `RuntimeDefault` profile.
    pub KubeletSeccompDefaultDisabled {
        code: "NODE063",
        name: "kubelet-seccomp-default-disabled",
        summary: "kubelet does not apply a default seccomp profile",
        severity: Low,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "set `seccompDefault: true` in the kubelet config (or `--seccomp-default`)",
        checklist: ["kube-bench"],
        cis: ["4.2.14"],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletSeccompDefaultDisabled);

impl KubeletSeccompDefaultDisabled {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let Some(set) = s.get(SECCOMP_DEFAULT) else { return };
        if set.bool((false, false)) == Some(false) {
            s.report(cx, &set, format!("kubelet does not apply a default seccomp profile: {}", set.state(false)));
        }
    }
}
