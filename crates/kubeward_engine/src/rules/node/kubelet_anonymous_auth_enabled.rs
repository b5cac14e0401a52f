use crate::analysis::node::kubelet_settings::{KubeletSettings, ANONYMOUS_AUTH};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets that accept anonymous requests: `authentication.anonymous.enabled: true`
    /// in a `KubeletConfiguration`, or a kubelet command line with `--anonymous-auth=true`, or
    /// without `--anonymous-auth` and without `--config` (the flag default is `true`; with a
    /// config file the default is `false`, so an absent key is fine).
    ///
    /// ## Why is this bad?
    /// The kubelet API (port 10250) runs commands in containers, reads logs and lists pods.
    /// Anonymous requests get the user `system:anonymous`; with authorization `AlwaysAllow`
    /// anyone reaching the port owns every pod on the node.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// authentication:
    ///   anonymous:
    ///     enabled: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// authentication:
    ///   anonymous:
    ///     enabled: false
    ///   webhook:
    ///     enabled: true
    ///   x509:
    ///     clientCAFile: /etc/kubernetes/pki/ca.crt
    /// ```
    ///
    /// ## How to fix
    /// Set `authentication.anonymous.enabled: false` in the kubelet config file (or pass
    /// `--anonymous-auth=false`) and enable webhook or client certificate authentication. With
    /// kops, set `kubelet.anonymousAuth: false`.
    pub KubeletAnonymousAuthEnabled {
        code: "NODE050",
        name: "kubelet-anonymous-auth-enabled",
        summary: "kubelet accepts anonymous requests",
        severity: Critical,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "set `authentication.anonymous.enabled: false` in the kubelet config (or `--anonymous-auth=false`)",
        checklist: ["guide.anonymous-auth", "kube-bench"],
        cis: ["4.2.1"],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletAnonymousAuthEnabled);

impl KubeletAnonymousAuthEnabled {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let Some(set) = s.get(ANONYMOUS_AUTH) else { return };
        if set.bool((true, false)) == Some(true) {
            s.report(cx, &set, format!("kubelet accepts anonymous requests: {}", set.state(true)));
        }
    }
}
