use std::collections::HashMap;

use crate::context::Context;
use crate::fix::{Fix, Safety};
use crate::input::node::Node;
use crate::input::workload::PodSpecView;
use crate::rule::{Rule, RuleMeta};
use crate::snapshot::Snapshot;

use super::account_helpers::named_service_account;

crate::declare_rule! {
    /// ## What it does
    /// Flags pods that get a ServiceAccount token mounted: the pod's
    /// `automountServiceAccountToken` is not `false`. The pod's setting wins when it is written;
    /// when it is not, the ServiceAccount's own `automountServiceAccountToken` decides, if that
    /// ServiceAccount (same namespace; `serviceAccountName`, or `default`) is in the scanned
    /// files. Objects without `metadata.namespace` are matched with each other.
    ///
    /// ## Why is this bad?
    /// The token is a credential for the Kubernetes API, readable by any process of the pod. An
    /// attacker with code execution in the container gets the ServiceAccount's permissions (and
    /// can probe the API server for misconfigurations) without any further exploit. Most
    /// workloads never call the API.
    ///
    /// ## Example
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
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   serviceAccountName: app
    ///   automountServiceAccountToken: false
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    /// ```
    ///
    /// ## How to fix
    /// Set `automountServiceAccountToken: false` on the pod spec, or on the ServiceAccount when
    /// none of its pods needs the API. A workload that does call the API keeps the token and
    /// gets a documented exemption (and a ServiceAccount with minimal permissions).
    pub ServiceAccountTokenAutomounted {
        code: "POD019",
        name: "service-account-token-automounted",
        summary: "pod gets a service account token it may not need",
        severity: Medium,
        category: Pod,
        targets: SNAPSHOT,
        remediation: "set `automountServiceAccountToken: false` on the pod spec or on its ServiceAccount",
        checklist: ["workload.4", "guide.automount", "kubeaudit"],
        cis: ["5.1.6"],
        since: "0.1.0",
        fix: Unsafe,
    }
}

impl Rule for ServiceAccountTokenAutomounted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_snapshot(&self, snap: &Snapshot, cx: &mut Context<'_>) {
        let objects = snap.objects();
        // (namespace, name) → the ServiceAccount's `automountServiceAccountToken`.
        let mut accounts: HashMap<(Option<&str>, &str), Option<bool>> = HashMap::new();
        for o in &objects {
            if o.kind() == "ServiceAccount" && o.group().is_empty() {
                let automount = o.root.get("automountServiceAccountToken").and_then(Node::as_bool);
                accounts.insert((o.namespace(), o.name()), automount);
            }
        }
        for o in &objects {
            let Some(pod) = PodSpecView::of(o) else {
                continue;
            };
            let path = pod.path.key("automountServiceAccountToken");
            let fix = Fix::set(Safety::Unsafe, path.clone(), serde_json::Value::Bool(false));
            let sa = named_service_account(&pod).1.unwrap_or("default");
            match pod.get("automountServiceAccountToken").and_then(Node::as_bool) {
                Some(false) => {}
                Some(true) => {
                    cx.report(
                        o,
                        path,
                        format!("pod mounts the token of ServiceAccount `{sa}` (`automountServiceAccountToken: true`)"),
                    )
                    .fix(fix.clone());
                }
                None => match accounts.get(&(o.namespace(), sa)) {
                    Some(Some(false)) => {}
                    Some(_) => {
                        cx.report(
                            o,
                            path,
                            format!(
                                "pod mounts the token of ServiceAccount `{sa}`: neither the pod nor the ServiceAccount sets `automountServiceAccountToken: false`"
                            ),
                        )
                        .fix(fix.clone());
                    }
                    None => {
                        cx.report(
                            o,
                            path,
                            format!(
                                "pod mounts the token of ServiceAccount `{sa}`: the pod does not set `automountServiceAccountToken: false` and the ServiceAccount is not in the scanned files"
                            ),
                        )
                        .fix(fix.clone());
                    }
                },
            }
        }
    }
}
