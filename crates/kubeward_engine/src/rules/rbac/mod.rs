//! Rules of the `rbac` area: Roles, ClusterRoles, their bindings, and the Kubernetes Dashboard.
//! Add a rule with `cargo xtask new-rule AREA NAME`: a file here, a `mod` line and an entry in `RULES`. Typed views of RBAC objects
//! (rules with paths, subjects, `grants`) live in `crate::analysis::rbac`.

use crate::rule::Rule;

mod binding_to_public_group;
mod cluster_admin_binding;
mod csr_approval_access;
mod dashboard_cluster_admin;
mod default_service_account_binding;
mod nodes_proxy_access;
mod outdated_dashboard;
mod pod_create_access;
mod pod_exec_access;
mod privilege_escalation_verbs;
mod rbac_wildcard;
mod secrets_read_access;
mod serviceaccount_token_create;

mod default_service_account_permissions;
mod secrets_readable_cluster_wide;

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[
    &rbac_wildcard::RbacWildcard,
    &cluster_admin_binding::ClusterAdminBinding,
    &default_service_account_binding::DefaultServiceAccountBinding,
    &binding_to_public_group::BindingToPublicGroup,
    &secrets_read_access::SecretsReadAccess,
    &pod_exec_access::PodExecAccess,
    &privilege_escalation_verbs::PrivilegeEscalationVerbs,
    &nodes_proxy_access::NodesProxyAccess,
    &pod_create_access::PodCreateAccess,
    &csr_approval_access::CsrApprovalAccess,
    &serviceaccount_token_create::ServiceaccountTokenCreate,
    &outdated_dashboard::OutdatedDashboard,
    &dashboard_cluster_admin::DashboardClusterAdmin,
    &secrets_readable_cluster_wide::SecretsReadableClusterWide,
    &default_service_account_permissions::DefaultServiceAccountPermissions,
];
