use crate::analysis::node::apiserver_flags::check_authorization_includes;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers whose `--authorization-mode` does not list `Node`, including
    /// when it is not set (it defaults to `AlwaysAllow`). Modes are compared exactly, not as
    /// substrings. When `--authorization-config` (structured authorization) is set, the
    /// AuthorizationConfiguration file decides and the rule stays silent.
    ///
    /// ## Why is this bad?
    /// Without the Node authorizer a kubelet's credentials are authorized by RBAC alone, typically
    /// the broad `system:node` role: a compromised node can read every Secret and ConfigMap in the
    /// cluster instead of only those of the pods scheduled on it.
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
    ///         - --authorization-mode=RBAC
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
    pub ApiserverAuthorizationWithoutNode {
        code: "NODE003",
        name: "apiserver-authorization-without-node",
        summary: "kube-apiserver authorization modes lack `Node`",
        severity: High,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--authorization-mode=Node,RBAC` on kube-apiserver",
        checklist: ["components.1", "guide.rbac", "kube-bench"],
        cis: ["1.2.7"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverAuthorizationWithoutNode {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        check_authorization_includes(pod, c, "Node", cx);
    }
}
