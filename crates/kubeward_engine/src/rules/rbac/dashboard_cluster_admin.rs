use std::collections::HashSet;

use crate::analysis::rbac::{describe, rbac_kind, role_ref, subjects, RbacKind, Subject};
use crate::context::Context;
use crate::input::object::Object;
use crate::inventory::{BindingSubject, Inventory};
use crate::rule::{Rule, Severity};

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
        targets: OBJECT | INVENTORY,
        remediation: "bind the dashboard's ServiceAccount to its minimal role and let users log in with their own token",
        checklist: ["components.4", "guide.rbac"],
        cis: ["5.1.1"],
        since: "0.1.0",
    }
}

fn is_dashboard(s: &Subject<'_>) -> bool {
    s.is_service_account() && s.name.contains("dashboard")
}

/// [`is_dashboard`] of a subject kept in the inventory.
fn is_dashboard_fact(s: &BindingSubject) -> bool {
    &*s.kind == "ServiceAccount" && s.name.contains("dashboard")
}

fn dashboard_subject<'a>(obj: &Object<'a>) -> Option<Subject<'a>> {
    subjects(obj).into_iter().find(is_dashboard)
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
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if role_ref(obj).is_some_and(|r| r.is_cluster_role("cluster-admin")) {
            report(obj, "`cluster-admin`", cx);
        }
    }

    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let wildcard_roles: HashSet<&str> = inv.roles().iter().filter(|r| r.allows_all).map(|r| &*r.name).collect();
        if wildcard_roles.is_empty() {
            return;
        }
        for b in inv.bindings() {
            // Bindings to `cluster-admin` are the per-object check's (and the name is never
            // among the wildcard roles).
            let Some(("ClusterRole", role)) = b.role_ref.as_ref().map(|(k, n)| (&**k, &**n)) else { continue };
            if role == "cluster-admin" || !wildcard_roles.contains(role) {
                continue;
            }
            let Some(s) = b.subjects.iter().find(|s| is_dashboard_fact(s)) else { continue };
            let what = format!("cluster role `{role}`, which allows `*` on `*` in the scanned files,");
            if b.kind == RbacKind::RoleBinding {
                let ns =
                    b.handle.namespace().map_or_else(|| "its namespace".to_string(), |n| format!("namespace `{n}`"));
                let msg =
                    format!("{} grants {what} in {ns} to the dashboard's {}", b.describe(), b.describe_subject(s));
                cx.report_at(&b.handle, &s.anchor(), msg).severity(Severity::High);
            } else {
                let msg = format!("{} grants {what} to the dashboard's {}", b.describe(), b.describe_subject(s));
                cx.report_at(&b.handle, &s.anchor(), msg);
            }
        }
    }
}
