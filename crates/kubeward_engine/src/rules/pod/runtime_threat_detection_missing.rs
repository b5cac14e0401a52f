use crate::context::Context;
use crate::cross::{Anchor, Cross, CrossDyn, FactList, Facts, ObjectHandle};
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;
use crate::rules::cluster_view::{components, gap_hides, namespace_scoped};

/// Runtime threat detection agents (image repository or DaemonSet name fragments).
const DETECTORS: &[&str] = &[
    "falco",
    "tetragon",
    "tracee",
    "kubearmor",
    "sysdig",
    "neuvector",
    "falcon-sensor",
    "twistlock",
    "defender",
    "aquasec/enforcer",
    "stackrox/collector",
    "collector",
    "wiz-sensor",
    "deepfence",
];

crate::declare_rule! {
    /// ## What it does
    /// Flags a cluster where no runtime threat detection runs: no DaemonSet of Falco, Tetragon,
    /// Tracee, KubeArmor, Sysdig, NeuVector, CrowdStrike Falcon, Prisma Cloud (Twistlock)
    /// Defender, Aqua Enforcer, StackRox/RHACS Collector, Wiz or Deepfence sensors. It judges a
    /// whole cluster only: what `kubeward cluster` reads, or objects that hold the
    /// `kube-system` Namespace or a Node (a cluster exported as files); application manifests
    /// alone never trigger it. When `kubeward cluster` could not list the DaemonSets (a GEN003
    /// finding says so), or audits one namespace (`--namespace`), it says nothing: the agent
    /// may run unseen.
    ///
    /// ## Why is this bad?
    /// Admission checks and hardened specs stop known-bad configurations, not a compromised
    /// process: a shell spawned in a container, a read of `/etc/shadow`, a crypto-miner, a
    /// container escape. Without an agent that watches system calls on every node, an attack
    /// in progress leaves no alert and no trail.
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
    ///   - apiVersion: apps/v1
    ///     kind: DaemonSet
    ///     metadata:
    ///       name: falco
    ///       namespace: falco
    ///     spec:
    ///       selector:
    ///         matchLabels: {app: falco}
    ///       template:
    ///         metadata:
    ///           labels: {app: falco}
    ///         spec:
    ///           containers:
    ///             - name: falco
    ///               image: docker.io/falcosecurity/falco:0.39.2
    /// ```
    ///
    /// ## How to fix
    /// Run a runtime threat detection agent as a DaemonSet on every node (Falco or Tetragon
    /// are open source) and send its alerts where someone reads them.
    pub RuntimeThreatDetectionMissing {
        code: "POD026",
        name: "runtime-threat-detection-missing",
        summary: "no runtime threat detection (falco, tetragon or similar) runs in the cluster",
        severity: Info,
        category: Pod,
        targets: SNAPSHOT,
        remediation: "run a runtime threat detection DaemonSet (Falco, Tetragon or similar) on every node",
        checklist: ["workload.6"],
        cis: [],
        since: "0.1.0",
    }
}

/// What shows a whole cluster, in the order [`crate::rules::cluster_view::cluster_anchor`]
/// prefers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Anchoring {
    /// The `kube-system` Namespace.
    KubeSystem,
    /// The API server's `KubernetesVersion`.
    ApiServerVersion,
    /// A Node.
    Node,
}

/// What the rule keeps across objects.
pub enum Fact {
    /// An object a whole-cluster finding can be reported on, and the position of its name.
    Anchor(Anchoring, ObjectHandle, Anchor),
    /// A runtime threat detection DaemonSet runs.
    Detector,
    /// The DaemonSets could not all be read (`kubeward cluster`'s `AuditGap`): absence is unknown.
    Hidden,
}

impl Rule for RuntimeThreatDetectionMissing {
    fn cross(&self) -> Option<&dyn CrossDyn> {
        Some(self)
    }
}

impl Cross for RuntimeThreatDetectionMissing {
    type Fact = Fact;

    fn fact(&self, obj: &Object<'_>, facts: &Facts<'_>, out: &mut Vec<Fact>) {
        let anchoring = match obj.kind() {
            "DaemonSet" => {
                // One is enough (`out` holds the facts of this file so far).
                if !out.iter().any(|f| matches!(f, Fact::Detector))
                    && !components(std::slice::from_ref(obj), &["DaemonSet"], DETECTORS).is_empty()
                {
                    out.push(Fact::Detector);
                }
                return;
            }
            "Namespace" if obj.group().is_empty() && obj.name() == "kube-system" => Anchoring::KubeSystem,
            "KubernetesVersion" if obj.group() == "kubeward.io" && obj.name() == "kube-apiserver" => {
                Anchoring::ApiServerVersion
            }
            "Node" if obj.group().is_empty() => Anchoring::Node,
            _ => {
                if gap_hides(obj, &["daemonsets"]) && !out.iter().any(|f| matches!(f, Fact::Hidden)) {
                    out.push(Fact::Hidden);
                }
                return;
            }
        };
        if namespace_scoped(obj) {
            out.push(Fact::Hidden);
            return;
        }
        // The first of each kind is enough.
        if out.iter().any(|f| matches!(f, Fact::Anchor(a, ..) if *a == anchoring)) {
            return;
        }
        let at = Anchor::of(obj, FieldPath::root().key("metadata").key("name"));
        out.push(Fact::Anchor(anchoring, facts.handle(obj), at));
    }

    fn finish(&self, facts: FactList<Fact>, cx: &mut Context<'_>) {
        if facts.iter().any(|f| matches!(f, Fact::Detector | Fact::Hidden)) {
            return;
        }
        // The preferred kind of anchor, the first of that kind.
        let mut best: Option<(Anchoring, &ObjectHandle, &Anchor)> = None;
        for f in &facts {
            if let Fact::Anchor(a, h, at) = f {
                if best.is_none_or(|(b, ..)| *a < b) {
                    best = Some((*a, h, at));
                }
            }
        }
        let Some((_, handle, at)) = best else { return };
        cx.report_at(
            handle,
            at,
            "no runtime threat detection DaemonSet (Falco, Tetragon, Tracee, KubeArmor or similar) runs in the cluster",
        );
    }
}
