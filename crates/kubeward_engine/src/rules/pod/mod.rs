//! Rules of the `pod` area: pod and container security settings.
//! Add a rule with `cargo xtask new-rule AREA NAME`: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

mod privileged_container;

// Security context.
mod apparmor_unconfined;
mod capabilities_not_dropped;
mod container_field_at_pod_level;
mod dangerous_capability_added;
mod privilege_escalation_allowed;
mod runs_as_root;
mod seccomp_unconfined;
mod selinux_privileged_type;
mod unmasked_proc_mount;
mod unsafe_sysctl;
mod writable_root_filesystem;
// Pod Security Standards gaps.
mod probe_host_set;
mod restricted_volume_type;
mod unmasked_proc_mount_in_user_namespace;
mod windows_host_process;

// Host, resources, accounts and secrets.
mod broad_toleration;
mod credential_in_configmap;
mod credential_in_env;
mod default_service_account;
mod host_ipc;
mod host_network;
mod host_path_volume;
mod host_pid;
mod host_port;
mod missing_resource_limits;
mod missing_resource_requests;
mod secret_in_env_var;
mod service_account_token_automounted;

mod runtime_threat_detection_missing;

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[
    &privileged_container::PrivilegedContainer,
    // Security context.
    &privilege_escalation_allowed::PrivilegeEscalationAllowed,
    &runs_as_root::RunsAsRoot,
    &capabilities_not_dropped::CapabilitiesNotDropped,
    &dangerous_capability_added::DangerousCapabilityAdded,
    &writable_root_filesystem::WritableRootFilesystem,
    &seccomp_unconfined::SeccompUnconfined,
    &apparmor_unconfined::ApparmorUnconfined,
    &selinux_privileged_type::SelinuxPrivilegedType,
    &unmasked_proc_mount::UnmaskedProcMount,
    &unsafe_sysctl::UnsafeSysctl,
    &container_field_at_pod_level::ContainerFieldAtPodLevel,
    //
    //
    // Host, resources, accounts and secrets.
    &host_network::HostNetwork,
    &host_pid::HostPid,
    &host_ipc::HostIpc,
    &host_port::HostPort,
    &host_path_volume::HostPathVolume,
    &missing_resource_limits::MissingResourceLimits,
    &missing_resource_requests::MissingResourceRequests,
    &service_account_token_automounted::ServiceAccountTokenAutomounted,
    &default_service_account::DefaultServiceAccount,
    &credential_in_env::CredentialInEnv,
    &credential_in_configmap::CredentialInConfigmap,
    &secret_in_env_var::SecretInEnvVar,
    &broad_toleration::BroadToleration,
    &runtime_threat_detection_missing::RuntimeThreatDetectionMissing,
    // Pod Security Standards gaps.
    &windows_host_process::WindowsHostProcess,
    &probe_host_set::ProbeHostSet,
    &restricted_volume_type::RestrictedVolumeType,
    &unmasked_proc_mount_in_user_namespace::UnmaskedProcMountInUserNamespace,
];
