use std::collections::HashMap;

use crate::analysis::network::{describe_ns, Direction};
use crate::context::Context;
use crate::input::path::FieldPath;
use crate::inventory::{Inventory, ObjectHandle, Spot};
use crate::rule::Rule;

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
        targets: INVENTORY,
        remediation: "add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress]` to the namespace, then allow the needed flows explicitly",
        checklist: ["workload.2", "network.2b", "guide.isolate-namespaces"],
        cis: ["5.3.2"],
        since: "0.1.0",
        fix: Unsafe,
    }
}

impl Rule for MissingDefaultDenyIngress {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        check_default_deny(inv, cx, Direction::Ingress);
    }
}

/// A namespace of the scanned set, in order of first appearance.
struct Placed<'f> {
    name: Option<&'f str>,
    namespace_object: Option<(&'f ObjectHandle, Spot)>,
    first_workload: Option<(&'f ObjectHandle, Spot)>,
}

/// NET001 and NET002: reports every namespace of the scanned set (those with a Namespace object
/// or a workload; objects without `metadata.namespace` form the unnamed one) without a default
/// deny for `dir`.
pub(super) fn check_default_deny(inv: &Inventory, cx: &mut Context<'_>, dir: Direction) {
    // `kubeward cluster` could not list the NetworkPolicies: whether a namespace has a default
    // deny is unknown.
    if inv.hides(&["networkpolicies"]) {
        return;
    }
    // Per namespace: its policies and whether one is a default deny.
    let mut policies: HashMap<Option<&str>, (usize, bool)> = HashMap::new();
    for p in inv.network_policies() {
        let e = policies.entry(p.namespace.as_deref()).or_default();
        e.0 += 1;
        e.1 |= match dir {
            Direction::Ingress => p.deny_ingress,
            Direction::Egress => p.deny_egress,
        };
    }
    // The Namespace objects and the workloads, each in file order.
    let placed = inv
        .namespaces()
        .iter()
        .filter(|n| !n.handle.name().is_empty())
        .map(|n| (Some(n.handle.name()), true, &n.handle, n.name_at))
        .chain(inv.workloads().iter().map(|w| (w.handle.namespace_key(), false, &w.handle, w.namespace_at)));
    let mut namespaces: Vec<Placed<'_>> = Vec::new();
    let mut slots: HashMap<Option<&str>, usize> = HashMap::new();
    for (name, is_namespace, handle, at) in placed {
        let i = *slots.entry(name).or_insert_with(|| {
            namespaces.push(Placed { name, namespace_object: None, first_workload: None });
            namespaces.len() - 1
        });
        if let Some(ns) = namespaces.get_mut(i) {
            if is_namespace {
                ns.namespace_object.get_or_insert((handle, at));
            } else {
                ns.first_workload.get_or_insert((handle, at));
            }
        }
    }
    let what = match dir {
        Direction::Ingress => "ingress",
        Direction::Egress => "egress",
    };
    for ns in &namespaces {
        let (count, deny) = policies.get(&ns.name).copied().unwrap_or_default();
        if deny {
            continue;
        }
        // The Namespace object's name, else the first workload's `metadata.namespace` (or `metadata`).
        let (handle, at) = match (ns.namespace_object, ns.first_workload) {
            (Some((h, at)), _) => (h, at.anchor(FieldPath::root().join("metadata/name"))),
            (None, Some((h, at))) => {
                let p = if ns.name.is_some() { "metadata/namespace" } else { "metadata" };
                (h, at.anchor(FieldPath::root().join(p)))
            }
            (None, None) => continue,
        };
        let t = dir.policy_type();
        let detail = match count {
            0 => "it has no NetworkPolicy".to_string(),
            1 => format!("its NetworkPolicy lacks `podSelector: {{}}`, `{t}` in its policy types, or has an allow-all rule"),
            n => format!("none of its {n} NetworkPolicies has `podSelector: {{}}`, `{t}` in its policy types and no allow-all rule"),
        };
        // Objects without a namespace go to the namespace they are applied to: so does the policy.
        // The namespace goes into the new file's name, a comment and a YAML value: only a valid
        // DNS-1123 label (what the API server accepts as a namespace) may; another name (`../x`,
        // a line break) gets no fix, so that nothing is written outside the folder or injected.
        let fix = match ns.name {
            Some(n) if !crate::fix::is_dns1123_label(n) => None,
            _ => Some(default_deny_fix(what, t, ns.name)),
        };
        let d = cx.report_at(
            handle,
            &at,
            format!(
                "{} has no default-deny {what} NetworkPolicy in the scanned files ({detail})",
                describe_ns(ns.name)
            ),
        );
        if let Some(fix) = fix {
            d.fix(fix);
        }
    }
}

/// The fix writing a default-deny policy for namespace `ns` (a valid DNS-1123 label).
fn default_deny_fix(what: &str, t: &str, ns: Option<&str>) -> crate::fix::Fix {
    let (name, ns_line, ns_shown) = match ns {
        Some(n) => (
            format!("kubeward-default-deny-{what}-{n}.yaml"),
            format!("\n  namespace: {n}"),
            format!("`{}`", crate::fix::comment_text(n)),
        ),
        None => {
            (format!("kubeward-default-deny-{what}.yaml"), String::new(), "the manifests are applied to".to_string())
        }
    };
    let content = format!(
        "# Written by `kubeward fix --unsafe-fixes`: denies all {what} traffic of the pods of the namespace\n# {ns_shown} that no other NetworkPolicy allows. Add policies for the flows the apps need\n# before applying it.\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-{what}{ns_line}\nspec:\n  podSelector: {{}}\n  policyTypes: [{t}]\n"
    );
    crate::fix::Fix::new_file(
        crate::fix::Safety::Unsafe,
        name.clone(),
        content,
        format!("write `{name}` with a default-deny {what} NetworkPolicy"),
    )
}
