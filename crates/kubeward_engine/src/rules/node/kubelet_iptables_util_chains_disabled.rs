use crate::analysis::node::kubelet_settings::{KubeletSettings, MAKE_IPTABLES_UTIL_CHAINS};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets with `makeIPTablesUtilChains: false` (or
    /// `--make-iptables-util-chains=false`). The default is `true`.
    ///
    /// ## Why is this bad?
    /// The kubelet's utility chains (`KUBE-FIREWALL`, `KUBE-MARK-DROP`) drop martian packets
    /// aimed at localhost-bound services such as the node's `127.0.0.1` listeners; without them
    /// pods may reach services that believe only the node can talk to them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// makeIPTablesUtilChains: false
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// makeIPTablesUtilChains: true
    /// ```
    ///
    /// ## How to fix
    /// Set `makeIPTablesUtilChains: true` or remove the setting (or the
    /// `--make-iptables-util-chains=false` flag).
    pub KubeletIptablesUtilChainsDisabled {
        code: "NODE056",
        name: "kubelet-iptables-util-chains-disabled",
        summary: "kubelet does not manage its iptables utility chains",
        severity: Medium,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "set `makeIPTablesUtilChains: true` or remove the setting",
        checklist: ["kube-bench"],
        cis: ["4.2.6"],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletIptablesUtilChainsDisabled);

impl KubeletIptablesUtilChainsDisabled {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let Some(set) = s.get(MAKE_IPTABLES_UTIL_CHAINS) else { return };
        if set.bool((true, true)) == Some(false) {
            s.report(cx, &set, format!("kubelet does not manage its iptables utility chains: {}", set.state(false)));
        }
    }
}
