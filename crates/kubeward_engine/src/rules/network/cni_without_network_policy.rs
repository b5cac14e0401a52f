use crate::context::Context;
use crate::inventory::Inventory;
use crate::rule::Rule;

/// CNIs and agents that enforce NetworkPolicy (image repository or workload name fragments).
const ENFORCERS: &[&str] = &[
    "calico",
    "canal",
    "cilium",
    "weave",
    "antrea",
    "kube-router",
    "romana",
    "kube-network-policies",
    "network-policy-agent",
    "azure-npm",
    "anetd",
];

crate::declare_rule! {
    /// ## What it does
    /// Flags a cluster whose only CNI is flannel: a flannel DaemonSet runs (image or name
    /// `flannel`) and nothing that enforces NetworkPolicy does (Calico or Canal, Cilium, Weave
    /// Net, Antrea, kube-router, the EKS network policy agent, Azure NPM, GKE Dataplane V2).
    ///
    /// ## Why is this bad?
    /// flannel routes pod traffic but does not implement NetworkPolicy. The API server accepts
    /// policies and `kubectl` shows them, yet no packet is ever filtered: every default-deny and
    /// every allow-list in the cluster is silently void, and any pod reaches any other (CIS
    /// 5.3.1).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: DaemonSet
    /// metadata:
    ///   name: kube-flannel-ds
    ///   namespace: kube-flannel
    /// spec:
    ///   selector:
    ///     matchLabels: {app: flannel}
    ///   template:
    ///     metadata:
    ///       labels: {app: flannel}
    ///     spec:
    ///       containers:
    ///         - name: kube-flannel
    ///           image: docker.io/flannel/flannel:v0.26.1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: DaemonSet
    /// metadata:
    ///   name: canal
    ///   namespace: kube-system
    /// spec:
    ///   selector:
    ///     matchLabels: {k8s-app: canal}
    ///   template:
    ///     metadata:
    ///       labels: {k8s-app: canal}
    ///     spec:
    ///       containers:
    ///         - name: calico-node
    ///           image: docker.io/calico/node:v3.29.1
    ///         - name: kube-flannel
    ///           image: docker.io/flannel/flannel:v0.26.1
    /// ```
    ///
    /// ## How to fix
    /// Add NetworkPolicy enforcement: run Canal (Calico policy on flannel networking) or move to
    /// a CNI that enforces policies (Calico, Cilium, Antrea), then check the policies work.
    pub CniWithoutNetworkPolicy {
        code: "NET010",
        name: "cni-without-network-policy",
        summary: "the cluster's cni (flannel alone) does not enforce network policies",
        severity: Medium,
        category: Network,
        targets: INVENTORY,
        remediation: "run a CNI that enforces NetworkPolicy (Canal, Calico, Cilium, Antrea) alongside or instead of flannel",
        checklist: ["network.2"],
        cis: ["5.3.1"],
        since: "0.1.0",
    }
}

impl Rule for CniWithoutNetworkPolicy {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let daemon_sets = || inv.workloads().iter().filter(|w| w.handle.kind() == "DaemonSet");
        if daemon_sets().any(|w| w.component(&["DaemonSet"], ENFORCERS).is_some()) {
            return;
        }
        let policies = inv.network_policies().iter().filter(|p| p.networking_group).count();
        for w in daemon_sets() {
            let Some((_, at)) = w.component(&["DaemonSet"], &["flannel"]) else { continue };
            let void = match policies {
                0 => String::new(),
                1 => ": its 1 NetworkPolicy is not enforced".to_string(),
                n => format!(": its {n} NetworkPolicies are not enforced"),
            };
            let msg = format!(
                "daemon set `{}` runs flannel and nothing in the scanned objects enforces NetworkPolicy{void}",
                w.handle.name()
            );
            cx.report_at(&w.handle, &at, msg);
        }
    }
}
