use crate::analysis::node::apiserver_flags::{apiserver, report, shown};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers whose `--authorization-mode` lists `AlwaysAllow`, or is not
    /// set (it defaults to `AlwaysAllow`). When `--authorization-config` (structured authorization)
    /// is set, the AuthorizationConfiguration file decides and the rule stays silent.
    ///
    /// ## Why is this bad?
    /// With `AlwaysAllow` every authenticated request is allowed, whatever RBAC says: any service
    /// account token or kubelet credential is cluster-admin. Placed after other modes it still
    /// allows whatever they do not explicitly allow, which with RBAC (never denies) is everything.
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
    ///         - --authorization-mode=AlwaysAllow
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
    /// Set `--authorization-mode=Node,RBAC` (kubeadm's default), create the RBAC bindings the
    /// workloads need, and remove `AlwaysAllow`.
    pub ApiserverAuthorizationAlwaysAllow {
        code: "NODE002",
        name: "apiserver-authorization-always-allow",
        summary: "kube-apiserver authorizes every request (AlwaysAllow)",
        severity: Critical,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--authorization-mode=Node,RBAC` on kube-apiserver, without `AlwaysAllow`",
        checklist: ["components.1", "guide.rbac", "kube-bench"],
        cis: ["1.2.6"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverAuthorizationAlwaysAllow {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        if comp.flags.has("authorization-config") {
            return;
        }
        let msg = match comp.flags.get_list("authorization-mode") {
            None => format!("kube-apiserver container `{}` has `--authorization-mode` not set, defaults to `AlwaysAllow`: every request is authorized", c.name()),
            Some(modes) if modes.contains(&"AlwaysAllow") => {
                format!("kube-apiserver container `{}` has `--authorization-mode` {}: every request is authorized", c.name(), shown(&comp, "authorization-mode"))
            }
            Some(_) => return,
        };
        report(pod, c, &comp, "authorization-mode", msg, cx);
    }
}
