use crate::context::Context;
use crate::input::node::Node;
use crate::input::workload::PodSpecView;
use crate::rule::Rule;

/// Taints that keep ordinary pods off control-plane nodes.
const CONTROL_PLANE_TAINTS: &[&str] = &["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"];

crate::declare_rule! {
    /// ## What it does
    /// Flags tolerations that defeat node isolation, one finding per toleration: `operator:
    /// Exists` without a `key` (it tolerates every taint, of the given `effect` or of all), and
    /// tolerations of the control-plane taints (`node-role.kubernetes.io/control-plane`,
    /// `node-role.kubernetes.io/master`).
    ///
    /// ## Why is this bad?
    /// Taints keep workloads off nodes reserved for something else: the control plane (with etcd
    /// and the cluster's keys), tenants' dedicated pools, nodes being drained or with failing
    /// disks. A pod that tolerates every taint, or the control-plane taint, can land on those
    /// nodes; a compromise of it is then a compromise of the control plane or of another tenant.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   tolerations:
    ///     - operator: Exists
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
    ///   tolerations:
    ///     - key: dedicated
    ///       operator: Equal
    ///       value: batch
    ///       effect: NoSchedule
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    /// ```
    ///
    /// ## How to fix
    /// Tolerate only the taints of the nodes the workload is meant for, by key (and value).
    /// Node agents that must run everywhere (CNI, log collectors) belong in a dedicated
    /// namespace with a documented exemption.
    pub BroadToleration {
        code: "POD024",
        name: "broad-toleration",
        summary: "pod tolerates every taint or the control-plane taint",
        severity: Medium,
        category: Pod,
        targets: POD_SPEC,
        remediation: "tolerate only the taints of the nodes the workload is meant for, by key and value",
        checklist: ["guide.taints", "misc.5"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for BroadToleration {
    fn check_pod(&self, pod: &PodSpecView<'_>, cx: &mut Context<'_>) {
        let Some(list) = pod.get("tolerations") else {
            return;
        };
        for (i, t) in list.items().iter().enumerate() {
            let key = t.get("key").and_then(Node::as_str).unwrap_or("");
            let op = t.get("operator").and_then(Node::as_str).unwrap_or("Equal");
            let effect = t.get("effect").and_then(Node::as_str).filter(|e| !e.is_empty());
            let path = pod.path.key("tolerations").index(i);
            if key.is_empty() && op == "Exists" {
                let msg = match effect {
                    Some(e) => {
                        format!("pod tolerates every taint with effect `{e}` (`operator: Exists` without a key)")
                    }
                    None => "pod tolerates every taint (`operator: Exists` without a key)".to_string(),
                };
                cx.report(pod.object, path.key("operator"), msg);
            } else if CONTROL_PLANE_TAINTS.contains(&key) {
                cx.report(pod.object, path.key("key"), format!("pod may run on control-plane nodes (taint `{key}`)"));
            }
        }
    }
}
