//! NetworkPolicy semantics shared by the network rules: label selectors, a parsed policy view
//! with the API's defaulting, CIDR arithmetic, and the compact facts (owned selectors and pod
//! labels, the namespaces of the scanned set) the cross-object rules keep.
//!
//! Everything here follows the API exactly:
//! - `spec.podSelector` is a non-pointer field: missing or `{}` selects every pod of the
//!   policy's namespace.
//! - `policyTypes` unset (or empty): `Ingress`, plus `Egress` when `spec.egress` has at least one
//!   rule. When set, rules of a direction not listed are ignored.
//! - A direction in the effective types with no rules denies all traffic of that direction for
//!   the selected pods; a rule with no (or an empty) `from`/`to` matches every peer, a rule with
//!   no (or empty) `ports` matches every port.
//! - A peer with only `podSelector` selects pods of the policy's namespace; with
//!   `namespaceSelector` (and optionally `podSelector`) pods of the selected namespaces; an
//!   `ipBlock` a CIDR minus its `except` CIDRs.

use std::net::IpAddr;

use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::input::workload::PodSpecView;

// ---------------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------------

/// A `metav1.LabelSelector`: `matchLabels` AND every `matchExpressions` requirement.
#[derive(Clone, Copy, Debug)]
pub struct LabelSelector<'a> {
    /// The selector's mapping; `None` (or `null`) is the empty selector.
    pub node: Option<&'a Node>,
}

impl<'a> LabelSelector<'a> {
    /// A selector read from a node (`None` or `null` is the empty selector).
    #[must_use]
    pub fn new(node: Option<&'a Node>) -> Self {
        Self { node: node.filter(|n| !n.is_null()) }
    }

    fn match_labels(&self) -> Option<&'a Node> {
        self.node?.get("matchLabels").filter(|n| !n.is_null())
    }

    fn match_expressions(&self) -> &'a [Node] {
        self.node.and_then(|n| n.get("matchExpressions")).map_or(&[], Node::items)
    }

    /// Whether the selector has no requirement at all (it selects everything).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.node.is_none_or(Node::is_map)
            && self.match_labels().is_none_or(|m| m.entries().is_empty())
            && self.match_expressions().is_empty()
    }

    /// Whether the selector selects an object with these labels (a mapping; `None` = no labels).
    /// An invalid selector (unknown operator, non-string values) selects nothing, as the API
    /// server would reject it.
    #[must_use]
    pub fn matches(&self, labels: Option<&Node>) -> bool {
        if self.node.is_some_and(|n| !n.is_map()) {
            return false;
        }
        let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Node::as_str);
        if let Some(ml) = self.match_labels() {
            if !ml.is_map() {
                return false;
            }
            for e in ml.entries() {
                match (e.value.as_str(), label(&e.key)) {
                    (Some(want), Some(have)) if want == have => {}
                    _ => return false,
                }
            }
        }
        self.match_expressions().iter().all(|req| {
            let Some(key) = req.get("key").and_then(Node::as_str) else {
                return false;
            };
            let values = || req.get("values").map_or(&[][..], Node::items).iter().filter_map(Node::as_str);
            let have = label(key);
            match req.get("operator").and_then(Node::as_str) {
                Some("In") => have.is_some_and(|h| values().any(|v| v == h)),
                Some("NotIn") => have.is_none_or(|h| values().all(|v| v != h)),
                Some("Exists") => have.is_some(),
                Some("DoesNotExist") => have.is_none(),
                _ => false,
            }
        })
    }

    /// Whether every object this selector selects has `key` set to one of `allowed` (the
    /// selector requires it through `matchLabels` or an `In` expression).
    #[must_use]
    pub fn requires_label_in(&self, key: &str, allowed: &[&str]) -> bool {
        if let Some(v) = self.match_labels().and_then(|m| m.get(key)).and_then(Node::as_str) {
            return allowed.contains(&v);
        }
        self.match_expressions().iter().any(|req| {
            req.get("key").and_then(Node::as_str) == Some(key)
                && req.get("operator").and_then(Node::as_str) == Some("In")
                && req.get("values").is_some_and(|vs| {
                    !vs.items().is_empty()
                        && vs.items().iter().all(|v| v.as_str().is_some_and(|v| allowed.contains(&v)))
                })
        })
    }
}

