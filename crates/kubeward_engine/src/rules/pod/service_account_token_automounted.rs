use std::collections::HashMap;

use crate::context::Context;
use crate::cross::{Anchor, Cross, CrossDyn, FactList, Facts, ObjectHandle};
use crate::fix::{Fix, Safety};
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::workload::PodSpecView;
use crate::rule::Rule;

use crate::analysis::pod::account::named_service_account;

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
        targets: SNAPSHOT,
        remediation: "set `automountServiceAccountToken: false` on the pod spec or on its ServiceAccount",
        checklist: ["workload.4", "guide.automount", "kubeaudit"],
        cis: ["5.1.6"],
        since: "0.1.0",
        fix: Unsafe,
    }
}

/// What the rule keeps across objects.
pub enum Fact {
    /// A ServiceAccount.
    Account {
        /// `metadata.namespace`.
        namespace: Option<Box<str>>,
        /// `metadata.name`.
        name: Box<str>,
        /// Its `automountServiceAccountToken`.
        automount: Option<bool>,
    },
    /// A workload whose pod does not set `automountServiceAccountToken: false`.
    Workload {
        /// The workload (its namespace is the ServiceAccount's).
        handle: ObjectHandle,
        /// The ServiceAccount the pod names; `None` for `default`.
        account: Option<Box<str>>,
        /// Whether the pod sets `automountServiceAccountToken: true` (else it leaves it unset).
        automount: bool,
        /// The pod's `automountServiceAccountToken`.
        at: Anchor,
    },
}

impl Rule for ServiceAccountTokenAutomounted {
    fn cross(&self) -> Option<&dyn CrossDyn> {
        Some(self)
    }
}

impl Cross for ServiceAccountTokenAutomounted {
    type Fact = Fact;

    fn fact(&self, obj: &Object<'_>, facts: &Facts<'_>, out: &mut Vec<Fact>) {
        if obj.kind() == "ServiceAccount" && obj.group().is_empty() {
            out.push(Fact::Account {
                namespace: obj.namespace().map(Into::into),
                name: obj.name().into(),
                automount: obj.root.get("automountServiceAccountToken").and_then(Node::as_bool),
            });
        }
        let Some(pod) = PodSpecView::of(obj) else {
            return;
        };
        let automount = match pod.get("automountServiceAccountToken").and_then(Node::as_bool) {
            Some(false) => return,
            Some(true) => true,
            None => false,
        };
        let account = named_service_account(&pod).1.filter(|sa| *sa != "default").map(Into::into);
        let at = Anchor::of(obj, pod.path.key("automountServiceAccountToken"));
        out.push(Fact::Workload { handle: facts.handle(obj), account, automount, at });
    }

    fn finish(&self, facts: FactList<Fact>, cx: &mut Context<'_>) {
        // (namespace, name) → the ServiceAccount's `automountServiceAccountToken`.
        let mut accounts: HashMap<(Option<&str>, &str), Option<bool>> = HashMap::new();
        for f in &facts {
            if let Fact::Account { namespace, name, automount } = f {
                accounts.insert((namespace.as_deref(), name), *automount);
            }
        }
        for f in &facts {
            let Fact::Workload { handle, account, automount, at } = f else { continue };
            let sa = account.as_deref().unwrap_or("default");
            let msg = if *automount {
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
            let fix = Fix::set(Safety::Unsafe, at.path.clone(), serde_json::Value::Bool(false));
            cx.report_at(handle, at, msg).fix(fix);
        }
    }
}
