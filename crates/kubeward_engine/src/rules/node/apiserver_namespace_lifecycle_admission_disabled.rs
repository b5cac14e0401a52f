use crate::analysis::node::apiserver_flags::{admission_plugin, apiserver, report, shown};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers where the `NamespaceLifecycle` admission plugin is off:
    /// listed in `--disable-admission-plugins`, or missing from a legacy `--admission-control`
    /// list. It is on by default.
    ///
    /// ## Why is this bad?
    /// `NamespaceLifecycle` rejects objects in namespaces that do not exist or are being deleted,
    /// and protects `default`, `kube-system` and `kube-public` from deletion. Without it objects
    /// can be created in terminating namespaces and escape the cleanup and policies tied to them.
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
    ///         - --disable-admission-plugins=NamespaceLifecycle
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
    /// Remove `NamespaceLifecycle` from `--disable-admission-plugins`.
    pub ApiserverNamespaceLifecycleAdmissionDisabled {
        code: "NODE026",
        name: "apiserver-namespace-lifecycle-admission-disabled",
        summary: "kube-apiserver disables the NamespaceLifecycle admission plugin",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "remove `NamespaceLifecycle` from `--disable-admission-plugins` on kube-apiserver",
        checklist: ["kube-bench"],
        cis: ["1.2.13"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverNamespaceLifecycleAdmissionDisabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        let (on, flag) = admission_plugin(&comp, "NamespaceLifecycle");
        if !on {
            let msg = format!("kube-apiserver container `{}` does not enable the `NamespaceLifecycle` admission plugin (`--{flag}` {})", c.name(), shown(&comp, flag));
            report(pod, c, &comp, flag, msg, cx);
        }
    }
}
