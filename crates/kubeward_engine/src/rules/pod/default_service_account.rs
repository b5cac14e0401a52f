use crate::context::Context;
use crate::input::node::Node;
use crate::input::workload::PodSpecView;
use crate::rule::Rule;

use crate::analysis::pod::account::named_service_account;

crate::declare_rule! {
    /// ## What it does
    /// Flags pods that run as the namespace's `default` ServiceAccount: `serviceAccountName`
    /// (or the deprecated `serviceAccount`) unset, empty or `default`. A pod that also sets
    /// `automountServiceAccountToken: false` gets no credentials from it and is not reported.
    ///
    /// ## Why is this bad?
    /// Every pod of the namespace that does not name a ServiceAccount shares `default`.
    /// Permissions granted to it for one workload go to all of them, and a binding meant for
    /// one is an escalation path for every other; nor can audit logs tell the workloads apart.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   serviceAccountName: app
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    /// ```
    ///
    /// ## How to fix
    /// Create a ServiceAccount per workload, grant it only what it needs, and set
    /// `serviceAccountName`. Leave the `default` ServiceAccount without bindings and with
    /// `automountServiceAccountToken: false`.
    pub DefaultServiceAccount {
        code: "POD020",
        name: "default-service-account",
        summary: "pod runs as the default service account",
        severity: Low,
        category: Pod,
        targets: POD_SPEC,
        remediation: "create a ServiceAccount for the workload with only the permissions it needs and set `serviceAccountName`",
        checklist: ["components.6", "guide.rbac", "kubeaudit"],
        cis: ["5.1.5"],
        since: "0.1.0",
    }
}

impl Rule for DefaultServiceAccount {
    fn check_pod(&self, pod: &PodSpecView<'_>, cx: &mut Context<'_>) {
        if pod.get("automountServiceAccountToken").and_then(Node::as_bool) == Some(false) {
            return;
        }
        let (field, sa) = named_service_account(pod);
        let msg = match sa {
            // A Pod read from the API server (cluster or admission input, no file): its
            // ServiceAccount admission sets `serviceAccountName: default` on every Pod that
            // names none, so the field does not say that anyone wrote it. (Pod templates are
            // not defaulted: there it was written.)
            Some("default") if pod.object.origin.file.is_none() && pod.object.kind() == "Pod" => format!(
                "pod runs as the `default` ServiceAccount (`{field}: default`, which the API server also sets on a pod that names none)"
            ),
            Some("default") => format!("pod names the `default` ServiceAccount explicitly (`{field}: default`)"),
            Some(_) => return,
            None => "pod runs as the `default` ServiceAccount (no `serviceAccountName`)".to_string(),
        };
        cx.report(pod.object, pod.path.key(field), msg);
    }
}
