use crate::analysis::node::apiserver_flags::check_authorization_includes;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers whose `--authorization-mode` does not list `RBAC`, including
    /// when it is not set (it defaults to `AlwaysAllow`). Modes are compared exactly, not as
    /// substrings. When `--authorization-config` (structured authorization) is set, the
    /// AuthorizationConfiguration file decides and the rule stays silent.
    ///
    /// ## Why is this bad?
    /// Without RBAC, Roles and ClusterRoles have no effect: authorization falls to the other modes
    /// (`AlwaysAllow` by default, or the legacy ABAC file) and least privilege cannot be expressed
    /// or audited.
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
    ///         - --authorization-mode=Node
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
    ///         - --authorization-mode=Node,RBAC
    /// ```
    ///
    /// ## How to fix
    /// Set `--authorization-mode=Node,RBAC`. With `Node`, also enable the `NodeRestriction`
    /// admission plugin (NODE006).
    pub ApiserverAuthorizationWithoutRbac {
        code: "NODE004",
        name: "apiserver-authorization-without-rbac",
        summary: "kube-apiserver authorization modes lack `RBAC`",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--authorization-mode=Node,RBAC` on kube-apiserver",
        checklist: ["components.1", "guide.rbac", "kube-bench"],
        cis: ["1.2.8"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverAuthorizationWithoutRbac {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        check_authorization_includes(pod, c, "RBAC", cx);
    }
}
