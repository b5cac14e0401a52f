use crate::analysis::node::apiserver_flags::{admission_plugin, apiserver, report, shown};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers where the `ServiceAccount` admission plugin is off: listed
    /// in `--disable-admission-plugins`, or missing from a legacy `--admission-control` list. It is
    /// on by default.
    ///
    /// ## Why is this bad?
    /// The `ServiceAccount` plugin assigns pods a service account, mounts its projected token and
    /// rejects pods that reference missing service accounts. Without it pods run without the
    /// identity and token handling RBAC policies are written for.
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
    ///         - --disable-admission-plugins=ServiceAccount
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
    /// Remove `ServiceAccount` from `--disable-admission-plugins`.
    pub ApiserverServiceAccountAdmissionDisabled {
        code: "NODE025",
        name: "apiserver-service-account-admission-disabled",
        summary: "kube-apiserver disables the ServiceAccount admission plugin",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "remove `ServiceAccount` from `--disable-admission-plugins` on kube-apiserver",
        checklist: ["kube-bench"],
        cis: ["1.2.12"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverServiceAccountAdmissionDisabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        let (on, flag) = admission_plugin(&comp, "ServiceAccount");
        if !on {
            let msg = format!(
                "kube-apiserver container `{}` does not enable the `ServiceAccount` admission plugin (`--{flag}` {})",
                c.name(),
                shown(&comp, flag)
            );
            report(pod, c, &comp, flag, msg, cx);
        }
    }
}
