use crate::analysis::node::component::ComponentKind;
use crate::analysis::node::plane_flags::{component, profiling_issue};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-scheduler containers whose `--profiling` is not `false`. It defaults to
    /// `true`. With `--config` the scheduler ignores `--profiling` and reads
    /// `enableProfiling` from its KubeSchedulerConfiguration, which is not visible in the
    /// manifest: the container is then not judged (kube-bench reports it wrongly).
    ///
    /// ## Why is this bad?
    /// Profiling exposes `/debug/pprof` on the scheduler's port: detailed runtime data about
    /// the process, and an expensive endpoint that can be used to load the control plane.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-scheduler, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-scheduler
    ///       image: registry.k8s.io/kube-scheduler:v1.33.1
    ///       command:
    ///         - kube-scheduler
    ///         - --bind-address=127.0.0.1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-scheduler, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-scheduler
    ///       image: registry.k8s.io/kube-scheduler:v1.33.1
    ///       command:
    ///         - kube-scheduler
    ///         - --bind-address=127.0.0.1
    ///         - --profiling=false
    /// ```
    ///
    /// ## How to fix
    /// Add `--profiling=false`, or, when the scheduler runs with `--config`, set
    /// `enableProfiling: false` in the KubeSchedulerConfiguration.
    pub SchedulerProfilingEnabled {
        code: "NODE047",
        name: "scheduler-profiling-enabled",
        summary: "scheduler exposes profiling data",
        severity: Low,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--profiling=false` on kube-scheduler (`enableProfiling: false` with `--config`)",
        checklist: ["kube-bench"],
        cis: ["1.4.1"],
        since: "0.1.0",
    }
}

impl Rule for SchedulerProfilingEnabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = component(c, ComponentKind::Scheduler) else { return };
        if comp.flags.get("config").is_some_and(|v| !v.is_empty()) {
            return;
        }
        let Some((what, path)) = profiling_issue(&comp) else { return };
        cx.report(pod.object, path, format!("scheduler container `{}` has profiling enabled: {what}", c.name()))
            .container(c.name());
    }
}
