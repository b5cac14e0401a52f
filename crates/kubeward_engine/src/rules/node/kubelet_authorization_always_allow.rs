use crate::analysis::node::kubelet_settings::{KubeletSettings, AUTHORIZATION_MODE};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets that authorize every request: `authorization.mode: AlwaysAllow` in a
    /// `KubeletConfiguration`, or a kubelet command line with `--authorization-mode=AlwaysAllow`,
    /// or without `--authorization-mode` and without `--config` (the flag default is
    /// `AlwaysAllow`; with a config file the default is `Webhook`, so an absent key is fine).
    ///
    /// ## Why is this bad?
    /// With `AlwaysAllow` any authenticated (or, with anonymous auth, any) caller of the kubelet
    /// API can exec into containers, read logs and secrets mounted in pods. `Webhook` asks the
    /// API server (SubjectAccessReview), so RBAC decides.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// authorization:
    ///   mode: AlwaysAllow
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// authorization:
    ///   mode: Webhook
    /// ```
    ///
    /// ## How to fix
    /// Set `authorization.mode: Webhook` in the kubelet config file (or pass
    /// `--authorization-mode=Webhook`), with `authentication.webhook.enabled: true`.
    pub KubeletAuthorizationAlwaysAllow {
        code: "NODE051",
        name: "kubelet-authorization-always-allow",
        summary: "kubelet authorizes every request",
        severity: Critical,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "set `authorization.mode: Webhook` in the kubelet config (or `--authorization-mode=Webhook`)",
        checklist: ["components.3", "kube-bench"],
        cis: ["4.2.2"],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletAuthorizationAlwaysAllow);

impl KubeletAuthorizationAlwaysAllow {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let Some(set) = s.get(AUTHORIZATION_MODE) else { return };
        let mode = match set.from {
            crate::analysis::node::kubelet_settings::From::FlagDefault => Some("AlwaysAllow"),
            _ => set.str(),
        };
        if mode.is_some_and(|m| m.trim() == "AlwaysAllow") {
            s.report(cx, &set, format!("kubelet authorizes every request: {}", set.state("AlwaysAllow")));
        }
    }
}
