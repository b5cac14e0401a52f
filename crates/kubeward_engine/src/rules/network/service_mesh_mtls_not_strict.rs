use crate::context::Context;
use crate::inventory::Inventory;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a cluster without a service mesh that enforces mutual TLS between pods: Linkerd
    /// (its control plane runs; it encrypts meshed traffic by default) or Istio with a
    /// mesh-wide `PeerAuthentication` (no selector, in the root namespace `istio-system`) set
    /// to `mtls.mode: STRICT`. When Istio runs without it, the finding says so and counts the
    /// namespaces that are STRICT on their own. It judges a whole cluster only: what
    /// `kubeward cluster` reads, or objects that hold the `kube-system` Namespace or a Node.
    /// When `kubeward cluster` could not list the workloads or PeerAuthentications (a GEN003
    /// finding says so), or audits one namespace (`--namespace`), it says nothing: the mesh
    /// may run unseen.
    ///
    /// ## Why is this bad?
    /// Pod-to-pod traffic is plain text on the node network by default: anything that can
    /// sniff a node, a compromised CNI or a misrouted packet reads it, and any pod can claim to
    /// be any service. A mesh with strict mTLS encrypts the traffic and authenticates both ends
    /// with workload identities, which authorization policies can then use. `PERMISSIVE`, Istio's
    /// default, still accepts plain text.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: kube-system
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: List
    /// items:
    ///   - apiVersion: v1
    ///     kind: Namespace
    ///     metadata:
    ///       name: kube-system
    ///   - apiVersion: security.istio.io/v1
    ///     kind: PeerAuthentication
    ///     metadata:
    ///       name: default
    ///       namespace: istio-system
    ///     spec:
    ///       mtls:
    ///         mode: STRICT
    /// ```
    ///
    /// ## How to fix
    /// Run a service mesh and require mutual TLS everywhere: with Istio, a `PeerAuthentication`
    /// named `default` in `istio-system` with `mtls.mode: STRICT`; with Linkerd, mesh every
    /// namespace (`linkerd.io/inject: enabled`).
    pub ServiceMeshMtlsNotStrict {
        code: "NET011",
        name: "service-mesh-mtls-not-strict",
        summary: "pod-to-pod traffic is not under a service mesh with strict mutual tls",
        severity: Info,
        category: Network,
        targets: INVENTORY,
        remediation: "run a service mesh with strict mutual TLS (Istio PeerAuthentication STRICT mesh-wide, or Linkerd)",
        checklist: ["network.3"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for ServiceMeshMtlsNotStrict {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // One namespace of a cluster, or a list that could hold the mesh was not read
        // (`kubeward cluster`'s `AuditGap`): its absence is unknown.
        if inv.namespace_scoped() || inv.hides(&["deployments", "daemonsets", "statefulsets", "peerauthentications"]) {
            return;
        }
        let Some((handle, at)) = inv.whole_cluster() else { return };
        let linkerd = ["linkerd-destination", "linkerd-identity", "linkerd2-proxy", "linkerd/controller"];
        let mut istio = false;
        for w in inv.workloads() {
            if w.component(WORKLOADS, &linkerd).is_some() {
                // Linkerd encrypts meshed traffic by default.
                return;
            }
            istio |= w.component(WORKLOADS, &["istiod", "istio/pilot", "pilot-discovery"]).is_some();
        }
        let mut strict_ns: Vec<&str> = Vec::new();
        for pa in inv.peer_authentications() {
            if let Some(ns) = pa.strict_namespace.as_deref() {
                if ns == "istio-system" {
                    return;
                }
                strict_ns.push(ns);
            }
        }
        let istio = istio || !inv.peer_authentications().is_empty();
        let msg = if istio {
            strict_ns.sort_unstable();
            strict_ns.dedup();
            format!(
                "the mesh is Istio, but no mesh-wide PeerAuthentication in `istio-system` sets `mtls.mode: STRICT` ({} namespace{} STRICT on its own)",
                strict_ns.len(),
                if strict_ns.len() == 1 { " is" } else { "s are" }
            )
        } else {
            "no service mesh with strict mutual TLS (Istio STRICT PeerAuthentication, Linkerd) runs in the cluster"
                .to_string()
        };
        cx.report_at(handle, &at, msg);
    }
}

/// The workload kinds a mesh control plane runs as.
const WORKLOADS: &[&str] = &["Deployment", "DaemonSet", "StatefulSet"];
