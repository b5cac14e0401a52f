use std::collections::HashMap;

use crate::context::Context;
use crate::fix::{Fix, Safety};
use crate::inventory::Inventory;
use crate::rule::Rule;

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
    ///
    /// ## Fix safety
    /// **Unsafe** (applied with `--unsafe-fixes`): `automountServiceAccountToken: false` removes
    /// the token from the pod, and an application that calls the Kubernetes API (controllers,
    /// operators, service discovery libraries, CI runners) gets `401 Unauthorized`.
    pub ServiceAccountTokenAutomounted {
        code: "POD019",
        name: "service-account-token-automounted",
        summary: "pod gets a service account token it may not need",
        severity: Medium,
        category: Pod,
        targets: INVENTORY,
        remediation: "set `automountServiceAccountToken: false` on the pod spec or on its ServiceAccount",
        checklist: ["workload.4", "guide.automount", "kubeaudit"],
        cis: ["5.1.6"],
        since: "0.1.0",
        fix: Unsafe,
    }
}

impl Rule for ServiceAccountTokenAutomounted {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        // (namespace, name) → the ServiceAccount's `automountServiceAccountToken`.
        let mut accounts: HashMap<(Option<&str>, &str), Option<bool>> = HashMap::new();
        for a in inv.service_accounts() {
            accounts.insert((a.namespace.as_deref(), &a.name), a.automount);
        }
        for w in inv.workloads() {
            let automount = match w.automount {
                Some(false) => continue,
                Some(true) => true,
                None => false,
            };
            let handle = &w.handle;
            let sa = w.service_account.as_deref().unwrap_or("default");
            let msg = if automount {
                format!("pod mounts the token of ServiceAccount `{sa}` (`automountServiceAccountToken: true`)")
            } else {
                match accounts.get(&(handle.namespace(), sa)) {
                    Some(Some(false)) => continue,
                    Some(_) => format!(
                        "pod mounts the token of ServiceAccount `{sa}`: neither the pod nor the ServiceAccount sets `automountServiceAccountToken: false`"
                    ),
                    None => format!(
                        "pod mounts the token of ServiceAccount `{sa}`: the pod does not set `automountServiceAccountToken: false` and the ServiceAccount is not in the scanned files"
                    ),
                }
            };
            let at = w.automount_anchor();
            let fix = Fix::set(Safety::Unsafe, at.path.clone(), serde_json::Value::Bool(false));
            cx.report_at(handle, &at, msg).fix(fix);
        }
    }
}
