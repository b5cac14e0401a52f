use crate::analysis::network::{AllowAll, Direction, PolicyView};
use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags every ingress or egress rule of a NetworkPolicy that allows all traffic of its
    /// direction, with no `ports` restriction:
    /// - an empty rule `{}` (or one whose `from`/`to` is missing or empty),
    /// - a peer `namespaceSelector: {}` with no (or an empty) `podSelector`: every pod of every
    ///   namespace,
    /// - for ingress, a peer `ipBlock` of every address (`0.0.0.0/0` or `::/0` without `except`).
    ///
    /// Rules of a direction the policy does not apply (not in its effective `policyTypes`) are
    /// ignored, as the API server ignores them. A rule restricted to ports, such as the usual
    /// "DNS to everyone" egress rule on port 53, is not reported.
    ///
    /// ## Why is this bad?
    /// NetworkPolicies are additive allow-lists: one allow-all rule cancels every restriction
    /// other policies put on the pods it selects. It is often a leftover from debugging, or a
    /// `from` placed at the wrong indentation (`- from:` versus `from:`), which turns a
    /// restriction into an allow-all.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: api
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: api}
    ///   ingress:
    ///     - {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: api
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: api}
    ///   ingress:
    ///     - from:
    ///         - podSelector:
    ///             matchLabels: {app: web}
    ///       ports:
    ///         - port: 8080
    /// ```
    ///
    /// ## How to fix
    /// Replace the rule with peers that name the clients (or destinations) the pods need, by
    /// `podSelector` and `namespaceSelector`, and restrict it to the ports in use.
    pub NetworkPolicyAllowsAll {
        code: "NET004",
        name: "network-policy-allows-all",
        summary: "network policy rule allows all traffic",
        severity: Medium,
        category: Network,
        targets: OBJECT,
        remediation: "restrict the rule to the peers (`podSelector`, `namespaceSelector`) and ports the pods need",
        checklist: ["network.2b", "network.2c"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for NetworkPolicyAllowsAll {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(p) = PolicyView::of(obj) else {
            return;
        };
        for dir in [Direction::Ingress, Direction::Egress] {
            let (what, peers) = match dir {
                Direction::Ingress => ("ingress", "from"),
                Direction::Egress => ("egress", "to"),
            };
            for r in p.rules(dir) {
                let Some((path, why)) = r.allows_all() else {
                    continue;
                };
                if why == AllowAll::AnyAddress && dir == Direction::Egress {
                    // Egress to every address is the usual "internet access" rule; NET005 checks
                    // that it excludes the metadata endpoint.
                    continue;
                }
                let msg = match why {
                    AllowAll::EmptyRule => format!(
                        "{what} rule without `{}` and `ports` allows all traffic {peers} anywhere",
                        dir.peers_field()
                    ),
                    AllowAll::AllNamespaces => {
                        format!("{what} rule allows traffic {peers} all pods of all namespaces (`namespaceSelector: {{}}`) on every port")
                    }
                    AllowAll::AnyAddress => format!(
                        "{what} rule allows traffic {peers} every address (`{}`) on every port",
                        path.lookup(obj.root).and_then(Node::as_str).unwrap_or("0.0.0.0/0")
                    ),
                };
                cx.report(obj, path, msg);
            }
        }
    }
}
