use crate::analysis::node::apiserver_flags::{apiserver, report, shown};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers with neither an audit log backend (`--audit-log-path`) nor
    /// an audit webhook backend (`--audit-webhook-config-file`): no audit events are written
    /// anywhere. The audit policy itself (`--audit-policy-file`, CIS 3.2) is checked separately.
    ///
    /// ## Why is this bad?
    /// Without audit logs there is no record of who read which Secret, who created a privileged pod
    /// or which requests RBAC denied: intrusions and misuse cannot be detected or investigated.
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
    ///         - --audit-policy-file=/etc/kubernetes/audit/policy.yaml
    ///         - --audit-log-path=/var/log/kubernetes/audit/audit.log
    /// ```
    ///
    /// ## How to fix
    /// Set `--audit-log-path=/var/log/kubernetes/audit/audit.log` with an `--audit-policy-file`,
    /// mount the directory from the host, and ship the file off the node (or use an audit webhook).
    pub ApiserverAuditLogDisabled {
        code: "NODE009",
        name: "apiserver-audit-log-disabled",
        summary: "kube-apiserver writes no audit log",
        severity: Medium,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--audit-log-path` (and `--audit-policy-file`) on kube-apiserver, or send audit events to a webhook backend",
        checklist: ["misc.1", "general.4", "components.5", "kube-bench"],
        cis: ["1.2.16"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverAuditLogDisabled {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else {
            return;
        };
        let webhook = comp.flags.get("audit-webhook-config-file").is_some_and(|v| !v.is_empty());
        if comp.flags.get("audit-log-path").is_none_or(str::is_empty) && !webhook {
            let msg = format!("kube-apiserver container `{}` has `--audit-log-path` {} and no audit webhook: no audit events are recorded", c.name(), shown(&comp, "audit-log-path"));
            report(pod, c, &comp, "audit-log-path", msg, cx);
        }
    }
}
