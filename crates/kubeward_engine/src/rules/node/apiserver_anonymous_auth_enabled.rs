use crate::analysis::node::apiserver_flags::{apiserver, report, shown_bool};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers (static pod manifests) whose `--anonymous-auth` is `true` or
    /// not set: the flag defaults to `true`. When `--authentication-config` is set and the flag is
    /// not, the AuthenticationConfiguration file decides and the rule stays silent. This is CIS
    /// 1.2.1 (Manual in CIS 1.12, so kube-bench only warns).
    ///
    /// ## Why is this bad?
    /// Requests with no credentials are served as `system:anonymous` in group
    /// `system:unauthenticated`. Any RBAC binding to those subjects (added by mistake or by a
    /// chart) opens the API to the network; anonymous access also exposes discovery and version
    /// data that help an attacker.
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
    ///         - --authorization-mode=Node,RBAC
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
    /// Add `--anonymous-auth=false` to the kube-apiserver command. kubeadm keeps anonymous access
    /// on for `/livez`, `/readyz` and `/healthz` probes: from Kubernetes 1.32, an
    /// AuthenticationConfiguration `anonymous` section can allow it only for those paths; otherwise
    /// probe with credentials.
    pub ApiserverAnonymousAuthEnabled {
        code: "NODE001",
        name: "apiserver-anonymous-auth-enabled",
        summary: "kube-apiserver accepts anonymous requests",
        severity: Critical,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--anonymous-auth=false` on kube-apiserver (or restrict anonymous access to health endpoints in an AuthenticationConfiguration)",
        checklist: ["guide.anonymous-auth", "kube-bench"],
        cis: ["1.2.1"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverAnonymousAuthEnabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        match comp.flags.get_bool("anonymous-auth") {
            Some(false) => {}
            None if comp.flags.has("anonymous-auth") => {}
            None if comp.flags.has("authentication-config") => {}
            v => {
                let state = if v.is_some() {
                    shown_bool(&comp, "anonymous-auth")
                } else {
                    "not set, defaults to `true`".to_string()
                };
                let msg = format!(
                    "kube-apiserver container `{}` has `--anonymous-auth` {state}: anonymous requests are accepted",
                    c.name()
                );
                report(pod, c, &comp, "anonymous-auth", msg, cx);
            }
        }
    }
}
