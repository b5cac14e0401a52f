use crate::analysis::network::Cidr;
use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::{Rule, Severity};

/// Annotations that make a cloud load balancer internal (reachable from the VPC only).
const INTERNAL_LB: &[(&str, &[&str])] = &[
    ("service.beta.kubernetes.io/aws-load-balancer-internal", &["true", "0.0.0.0/0"]),
    ("service.beta.kubernetes.io/aws-load-balancer-scheme", &["internal"]),
    ("networking.gke.io/load-balancer-type", &["Internal", "internal"]),
    ("cloud.google.com/load-balancer-type", &["Internal", "internal"]),
    ("service.beta.kubernetes.io/azure-load-balancer-internal", &["true"]),
    ("service.beta.kubernetes.io/oci-load-balancer-internal", &["true"]),
    ("service.beta.kubernetes.io/openstack-internal-load-balancer", &["true"]),
];

/// The annotation the cloud providers read when `loadBalancerSourceRanges` is unset.
const SOURCE_RANGES_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

crate::declare_rule! {
    /// ## What it does
    /// Reports Services reachable from outside the cluster: `type: LoadBalancer`,
    /// `type: NodePort`, or any type with `externalIPs`. A public LoadBalancer without
    /// `loadBalancerSourceRanges` (or the `service.beta.kubernetes.io/load-balancer-source-ranges`
    /// annotation), or whose ranges include `0.0.0.0/0`, is reported with severity `low`: anyone
    /// on the internet can connect to it. Load balancers made internal by their cloud annotation
    /// (AWS, GKE, Azure, OCI, OpenStack) stay `info`.
    ///
    /// ## Why is this bad?
    /// Every externally exposed Service is attack surface, and the exposure is easy to miss in a
    /// review: a `NodePort` opens the port on every node, a `LoadBalancer` gets a public address
    /// by default. **Kubernetes API IP restriction**: like the API server endpoint itself, load
    /// balancers in front of admin or internal services should accept only known source ranges.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: admin
    ///   namespace: shop
    /// spec:
    ///   type: LoadBalancer
    ///   selector: {app: admin}
    ///   ports:
    ///     - port: 443
    ///       targetPort: 8443
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: admin
    ///   namespace: shop
    /// spec:
    ///   type: ClusterIP
    ///   selector: {app: admin}
    ///   ports:
    ///     - port: 443
    ///       targetPort: 8443
    /// ```
    ///
    /// ## How to fix
    /// Use `type: ClusterIP` behind an Ingress (with TLS) for HTTP services. When a load
    /// balancer is needed, make it internal or set `loadBalancerSourceRanges` to the networks
    /// that need access. Avoid `NodePort` and `externalIPs` outside of lab clusters.
    pub ServiceExposedExternally {
        code: "NET009",
        name: "service-exposed-externally",
        summary: "service is exposed outside the cluster",
        severity: Info,
        category: Network,
        targets: OBJECT,
        remediation: "use `type: ClusterIP` behind an Ingress, or restrict the load balancer with `loadBalancerSourceRanges`",
        checklist: ["network.2b", "guide.api-ip-restriction"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for ServiceExposedExternally {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind() != "Service" || !obj.group().is_empty() {
            return;
        }
        let Some(spec) = obj.root.get("spec") else {
            return;
        };
        let spec_path = FieldPath::root().key("spec");
        let name = obj.name();
        match spec.get("type").and_then(Node::as_str) {
            Some("LoadBalancer") => {
                let internal = INTERNAL_LB.iter().any(|(k, vals)| {
                    obj.annotation(k).is_some_and(|v| vals.iter().any(|x| x.eq_ignore_ascii_case(v.trim())))
                });
                let field = spec.get("loadBalancerSourceRanges").filter(|r| !r.items().is_empty());
                let ranges: Vec<&str> = match field {
                    Some(r) => r.items().iter().filter_map(Node::as_str).collect(),
                    None => obj
                        .annotation(SOURCE_RANGES_ANNOTATION)
                        .map(|a| a.split(',').map(str::trim).filter(|s| !s.is_empty()).collect())
                        .unwrap_or_default(),
                };
                let open = ranges.iter().any(|r| Cidr::parse(r).is_some_and(|c| c.prefix() == 0));
                let path = spec_path.key("type");
                if internal {
                    cx.report(obj, path, format!("service `{name}` is exposed through an internal load balancer"));
                } else if ranges.is_empty() {
                    cx.report(
                        obj,
                        path,
                        format!("service `{name}` is exposed through a load balancer without `loadBalancerSourceRanges`: any address can connect"),
                    )
                    .severity(Severity::Low)
                    .remediation("set `loadBalancerSourceRanges` to the networks that need access, or make the load balancer internal");
                } else if open {
                    cx.report(
                        obj,
                        spec_path.key("loadBalancerSourceRanges"),
                        format!("service `{name}` is exposed through a load balancer whose source ranges include every address"),
                    )
                    .severity(Severity::Low)
                    .remediation("remove `0.0.0.0/0` from `loadBalancerSourceRanges` and list the networks that need access");
                } else {
                    cx.report(
                        obj,
                        path,
                        format!(
                            "service `{name}` is exposed through a load balancer restricted to `{}`",
                            ranges.join(", ")
                        ),
                    );
                }
            }
            Some("NodePort") => {
                cx.report(
                    obj,
                    spec_path.key("type"),
                    format!("service `{name}` is exposed on a port of every node (`NodePort`)"),
                );
            }
            _ => {}
        }
        if spec.get("externalIPs").is_some_and(|e| !e.items().is_empty()) {
            cx.report(obj, spec_path.key("externalIPs"), format!("service `{name}` is exposed on `externalIPs`"));
        }
    }
}
