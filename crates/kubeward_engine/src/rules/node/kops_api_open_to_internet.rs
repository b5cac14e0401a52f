use crate::analysis::node::cluster_config::{is_kops, is_open_cidr};
use crate::context::Context;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a kops `Cluster` whose API access list (`spec.kubernetesApiAccess`, or
    /// `spec.api.access` in newer specs) contains `0.0.0.0/0` or `::/0`.
    ///
    /// ## Why is this bad?
    /// kops opens the API endpoint's load balancer or security group to the listed CIDRs. Open
    /// to the internet, the kube-apiserver is exposed to credential stuffing with leaked
    /// kubeconfigs and tokens, and to every pre-authentication vulnerability, and it shows up
    /// in internet-wide scans. `kops create cluster` writes `0.0.0.0/0` unless told otherwise.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: Cluster
    /// metadata:
    ///   name: prod.example.com
    /// spec:
    ///   kubernetesVersion: 1.35.9
    ///   kubernetesApiAccess:
    ///     - 0.0.0.0/0
    ///     - ::/0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: Cluster
    /// metadata:
    ///   name: prod.example.com
    /// spec:
    ///   kubernetesVersion: 1.35.9
    ///   kubernetesApiAccess:
    ///     - 203.0.113.0/24
    /// ```
    ///
    /// ## How to fix
    /// List only the office, VPN or CI egress ranges in `spec.kubernetesApiAccess` (or make the
    /// API internal and reach it through a VPN or bastion), then `kops update cluster --yes`.
    pub KopsApiOpenToInternet {
        code: "NODE079",
        name: "kops-api-open-to-internet",
        summary: "kops cluster api endpoint is open to the internet",
        severity: Medium,
        category: Node,
        targets: OBJECT,
        remediation: "restrict `spec.kubernetesApiAccess` to the address ranges that need the api",
        checklist: ["guide.api-ip-restriction", "guide.cloud"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for KopsApiOpenToInternet {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if !is_kops(obj, "Cluster") {
            return;
        }
        for keys in [&["spec", "kubernetesApiAccess"][..], &["spec", "api", "access"][..]] {
            let Some(list) = obj.root.at(keys) else { continue };
            for (i, cidr) in list.items().iter().enumerate() {
                if let Some(c) = cidr.as_str().filter(|c| is_open_cidr(c)) {
                    let path = keys.iter().fold(FieldPath::root(), |p, k| p.key(k)).index(i);
                    let msg = format!(
                        "`spec.{}` contains `{c}`: the kubernetes api is reachable from the whole internet",
                        keys[1..].join(".")
                    );
                    cx.report(obj, path, msg);
                }
            }
        }
    }
}
