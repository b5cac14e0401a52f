use crate::analysis::network::{Direction, PolicyView, METADATA_V4, METADATA_V6};
use crate::context::Context;
use crate::input::object::Object;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags NetworkPolicy egress rules that let the selected pods reach the cloud instance
    /// metadata endpoint, `169.254.169.254` (AWS, GCP, Azure, OpenStack...) or AWS's IPv6
    /// `fd00:ec2::254`:
    /// - an `ipBlock` whose `cidr` contains the address (`0.0.0.0/0`, `169.254.0.0/16`,
    ///   `::/0`, `fd00::/8`...) with no `except` entry that contains it,
    /// - a rule with no `to` peers (such as the empty rule `{}`): it allows every destination.
    ///
    /// Containment is computed on the addresses (prefix arithmetic, IPv4 and IPv6), so
    /// `128.0.0.0/1` is reported and `except: [169.254.0.0/16]` is accepted. Only rules whose
    /// `ports` allow TCP port 80, where the metadata service listens, are reported (no `ports`,
    /// a port range containing 80, or a TCP entry without `port`). Egress rules of a policy whose
    /// effective `policyTypes` lack `Egress` are ignored, as the API server ignores them.
    ///
    /// ## Why is this bad?
    /// **Block AWS access.** The metadata endpoint hands out the node's cloud credentials (the
    /// instance profile on AWS, the node service account on GCP, the managed identity on
    /// Azure) and bootstrap data such as kubelet credentials. A pod that can reach it can act
    /// as the node in the cloud account: read buckets, describe and modify infrastructure, or
    /// join a rogue node to the cluster. Block it for every pod that does not need it (with a
    /// NetworkPolicy `except`, and on AWS also with IMDSv2 and a hop limit of 1), and give the
    /// pods that need cloud access their own identity (IRSA, EKS Pod Identity, GKE Workload
    /// Identity, Azure Workload Identity).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: allow-internet
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: web}
    ///   policyTypes: [Egress]
    ///   egress:
    ///     - to:
    ///         - ipBlock:
    ///             cidr: 0.0.0.0/0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: allow-internet
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: web}
    ///   policyTypes: [Egress]
    ///   egress:
    ///     - to:
    ///         - ipBlock:
    ///             cidr: 0.0.0.0/0
    ///             except:
    ///               - 169.254.169.254/32
    /// ```
    ///
    /// ## How to fix
    /// Add `169.254.169.254/32` to the `except` list of every IPv4 `ipBlock` that contains it
    /// (and `fd00:ec2::254/128` for IPv6 blocks), and replace rules without `to` by an
    /// `ipBlock` with that `except`.
    pub EgressToMetadataNotBlocked {
        code: "NET005",
        name: "egress-to-metadata-not-blocked",
        summary: "network policy allows egress to the cloud metadata endpoint",
        severity: High,
        category: Network,
        targets: OBJECT,
        remediation: "add `169.254.169.254/32` to the `except` list of the `ipBlock`",
        checklist: ["network.1", "guide.block-aws"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for EgressToMetadataNotBlocked {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let Some(p) = PolicyView::of(obj) else {
            return;
        };
        for r in p.rules(Direction::Egress) {
            if !r.allows_tcp_port(80) {
                continue;
            }
            if r.all_peers() {
                cx.report(
                    obj,
                    r.path.clone(),
                    "egress rule without `to` allows every destination, including the cloud metadata endpoint `169.254.169.254`",
                )
                .remediation(
                    "replace the rule by `to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]` plus the in-cluster peers the pods need",
                );
                continue;
            }
            for peer in &r.peers {
                let Some(b) = &peer.ip_block else {
                    continue;
                };
                let path = peer.path.key("ipBlock").key("cidr");
                if b.includes(METADATA_V4) {
                    cx.report(
                        obj,
                        path,
                        format!(
                            "egress `ipBlock` `{}` includes the cloud metadata endpoint `169.254.169.254` (no `except` covers it)",
                            b.cidr
                        ),
                    );
                } else if b.includes(METADATA_V6) {
                    cx.report(
                        obj,
                        path,
                        format!(
                            "egress `ipBlock` `{}` includes the AWS metadata endpoint `fd00:ec2::254` (no `except` covers it)",
                            b.cidr
                        ),
                    )
                    .remediation("add `fd00:ec2::254/128` to the `except` list of the `ipBlock`");
                }
            }
        }
    }
}
