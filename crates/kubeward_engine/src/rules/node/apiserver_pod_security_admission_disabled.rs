use crate::analysis::node::apiserver_flags::{admission_plugin, apiserver, report, shown};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers where the `PodSecurity` admission plugin is off: listed in
    /// `--disable-admission-plugins`, or missing from a legacy `--admission-control` list (which
    /// replaces the default set). It is on by default since Kubernetes 1.23.
    ///
    /// ## Why is this bad?
    /// Pod Security Admission enforces the `pod-security.kubernetes.io/*` namespace labels. With it
    /// disabled those labels are silently ignored and any user who can create pods can run
    /// privileged or host-namespace pods.
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
    ///         - --disable-admission-plugins=PodSecurity
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
    /// Remove `PodSecurity` from `--disable-admission-plugins` (or add it to the
    /// `--admission-control` list) and label namespaces with the Pod Security Standard they must
    /// meet.
    pub ApiserverPodSecurityAdmissionDisabled {
        code: "NODE007",
        name: "apiserver-pod-security-admission-disabled",
        summary: "kube-apiserver disables the PodSecurity admission plugin",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "remove `PodSecurity` from `--disable-admission-plugins` on kube-apiserver",
        checklist: ["workload.5", "guide.psp"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for ApiserverPodSecurityAdmissionDisabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        let (on, flag) = admission_plugin(&comp, "PodSecurity");
        if !on {
            let msg = format!(
                "kube-apiserver container `{}` does not enable the `PodSecurity` admission plugin (`--{flag}` {})",
                c.name(),
                shown(&comp, flag)
            );
            report(pod, c, &comp, flag, msg, cx);
        }
    }
}