// ---------------------------------------------------------------------------------------------
// CIDRs
// ---------------------------------------------------------------------------------------------

/// An IPv4 or IPv6 network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n` or `x::y/n` (a bare address is a /32 or /128).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse::<u8>().ok()?,
            Some(_) => return None,
            None => max,
        };
        (prefix <= max).then_some(Self { addr, prefix })
    }

    /// The prefix length.
    #[must_use]
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether the address is in this network (families must agree).
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The cloud metadata endpoints: `169.254.169.254` (AWS, GCP, Azure, OpenStack...) and AWS's
/// IPv6 endpoint `fd00:ec2::254`.
pub const METADATA_V4: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(169, 254, 169, 254));
/// AWS's IPv6 instance metadata endpoint.
pub const METADATA_V6: IpAddr = IpAddr::V6(std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254));

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

/// Direction of a policy rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `spec.ingress[].from`.
    Ingress,
    /// `spec.egress[].to`.
    Egress,
}

impl Direction {
    /// The `spec` field holding the rules.
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            Self::Ingress => "ingress",
            Self::Egress => "egress",
        }
    }
    /// The rule field holding the peers.
    #[must_use]
    pub fn peers_field(self) -> &'static str {
        match self {
            Self::Ingress => "from",
            Self::Egress => "to",
        }
    }
    /// The `policyTypes` value.
    #[must_use]
    pub fn policy_type(self) -> &'static str {
        match self {
            Self::Ingress => "Ingress",
            Self::Egress => "Egress",
        }
    }
}

/// An `ipBlock` peer.
#[derive(Clone, Debug)]
pub struct IpBlock<'a> {
    /// `cidr` as written.
    pub cidr: &'a str,
    /// `except` entries as written.
    pub except: Vec<&'a str>,
}

impl IpBlock<'_> {
    /// Whether the block includes `ip`: the CIDR contains it and no `except` entry does.
    #[must_use]
    pub fn includes(&self, ip: IpAddr) -> bool {
        Cidr::parse(self.cidr).is_some_and(|c| c.contains(ip))
            && !self.except.iter().any(|e| Cidr::parse(e).is_some_and(|c| c.contains(ip)))
    }

    /// Whether the block is the whole address space (`0.0.0.0/0` or `::/0`) with no `except`.
    #[must_use]
    pub fn is_everything(&self) -> bool {
        self.except.is_empty() && Cidr::parse(self.cidr).is_some_and(|c| c.prefix() == 0)
    }
}

/// One entry of `from`/`to`.
#[derive(Clone, Debug)]
pub struct Peer<'a> {
    /// Path of the peer.
    pub path: FieldPath,
    /// `podSelector`, when set.
    pub pod_selector: Option<LabelSelector<'a>>,
    /// `namespaceSelector`, when set.
    pub namespace_selector: Option<LabelSelector<'a>>,
    /// `ipBlock`, when set.
    pub ip_block: Option<IpBlock<'a>>,
}

impl Peer<'_> {
    /// Whether the peer selects every pod of every namespace (`namespaceSelector: {}` with no or
    /// an empty `podSelector`).
    #[must_use]
    pub fn is_all_pods_all_namespaces(&self) -> bool {
        self.namespace_selector.is_some_and(|n| n.is_empty()) && self.pod_selector.is_none_or(|p| p.is_empty())
    }
}

/// Why a rule allows all traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllowAll {
    /// No peers and no ports.
    EmptyRule,
    /// `namespaceSelector: {}` without a restricting `podSelector`.
    AllNamespaces,
    /// `ipBlock` `0.0.0.0/0` or `::/0` without `except`.
    AnyAddress,
}

/// One ingress or egress rule.
#[derive(Clone, Debug)]
pub struct PolicyRule<'a> {
    /// Path of the rule.
    pub path: FieldPath,
    /// The peers (empty: every peer).
    pub peers: Vec<Peer<'a>>,
    /// `ports` entries (empty: every port).
    pub ports: &'a [Node],
}

