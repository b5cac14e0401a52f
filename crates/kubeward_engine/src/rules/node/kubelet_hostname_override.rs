use crate::analysis::node::kubelet_settings::{KubeletSettings, HOSTNAME_OVERRIDE};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelet command lines with `--hostname-override` (a flag without a config key).
    ///
    /// ## Why is this bad?
    /// A node name that differs from the host name breaks the match between the kubelet's
    /// serving certificate and the name the API server connects to, which pushes operators to
    /// skip kubelet certificate verification. Some cloud setups need it; then document an
    /// exemption.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: DaemonSet
    /// metadata: {name: kubelet, namespace: kube-system}
    /// spec:
    ///   selector: {matchLabels: {app: kubelet}}
    ///   template:
    ///     metadata: {labels: {app: kubelet}}
    ///     spec:
    ///       containers:
    ///         - name: kubelet
    ///           image: registry.k8s.io/kubelet:v1.33.1
    ///           command: [kubelet, --config=/var/lib/kubelet/config.yaml, --hostname-override=node-1]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: DaemonSet
    /// metadata: {name: kubelet, namespace: kube-system}
    /// spec:
    ///   selector: {matchLabels: {app: kubelet}}
    ///   template:
    ///     metadata: {labels: {app: kubelet}}
    ///     spec:
    ///       containers:
    ///         - name: kubelet
    ///           image: registry.k8s.io/kubelet:v1.33.1
    ///           command: [kubelet, --config=/var/lib/kubelet/config.yaml]
    /// ```
    ///
    /// ## How to fix
    /// Remove `--hostname-override` and give the machine the host name the node should have.
    pub KubeletHostnameOverride {
        code: "NODE057",
        name: "kubelet-hostname-override",
        summary: "kubelet overrides the node host name",
        severity: Low,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "remove `--hostname-override` from the kubelet command line",
        checklist: ["kube-bench"],
        cis: ["4.2.7"],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletHostnameOverride);

impl KubeletHostnameOverride {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let Some(set) = s.get(HOSTNAME_OVERRIDE) else { return };
        if let Some(v) = set.str().filter(|v| !v.trim().is_empty()) {
            s.report(cx, &set, format!("kubelet overrides the node host name: {}", set.state(v)));
        }
    }
}
