use crate::context::Context;
use crate::inventory::Inventory;
use crate::rule::Rule;

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
        targets: INVENTORY,
        remediation: "run a runtime threat detection DaemonSet (Falco, Tetragon or similar) on every node",
        checklist: ["workload.6"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for RuntimeThreatDetectionMissing {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // One namespace of a cluster, or the DaemonSets could not all be read (`kubeward
        // cluster`'s `AuditGap`): absence is unknown.
        if inv.namespace_scoped() || inv.hides(&["daemonsets"]) {
            return;
        }
        if inv.workloads().iter().any(|w| w.component(&["DaemonSet"], DETECTORS).is_some()) {
            return;
        }
        let Some((handle, at)) = inv.whole_cluster() else { return };
        cx.report_at(
            handle,
            &at,
            "no runtime threat detection DaemonSet (Falco, Tetragon, Tracee, KubeArmor or similar) runs in the cluster",
        );
    }
}
