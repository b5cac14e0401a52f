use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::{Rule, RuleMeta};
use crate::rules::cluster_view::{cluster_anchor, components};
use crate::snapshot::Snapshot;

fn is_peer_authentication(o: &Object<'_>) -> bool {
    o.kind() == "PeerAuthentication" && o.group() == "security.istio.io"
}

fn strict(o: &Object<'_>) -> bool {
    o.root.at(&["spec", "mtls", "mode"]).and_then(Node::as_str) == Some("STRICT")
}

fn selector_less(o: &Object<'_>) -> bool {
    o.root.at(&["spec", "selector"]).is_none_or(|s| s.is_null() || s.entries().is_empty())
}

crate::declare_rule! {
    /// ## What it does
    /// Flags a cluster without a service mesh that enforces mutual TLS between pods: Linkerd
    /// (its control plane runs; it encrypts meshed traffic by default) or Istio with a
    /// mesh-wide `PeerAuthentication` (no selector, in the root namespace `istio-system`) set
    /// to `mtls.mode: STRICT`. When Istio runs without it, the finding says so and counts the
    /// namespaces that are STRICT on their own. It judges a whole cluster only: what
    /// `kubeward cluster` reads, or objects that hold the `kube-system` Namespace or a Node.
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
        targets: SNAPSHOT,
        remediation: "run a service mesh with strict mutual TLS (Istio PeerAuthentication STRICT mesh-wide, or Linkerd)",
        checklist: ["network.3"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for ServiceMeshMtlsNotStrict {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_snapshot(&self, snap: &Snapshot, cx: &mut Context<'_>) {
        let objects = snap.objects();
        let Some(anchor) = cluster_anchor(&objects) else { return };
        let workloads = ["Deployment", "DaemonSet", "StatefulSet"];
        if !components(
            &objects,
            &workloads,
            &["linkerd-destination", "linkerd-identity", "linkerd2-proxy", "linkerd/controller"],
        )
        .is_empty()
        {
            return;
        }
        let pas: Vec<&Object<'_>> = objects.iter().filter(|o| is_peer_authentication(o)).collect();
        if pas.iter().any(|o| strict(o) && selector_less(o) && o.namespace() == Some("istio-system")) {
            return;
        }
        let istio = !components(&objects, &workloads, &["istiod", "istio/pilot", "pilot-discovery"]).is_empty()
            || !pas.is_empty();
        let msg = if istio {
            let mut strict_ns: Vec<&str> =
                pas.iter().filter(|o| strict(o) && selector_less(o)).filter_map(|o| o.namespace()).collect();
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
        cx.report(anchor, FieldPath::root().key("metadata").key("name"), msg);
    }
}
