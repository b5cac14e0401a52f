use crate::analysis::network::Direction;
use crate::context::Context;
use crate::inventory::Inventory;
use crate::rule::Rule;

use super::missing_default_deny_ingress::check_default_deny;

crate::declare_rule! {
    /// ## What it does
    /// Flags every namespace of the scanned files (one with a `Namespace` object or with
    /// workloads) that has no default-deny egress NetworkPolicy: a policy with an empty
    /// `podSelector: {}`, `Egress` in its effective `policyTypes`, and no egress rule that allows
    /// all traffic (an empty rule `{}`, a peer `namespaceSelector: {}`, or an `ipBlock` of every
    /// address without `except`, with no `ports` restriction). A rule that allows DNS (port 53) to every namespace keeps the deny.
    ///
    /// `policyTypes` is read as the API server defaults it: when unset, `Egress` is in it only
    /// if the policy has at least one `egress` rule, so `spec: {podSelector: {}}` does **not**
    /// restrict egress; write `policyTypes: [Egress]` (or `[Ingress, Egress]`). Objects without
    /// `metadata.namespace` belong to the namespace the manifests are applied to. The rule only
    /// sees the scanned files.
    ///
    /// When `kubeward cluster` could not list the NetworkPolicies (a GEN003 finding says so),
    /// it says nothing: the policies may exist unseen.
    ///
    /// ## Why is this bad?
    /// Without an egress policy, a compromised pod can reach the internet (to download tools and
    /// exfiltrate data), every other pod, the nodes, and the cloud metadata endpoint with its
    /// credentials.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny-ingress
    ///   namespace: shop
    /// spec:
    ///   podSelector: {}
    /// ---
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny
    ///   namespace: shop
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress, Egress]
    ///   egress:
    ///     - to:
    ///         - namespaceSelector:
    ///             matchLabels:
    ///               kubernetes.io/metadata.name: kube-system
    ///           podSelector:
    ///             matchLabels:
    ///               k8s-app: kube-dns
    ///       ports:
    ///         - {port: 53, protocol: UDP}
    ///         - {port: 53, protocol: TCP}
    /// ---
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    /// ```
    ///
    /// ## How to fix
    /// Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Egress]` to the namespace,
    /// allowing only DNS, then allow the destinations each workload needs in further policies.
    ///
    /// ## Fix safety
    /// **Unsafe** (applied with `--unsafe-fixes`): the new default-deny policy cuts every outbound
    /// flow no other policy allows (it keeps DNS): calls to databases, other Services and external
    /// APIs stop.
    pub MissingDefaultDenyEgress {
        code: "NET002",
        name: "missing-default-deny-egress",
        summary: "namespace has no default-deny egress network policy",
        severity: Low,
        category: Network,
        targets: INVENTORY,
        remediation: "add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Egress]` (allowing only DNS) to the namespace, then allow the needed destinations explicitly",
        checklist: ["network.2c"],
        cis: ["5.3.2"],
        since: "0.1.0",
        fix: Unsafe,
    }
}

impl Rule for MissingDefaultDenyEgress {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        check_default_deny(inv, cx, Direction::Egress);
    }
}
