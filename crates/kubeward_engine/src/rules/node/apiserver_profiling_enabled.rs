use crate::analysis::node::apiserver_flags::{apiserver, report, shown_bool};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers whose `--profiling` is `true` or not set (it defaults to
    /// `true`).
    ///
    /// ## Why is this bad?
    /// Profiling serves `/debug/pprof` on the API port: goroutine dumps, heap profiles and CPU
    /// profiles reveal internals and cost CPU, and anyone allowed the `/debug/*` non-resource URL
    /// can trigger them. They are not needed in production.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-apiserver, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-apiserver
    ///       image: registry.k8s.io/kube-apiserver:v1.33.1
    ///       command:
    ///         - kube-apiserver
    ///         - --anonymous-auth=false
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-apiserver, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-apiserver
    ///       image: registry.k8s.io/kube-apiserver:v1.33.1
    ///       command:
    ///         - kube-apiserver
    ///         - --anonymous-auth=false
    ///         - --profiling=false
    /// ```
    ///
    /// ## How to fix
    /// Add `--profiling=false` to the kube-apiserver command.
    pub ApiserverProfilingEnabled {
        code: "NODE008",
        name: "apiserver-profiling-enabled",
        summary: "kube-apiserver exposes profiling endpoints",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--profiling=false` on kube-apiserver",
        checklist: ["kube-bench"],
        cis: ["1.2.15"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverProfilingEnabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        match comp.flags.get_bool("profiling") {
            Some(false) => {}
            None if comp.flags.has("profiling") => {}
            v => {
                let state = if v.is_some() {
                    shown_bool(&comp, "profiling")
                } else {
                    "not set, defaults to `true`".to_string()
                };
                let msg = format!(
                    "kube-apiserver container `{}` has `--profiling` {state}: `/debug/pprof` is served",
                    c.name()
                );
                report(pod, c, &comp, "profiling", msg, cx);
            }
        }
    }
}
