use crate::context::Context;
use crate::fix::{Fix, Safety};
use crate::input::workload::PodSpecView;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags pod specs with `hostIPC: true`.
    ///
    /// ## Why is this bad?
    /// A pod in the host's IPC namespace can read and write the shared memory segments, semaphores
    /// and message queues of every process on the node, including other pods that use the host IPC
    /// namespace, leaking or corrupting their data.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   hostIPC: true
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
    /// Remove `hostIPC: true`. Containers of one pod already share an IPC namespace; between pods,
    /// use a volume or the network.
    ///
    /// ## Fix safety
    /// **Unsafe** (applied with `--unsafe-fixes`): `hostIPC: false` cuts the shared memory and
    /// message queues a workload may share with node processes (some GPU and database setups).
    pub HostIpc {
        code: "POD008",
        name: "host-ipc",
        summary: "pod shares the host's IPC namespace",
        severity: High,
        category: Pod,
        targets: POD_SPEC,
        remediation: "remove `hostIPC: true`",
        checklist: ["workload.5", "guide.psp", "kubeaudit"],
        cis: ["5.2.4"],
        since: "0.1.0",
        fix: Unsafe,
    }
}

impl Rule for HostIpc {
    fn check_pod(&self, pod: &PodSpecView<'_>, cx: &mut Context<'_>) {
        if pod.get("hostIPC").is_some_and(|v| v.is_true()) {
            let fix = Fix::set(Safety::Unsafe, pod.path.key("hostIPC"), serde_json::Value::Bool(false));
            cx.report(pod.object, pod.path.key("hostIPC"), "pod shares the host's IPC namespace (`hostIPC: true`)")
                .fix(fix);
        }
    }
}
