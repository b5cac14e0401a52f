use crate::analysis::node::kubelet_settings::{KubeletSettings, POD_PIDS_LIMIT};
use crate::context::Context;

crate::declare_rule! {
    /// ## What it does
    /// Flags kubelets without a per-pod process limit: `podPidsLimit` (or `--pod-max-pids`)
    /// not set, or zero or negative. It defaults to `-1` (unlimited) with and without a config
    /// file.
    ///
    /// ## Why is this bad?
    /// One pod running a fork bomb, or just leaking threads, exhausts the node's PIDs and every
    /// other pod on the node, and the kubelet itself, can no longer start processes.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// podPidsLimit: -1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// podPidsLimit: 4096
    /// ```
    ///
    /// ## How to fix
    /// Set `podPidsLimit` (or `--pod-max-pids`) to a positive number that fits the largest
    /// workload, for example 4096.
    pub KubeletPodPidsUnlimited {
        code: "NODE062",
        name: "kubelet-pod-pids-unlimited",
        summary: "kubelet sets no limit on pod pids",
        severity: Low,
        category: Node,
        targets: OBJECT | CONTAINER,
        remediation: "set `podPidsLimit` (or `--pod-max-pids`) to a positive number, for example 4096",
        checklist: ["kube-bench"],
        cis: ["4.2.13"],
        since: "0.1.0",
    }
}

crate::kubelet_rule!(KubeletPodPidsUnlimited);

impl KubeletPodPidsUnlimited {
    fn check(&self, s: &KubeletSettings<'_, '_>, cx: &mut Context<'_>) {
        let Some(set) = s.get(POD_PIDS_LIMIT) else { return };
        if let Some(v) = set.int((-1, -1)).filter(|v| *v <= 0) {
            s.report(cx, &set, format!("kubelet sets no limit on pod PIDs: {}", set.state(v)));
        }
    }
}
