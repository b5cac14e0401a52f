use crate::analysis::node::apiserver_flags::check_audit_retention;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers that write an audit log file (`--audit-log-path` set, not
    /// `-`) with `--audit-log-maxage` below 30. `0` (the default) keeps rotated files regardless of
    /// age, so an unset flag is not a finding (kube-bench reports it).
    ///
    /// ## Why is this bad?
    /// Rotated audit files older than this many days are deleted: a short retention loses the
    /// evidence of an intrusion discovered weeks later.
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
    ///         - --audit-log-maxage=3
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
    ///         - --audit-log-maxage=30
    /// ```
    ///
    /// ## How to fix
    /// Set `--audit-log-maxage=30` or more (the CIS recommendation), sized to the node's disk and
    /// to how long the logs are kept elsewhere.
    pub ApiserverAuditLogMaxageLow {
        code: "NODE010",
        name: "apiserver-audit-log-maxage-low",
        summary: "kube-apiserver deletes audit logs after fewer than 30 days",
        severity: Low,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--audit-log-maxage=30` or more on kube-apiserver",
        checklist: ["misc.1", "general.4", "kube-bench"],
        cis: ["1.2.17"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverAuditLogMaxageLow {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        check_audit_retention(pod, c, "audit-log-maxage", 30, cx);
    }
}
