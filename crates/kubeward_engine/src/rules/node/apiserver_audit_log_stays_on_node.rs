use crate::analysis::node::apiserver_flags::{apiserver, report};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports kube-apiserver containers that write audit events to a log on the node
    /// (`--audit-log-path`) without an audit webhook backend (`--audit-webhook-config-file`)
    /// that sends them off the node. It is informational: a log shipper (Fluent Bit, Vector,
    /// the cloud's agent) may collect the file, which kubeward cannot see; the finding names the
    /// path to collect. `--audit-log-path=-` writes to the API server's stdout, which is kept
    /// with the container logs on the same node.
    ///
    /// ## Why is this bad?
    /// An attacker who gets root on a control-plane node can delete or rewrite the local audit
    /// log, erasing the record of what they did through the API. Events that leave the node as
    /// they are written (a webhook to a log service, or a shipper that forwards the file at
    /// once) survive the node's compromise.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: kube-apiserver, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: kube-apiserver
    ///       image: registry.k8s.io/kube-apiserver:v1.35.9
    ///       command:
    ///         - kube-apiserver
    ///         - --audit-policy-file=/etc/kubernetes/audit/policy.yaml
    ///         - --audit-log-path=/var/log/kubernetes/audit/audit.log
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
    ///       image: registry.k8s.io/kube-apiserver:v1.35.9
    ///       command:
    ///         - kube-apiserver
    ///         - --audit-policy-file=/etc/kubernetes/audit/policy.yaml
    ///         - --audit-log-path=/var/log/kubernetes/audit/audit.log
    ///         - --audit-webhook-config-file=/etc/kubernetes/audit/webhook.kubeconfig
    /// ```
    ///
    /// ## How to fix
    /// Add an audit webhook backend (`--audit-webhook-config-file`, a kubeconfig naming the
    /// log service) next to the log file, or make sure a log shipper forwards the
    /// `--audit-log-path` file off the node as it is written; then ignore this rule in
    /// `.kubeward.yaml` with the reason.
    pub ApiserverAuditLogStaysOnNode {
        code: "NODE090",
        name: "apiserver-audit-log-stays-on-node",
        summary: "kube-apiserver audit events are only written on the node",
        severity: Info,
        category: Node,
        targets: CONTAINER,
        remediation: "add `--audit-webhook-config-file` or ship the `--audit-log-path` file off the node as it is written",
        checklist: ["general.4", "misc.1"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for ApiserverAuditLogStaysOnNode {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(comp) = apiserver(c) else { return };
        if comp.flags.get("audit-webhook-config-file").is_some_and(|v| !v.is_empty()) {
            return;
        }
        let Some(path) = comp.flags.get("audit-log-path").filter(|v| !v.is_empty()) else { return };
        let msg = if path == "-" {
            format!("kube-apiserver container `{}` writes audit events to its stdout (`--audit-log-path=-`) and has no audit webhook: they stay with the container logs on the node", c.name())
        } else {
            format!("kube-apiserver container `{}` writes audit events to `{path}` on the node and has no audit webhook: collect that file off the node", c.name())
        };
        report(pod, c, &comp, "audit-log-path", msg, cx);
    }
}
