use crate::analysis::node::kubelet_settings::{KubeletSettings, PROTECT_KERNEL_DEFAULTS};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets with `protectKernelDefaults` (or `--protect-kernel-defaults`) `false` or
    /// not set (the default is `false`). CIS v1.12 has no check for it (older versions did).
    ///
    /// ## Why is this bad?
    /// Without it the kubelet silently changes kernel tunables (`vm.overcommit_memory`,
    /// `kernel.panic`...) to what it wants, overriding the node's hardening; with it the kubelet
    /// refuses to start when they differ, so drift is visible.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// protectKernelDefaults: false
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// protectKernelDefaults: true
    /// ```
    ///
    /// ## How to fix
    /// Set the kernel parameters the kubelet expects in `/etc/sysctl.d/` (`vm.overcommit_memory=1`,
    /// `vm.panic_on_oom=0`, `kernel.panic=10`, `kernel.panic_on_oops=1`), then set
    /// `protectKernelDefaults: true` (or `--protect-kernel-defaults`).
    pub KubeletKernelDefaultsUnprotected {
        code: "NODE064",
        name: "kubelet-kernel-defaults-unprotected",
        summary: "kubelet may change kernel tunables",
        severity: Low,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "set `protectKernelDefaults: true` in the kubelet config (or `--protect-kernel-defaults`)",
        checklist: [],
        cis: [],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletKernelDefaultsUnprotected);

impl KubeletKernelDefaultsUnprotected {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let Some(set) = s.get(PROTECT_KERNEL_DEFAULTS) else { return };
        if set.bool((false, false)) == Some(false) {
            s.report(cx, &set, format!("kubelet may change kernel tunables: {}", set.state(false)));
        }
    }
}
