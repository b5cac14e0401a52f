use crate::analysis::node::component::ComponentKind;
use crate::analysis::node::plane_flags::component;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-controller-manager containers without `--root-ca-file`.
    ///
    /// ## Why is this bad?
    /// The controller manager publishes this CA bundle to every namespace
    /// (`kube-root-ca.crt`) and into service account token volumes. Without it pods have no
    /// CA to verify the API server's serving certificate and either fail or are configured to
    /// skip verification, which opens them to man-in-the-middle attacks.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-controller-manager, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-controller-manager
    ///       image: registry.k8s.io/kube-controller-manager:v1.33.1
    ///       command:
    ///         - kube-controller-manager
    ///         - --root-ca-file=
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-controller-manager, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-controller-manager
    ///       image: registry.k8s.io/kube-controller-manager:v1.33.1
    ///       command:
    ///         - kube-controller-manager
    ///         - --root-ca-file=/etc/kubernetes/pki/ca.crt
    /// ```
    ///
    /// ## How to fix
    /// Set `--root-ca-file` to the CA bundle that signed the API server's serving certificate.
    pub ControllerManagerRootCaFileUnset {
        code: "NODE044",
        name: "controller-manager-root-ca-file-unset",
        summary: "controller manager gives pods no CA to verify the API server",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--root-ca-file` on kube-controller-manager to the API server's CA bundle",
        checklist: ["components.2", "kube-bench"],
        cis: ["1.3.5"],
        since: "0.1.0",
    }
}

impl Rule for ControllerManagerRootCaFileUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = component(c, ComponentKind::ControllerManager) else { return };
        let flag = "root-ca-file";
        let state = match comp.flags.get(flag) {
            None => "is not set",
            Some(v) if v.trim().is_empty() => "is empty",
            Some(_) => return,
        };
        cx.report(
            pod.object,
            comp.path_of(flag),
            format!("controller manager container `{}` publishes no API server CA: `--{flag}` {state}", c.name()),
        )
        .container(c.name());
    }
}
