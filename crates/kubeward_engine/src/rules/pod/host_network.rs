use crate::context::Context;
use crate::fix::{Fix, Safety};
use crate::input::workload::PodSpecView;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags pod specs with `hostNetwork: true`.
    ///
    /// ## Why is this bad?
    /// A pod in the host's network namespace sees every network interface of the node: it can sniff
    /// traffic of other pods, reach services bound to the node's loopback (the kubelet read-only
    /// port, local databases, cloud metadata proxies) and bind ports on the node's addresses,
    /// bypassing NetworkPolicy.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   hostNetwork: true
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    /// ```
    ///
    /// ## How to fix
    /// Remove `hostNetwork: true`. Expose the workload through a Service (or a `NodePort` /
    /// `LoadBalancer` Service when it must be reachable from outside). Node agents that really
    /// need the host network (CNI plugins, node exporters) belong in a dedicated namespace with a
    /// documented exemption.
    ///
    /// ## Fix safety
    /// **Unsafe** (applied with `--unsafe-fixes`): `hostNetwork: false` moves the pod off the
    /// node's interfaces: an agent that listens on a node port, reads node traffic or programs the
    /// node's network (CNI plugins, ingress controllers bound to ports 80/443) stops working.
    pub HostNetwork {
        code: "POD006",
        name: "host-network",
        summary: "pod shares the host's network namespace",
        severity: High,
        category: Pod,
        targets: POD_SPEC,
        remediation: "remove `hostNetwork: true` and expose the workload through a Service",
        checklist: ["workload.5", "guide.psp", "kubeaudit"],
        cis: ["5.2.5"],
        since: "0.1.0",
        fix: Unsafe,
    }
}

impl Rule for HostNetwork {
    fn check_pod(&self, pod: &PodSpecView<'_>, cx: &mut Context<'_>) {
        if pod.get("hostNetwork").is_some_and(|v| v.is_true()) {
            let fix = Fix::set(Safety::Unsafe, pod.path.key("hostNetwork"), serde_json::Value::Bool(false));
            cx.report(
                pod.object,
                pod.path.key("hostNetwork"),
                "pod shares the host's network namespace (`hostNetwork: true`)",
            )
            .fix(fix);
        }
    }
}