impl PolicyRule<'_> {
    /// Whether the rule matches every peer (`from`/`to` missing or empty).
    #[must_use]
    pub fn all_peers(&self) -> bool {
        self.peers.is_empty()
    }

    /// Why the rule allows all traffic of its direction, with the path to report: an empty rule,
    /// a peer selecting all pods of all namespaces, or an `ipBlock` of the whole address space
    /// without `except`; always with no `ports` restriction. `None` when the rule restricts something.
    #[must_use]
    pub fn allows_all(&self) -> Option<(FieldPath, AllowAll)> {
        if !self.ports.is_empty() {
            return None;
        }
        if self.all_peers() {
            return Some((self.path.clone(), AllowAll::EmptyRule));
        }
        if let Some(p) = self.peers.iter().find(|p| p.is_all_pods_all_namespaces()) {
            return Some((p.path.key("namespaceSelector"), AllowAll::AllNamespaces));
        }
        self.peers
            .iter()
            .find(|p| p.ip_block.as_ref().is_some_and(IpBlock::is_everything))
            .map(|p| (p.path.key("ipBlock").key("cidr"), AllowAll::AnyAddress))
    }

    /// Whether the rule's ports allow TCP port `port` (no `ports`, an entry with no `port`, the
    /// number itself or an `endPort` range containing it). Named ports resolve against the
    /// destination pod's containers, so they never match a non-pod address.
    #[must_use]
    pub fn allows_tcp_port(&self, port: i64) -> bool {
        self.ports.is_empty()
            || self.ports.iter().any(|p| {
                let proto = p.get("protocol").and_then(Node::as_str).unwrap_or("TCP");
                if proto != "TCP" {
                    return false;
                }
                let Some(pn) = p.get("port").filter(|n| !n.is_null()) else {
                    return true;
                };
                let Some(start) = pn.as_i64() else {
                    return false;
                };
                let end = p.get("endPort").and_then(Node::as_i64).unwrap_or(start);
                start <= port && port <= end.max(start)
            })
    }
}

/// A NetworkPolicy (`networking.k8s.io/v1` or `extensions/v1beta1`) with the API's defaulting.
#[derive(Clone, Debug)]
pub struct PolicyView<'a> {
    /// `metadata.namespace` (`None` when unset or empty: the namespace the files are applied to).
    pub namespace: Option<&'a str>,
    /// `spec.podSelector` (missing = empty = every pod of the namespace).
    pub pod_selector: LabelSelector<'a>,
    /// Path of `spec.podSelector`.
    pub pod_selector_path: FieldPath,
    /// Whether `Ingress` is in the effective `policyTypes`.
    pub has_ingress: bool,
    /// Whether `Egress` is in the effective `policyTypes`.
    pub has_egress: bool,
    /// Ingress rules (those the API applies: empty when `Ingress` is not an effective type).
    pub ingress: Vec<PolicyRule<'a>>,
    /// Egress rules (empty when `Egress` is not an effective type).
    pub egress: Vec<PolicyRule<'a>>,
}

/// Whether an object is a Kubernetes NetworkPolicy (not Calico's or Cilium's).
#[must_use]
pub fn is_network_policy(obj: &Object<'_>) -> bool {
    obj.kind() == "NetworkPolicy" && matches!(obj.group(), "networking.k8s.io" | "extensions")
}

/// The namespace key of an object: `None` when `metadata.namespace` is unset or empty.
#[must_use]
pub fn ns_of<'o>(obj: &'o Object<'_>) -> Option<&'o str> {
    obj.namespace().filter(|n| !n.is_empty())
}

