use crate::analysis::node::component::ComponentKind;
use crate::analysis::node::plane_flags::component;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-controller-manager containers without `--service-account-private-key-file`.
    ///
    /// ## Why is this bad?
    /// The controller manager signs the service account tokens it issues with this key. Without
    /// it the token controller does not run, and setups work around it with long-lived secrets
    /// or shared keys. CIS 1.3.4 requires the key, paired with the API server's
    /// `--service-account-key-file`, so tokens can be verified and keys rotated.
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
    ///         - --root-ca-file=/etc/kubernetes/pki/ca.crt
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
    ///         - --service-account-private-key-file=/etc/kubernetes/pki/sa.key
    /// ```
    ///
    /// ## How to fix
    /// Set `--service-account-private-key-file` to the service account signing key whose public
    /// half the API server lists in `--service-account-key-file`.
    pub ControllerManagerServiceAccountPrivateKeyUnset {
        code: "NODE043",
        name: "controller-manager-service-account-private-key-unset",
        summary: "controller manager has no service account signing key",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--service-account-private-key-file` on kube-controller-manager to the service account signing key",
        checklist: ["kube-bench"],
        cis: ["1.3.4"],
        since: "0.1.0",
    }
}

impl Rule for ControllerManagerServiceAccountPrivateKeyUnset {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = component(c, ComponentKind::ControllerManager) else { return };
        let flag = "service-account-private-key-file";
        let state = match comp.flags.get(flag) {
            None => "is not set",
            Some(v) if v.trim().is_empty() => "is empty",
            Some(_) => return,
        };
        cx.report(
            pod.object,
            comp.path_of(flag),
            format!(
                "controller manager container `{}` has no service account signing key: `--{flag}` {state}",
                c.name()
            ),
        )
        .container(c.name());
    }
}
