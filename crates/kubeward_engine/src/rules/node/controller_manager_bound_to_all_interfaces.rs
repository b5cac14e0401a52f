use crate::analysis::node::component::ComponentKind;
use crate::analysis::node::plane_flags::{bind_address_issue, component};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-controller-manager containers whose `--bind-address` is not a loopback
    /// address. It defaults to `0.0.0.0` (kubeadm sets `127.0.0.1`); kube-bench passes an
    /// unset flag, kubeward does not.
    ///
    /// ## Why is this bad?
    /// The controller manager's secure port (10257) serves health, metrics and, with profiling
    /// on, `/debug/pprof`. Bound to every interface it is reachable from the network (and, with
    /// the host network, from pods), widening the attack surface of a component that holds
    /// cluster-wide credentials.
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
    ///         - --profiling=false
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
    ///         - --profiling=false
    ///         - --bind-address=127.0.0.1
    /// ```
    ///
    /// ## How to fix
    /// Set `--bind-address=127.0.0.1`; scrape metrics through a local agent or proxy.
    pub ControllerManagerBoundToAllInterfaces {
        code: "NODE046",
        name: "controller-manager-bound-to-all-interfaces",
        summary: "controller manager listens on a non-loopback address",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--bind-address=127.0.0.1` on kube-controller-manager",
        checklist: ["kube-bench"],
        cis: ["1.3.7"],
        since: "0.1.0",
    }
}

impl Rule for ControllerManagerBoundToAllInterfaces {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = component(c, ComponentKind::ControllerManager) else { return };
        let Some((what, path)) = bind_address_issue(&comp) else { return };
        cx.report(
            pod.object,
            path,
            format!("controller manager container `{}` listens beyond loopback: {what}", c.name()),
        )
        .container(c.name());
    }
}
