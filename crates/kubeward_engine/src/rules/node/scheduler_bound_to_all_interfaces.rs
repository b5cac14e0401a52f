use crate::analysis::node::component::ComponentKind;
use crate::analysis::node::plane_flags::{bind_address_issue, component};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-scheduler containers whose `--bind-address` is not a loopback address. It
    /// defaults to `0.0.0.0` (kubeadm sets `127.0.0.1`); kube-bench passes an unset flag,
    /// kubeward does not.
    ///
    /// ## Why is this bad?
    /// The scheduler's secure port (10259) serves health, metrics and, with profiling on,
    /// `/debug/pprof`. Bound to every interface it is reachable from the network, widening the
    /// attack surface of a control-plane component.
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
    ///         - --bind-address=0.0.0.0
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
    /// ```
    ///
    /// ## How to fix
    /// Set `--bind-address=127.0.0.1`; scrape metrics through a local agent or proxy.
    pub SchedulerBoundToAllInterfaces {
        code: "NODE048",
        name: "scheduler-bound-to-all-interfaces",
        summary: "scheduler listens on a non-loopback address",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--bind-address=127.0.0.1` on kube-scheduler",
        checklist: ["kube-bench"],
        cis: ["1.4.2"],
        since: "0.1.0",
    }
}

impl Rule for SchedulerBoundToAllInterfaces {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = component(c, ComponentKind::Scheduler) else { return };
        let Some((what, path)) = bind_address_issue(&comp) else { return };
        cx.report(pod.object, path, format!("scheduler container `{}` listens beyond loopback: {what}", c.name()))
            .container(c.name());
    }
}
