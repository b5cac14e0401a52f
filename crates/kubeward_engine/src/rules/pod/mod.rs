//! Rules of the `pod` area: pod and container security settings.
//! Add a rule: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

mod privileged_container;

// ---- security context rules: mods ----
mod apparmor_unconfined;
mod capabilities_not_dropped;
mod container_field_at_pod_level;
mod dangerous_capability_added;
mod privilege_escalation_allowed;
mod runs_as_root;
mod seccomp_unconfined;
mod security_helpers;
mod selinux_privileged_type;
mod unmasked_proc_mount;
mod unsafe_sysctl;
mod writable_root_filesystem;
// ---- end security context rules: mods ----

// (spacer)

// ---- host, resources, accounts and secrets rules: mods ----
// ---- end host, resources, accounts and secrets rules: mods ----

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[
    &privileged_container::PrivilegedContainer,
    // ---- security context rules: entries ----
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
    // ---- end security context rules: entries ----
    //
    // (spacer)
    //
    // ---- host, resources, accounts and secrets rules: entries ----
    // ---- end host, resources, accounts and secrets rules: entries ----
];