impl<'a> PolicyView<'a> {
    /// Parses a NetworkPolicy; `None` for other objects.
    #[must_use]
    pub fn of(obj: &'a Object<'a>) -> Option<Self> {
        if !is_network_policy(obj) {
            return None;
        }
        let spec = obj.root.get("spec");
        let spec_path = FieldPath::root().key("spec");
        let rules_of = |dir: Direction| -> Vec<PolicyRule<'a>> {
            let list_path = spec_path.key(dir.field());
            let list = spec.and_then(|s| s.get(dir.field())).map_or(&[][..], Node::items);
            list.iter()
                .enumerate()
                .map(|(i, r)| {
                    let path = list_path.index(i);
                    let peers_path = path.key(dir.peers_field());
                    let peers = r
                        .get(dir.peers_field())
                        .map_or(&[][..], Node::items)
                        .iter()
                        .enumerate()
                        .map(|(j, p)| Peer {
                            path: peers_path.index(j),
                            pod_selector: p
                                .get("podSelector")
                                .filter(|n| !n.is_null())
                                .map(|n| LabelSelector::new(Some(n))),
                            namespace_selector: p
                                .get("namespaceSelector")
                                .filter(|n| !n.is_null())
                                .map(|n| LabelSelector::new(Some(n))),
                            ip_block: p.get("ipBlock").filter(|n| !n.is_null()).map(|b| IpBlock {
                                cidr: b.get("cidr").and_then(Node::as_str).unwrap_or(""),
                                except: b
                                    .get("except")
                                    .map_or(&[][..], Node::items)
                                    .iter()
                                    .filter_map(Node::as_str)
                                    .collect(),
                            }),
                        })
                        .collect();
                    PolicyRule { path, peers, ports: r.get("ports").map_or(&[][..], Node::items) }
                })
                .collect()
        };
        let types: Vec<&str> = spec
            .and_then(|s| s.get("policyTypes"))
            .map_or(&[][..], Node::items)
            .iter()
            .filter_map(Node::as_str)
            .collect();
        let (has_ingress, has_egress) = if types.is_empty() {
            (true, spec.and_then(|s| s.get("egress")).is_some_and(|e| !e.items().is_empty()))
        } else {
            (types.contains(&"Ingress"), types.contains(&"Egress"))
        };
        Some(Self {
            namespace: ns_of(obj),
            pod_selector: LabelSelector::new(spec.and_then(|s| s.get("podSelector"))),
            pod_selector_path: spec_path.key("podSelector"),
            has_ingress,
            has_egress,
            ingress: if has_ingress { rules_of(Direction::Ingress) } else { Vec::new() },
            egress: if has_egress { rules_of(Direction::Egress) } else { Vec::new() },
        })
    }

    /// Whether the direction is in the effective `policyTypes`.
    #[must_use]
    pub fn has(&self, dir: Direction) -> bool {
        match dir {
            Direction::Ingress => self.has_ingress,
            Direction::Egress => self.has_egress,
        }
    }

    /// The rules of a direction (empty when the direction is not an effective type).
    #[must_use]
    pub fn rules(&self, dir: Direction) -> &[PolicyRule<'a>] {
        match dir {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }

    /// Whether this is a default deny for `dir`: it selects every pod of its namespace, `dir` is an
    /// effective policy type and no rule of `dir` allows all traffic.
    #[must_use]
    pub fn is_default_deny(&self, dir: Direction) -> bool {
        self.pod_selector.is_empty() && self.has(dir) && self.rules(dir).iter().all(|r| r.allows_all().is_none())
    }
}

/// Whether an object is a Namespace that names a namespace of the scanned set.
#[must_use]
pub fn is_namespace_object(obj: &Object<'_>) -> bool {
    obj.kind() == "Namespace" && obj.group().is_empty() && !obj.name().is_empty()
}

/// Small strings packed in one allocation, each as its length, `:` and its text (a netstring
/// without the trailing comma); none costs no allocation.
#[derive(Clone, Debug, Default)]
pub struct Packed(Box<str>);

impl Packed {
    /// Packs `strs`, in order.
    #[must_use]
    pub fn new<'s>(strs: impl IntoIterator<Item = &'s str>) -> Self {
        let mut text = String::new();
        for s in strs {
            text.push_str(&s.len().to_string());
            text.push(':');
            text.push_str(s);
        }
        Self(text.into_boxed_str())
    }

    /// The strings, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let mut rest: &str = &self.0;
        std::iter::from_fn(move || {
            let (len, tail) = rest.split_once(':')?;
            let n: usize = len.parse().ok()?;
            let s = tail.get(..n)?;
            rest = tail.get(n..)?;
            Some(s)
        })
    }
}

/// A pod's labels once the tree is gone: the value of each key's first entry (the one
/// [`Node::get`] finds), when it is a scalar; other entries read as absent, as in
/// [`LabelSelector::matches`].
#[derive(Clone, Debug, Default)]
pub struct PodLabels(Packed);

