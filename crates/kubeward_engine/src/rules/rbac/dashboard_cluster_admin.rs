use std::collections::HashSet;

use crate::context::Context;
use crate::input::object::Object;
use crate::rule::{Rule, RuleMeta, Severity};
use crate::snapshot::Snapshot;

use super::helpers::{describe, policy_rules, rbac_kind, role_ref, subjects, RbacKind, Subject};

crate::declare_rule! {
    /// ## What it does
    /// Flags bindings that grant full control of the cluster to the Kubernetes Dashboard's
    /// ServiceAccount (a ServiceAccount subject named `kubernetes-dashboard`, or with
    /// `dashboard` in its name):
    /// - the ClusterRole `cluster-admin`, in any binding;
    /// - a ClusterRole of the scanned files with a rule allowing `*` verbs on `*` resources
    ///   (a home-made cluster-admin), found across the scanned files.
    ///
    /// A RoleBinding gives that power in one namespace only and is reported with high severity.
    ///
    /// ## Why is this bad?
    /// The dashboard is a web application, often exposed, and older releases let visitors act
    /// with its ServiceAccount. Making that ServiceAccount cluster-admin turns any access to
    /// the dashboard (a leaked URL, a skipped login, a cross-site request, a vulnerability)
    /// into full control of the cluster: the Tesla cryptojacking incident started exactly so.
    /// RBAC002 also reports `cluster-admin` bindings in general; this rule singles out the
    /// most exposed case.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata: {name: kubernetes-dashboard}
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: cluster-admin
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: kubernetes-dashboard
    ///     namespace: kubernetes-dashboard
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata: {name: kubernetes-dashboard}
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: kubernetes-dashboard-metrics
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: kubernetes-dashboard
    ///     namespace: kubernetes-dashboard
    /// ```
    ///
    /// ## How to fix
    /// Bind the dashboard's ServiceAccount to the minimal role its manifests ship with, and
    /// let users log in with their own token: the dashboard then acts with each user's
    /// permissions, not its own.
    pub DashboardClusterAdmin {
        code: "RBAC013",
        name: "dashboard-cluster-admin",
        summary: "dashboard service account is bound to cluster-admin",
        severity: Critical,
        category: Rbac,
        targets: OBJECT | SNAPSHOT,
        remediation: "bind the dashboard's ServiceAccount to its minimal role and let users log in with their own token",
        checklist: ["components.4", "guide.rbac"],
        cis: ["5.1.1"],
        since: "0.1.0",
    }
}

fn dashboard_subject<'a>(obj: &Object<'a>) -> Option<Subject<'a>> {
    subjects(obj).into_iter().find(|s| s.is_service_account() && s.name.contains("dashboard"))
}

fn report(obj: &Object<'_>, what: &str, cx: &mut Context<'_>) {
    let Some(s) = dashboard_subject(obj) else {
        return;
    };
    if rbac_kind(obj) == Some(RbacKind::RoleBinding) {
        let ns = obj.namespace().map_or_else(|| "its namespace".to_string(), |n| format!("namespace `{n}`"));
        let msg = format!("{} grants {what} in {ns} to the dashboard's {}", describe(obj), s.describe(obj));
        cx.report(obj, s.path.clone(), msg).severity(Severity::High);
    } else {
        let msg = format!("{} grants {what} to the dashboard's {}", describe(obj), s.describe(obj));
        cx.report(obj, s.path.clone(), msg);
    }
}

impl Rule for DashboardClusterAdmin {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if role_ref(obj).is_some_and(|r| r.is_cluster_role("cluster-admin")) {
            report(obj, "`cluster-admin`", cx);
        }
    }

    fn check_snapshot(&self, snap: &Snapshot, cx: &mut Context<'_>) {
        let objects = snap.objects();
        let wildcard_roles: HashSet<&str> = objects
            .iter()
            .filter(|o| rbac_kind(o) == Some(RbacKind::ClusterRole) && o.name() != "cluster-admin")
            .filter(|o| {
                policy_rules(o).iter().any(|r| r.wildcard("verbs").is_some() && r.wildcard("resources").is_some())
            })
            .map(Object::name)
            .collect();
        if wildcard_roles.is_empty() {
            return;
        }
        for o in &objects {
            let Some(r) = role_ref(o) else {
                continue;
            };
            if r.kind == "ClusterRole" && wildcard_roles.contains(r.name) {
                report(o, &format!("cluster role `{}`, which allows `*` on `*` in the scanned files,", r.name), cx);
            }
        }
    }
}
