//! Rules of the `docker` area: the Docker host (CIS Docker Benchmark, docker-bench-security
//! sections 1 to 3), audited by `kubeward node`.
//! Add a rule with `cargo xtask new-rule AREA NAME`: a file here, a `mod` line and an entry in `RULES`.

mod docker_auditd_watch_missing;
mod docker_file_owner_wrong;
mod docker_file_permissions_too_open;
mod docker_icc_enabled;
mod docker_insecure_registries;
mod docker_live_restore_disabled;
mod docker_logs_kept_on_host;
mod docker_new_privileges_allowed;
mod docker_tcp_socket_without_tls;
mod docker_userland_proxy_enabled;
mod docker_userns_remap_unset;

use crate::rule::Rule;

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[
    &docker_auditd_watch_missing::DockerAuditdWatchMissing,
    &docker_icc_enabled::DockerIccEnabled,
    &docker_userns_remap_unset::DockerUsernsRemapUnset,
    &docker_new_privileges_allowed::DockerNewPrivilegesAllowed,
    &docker_live_restore_disabled::DockerLiveRestoreDisabled,
    &docker_logs_kept_on_host::DockerLogsKeptOnHost,
    &docker_userland_proxy_enabled::DockerUserlandProxyEnabled,
    &docker_tcp_socket_without_tls::DockerTcpSocketWithoutTls,
    &docker_insecure_registries::DockerInsecureRegistries,
    &docker_file_permissions_too_open::DockerFilePermissionsTooOpen,
    &docker_file_owner_wrong::DockerFileOwnerWrong,
];