impl PodLabels {
    /// The labels of a mapping (`None`, `null` or a non-mapping: no labels).
    #[must_use]
    pub fn of(labels: Option<&Node>) -> Self {
        let entries = labels.map_or(&[][..], Node::entries);
        let mut kept = Vec::with_capacity(entries.len() * 2);
        for (i, e) in entries.iter().enumerate() {
            if entries.iter().take(i).any(|p| p.key == e.key) {
                continue;
            }
            if let Some(v) = e.value.as_str() {
                kept.push(&*e.key);
                kept.push(v);
            }
        }
        Self(Packed::new(kept))
    }

    /// The value of a label.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        let mut it = self.0.iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            if k == key {
                return Some(v);
            }
        }
        None
    }
}

/// The operator of a requirement (`matchLabels` entries are `Equals`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Equals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// One requirement of an [`OwnedSelector`]: its operator, then its key and values packed.
#[derive(Clone, Debug)]
pub struct Requirement {
    op: Op,
    strs: Packed,
}

impl Requirement {
    fn holds(&self, labels: &PodLabels) -> bool {
        let mut strs = self.strs.iter();
        let have = strs.next().and_then(|key| labels.get(key));
        let mut values = strs;
        match self.op {
            Op::Equals => values.next().is_some_and(|want| have == Some(want)),
            Op::In => have.is_some_and(|h| values.any(|v| v == h)),
            Op::NotIn => have.is_none_or(|h| values.all(|v| v != h)),
            Op::Exists => have.is_some(),
            Op::DoesNotExist => have.is_none(),
        }
    }
}

/// A [`LabelSelector`] once the tree is gone: its requirements as small owned strings.
#[derive(Clone, Debug)]
pub enum OwnedSelector {
    /// An invalid selector (not a mapping, a `matchLabels` value that is not a string, a
    /// requirement without key or with an unknown operator): it selects nothing.
    Never,
    /// Selects what meets every requirement (none: everything).
    All(Box<[Requirement]>),
}

impl OwnedSelector {
    /// Whether the selector selects a pod with these labels (as [`LabelSelector::matches`]).
    #[must_use]
    pub fn matches(&self, labels: &PodLabels) -> bool {
        match self {
            Self::Never => false,
            Self::All(reqs) => reqs.iter().all(|r| r.holds(labels)),
        }
    }
}

impl LabelSelector<'_> {
    /// The selector as owned requirements, for a fact.
    #[must_use]
    pub fn owned(&self) -> OwnedSelector {
        if self.node.is_some_and(|n| !n.is_map()) {
            return OwnedSelector::Never;
        }
        let mut reqs = Vec::new();
        if let Some(ml) = self.match_labels() {
            if !ml.is_map() {
                return OwnedSelector::Never;
            }
            for e in ml.entries() {
                let Some(want) = e.value.as_str() else {
                    return OwnedSelector::Never;
                };
                reqs.push(Requirement { op: Op::Equals, strs: Packed::new([&*e.key, want]) });
            }
        }
        for req in self.match_expressions() {
            let Some(key) = req.get("key").and_then(Node::as_str) else {
                return OwnedSelector::Never;
            };
            let op = match req.get("operator").and_then(Node::as_str) {
                Some("In") => Op::In,
                Some("NotIn") => Op::NotIn,
                Some("Exists") => Op::Exists,
                Some("DoesNotExist") => Op::DoesNotExist,
                _ => return OwnedSelector::Never,
            };
            let values = match op {
                Op::In | Op::NotIn => req.get("values").map_or(&[][..], Node::items),
                _ => &[],
            };
            let strs = Packed::new(std::iter::once(key).chain(values.iter().filter_map(Node::as_str)));
            reqs.push(Requirement { op, strs });
        }
        OwnedSelector::All(reqs.into_boxed_slice())
    }
}

/// "namespace `x`", or "the namespace the manifests are applied to".
#[must_use]
pub fn describe_ns(ns: Option<&str>) -> String {
    match ns {
        Some(n) => format!("namespace `{n}`"),
        None => "the namespace the manifests are applied to".to_string(),
    }
}

