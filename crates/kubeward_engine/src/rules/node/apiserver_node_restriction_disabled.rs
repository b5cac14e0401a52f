use crate::analysis::node::apiserver_flags::{admission_plugin, apiserver, report, shown};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers where the `NodeRestriction` admission plugin is not enabled:
    /// it is not in the default set, so it must be listed in `--enable-admission-plugins` (or the
    /// legacy `--admission-control`).
    ///
    /// ## Why is this bad?
    /// Without `NodeRestriction`, a kubelet may modify any Node and Pod object: a compromised node
    /// can relabel other nodes (to attract sensitive workloads), or change the pods of other nodes.
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
    ///         - --enable-admission-plugins=PodSecurity
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
    ///         - --enable-admission-plugins=NodeRestriction
    /// ```
    ///
    /// ## How to fix
    /// Add `NodeRestriction` to `--enable-admission-plugins` and use the `Node` authorization mode.
    pub ApiserverNodeRestrictionDisabled {
        code: "NODE006",
        name: "apiserver-node-restriction-disabled",
        summary: "kube-apiserver does not enable the NodeRestriction admission plugin",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "add `NodeRestriction` to `--enable-admission-plugins` on kube-apiserver",
        checklist: ["kube-bench"],
        cis: ["1.2.14"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverNodeRestrictionDisabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        let (on, flag) = admission_plugin(&comp, "NodeRestriction");
        if !on {
            let msg = format!(
                "kube-apiserver container `{}` does not enable the `NodeRestriction` admission plugin (`--{flag}` {})",
                c.name(),
                shown(&comp, flag)
            );
            report(pod, c, &comp, flag, msg, cx);
        }
    }
}
