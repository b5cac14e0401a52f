use crate::context::Context;
use crate::cross::{Cross, CrossDyn, FactList, Facts, ObjectHandle};
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;
use crate::rules::cluster_view::{cluster_anchor_rank, component_of, gap_hides, namespace_scoped};
use crate::rules::network::helpers::Spot;

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
        targets: SNAPSHOT,
        remediation: "run a service mesh with strict mutual TLS (Istio PeerAuthentication STRICT mesh-wide, or Linkerd)",
        checklist: ["network.3"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for ServiceMeshMtlsNotStrict {
    fn cross(&self) -> Option<&dyn CrossDyn> {
        Some(self)
    }
}

/// The workload kinds a mesh control plane runs as.
const WORKLOADS: &[&str] = &["Deployment", "DaemonSet", "StatefulSet"];

/// What the rule keeps of an object.
pub enum Mesh {
    /// An object that can anchor the finding (see [`cluster_anchor_rank`]), at its `metadata.name`.
    Anchor {
        /// Its preference, lower first.
        rank: u8,
        /// The object.
        handle: ObjectHandle,
        /// `metadata.name`.
        at: Spot,
    },
    /// Linkerd's control plane or proxy runs.
    Linkerd,
    /// Istio's control plane runs.
    Istio,
    /// An Istio PeerAuthentication: its namespace when it is STRICT without selector.
    PeerAuthentication(Option<Box<str>>),
    /// A list that could hold the mesh was not read (`kubeward cluster`'s `AuditGap`).
    Hidden,
}

impl Cross for ServiceMeshMtlsNotStrict {
    type Fact = Mesh;

    fn fact(&self, obj: &Object<'_>, facts: &Facts<'_>, out: &mut Vec<Mesh>) {
        match obj.kind() {
            "Deployment" | "DaemonSet" | "StatefulSet" => {
                let linkerd = ["linkerd-destination", "linkerd-identity", "linkerd2-proxy", "linkerd/controller"];
                if component_of(obj, WORKLOADS, &linkerd).is_some() {
                    out.push(Mesh::Linkerd);
                } else if component_of(obj, WORKLOADS, &["istiod", "istio/pilot", "pilot-discovery"]).is_some() {
                    out.push(Mesh::Istio);
                }
            }
            "PeerAuthentication" if is_peer_authentication(obj) => {
                let ns = (strict(obj) && selector_less(obj)).then(|| obj.namespace()).flatten();
                out.push(Mesh::PeerAuthentication(ns.map(Into::into)));
            }
            _ if namespace_scoped(obj)
                || gap_hides(obj, &["deployments", "daemonsets", "statefulsets", "peerauthentications"]) =>
            {
                out.push(Mesh::Hidden);
            }
            _ => {
                if let Some(rank) = cluster_anchor_rank(obj) {
                    // Only the first object of the best rank anchors the finding (one Node of
                    // thousands).
                    if out.iter().any(|f| matches!(f, Mesh::Anchor { rank: r, .. } if *r <= rank)) {
                        return;
                    }
                    let at = Spot::of(obj, FieldPath::root().key("metadata").key("name"));
                    out.push(Mesh::Anchor { rank, handle: facts.handle(obj), at });
                }
            }
        }
    }

    fn finish(&self, facts: FactList<Mesh>, cx: &mut Context<'_>) {
        // The first object of the best rank.
        let mut anchor: Option<(u8, &ObjectHandle, Spot)> = None;
        let mut pas = 0;
        let mut istio = false;
        let mut strict_ns: Vec<&str> = Vec::new();
        for f in &facts {
            match f {
                Mesh::Anchor { rank, handle, at } => {
                    if anchor.is_none_or(|(r, _, _)| *rank < r) {
                        anchor = Some((*rank, handle, *at));
                    }
                }
                Mesh::Linkerd | Mesh::Hidden => return,
                Mesh::Istio => istio = true,
                Mesh::PeerAuthentication(ns) => {
                    pas += 1;
                    if let Some(ns) = ns.as_deref() {
                        if ns == "istio-system" {
                            return;
                        }
                        strict_ns.push(ns);
                    }
                }
            }
        }
        let Some((_, handle, at)) = anchor else { return };
        let istio = istio || pas > 0;
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
        cx.report_at(handle, &at.anchor(FieldPath::root().key("metadata").key("name")), msg);
    }
}
