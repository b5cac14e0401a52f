//! Rules of the `namespace` area. Add a rule with `cargo xtask new-rule AREA NAME`: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

mod missing_pod_security_enforce;
mod pod_security_policy_in_use;
mod weak_pod_security_policy;
mod workload_in_default_namespace;

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[
    &workload_in_default_namespace::WorkloadInDefaultNamespace,
    &missing_pod_security_enforce::MissingPodSecurityEnforce,
    &pod_security_policy_in_use::PodSecurityPolicyInUse,
    &weak_pod_security_policy::WeakPodSecurityPolicy,
];
