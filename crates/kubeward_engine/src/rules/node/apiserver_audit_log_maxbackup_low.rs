use crate::analysis::node::apiserver_flags::check_audit_retention;
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags kube-apiserver containers that write an audit log file (`--audit-log-path` set, not
    /// `-`) with `--audit-log-maxbackup` below 10. `0` (the default) keeps every rotated file, so
    /// an unset flag is not a finding (kube-bench reports it).
    ///
    /// ## Why is this bad?
    /// Only this many rotated audit files are kept: a small number lets a burst of requests (or an
    /// attacker generating noise) push the interesting events out of the retained files.
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
    ///         - --audit-log-maxbackup=1
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
    ///         - --audit-log-maxbackup=10
    /// ```
    ///
    /// ## How to fix
    /// Set `--audit-log-maxbackup=10` or more (the CIS recommendation), sized to the node's disk
    /// and to how long the logs are kept elsewhere.
    pub ApiserverAuditLogMaxbackupLow {
        code: "NODE011",
        name: "apiserver-audit-log-maxbackup-low",
        summary: "kube-apiserver keeps fewer than 10 rotated audit log files",
        severity: Low,
        category: Node,
        targets: CONTAINER,
        remediation: "set `--audit-log-maxbackup=10` or more on kube-apiserver",
        checklist: ["misc.1", "general.4", "kube-bench"],
        cis: ["1.2.18"],
        since: "0.1.0",
    }
}

impl Rule for ApiserverAuditLogMaxbackupLow {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        check_audit_retention(pod, c, "audit-log-maxbackup", 10, cx);
    }
}
