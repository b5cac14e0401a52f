use std::collections::HashSet;

use crate::context::Context;
use crate::cross::{Cross, CrossDyn, FactList, Facts};
use crate::input::object::Object;
use crate::rule::{Rule, Severity};

use super::helpers::{describe, policy_rules, rbac_kind, role_ref, subjects, BindingFact, RbacKind, Subject};

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

fn is_dashboard(s: &Subject<'_>) -> bool {
    s.is_service_account() && s.name.contains("dashboard")
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

/// Whether a ClusterRole other than `cluster-admin` has a rule allowing `*` verbs on `*`
/// resources (a home-made cluster-admin).
fn allows_all(role: &Object<'_>) -> bool {
    role.name() != "cluster-admin"
        && policy_rules(role).iter().any(|r| r.wildcard("verbs").is_some() && r.wildcard("resources").is_some())
}

/// What the rule keeps across objects.
pub enum Fact {
    /// A ClusterRole (other than `cluster-admin`) with a rule allowing `*` verbs on `*`
    /// resources: its name.
    WildcardRole(Box<str>),
    /// A binding of a ClusterRole (other than `cluster-admin`) with the dashboard's
    /// ServiceAccount among its subjects (the first such subject, the only one kept).
    Binding(BindingFact),
}

impl Rule for DashboardClusterAdmin {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if role_ref(obj).is_some_and(|r| r.is_cluster_role("cluster-admin")) {
            report(obj, "`cluster-admin`", cx);
        }
    }

    fn cross(&self) -> Option<&dyn CrossDyn> {
        Some(self)
    }
}

impl Cross for DashboardClusterAdmin {
    type Fact = Fact;

    fn fact(&self, obj: &Object<'_>, facts: &Facts<'_>, out: &mut Vec<Fact>) {
        match rbac_kind(obj) {
            Some(RbacKind::ClusterRole) if allows_all(obj) => out.push(Fact::WildcardRole(obj.name().into())),
            Some(RbacKind::RoleBinding | RbacKind::ClusterRoleBinding) => {
                // Bindings to `cluster-admin` are the per-object check's (and the name is never
                // among the wildcard roles).
                if !role_ref(obj).is_some_and(|r| r.kind == "ClusterRole" && r.name != "cluster-admin") {
                    return;
                }
                let mut found = false;
                let first_dashboard = |s: &Subject<'_>| {
                    let keep = !found && is_dashboard(s);
                    found |= keep;
                    keep
                };
                if let Some(b) = BindingFact::of(obj, facts, first_dashboard) {
                    out.push(Fact::Binding(b));
                }
            }
            _ => {}
        }
    }

    fn finish(&self, facts: FactList<Fact>, cx: &mut Context<'_>) {
        let wildcard_roles: HashSet<&str> = facts
            .iter()
            .filter_map(|f| match f {
                Fact::WildcardRole(name) => Some(&**name),
                Fact::Binding(_) => None,
            })
            .collect();
        if wildcard_roles.is_empty() {
            return;
        }
        for f in &facts {
            let Fact::Binding(b) = f else { continue };
            let Some(s) = b.subjects.first() else { continue };
            if !wildcard_roles.contains(&*b.role_name) {
                continue;
            }
            let what = format!("cluster role `{}`, which allows `*` on `*` in the scanned files,", b.role_name);
            if b.kind() == "RoleBinding" {
                let ns = b.namespace().map_or_else(|| "its namespace".to_string(), |n| format!("namespace `{n}`"));
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