/// Whether a workload's pod labels cannot be known from the manifest: a controller (anything
/// with a pod template but a Job or CronJob) without `spec.selector`. The API server requires
/// the selector of the built-in controllers, so these are kustomize bases or patches whose
/// labels come from `commonLabels`/`labels`, or custom resources whose controller labels the
/// pods itself (Kubeflow `Notebook`).
#[must_use]
pub fn is_fragment(pod: &PodSpecView<'_>) -> bool {
    let o = pod.object;
    let builtin_batch = matches!(o.kind(), "Job" | "CronJob") && matches!(o.group(), "batch" | "extensions");
    o.kind() != "Pod"
        && o.kind() != "PodTemplate"
        && !builtin_batch
        && o.root.get("spec").and_then(|s| s.get("selector")).is_none_or(Node::is_null)
}

/// The labels of a workload's pods: the template's (or the Pod's) labels.
#[must_use]
pub fn pod_labels<'a>(pod: &PodSpecView<'a>) -> Option<&'a Node> {
    pod.labels().filter(|l| !l.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::yaml::{load, Limits};

    #[test]
    fn packed_strings_come_back_as_written() {
        let strs = ["app", "", "12:34", "k8s.io/name", "ünïcødé", "3:x"];
        let p = Packed::new(strs);
        assert_eq!(p.iter().collect::<Vec<_>>(), strs);
        assert_eq!(Packed::new([]).iter().count(), 0);
    }

    fn node(text: &str) -> Node {
        let l = load(text, Limits::default());
        l.documents.into_iter().next().map(|d| d.root).unwrap_or(Node::new(crate::input::node::Kind::Null))
    }

    fn sel_matches(sel: &str, labels: &str) -> bool {
        let s = node(sel);
        let l = node(labels);
        LabelSelector::new(Some(&s)).matches(Some(&l))
    }

    #[test]
    fn label_selector_semantics() {
        assert!(sel_matches("{}", "{app: web}"));
        assert!(sel_matches("{}", "{}"));
        assert!(LabelSelector::new(None).matches(None));
        assert!(LabelSelector::new(None).is_empty());
        assert!(LabelSelector::new(Some(&node("{matchLabels: {}, matchExpressions: []}"))).is_empty());
        assert!(!LabelSelector::new(Some(&node("{matchLabels: {a: b}}"))).is_empty());
        assert!(sel_matches("{matchLabels: {app: web}}", "{app: web, tier: fe}"));
        assert!(!sel_matches("{matchLabels: {app: web, tier: be}}", "{app: web, tier: fe}"));
        assert!(!sel_matches("{matchLabels: {app: web}}", "{}"));
        // In / NotIn / Exists / DoesNotExist
        let in_ = "{matchExpressions: [{key: tier, operator: In, values: [fe, be]}]}";
        assert!(sel_matches(in_, "{tier: fe}"));
        assert!(!sel_matches(in_, "{tier: db}"));
        assert!(!sel_matches(in_, "{}"));
        let not_in = "{matchExpressions: [{key: tier, operator: NotIn, values: [db]}]}";
        assert!(sel_matches(not_in, "{tier: fe}"));
        assert!(sel_matches(not_in, "{}"));
        assert!(!sel_matches(not_in, "{tier: db}"));
        let exists = "{matchExpressions: [{key: tier, operator: Exists}]}";
        assert!(sel_matches(exists, "{tier: x}"));
        assert!(!sel_matches(exists, "{app: x}"));
        let dne = "{matchExpressions: [{key: tier, operator: DoesNotExist}]}";
        assert!(!sel_matches(dne, "{tier: x}"));
        assert!(sel_matches(dne, "{app: x}"));
        // AND of matchLabels and matchExpressions
        let both = "{matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In, values: [fe]}]}";
        assert!(sel_matches(both, "{app: web, tier: fe}"));
        assert!(!sel_matches(both, "{app: web, tier: be}"));
        assert!(!sel_matches(both, "{app: api, tier: fe}"));
        // invalid operators select nothing; YAML 1.1 scalars compare by text
        assert!(!sel_matches("{matchExpressions: [{key: a, operator: Equals, values: [b]}]}", "{a: b}"));
        assert!(sel_matches("{matchLabels: {v: '1.0'}}", "{v: 1.0}"));
        // a selector that is not a mapping (an unrendered template) is invalid: selects nothing
        assert!(!sel_matches("'{{ .Values.selector }}'", "{a: b}"));
        assert!(!LabelSelector::new(Some(&node("'{{ .Values.selector }}'"))).is_empty());
    }

    #[test]
    fn owned_selector_agrees() {
        let selectors = [
            "{}",
            "null",
            "{matchLabels: {}, matchExpressions: []}",
            "{matchLabels: {app: web}}",
            "{matchLabels: {app: web, tier: be}}",
            "{matchLabels: {app: [web]}}",
            "{matchLabels: [app]}",
            "{matchLabels: null}",
            "{matchExpressions: [{key: tier, operator: In, values: [fe, be]}]}",
            "{matchExpressions: [{key: tier, operator: In}]}",
            "{matchExpressions: [{key: tier, operator: NotIn, values: [db]}]}",
            "{matchExpressions: [{key: tier, operator: NotIn}]}",
            "{matchExpressions: [{key: tier, operator: Exists}]}",
            "{matchExpressions: [{key: tier, operator: DoesNotExist, values: [x]}]}",
            "{matchExpressions: [{operator: Exists}]}",
            "{matchExpressions: [tier]}",
            "{matchExpressions: {key: tier, operator: Exists}}",
            "{matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In, values: [fe]}]}",
            "{matchExpressions: [{key: a, operator: Equals, values: [b]}]}",
            "{matchLabels: {v: '1.0'}}",
            "'{{ .Values.selector }}'",
        ];
        let labels = [
            "{}",
            "null",
            "'{{ .Values.labels }}'",
            "{app: web}",
            "{app: web, tier: fe}",
            "{app: web, tier: be}",
            "{app: api, tier: fe}",
            "{tier: db}",
            "{tier: x}",
            "{a: b}",
            "{v: 1.0}",
            "{app: [web], tier: fe}",
            "{tier: fe, tier: db}",
            "{tier: [fe], tier: fe}",
        ];
        for sel in selectors {
            let s = node(sel);
            let borrowed = LabelSelector::new(Some(&s));
            let owned = borrowed.owned();
            for l in labels {
                let l = node(l);
                let l = Some(&l).filter(|l| !l.is_null());
                assert_eq!(borrowed.matches(l), owned.matches(&PodLabels::of(l)), "{sel} on {l:?}");
            }
        }
        let none = LabelSelector::new(None);
        assert!(none.owned().matches(&PodLabels::of(None)));
    }

    #[test]
    fn requires_label() {
        let s = node("{matchLabels: {k8s-app: kube-dns}}");
        assert!(LabelSelector::new(Some(&s)).requires_label_in("k8s-app", &["kube-dns"]));
        let s = node("{matchExpressions: [{key: k8s-app, operator: In, values: [kube-dns, other]}]}");
        assert!(!LabelSelector::new(Some(&s)).requires_label_in("k8s-app", &["kube-dns"]));
        let s = node("{matchExpressions: [{key: k8s-app, operator: In, values: [kube-dns]}]}");
        assert!(LabelSelector::new(Some(&s)).requires_label_in("k8s-app", &["kube-dns"]));
        assert!(!LabelSelector::new(None).requires_label_in("k8s-app", &["kube-dns"]));
    }

    #[test]
    fn cidr_math() {
        let c = |s: &str| Cidr::parse(s).unwrap_or(Cidr { addr: IpAddr::V4(0.into()), prefix: 99 });
        assert!(c("0.0.0.0/0").contains(METADATA_V4));
        assert!(c("169.254.0.0/16").contains(METADATA_V4));
        assert!(c("169.254.169.254/32").contains(METADATA_V4));
        assert!(c("169.254.169.254").contains(METADATA_V4));
        assert!(!c("169.254.169.255/32").contains(METADATA_V4));
        assert!(!c("10.0.0.0/8").contains(METADATA_V4));
        assert!(c("128.0.0.0/1").contains(METADATA_V4));
        assert!(!c("0.0.0.0/1").contains(METADATA_V4));
        assert!(!c("0.0.0.0/0").contains(METADATA_V6));
        assert!(c("::/0").contains(METADATA_V6));
        assert!(c("fd00::/8").contains(METADATA_V6));
        assert!(c("fd00:ec2::/32").contains(METADATA_V6));
        assert!(c("fd00:ec2::254/128").contains(METADATA_V6));
        assert!(!c("fc00::/8").contains(METADATA_V6));
        assert!(!c("2000::/3").contains(METADATA_V6));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("10.0.0/8").is_none());
        assert!(Cidr::parse("10.0.0.0/").is_none());
        assert!(Cidr::parse("::/129").is_none());
        let b = IpBlock { cidr: "0.0.0.0/0", except: vec!["169.254.0.0/16"] };
        assert!(!b.includes(METADATA_V4));
        let b = IpBlock { cidr: "0.0.0.0/0", except: vec!["10.0.0.0/8", "169.254.169.254/31"] };
        assert!(!b.includes(METADATA_V4));
        let b = IpBlock { cidr: "0.0.0.0/0", except: vec!["169.254.169.0/32"] };
        assert!(b.includes(METADATA_V4));
    }

    fn policy_of(text: &str, f: impl FnOnce(&PolicyView<'_>)) {
        let root = node(text);
        let origin =
            crate::input::object::Origin { file: None, file_index: 0, doc_index: 0, item: None, partial: false };
        let obj = Object::from_node(&root, origin);
        let p = obj.as_ref().and_then(PolicyView::of);
        assert!(p.is_some(), "not a policy: {text}");
        if let Some(p) = p {
            f(&p);
        }
    }

    #[test]
    fn policy_types_defaulting() {
        let head = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\n";
        policy_of(&format!("{head}spec: {{podSelector: {{}}}}"), |p| {
            assert!(p.has_ingress && !p.has_egress);
            assert!(p.is_default_deny(Direction::Ingress));
            assert!(!p.is_default_deny(Direction::Egress));
        });
        policy_of(&format!("{head}spec: {{podSelector: {{}}, egress: [{{}}]}}"), |p| {
            assert!(p.has_ingress && p.has_egress);
            assert!(p.is_default_deny(Direction::Ingress));
            assert!(!p.is_default_deny(Direction::Egress));
        });
        policy_of(&format!("{head}spec: {{podSelector: {{}}, egress: []}}"), |p| {
            assert!(p.has_ingress && !p.has_egress);
        });
        policy_of(&format!("{head}spec: {{podSelector: {{}}, policyTypes: [Egress], ingress: [{{}}]}}"), |p| {
            assert!(!p.has_ingress && p.has_egress);
            assert!(p.ingress.is_empty());
            assert!(p.is_default_deny(Direction::Egress));
        });
        policy_of(
            &format!("{head}spec: {{podSelector: {{}}, ingress: [{{from: [{{namespaceSelector: {{}}}}]}}]}}"),
            |p| {
                assert!(!p.is_default_deny(Direction::Ingress));
            },
        );
        policy_of(
            &format!("{head}spec: {{podSelector: {{}}, ingress: [{{from: [{{namespaceSelector: {{}}}}], ports: [{{port: 80}}]}}]}}"),
            |p| assert!(p.is_default_deny(Direction::Ingress)),
        );
        policy_of(&format!("{head}spec: {{podSelector: {{matchLabels: {{app: x}}}}}}"), |p| {
            assert!(!p.is_default_deny(Direction::Ingress));
            assert_eq!(p.namespace, Some("a"));
        });
    }

    #[test]
    fn ports() {
        let head = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  policyTypes: [Egress]\n  egress:\n";
        let allows80 = |ports: &str| {
            let mut out = false;
            policy_of(&format!("{head}  - ports: {ports}\n"), |p| {
                out = p.egress.first().is_some_and(|r| r.allows_tcp_port(80));
            });
            out
        };
        assert!(allows80("[]"));
        assert!(allows80("[{port: 80}]"));
        assert!(allows80("[{protocol: TCP}]"));
        assert!(allows80("[{port: 1, endPort: 1000}]"));
        assert!(!allows80("[{port: 443}]"));
        assert!(!allows80("[{port: 80, protocol: UDP}]"));
        assert!(!allows80("[{port: http}]"));
        assert!(!allows80("[{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]"));
    }
}
