use crate::analysis::node::apiserver_flags::{admission_plugin, apiserver, report, shown};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers that enable the deprecated `AlwaysAdmit` admission plugin in
    /// `--enable-admission-plugins` (or the legacy `--admission-control`). Plugin names are
    /// compared exactly.
    ///
    /// ## Why is this bad?
    /// `AlwaysAdmit` admits every request by itself. It is deprecated, does nothing useful, and
    /// signals a configuration that meant to switch admission control off; CIS requires it be
    /// absent.
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
    ///         - --enable-admission-plugins=NodeRestriction,AlwaysAdmit
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
    /// Remove `AlwaysAdmit` from `--enable-admission-plugins` and rely on the default plugins plus
    /// `NodeRestriction`.
    pub ApiserverAlwaysAdmitEnabled {
        code: "NODE005",
        name: "apiserver-always-admit-enabled",
        summary: "kube-apiserver enables the AlwaysAdmit admission plugin",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "remove `AlwaysAdmit` from `--enable-admission-plugins` on kube-apiserver",
        checklist: ["kube-bench"],
        cis: ["1.2.10"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverAlwaysAdmitEnabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        let (on, flag) = admission_plugin(&comp, "AlwaysAdmit");
        if on {
            let msg = format!(
                "kube-apiserver container `{}` enables the `AlwaysAdmit` admission plugin (`--{flag}` {})",
                c.name(),
                shown(&comp, flag)
            );
            report(pod, c, &comp, flag, msg, cx);
        }
    }
}
