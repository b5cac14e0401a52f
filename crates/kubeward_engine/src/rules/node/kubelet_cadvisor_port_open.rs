use crate::analysis::node::kubelet_settings::{KubeletSettings, CADVISOR_PORT};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets that open the legacy cAdvisor port: a non-zero `--cadvisor-port` on the
    /// command line or `cAdvisorPort` in a `KubeletConfiguration`. The setting exists only on
    /// kubelets older than 1.12, where the default was 4194; an absent setting is not reported
    /// because newer kubelets have no such port.
    ///
    /// ## Why is this bad?
    /// The cAdvisor web UI and API answer without authentication and list every container on
    /// the node with its image, labels and resource use: reconnaissance for free.
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
    ///           image: registry.k8s.io/kubelet:v1.11.10
    ///           command: [kubelet, --config=/var/lib/kubelet/config.yaml, --cadvisor-port=4194]
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
    ///           image: registry.k8s.io/kubelet:v1.11.10
    ///           command: [kubelet, --config=/var/lib/kubelet/config.yaml, --cadvisor-port=0]
    /// ```
    ///
    /// ## How to fix
    /// Pass `--cadvisor-port=0` (or set `cAdvisorPort: 0`), or better upgrade the kubelet:
    /// the port is gone since Kubernetes 1.12.
    pub KubeletCadvisorPortOpen {
        code: "NODE054",
        name: "kubelet-cadvisor-port-open",
        summary: "kubelet opens the legacy unauthenticated cadvisor port",
        severity: High,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "set `--cadvisor-port=0` (or `cAdvisorPort: 0`), or upgrade the kubelet to 1.12 or later",
        checklist: ["guide.metrics-endpoint"],
        cis: [],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletCadvisorPortOpen);

impl KubeletCadvisorPortOpen {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let Some(set) = s.get(CADVISOR_PORT) else { return };
        if !set.is_set() {
            return;
        }
        if let Some(port) = set.int((0, 0)).filter(|p| *p != 0) {
            s.report(cx, &set, format!("kubelet opens the unauthenticated cAdvisor port: {}", set.state(port)));
        }
    }
}
