use std::collections::HashMap;

use crate::analysis::network::{describe_ns, OwnedSelector};
use crate::context::Context;
use crate::inventory::Inventory;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags every workload (Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob, workload
    /// CRDs...) whose pods are selected by no NetworkPolicy of their namespace in the scanned
    /// files. The pod labels are the pod template's (a Pod's own labels); a policy selects them
    /// when its `podSelector` matches (`matchLabels` and every `matchExpressions` requirement;
    /// `podSelector: {}` selects every pod). Objects without `metadata.namespace` are matched
    /// against the policies without namespace: both go to the namespace the manifests are applied
    /// to. Pods with `hostNetwork: true` are skipped: NetworkPolicies do not apply to them. So
    /// are controllers without `spec.selector`, whose pod labels the manifest does not tell
    /// (kustomize bases and patches, custom resources whose controller labels the pods).
    ///
    /// When `kubeward cluster` could not list the NetworkPolicies (a GEN003 finding says so),
    /// it says nothing: the policies may exist unseen.
    ///
    /// ## Why is this bad?
    /// A pod that no NetworkPolicy selects is non-isolated in both directions: every pod of the
    /// cluster can connect to it and it can connect anywhere. It is the gap an attacker uses to
    /// move laterally once one pod is compromised.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:1.0
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: web}
    ///   policyTypes: [Ingress, Egress]
    ///   ingress:
    ///     - from:
    ///         - namespaceSelector:
    ///             matchLabels:
    ///               kubernetes.io/metadata.name: ingress-nginx
    ///       ports:
    ///         - port: 8080
    /// ```
    ///
    /// ## How to fix
    /// Add a NetworkPolicy that selects the pods (or a default-deny policy with
    /// `podSelector: {}` for the whole namespace) and allows only the traffic they need.
    pub WorkloadNotSelectedByNetworkPolicy {
        code: "NET003",
        name: "workload-not-selected-by-network-policy",
        summary: "workload's pods are selected by no network policy",
        severity: Medium,
        category: Network,
        targets: INVENTORY,
        remediation: "add a NetworkPolicy selecting the pods (or a default-deny `podSelector: {}` policy for the namespace) that allows only the needed traffic",
        checklist: ["network.2b"],
        cis: ["5.3.2"],
        since: "0.1.0",
    }
}

impl Rule for WorkloadNotSelectedByNetworkPolicy {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // `kubeward cluster` could not list the NetworkPolicies: which pods they select is unknown.
        if inv.hides(&["networkpolicies"]) {
            return;
        }
        let mut policies: HashMap<Option<&str>, Vec<&OwnedSelector>> = HashMap::new();
        for p in inv.network_policies() {
            policies.entry(p.namespace.as_deref()).or_default().push(&p.pod_selector);
        }
        // Fragments (pod labels unknown) and pods on the host network (no policy applies) aside.
        for w in inv.workloads().iter().filter(|w| !w.fragment && !w.host_network) {
            let handle = &w.handle;
            let ns = handle.namespace_key();
            let policies = policies.get(&ns).map_or(&[][..], Vec::as_slice);
            if policies.iter().any(|p| p.matches(&w.labels)) {
                continue;
            }
            let detail = if policies.is_empty() { ", which has no NetworkPolicy" } else { "" };
            cx.report_at(
                handle,
                &w.labels_at.anchor(w.labels_path()),
                format!(
                    "the pods of `{}` are selected by no NetworkPolicy of {}{detail} in the scanned files",
                    handle.name(),
                    describe_ns(ns)
                ),
            );
        }
    }
}
