use crate::context::Context;
use crate::fix::{Fix, Safety};
use crate::input::workload::PodSpecView;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags pod specs with `hostPID: true`.
    ///
    /// ## Why is this bad?
    /// A pod in the host's PID namespace sees every process of the node, can read their
    /// environment and command line (where credentials often are) and, with enough privileges,
    /// signal or `ptrace` them, or enter their namespaces with `nsenter`: a short way to the node.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   hostPID: true
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
    /// Remove `hostPID: true`. To share processes between the containers of one pod, use
    /// `shareProcessNamespace: true` instead. Node agents that really need it belong in a
    /// dedicated namespace with a documented exemption.
    ///
    /// ## Fix safety
    /// **Unsafe** (applied with `--unsafe-fixes`): `hostPID: false` hides the node's processes,
    /// which monitoring agents, debuggers and `nsenter`-based tools are there to see.
    pub HostPid {
        code: "POD007",
        name: "host-pid",
        summary: "pod shares the host's process ID namespace",
        severity: High,
        category: Pod,
        targets: POD_SPEC,
        remediation: "remove `hostPID: true`",
        checklist: ["workload.5", "guide.psp", "kubeaudit"],
        cis: ["5.2.3"],
        since: "0.1.0",
        fix: Unsafe,
    }
}

impl Rule for HostPid {
    fn check_pod(&self, pod: &PodSpecView<'_>, cx: &mut Context<'_>) {
        if pod.get("hostPID").is_some_and(|v| v.is_true()) {
            let fix = Fix::set(Safety::Unsafe, pod.path.key("hostPID"), serde_json::Value::Bool(false));
            cx.report(
                pod.object,
                pod.path.key("hostPID"),
                "pod shares the host's process ID namespace (`hostPID: true`)",
            )
            .fix(fix);
        }
    }
}
