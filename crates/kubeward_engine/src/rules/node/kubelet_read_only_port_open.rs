use crate::analysis::node::kubelet_settings::{KubeletSettings, READ_ONLY_PORT};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets serving the unauthenticated read-only API: `readOnlyPort` other than 0 in a
    /// `KubeletConfiguration`, or a kubelet command line with a non-zero `--read-only-port`, or
    /// without `--read-only-port` and without `--config` (the flag default is 10255; with a
    /// config file the default is 0, so an absent key is fine).
    ///
    /// ## Why is this bad?
    /// The read-only port answers without authentication or authorization: pod specs (with
    /// environment variables), node metrics and cAdvisor metrics to anyone who can reach the
    /// node, including every pod on it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// readOnlyPort: 10255
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// readOnlyPort: 0
    /// ```
    ///
    /// ## How to fix
    /// Set `readOnlyPort: 0` (or `--read-only-port=0`) and scrape metrics from the authenticated
    /// port 10250 (`/metrics`, `/metrics/cadvisor`) with a service account allowed `nodes/metrics`.
    pub KubeletReadOnlyPortOpen {
        code: "NODE053",
        name: "kubelet-read-only-port-open",
        summary: "kubelet serves the unauthenticated read-only port",
        severity: High,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "set `readOnlyPort: 0` in the kubelet config (or `--read-only-port=0`)",
        checklist: ["guide.metrics-endpoint", "kube-bench"],
        cis: ["4.2.4"],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletReadOnlyPortOpen);

impl KubeletReadOnlyPortOpen {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let Some(set) = s.get(READ_ONLY_PORT) else { return };
        if let Some(port) = set.int((10255, 0)).filter(|p| *p > 0) {
            s.report(cx, &set, format!("kubelet serves the unauthenticated read-only port: {}", set.state(port)));
        }
    }
}
