use crate::analysis::node::component::ComponentKind;
use crate::analysis::node::plane_flags::{component, profiling_issue};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-controller-manager containers whose `--profiling` is not `false`. It
    /// defaults to `true`.
    ///
    /// ## Why is this bad?
    /// Profiling exposes `/debug/pprof` on the controller manager's port: detailed runtime
    /// data about the process, and an expensive endpoint an authenticated caller can use to load
    /// the control plane. Leave it off unless you are debugging a performance problem.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-controller-manager, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-controller-manager
    ///       image: registry.k8s.io/kube-controller-manager:v1.33.1
    ///       command:
    ///         - kube-controller-manager
    ///         - --bind-address=127.0.0.1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-controller-manager, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-controller-manager
    ///       image: registry.k8s.io/kube-controller-manager:v1.33.1
    ///       command:
    ///         - kube-controller-manager
    ///         - --bind-address=127.0.0.1
    ///         - --profiling=false
    /// ```
    ///
    /// ## How to fix
    /// Add `--profiling=false` to the kube-controller-manager command line.
    pub ControllerManagerProfilingEnabled {
        code: "NODE041",
        name: "controller-manager-profiling-enabled",
        summary: "controller manager exposes profiling data",
        severity: Low,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--profiling=false` on kube-controller-manager",
        checklist: ["kube-bench"],
        cis: ["1.3.2"],
        since: "0.1.0",
    }
}

impl Rule for ControllerManagerProfilingEnabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = component(c, ComponentKind::ControllerManager) else { return };
        let Some((what, path)) = profiling_issue(&comp) else { return };
        cx.report(
            pod.object,
            path,
            format!("controller manager container `{}` has profiling enabled: {what}", c.name()),
        )
        .container(c.name());
    }
}
