use crate::analysis::network::{Direction, PolicyView};
use crate::context::Context;
use crate::input::object::Object;
use crate::rule::Rule;

/// Namespace labels that can only name `kube-system` (the first is set by the API server).
const NS_NAME_LABELS: &[&str] = &["kubernetes.io/metadata.name", "name"];

crate::declare_rule! {
    /// ## What it does
    /// Flags NetworkPolicies of the `kube-system` namespace that allow ingress from outside
    /// `kube-system` to pods other than cluster DNS: the policy's `podSelector` does not require
    /// `k8s-app: kube-dns`, and one of its ingress rules has no `from` (every source), an
    /// `ipBlock` peer, or a `namespaceSelector` that does not require the namespace to be
    /// `kube-system` (through `kubernetes.io/metadata.name` or `name`). One finding per rule.
    /// Only the effective ingress rules are read (`Ingress` in the defaulted `policyTypes`).
    ///
    /// ## Why is this bad?
    /// `kube-system` runs the cluster's most privileged components: controllers, CNI and CSI
    /// agents, metrics and dashboard services, often with powerful service account tokens.
    /// Workloads only need cluster DNS there; any other reachable port is attack surface for
    /// a compromised pod of another namespace.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: allow-from-all-namespaces
    ///   namespace: kube-system
    /// spec:
    ///   podSelector: {}
    ///   ingress:
    ///     - from:
    ///         - namespaceSelector: {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: allow-dns
    ///   namespace: kube-system
    /// spec:
    ///   podSelector:
    ///     matchLabels:
    ///       k8s-app: kube-dns
    ///   ingress:
    ///     - from:
    ///         - namespaceSelector: {}
    ///       ports:
    ///         - {port: 53, protocol: UDP}
    ///         - {port: 53, protocol: TCP}
    /// ```
    ///
    /// ## How to fix
    /// Deny ingress to `kube-system` by default (`podSelector: {}`, `policyTypes: [Ingress]`),
    /// allow other namespaces only to the DNS pods (`k8s-app: kube-dns`) on port 53, and allow
    /// other flows from `kube-system` itself.
    pub KubeSystemReachable {
        code: "NET006",
        name: "kube-system-reachable",
        summary: "network policy allows traffic from other namespaces into kube-system",
        severity: Medium,
        category: Network,
        targets: OBJECT,
        remediation: "allow ingress from other namespaces only to the `k8s-app: kube-dns` pods on port 53",
        checklist: ["network.2d"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for KubeSystemReachable {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.namespace() != Some("kube-system") {
            return;
        }
        let Some(p) = PolicyView::of(obj) else {
            return;
        };
        if p.pod_selector.requires_label_in("k8s-app", &["kube-dns"]) {
            return;
        }
        let pods = if p.pod_selector.is_empty() { "all pods of `kube-system`" } else { "pods of `kube-system`" };
        for r in p.rules(Direction::Ingress) {
            if r.all_peers() {
                cx.report(obj, r.path.clone(), format!("ingress rule without `from` opens {pods} to every source"));
                continue;
            }
            for peer in &r.peers {
                let why = if let Some(b) = &peer.ip_block {
                    format!("`ipBlock` `{}`", b.cidr)
                } else if let Some(ns) = peer.namespace_selector {
                    if NS_NAME_LABELS.iter().any(|k| ns.requires_label_in(k, &["kube-system"])) {
                        continue;
                    }
                    if ns.is_empty() {
                        "`namespaceSelector: {}`".to_string()
                    } else {
                        "a `namespaceSelector` not limited to `kube-system`".to_string()
                    }
                } else {
                    continue;
                };
                cx.report(
                    obj,
                    peer.path.clone(),
                    format!("ingress rule opens {pods} to sources outside `kube-system`: {why}"),
                );
                break;
            }
        }
    }
}
