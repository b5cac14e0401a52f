use crate::analysis::node::component::ComponentKind;
use crate::analysis::node::plane_flags::{component, written};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-controller-manager containers whose `--use-service-account-credentials` is
    /// not `true`. It defaults to `false`.
    ///
    /// ## Why is this bad?
    /// Without it every controller runs with the controller manager's own, very broad
    /// credentials instead of a per-controller service account bound to a narrow role: a
    /// compromised or buggy controller can do anything any controller can, and the audit log
    /// cannot tell the controllers apart.
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
    ///         - --use-service-account-credentials=false
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
    ///         - --use-service-account-credentials=true
    /// ```
    ///
    /// ## How to fix
    /// Set `--use-service-account-credentials=true` (kubeadm does). RBAC must be enabled: the
    /// `system:controller:*` roles grant each controller what it needs.
    pub ControllerManagerServiceAccountCredentialsDisabled {
        code: "NODE042",
        name: "controller-manager-service-account-credentials-disabled",
        summary: "controllers share the controller manager's credentials",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--use-service-account-credentials=true` on kube-controller-manager",
        checklist: ["guide.rbac", "kube-bench"],
        cis: ["1.3.3"],
        since: "0.1.0",
    }
}

impl Rule for ControllerManagerServiceAccountCredentialsDisabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = component(c, ComponentKind::ControllerManager) else { return };
        let flag = "use-service-account-credentials";
        let what = match comp.flags.get_bool(flag) {
            Some(true) => return,
            _ if !comp.flags.has(flag) => format!("`--{flag}` is not set, defaults to false"),
            _ => written(&comp, flag),
        };
        cx.report(
            pod.object,
            comp.path_of(flag),
            format!(
                "controller manager container `{}` runs every controller with its own credentials: {what}",
                c.name()
            ),
        )
        .container(c.name());
    }
}
