use crate::context::Context;
use crate::input::node::Node;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags container ports with a non-zero `hostPort`, one finding per port.
    ///
    /// ## Why is this bad?
    /// A `hostPort` binds the port on the node's own addresses: the pod is reachable from
    /// anywhere the node is, around Services and (with many CNI plugins) around NetworkPolicy.
    /// It also ties the pod to nodes where the port is free, limiting scheduling to one such pod
    /// per node.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       ports:
    ///         - containerPort: 8080
    ///           hostPort: 8080
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
    ///       ports:
    ///         - containerPort: 8080
    /// ```
    ///
    /// ## How to fix
    /// Remove `hostPort` and expose the port through a Service (`NodePort` or `LoadBalancer` when
    /// it must be reachable from outside the cluster).
    pub HostPort {
        code: "POD009",
        name: "host-port",
        summary: "container binds a port on the node",
        severity: Medium,
        category: Pod,
        targets: CONTAINER,
        remediation: "remove `hostPort` and expose the port through a Service",
        checklist: ["workload.5", "guide.psp", "kubeaudit"],
        cis: ["5.2.12"],
        since: "0.1.0",
    }
}

impl Rule for HostPort {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(ports) = c.get("ports") else {
            return;
        };
        for (i, p) in ports.items().iter().enumerate() {
            let Some(hp) = p.get("hostPort") else {
                continue;
            };
            // An integer, or a quoted number (which the API server rejects, but the intent is clear).
            let port = hp.as_i64().or_else(|| hp.as_str().and_then(|s| s.trim().parse::<i64>().ok()));
            let Some(port) = port.filter(|n| *n != 0) else {
                continue;
            };
            let target = p.get("containerPort").and_then(Node::as_i64);
            let proto = p.get("protocol").and_then(Node::as_str).unwrap_or("TCP");
            let msg = match target {
                Some(t) if t != port => {
                    format!("container `{}` binds host port {port}/{proto} (to container port {t})", c.name())
                }
                _ => format!("container `{}` binds host port {port}/{proto}", c.name()),
            };
            cx.report(pod.object, c.path.key("ports").index(i).key("hostPort"), msg).container(c.name());
        }
    }
}
