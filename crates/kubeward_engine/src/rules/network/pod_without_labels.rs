use crate::analysis::network::is_fragment;
use crate::context::Context;
use crate::input::workload::PodSpecView;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags Pods and pod templates (Deployment, StatefulSet, DaemonSet, ReplicaSet, workload
    /// CRDs...) without labels. Jobs and CronJobs are skipped: the Job controller labels their
    /// pods (`job-name`, `controller-uid`), so policies can select them. So are controllers
    /// without `spec.selector`: the API server requires it for the built-in ones, so they are
    /// kustomize bases or patches whose labels come from `commonLabels`, or custom resources
    /// whose controller labels the pods itself (Kubeflow `Notebook`).
    ///
    /// ## Why is this bad?
    /// NetworkPolicies (and Services, PodDisruptionBudgets, monitoring) select pods by label.
    /// A pod without labels can only be covered by a `podSelector: {}` policy of its
    /// namespace: it cannot be given its own allow rules, nor be named as a peer of another
    /// workload's policy, which pushes towards broad allow rules.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: worker
    /// spec:
    ///   containers:
    ///     - name: worker
    ///       image: registry.example.com/worker:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: worker
    ///   labels:
    ///     app.kubernetes.io/name: worker
    /// spec:
    ///   containers:
    ///     - name: worker
    ///       image: registry.example.com/worker:1.0
    /// ```
    ///
    /// ## How to fix
    /// Label every pod (the template's `metadata.labels` for workloads), at least with
    /// `app.kubernetes.io/name`, and use these labels in NetworkPolicies.
    pub PodWithoutLabels {
        code: "NET007",
        name: "pod-without-labels",
        summary: "pod has no labels for network policies to select",
        severity: Low,
        category: Network,
        targets: POD_SPEC,
        remediation: "add labels to the pod (template `metadata.labels`), at least `app.kubernetes.io/name`",
        checklist: ["network.2a"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for PodWithoutLabels {
    fn check_pod(&self, pod: &PodSpecView<'_>, cx: &mut Context<'_>) {
        if matches!(pod.object.kind(), "Job" | "CronJob") && matches!(pod.object.group(), "batch" | "extensions") {
            return;
        }
        if is_fragment(pod) || pod.labels().is_some_and(|l| !l.entries().is_empty()) {
            return;
        }
        let msg = if pod.object.kind() == "Pod" {
            format!("pod `{}` has no labels: network policies cannot select it", pod.object.name())
        } else {
            format!("pod template of `{}` has no labels: network policies cannot select its pods", pod.object.name())
        };
        cx.report(pod.object, pod.meta_path.key("labels"), msg);
    }
}
