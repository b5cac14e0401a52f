//! The one dispatch of per-object rules: an object, then its pod spec, then each container,
//! each calling only the rules of that target. The engine ([`crate::engine`]: files of `scan`,
//! pages of `cluster`, snapshots of `fix`) and admission ([`crate::admission::Prepared`]: one
//! object per request of `serve`) both visit objects with it; they differ only in where a
//! rule's findings go ([`Contexts`]): a context per rule kept for a whole file, or one per
//! call handed on at once.

use crate::analysis::node::component::ComponentView;
use crate::context::Context;
use crate::input::object::Object;
use crate::input::workload::PodSpecView;
use crate::rule::{Category, Rule, Targets};
use crate::settings::Settings;

/// Where each bucket starts in [`Dispatch::rules`].
const OBJECT: usize = 0;
const POD: usize = 1;
const CONTAINER: usize = 2;
const NODE_POD: usize = 3;
const NODE_CONTAINER: usize = 4;

/// The selected per-object rules, bucketed by target once.
///
/// With `node_apart`, control-plane (`NODE`) pod and container rules are kept apart: they
/// judge the flags of a component (kube-apiserver, etcd, the kubelet, ...) and report nothing
/// on other containers, and deriving a container's component costs a few allocations, so
/// they run only on pods where a container runs a component (admission's hot path; a test
/// checks that this gives what `engine::run` gives on every rule fixture).
pub(crate) struct Dispatch {
    /// Every bucket's rules, one bucket after the other (object, pod, container, node pod,
    /// node container; a rule sits in each bucket of its targets). A rule's slot is its index
    /// here.
    rules: Vec<&'static dyn Rule>,
    /// Where each bucket ends in `rules`.
    ends: [usize; 5],
}

/// Where the findings of the rules a [`Dispatch`] calls go.
pub(crate) trait Contexts<'s> {
    /// The context of the rule in `slot` (see [`Dispatch::rules`]).
    fn get(&mut self, slot: usize) -> &mut Context<'s>;

    /// The rule in `slot` is done with the object (or container) it was given.
    fn done(&mut self, _slot: usize) {}
}

/// A context per slot, kept for a whole file (the engine).
pub(crate) struct PerFile<'s>(pub(crate) Vec<Context<'s>>);

impl<'s> Contexts<'s> for PerFile<'s> {
    fn get(&mut self, slot: usize) -> &mut Context<'s> {
        &mut self.0[slot]
    }
}

/// A context per call, its findings handed to `sink` as soon as the rule is done (admission).
pub(crate) struct PerCall<'a, 's, F> {
    pub(crate) settings: &'s Settings,
    pub(crate) rules: &'a [&'static dyn Rule],
    pub(crate) current: Option<Context<'s>>,
    pub(crate) sink: F,
}

impl<'s, F: FnMut(crate::diagnostic::Diagnostic)> Contexts<'s> for PerCall<'_, 's, F> {
    fn get(&mut self, slot: usize) -> &mut Context<'s> {
        let meta = self.rules[slot].meta();
        self.current.insert(Context::new(self.settings, meta))
    }

    fn done(&mut self, _slot: usize) {
        if let Some(cx) = self.current.take() {
            cx.finish().diagnostics.into_iter().for_each(&mut self.sink);
        }
    }
}

impl Dispatch {
    /// Buckets `selected`; `node_apart`: see [`Dispatch`].
    pub(crate) fn new(selected: &[&'static dyn Rule], node_apart: bool) -> Self {
        let node = |r: &&'static dyn Rule| node_apart && r.meta().category == Category::Node;
        let has = |r: &&'static dyn Rule, t: Targets| r.meta().targets.has(t);
        let buckets: [Vec<&'static dyn Rule>; 5] = [
            selected.iter().copied().filter(|r| has(r, Targets::OBJECT)).collect(),
            selected.iter().copied().filter(|r| has(r, Targets::POD_SPEC) && !node(r)).collect(),
            selected.iter().copied().filter(|r| has(r, Targets::CONTAINER) && !node(r)).collect(),
            selected.iter().copied().filter(|r| has(r, Targets::POD_SPEC) && node(r)).collect(),
            selected.iter().copied().filter(|r| has(r, Targets::CONTAINER) && node(r)).collect(),
        ];
        let mut rules = Vec::new();
        let mut ends = [0; 5];
        for (b, bucket) in buckets.into_iter().enumerate() {
            rules.extend(bucket);
            ends[b] = rules.len();
        }
        Self { rules, ends }
    }

    /// Every slot's rule (see [`Dispatch::rules`]).
    pub(crate) fn rules(&self) -> &[&'static dyn Rule] {
        &self.rules
    }

    /// The first slot of bucket `b` and its rules.
    fn bucket(&self, b: usize) -> (usize, &[&'static dyn Rule]) {
        let start = if b == 0 { 0 } else { self.ends[b - 1] };
        (start, &self.rules[start..self.ends[b]])
    }

    /// A context per slot, for a whole file.
    pub(crate) fn contexts<'s>(&self, settings: &'s Settings) -> PerFile<'s> {
        PerFile(self.rules.iter().map(|r| Context::new(settings, r.meta())).collect())
    }

    /// Runs the rules on one object: the object rules, then (when it has one) the pod rules
    /// on its pod spec and the container rules on each container.
    pub(crate) fn visit<'s>(&self, obj: &Object<'_>, cx: &mut impl Contexts<'s>) {
        let (at, object) = self.bucket(OBJECT);
        for (k, r) in object.iter().enumerate() {
            r.check_object(obj, cx.get(at + k));
            cx.done(at + k);
        }
        let (pod_at, pod) = self.bucket(POD);
        let (ctr_at, ctr) = self.bucket(CONTAINER);
        let (node_pod_at, node_pod) = self.bucket(NODE_POD);
        let (node_ctr_at, node_ctr) = self.bucket(NODE_CONTAINER);
        let node = !node_pod.is_empty() || !node_ctr.is_empty();
        if pod.is_empty() && ctr.is_empty() && !node {
            return;
        }
        let Some(view) = PodSpecView::of(obj) else { return };
        let containers = if ctr.is_empty() && !node { Vec::new() } else { view.containers() };
        let components = node && containers.iter().any(|c| ComponentView::of(c).is_some());
        let pods = pod.iter().enumerate().map(|(k, r)| (pod_at + k, r));
        let node_pods = node_pod.iter().enumerate().map(|(k, r)| (node_pod_at + k, r));
        for (slot, r) in pods.chain(node_pods.filter(|_| components)) {
            r.check_pod(&view, cx.get(slot));
            cx.done(slot);
        }
        if ctr.is_empty() && !components {
            return;
        }
        for c in &containers {
            let ctrs = ctr.iter().enumerate().map(|(k, r)| (ctr_at + k, r));
            let node_ctrs = node_ctr.iter().enumerate().map(|(k, r)| (node_ctr_at + k, r));
            for (slot, r) in ctrs.chain(node_ctrs.filter(|_| components)) {
                r.check_container(&view, c, cx.get(slot));
                cx.done(slot);
            }
        }
    }
}
