use std::collections::BTreeMap;

use crate::analysis::node::component::{ComponentKind, ComponentView};
use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::input::workload::PodSpecView;
use crate::inventory::Inventory;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an etcd member that runs on the same node as other control-plane components
    /// (kube-apiserver, kube-controller-manager, kube-scheduler): kubeadm's "stacked etcd".
    /// Two components are on the same node when their pods name the same `spec.nodeName`
    /// (pods exported from a cluster), or, for static pod manifests and running processes
    /// without one, when they come from the same directory or the same node (`kubeward node`).
    /// Only pods and running processes are judged: a Deployment is not placed on a node.
    ///
    /// ## Why is this bad?
    /// etcd holds every Secret and the whole cluster state. On a shared node, a compromise of
    /// any other component or workload there (a kube-apiserver vulnerability, a privileged pod
    /// scheduled on a control-plane node without the taint) reaches etcd's data directory and
    /// its keys. Dedicated etcd nodes keep that blast radius small, and their firewall can
    /// admit only the API servers. This is informational: stacked etcd is a supported, common
    /// topology, a deliberate trade-off of cost against isolation.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: etcd-cp-1, namespace: kube-system}
    /// spec:
    ///   nodeName: cp-1
    ///   containers:
    ///     - name: etcd
    ///       image: registry.k8s.io/etcd:3.5.21-0
    ///       command: [etcd, --data-dir=/var/lib/etcd]
    /// ---
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-apiserver-cp-1, namespace: kube-system}
    /// spec:
    ///   nodeName: cp-1
    ///   containers:
    ///     - name: kube-apiserver
    ///       image: registry.k8s.io/kube-apiserver:v1.34.2
    ///       command: [kube-apiserver, --etcd-servers=https://127.0.0.1:2379]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: etcd-etcd-1, namespace: kube-system}
    /// spec:
    ///   nodeName: etcd-1
    ///   containers:
    ///     - name: etcd
    ///       image: registry.k8s.io/etcd:3.5.21-0
    ///       command: [etcd, --data-dir=/var/lib/etcd]
    /// ```
    ///
    /// ## How to fix
    /// Run etcd on dedicated nodes ("external etcd": kubeadm's `etcd.external` in the
    /// ClusterConfiguration, kops `etcdClusters` on their own instance groups), firewalled to
    /// accept client traffic from the API servers only. If stacked etcd is a deliberate choice,
    /// keep the control-plane nodes tainted so that no workload shares them, and ignore this
    /// rule in `.kubeward.yaml`.
    pub EtcdSharesNode {
        code: "NODE087",
        name: "etcd-shares-node",
        summary: "etcd runs on a node shared with other control-plane components",
        severity: Info,
        category: Node,
        targets: INVENTORY,
        remediation: "run etcd on dedicated nodes (external etcd) that accept client traffic from the API servers only",
        checklist: ["misc.2"],
        cis: [],
        since: "0.1.0",
    }
}

/// The node an object runs on: its `spec.nodeName`, else the node `kubeward node` audits (a
/// running process), else the directory of its file (a folder of static pod manifests).
fn node_of(o: &Object<'_>) -> Option<String> {
    if let Some(n) = o.root.at(&["spec", "nodeName"]).and_then(Node::as_str) {
        return Some(format!("node `{n}`"));
    }
    if o.kind() == "Process" {
        return Some("this node".to_string());
    }
    let file = o.origin.file.as_deref()?;
    let dir = file.rsplit_once('/').map_or(".", |(dir, _)| dir);
    Some(format!("the node of `{dir}`"))
}

/// The components seen on one node: etcd members (object index, container, path) and the
/// other control-plane components.
#[derive(Default)]
struct OnNode {
    etcd: Vec<(usize, String, FieldPath)>,
    others: Vec<&'static str>,
}

impl Rule for EtcdSharesNode {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let snap = inv.host_documents();
        let objects = snap.objects();
        let mut nodes: BTreeMap<String, OnNode> = BTreeMap::new();
        for (i, o) in objects.iter().enumerate() {
            if o.kind() != "Pod" && o.kind() != "Process" {
                continue;
            }
            let Some(node) = node_of(o) else { continue };
            let Some(pod) = PodSpecView::of(o) else { continue };
            for c in pod.containers() {
                let Some(comp) = ComponentView::of(&c) else { continue };
                let entry = nodes.entry(node.clone()).or_default();
                match comp.kind {
                    ComponentKind::Etcd => entry.etcd.push((i, c.name().to_string(), comp.insert_path.clone())),
                    ComponentKind::ApiServer | ComponentKind::ControllerManager | ComponentKind::Scheduler => {
                        entry.others.push(comp.kind.binary());
                    }
                    ComponentKind::Kubelet | ComponentKind::KubeProxy => {}
                }
            }
        }
        for (node, OnNode { etcd: etcds, mut others }) in nodes {
            if others.is_empty() {
                continue;
            }
            others.sort_unstable();
            others.dedup();
            for (i, container, path) in etcds {
                let Some(o) = objects.get(i) else { continue };
                let msg = format!(
                    "etcd shares {node} with {}: a compromise of the node reaches every Secret in etcd",
                    others.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                );
                cx.report(o, path, msg).container(&container);
            }
        }
    }
}
