use crate::analysis::node::component::ComponentKind;
use crate::analysis::node::plane_flags::{component, written};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-controller-manager containers without `--terminated-pod-gc-threshold`, or
    /// with a value of zero or less (which disables the garbage collection of terminated pods).
    /// Unset, the threshold is 12500 terminated pods.
    ///
    /// ## Why is this bad?
    /// Terminated pods are kept until the threshold is reached. A high threshold lets finished
    /// pods pile up in etcd: resource exhaustion of etcd and the API server, and slower lists for
    /// every controller. CIS 1.3.1 asks for a threshold chosen for the cluster.
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
    ///         - --use-service-account-credentials=true
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
    ///         - --terminated-pod-gc-threshold=1000
    /// ```
    ///
    /// ## How to fix
    /// Set `--terminated-pod-gc-threshold` to a positive number sized for the cluster (e.g.
    /// `1000`, or `10` for small clusters).
    pub ControllerManagerTerminatedPodGcThresholdUnset {
        code: "NODE040",
        name: "controller-manager-terminated-pod-gc-threshold-unset",
        summary: "controller manager keeps up to 12500 terminated pods",
        severity: Low,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--terminated-pod-gc-threshold` on kube-controller-manager to a positive value sized for the cluster",
        checklist: ["kube-bench"],
        cis: ["1.3.1"],
        since: "0.1.0",
    }
}

impl Rule for ControllerManagerTerminatedPodGcThresholdUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = component(c, ComponentKind::ControllerManager) else { return };
        let flag = "terminated-pod-gc-threshold";
        let what = match comp.flags.get(flag) {
            None => format!("`--{flag}` is not set, defaults to 12500"),
            Some(v) => match v.trim().parse::<i64>() {
                Ok(n) if n > 0 => return,
                Ok(_) => format!("{} disables the garbage collection of terminated pods", written(&comp, flag)),
                Err(_) => format!("{} is not a valid threshold", written(&comp, flag)),
            },
        };
        cx.report(pod.object, comp.path_of(flag), format!("controller manager container `{}`: {what}", c.name()))
            .container(c.name());
    }
}
