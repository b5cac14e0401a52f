use crate::context::Context;
use crate::input::object::Object;
use crate::rule::Rule;

use crate::analysis::rbac::{describe, is_builtin_default, policy_rules, ticked};

crate::declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant `create` (or `*`) on `pods`, or on a
    /// controller that creates pods from a template: `replicationcontrollers`, `deployments`,
    /// `daemonsets`, `statefulsets`, `replicasets` (`apps`, `extensions`), `jobs` and `cronjobs`
    /// (`batch`). One finding per rule item. Rules limited by `resourceNames` are skipped (a
    /// `create` cannot be limited by name: such a rule grants nothing). The built-in roles of
    /// Kubernetes (`admin`, `edit`, controllers' `system:` roles, labelled
    /// `kubernetes.io/bootstrapping: rbac-defaults`) are not reported.
    ///
    /// ## Why is this bad?
    /// Whoever can create a pod in a namespace can mount any Secret of that namespace, run as
    /// any of its ServiceAccounts, and, where admission allows it, run a privileged pod or
    /// mount the host's filesystem: pod creation is worth the sum of the namespace's
    /// credentials (CIS 5.1.4). Updating a controller's template gives the same power; only
    /// `create` is reported here.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata: {name: runner, namespace: ci}
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods"]
    ///     verbs: ["get", "list", "create", "delete"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata: {name: runner, namespace: ci}
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods", "pods/log"]
    ///     verbs: ["get", "list"]
    /// ```
    ///
    /// ## How to fix
    /// Keep pod and workload creation for deployment pipelines and operators that need it, in
    /// the namespaces they manage, and enforce the Pod Security Standards (`restricted`) there
    /// so created pods cannot reach the node. Exempt such roles with `kubeward.io/ignore:
    /// RBAC009` and a reason.
    pub PodCreateAccess {
        code: "RBAC009",
        name: "pod-create-access",
        summary: "role can create pods or workloads",
        severity: Medium,
        category: Rbac,
        targets: OBJECT,
        remediation: "remove `create` on pods and workload controllers unless the subject deploys workloads; enforce Pod Security Standards where it does",
        checklist: ["guide.rbac", "workload.1"],
        cis: ["5.1.4"],
        since: "0.1.0",
    }
}

/// Resources whose creation creates pods, by API group.
const TARGETS: &[(&str, &[&str])] = &[
    ("", &["pods", "replicationcontrollers"]),
    ("apps", &["deployments", "daemonsets", "statefulsets", "replicasets"]),
    ("extensions", &["deployments", "daemonsets", "replicasets"]),
    ("batch", &["jobs", "cronjobs"]),
];

impl Rule for PodCreateAccess {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if is_builtin_default(obj) {
            return;
        }
        for r in policy_rules(obj) {
            if r.has_resource_names() {
                continue;
            }
            let Some(vi) = r.verb_index("create") else {
                continue;
            };
            let mut matched: Vec<&str> = Vec::new();
            for (group, resources) in TARGETS {
                for res in *resources {
                    if r.grants("create", group, res) && !matched.contains(res) {
                        matched.push(res);
                    }
                }
            }
            let Some((i, what)) = r.describe_resources(&matched) else {
                continue;
            };
            let verb = r.list("verbs").find(|(j, _)| *j == vi).map_or("create", |x| x.1);
            cx.report(
                obj,
                r.item_path("resources", i),
                format!("{} grants {} on {what}", describe(obj), ticked(&[verb])),
            );
        }
    }
}
