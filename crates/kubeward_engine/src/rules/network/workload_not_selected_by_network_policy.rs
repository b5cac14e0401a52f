use std::borrow::Cow;
use std::collections::HashMap;

use crate::context::Context;
use crate::cross::{Cross, CrossDyn, FactList, Facts, ObjectHandle};
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::input::workload::PodSpecView;
use crate::rule::Rule;
use crate::rules::network::helpers::{
    describe_ns, is_fragment, is_namespace_object, is_network_policy, ns_of, ns_of_handle, pod_labels, LabelSelector,
    OwnedSelector, PodLabels, Spot,
};

crate::declare_rule! {
    /// ## What it does
    /// Flags every workload (Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob, workload
    /// CRDs...) whose pods are selected by no NetworkPolicy of their namespace in the scanned
    /// files. The pod labels are the pod template's (a Pod's own labels); a policy selects them
    /// when its `podSelector` matches (`matchLabels` and every `matchExpressions` requirement;
    /// `podSelector: {}` selects every pod). Objects without `metadata.namespace` are matched
    /// against the policies without namespace: both go to the namespace the manifests are applied
    /// to. Pods with `hostNetwork: true` are skipped: NetworkPolicies do not apply to them. So
    /// are controllers without `spec.selector`, whose pod labels the manifest does not tell
    /// (kustomize bases and patches, custom resources whose controller labels the pods).
    ///
    /// When `kubeward cluster` could not list the NetworkPolicies (a GEN003 finding says so),
    /// it says nothing: the policies may exist unseen.
    ///
    /// ## Why is this bad?
    /// A pod that no NetworkPolicy selects is non-isolated in both directions: every pod of the
    /// cluster can connect to it and it can connect anywhere. It is the gap an attacker uses to
    /// move laterally once one pod is compromised.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:1.0
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: web}
    ///   policyTypes: [Ingress, Egress]
    ///   ingress:
    ///     - from:
    ///         - namespaceSelector:
    ///             matchLabels:
    ///               kubernetes.io/metadata.name: ingress-nginx
    ///       ports:
    ///         - port: 8080
    /// ```
    ///
    /// ## How to fix
    /// Add a NetworkPolicy that selects the pods (or a default-deny policy with
    /// `podSelector: {}` for the whole namespace) and allows only the traffic they need.
    pub WorkloadNotSelectedByNetworkPolicy {
        code: "NET003",
        name: "workload-not-selected-by-network-policy",
        summary: "workload's pods are selected by no network policy",
        severity: Medium,
        category: Network,
        targets: SNAPSHOT,
        remediation: "add a NetworkPolicy selecting the pods (or a default-deny `podSelector: {}` policy for the namespace) that allows only the needed traffic",
        checklist: ["network.2b"],
        cis: ["5.3.2"],
        since: "0.1.0",
    }
}

impl Rule for WorkloadNotSelectedByNetworkPolicy {
    fn cross(&self) -> Option<&dyn CrossDyn> {
        Some(self)
    }
}

/// The pod labels paths of the workload kinds (`PodSpecView::meta_path` + `labels`), so that a
/// fact does not allocate its path.
const LABELS_PATHS: &[&str] = &[
    "/metadata/labels",
    "/spec/template/metadata/labels",
    "/spec/jobTemplate/spec/template/metadata/labels",
    "/template/metadata/labels",
];

/// What the rule keeps of an object.
pub enum Selection {
    /// A NetworkPolicy: its namespace key and pod selector.
    Policy {
        /// `metadata.namespace` (`None` when unset or empty).
        ns: Option<Box<str>>,
        /// `spec.podSelector`.
        selector: OwnedSelector,
    },
    /// A workload the policies may leave unselected (not a fragment, not on the host network).
    Workload {
        /// The object (its namespace and name are the handle's).
        handle: ObjectHandle,
        /// The pod labels.
        labels: PodLabels,
        /// Path of the pod labels.
        path: Cow<'static, str>,
        /// Position of the pod labels.
        at: Spot,
    },
    /// `kubeward cluster` could not list the NetworkPolicies (an `AuditGap`): which pods they
    /// select is unknown, and nothing is reported.
    Hidden,
}

impl Cross for WorkloadNotSelectedByNetworkPolicy {
    type Fact = Selection;

    fn fact(&self, obj: &Object<'_>, facts: &Facts<'_>, out: &mut Vec<Selection>) {
        if crate::rules::cluster_view::gap_hides(obj, &["networkpolicies"]) {
            out.push(Selection::Hidden);
            return;
        }
        if is_network_policy(obj) {
            let selector = LabelSelector::new(obj.root.get("spec").and_then(|s| s.get("podSelector"))).owned();
            out.push(Selection::Policy { ns: ns_of(obj).map(Into::into), selector });
            return;
        }
        if is_namespace_object(obj) {
            return;
        }
        let Some(w) = PodSpecView::of(obj) else {
            return;
        };
        if is_fragment(&w) || w.get("hostNetwork").is_some_and(|h| h.is_true()) {
            return;
        }
        let labels_path = w.meta_path.key("labels");
        let path = match LABELS_PATHS.iter().find(|p| **p == labels_path.as_str()) {
            Some(p) => Cow::Borrowed(*p),
            None => Cow::Owned(labels_path.as_str().to_string()),
        };
        let at = Spot::of(obj, labels_path);
        out.push(Selection::Workload { handle: facts.handle(obj), labels: PodLabels::of(pod_labels(&w)), path, at });
    }

    fn finish(&self, facts: FactList<Selection>, cx: &mut Context<'_>) {
        if facts.iter().any(|f| matches!(f, Selection::Hidden)) {
            return;
        }
        let mut policies: HashMap<Option<&str>, Vec<&OwnedSelector>> = HashMap::new();
        for f in &facts {
            if let Selection::Policy { ns, selector } = f {
                policies.entry(ns.as_deref()).or_default().push(selector);
            }
        }
        for f in &facts {
            let Selection::Workload { handle, labels, path, at } = f else {
                continue;
            };
            let ns = ns_of_handle(handle);
            let policies = policies.get(&ns).map_or(&[][..], Vec::as_slice);
            if policies.iter().any(|p| p.matches(labels)) {
                continue;
            }
            let detail = if policies.is_empty() { ", which has no NetworkPolicy" } else { "" };
            cx.report_at(
                handle,
                &at.anchor(FieldPath::parse(path)),
                format!(
                    "the pods of `{}` are selected by no NetworkPolicy of {}{detail} in the scanned files",
                    handle.name(),
                    describe_ns(ns)
                ),
            );
        }
    }
}
