use crate::context::Context;
use crate::cross::{Cross, CrossDyn, FactList, Facts};
use crate::input::object::Object;
use crate::rule::Rule;
use crate::rules::network::helpers::{default_deny_fact, default_deny_finish, DenyFact, Direction};

crate::declare_rule! {
    /// ## What it does
    /// Flags every namespace of the scanned files (one with a `Namespace` object or with
    /// workloads) that has no default-deny ingress NetworkPolicy: a policy with an empty
    /// `podSelector: {}` (all pods of the namespace), `Ingress` in its effective `policyTypes`,
    /// and no ingress rule that allows all traffic (an empty rule `{}`, a peer
    /// `namespaceSelector: {}` or an `ipBlock` of every address, with no `ports` restriction).
    ///
    /// `policyTypes` is read as the API server defaults it: when unset, `Ingress` is always in it,
    /// so `spec: {podSelector: {}}` alone is a default deny of ingress. Objects without
    /// `metadata.namespace` belong to the namespace the manifests are applied to; it is checked
    /// when the files contain workloads without namespace, against the policies without namespace.
    /// The rule only sees the scanned files: a policy applied from elsewhere is not known.
    ///
    /// When `kubeward cluster` could not list the NetworkPolicies (a GEN003 finding says so),
    /// it says nothing: the policies may exist unseen.
    ///
    /// ## Why is this bad?
    /// Pods are non-isolated until a NetworkPolicy selects them: any pod of any namespace (and
    /// anything that can route to the pod network) can connect to them. One compromised pod can
    /// then probe and attack every service of the cluster, including databases and internal
    /// admin endpoints that rely on "being internal".
    ///
    /// **Isolate namespaces.** Give every namespace a default-deny ingress policy, then allow
    /// the traffic each workload needs explicitly: from the pods of the same application, from
    /// the ingress controller's namespace, from monitoring. Select namespaces by the
    /// `kubernetes.io/metadata.name` label the API server sets on every namespace. This only
    /// works with a CNI plugin that enforces NetworkPolicy (Calico, Cilium, Antrea, ...).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny-ingress
    ///   namespace: shop
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ```
    ///
    /// ## How to fix
    /// Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress]` and no ingress
    /// rules to the namespace, then add policies that allow the flows the workloads need, for
    /// example from the same namespace:
    /// `ingress: [{from: [{podSelector: {}}]}]` in a second policy.
    ///
    /// ## Fix safety
    /// **Unsafe** (applied with `--unsafe-fixes`): the new default-deny policy cuts every inbound
    /// flow no other policy allows, including traffic from ingress controllers, probes through
    /// Services and other namespaces.
    pub MissingDefaultDenyIngress {
        code: "NET001",
        name: "missing-default-deny-ingress",
        summary: "namespace has no default-deny ingress network policy",
        severity: Medium,
        category: Network,
        targets: SNAPSHOT,
        remediation: "add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress]` to the namespace, then allow the needed flows explicitly",
        checklist: ["workload.2", "network.2b", "guide.isolate-namespaces"],
        cis: ["5.3.2"],
        since: "0.1.0",
        fix: Unsafe,
    }
}

impl Rule for MissingDefaultDenyIngress {
    fn cross(&self) -> Option<&dyn CrossDyn> {
        Some(self)
    }
}

impl Cross for MissingDefaultDenyIngress {
    type Fact = DenyFact;

    fn fact(&self, obj: &Object<'_>, facts: &Facts<'_>, out: &mut Vec<DenyFact>) {
        default_deny_fact(obj, facts, Direction::Ingress, out);
    }

    fn finish(&self, facts: FactList<DenyFact>, cx: &mut Context<'_>) {
        default_deny_finish(&facts, cx, Direction::Ingress);
    }
}
