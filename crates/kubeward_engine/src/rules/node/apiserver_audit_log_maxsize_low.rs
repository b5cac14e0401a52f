use crate::analysis::node::apiserver_flags::check_audit_retention;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers that write an audit log file (`--audit-log-path` set, not
    /// `-`) with `--audit-log-maxsize` below 100. `0` (the default) rotates at 100 MB, so an unset
    /// flag is not a finding (kube-bench reports it).
    ///
    /// ## Why is this bad?
    /// Audit files rotate at this size in megabytes; together with the number of rotated files kept
    /// it bounds how much history survives. Small files with few backups keep little history.
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
    ///         - --audit-log-path=/var/log/kubernetes/audit/audit.log
    ///         - --audit-log-maxsize=10
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
    ///         - --audit-log-path=/var/log/kubernetes/audit/audit.log
    ///         - --audit-log-maxsize=100
    /// ```
    ///
    /// ## How to fix
    /// Set `--audit-log-maxsize=100` or more (the CIS recommendation), sized to the node's disk and
    /// to how long the logs are kept elsewhere.
    pub ApiserverAuditLogMaxsizeLow {
        code: "NODE012",
        name: "apiserver-audit-log-maxsize-low",
        summary: "kube-apiserver rotates audit logs below 100 MB",
        severity: Low,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--audit-log-maxsize=100` or more on kube-apiserver",
        checklist: ["misc.1", "general.4", "kube-bench"],
        cis: ["1.2.19"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverAuditLogMaxsizeLow {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        check_audit_retention(pod, c, "audit-log-maxsize", 100, cx);
    }
}
