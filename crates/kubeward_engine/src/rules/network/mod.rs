//! Rules of the `network` area. Add a rule with `cargo xtask new-rule AREA NAME`: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

mod egress_to_metadata_not_blocked;
mod ingress_without_tls;
mod kube_system_reachable;
mod missing_default_deny_egress;
mod missing_default_deny_ingress;
mod network_policy_allows_all;
mod pod_without_labels;
mod service_exposed_externally;
mod workload_not_selected_by_network_policy;

mod cni_without_network_policy;
mod service_mesh_mtls_not_strict;

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[
    &missing_default_deny_ingress::MissingDefaultDenyIngress,
    &missing_default_deny_egress::MissingDefaultDenyEgress,
    &workload_not_selected_by_network_policy::WorkloadNotSelectedByNetworkPolicy,
    &network_policy_allows_all::NetworkPolicyAllowsAll,
    &egress_to_metadata_not_blocked::EgressToMetadataNotBlocked,
    &kube_system_reachable::KubeSystemReachable,
    &pod_without_labels::PodWithoutLabels,
    &ingress_without_tls::IngressWithoutTls,
    &service_exposed_externally::ServiceExposedExternally,
    &cni_without_network_policy::CniWithoutNetworkPolicy,
    &service_mesh_mtls_not_strict::ServiceMeshMtlsNotStrict,
];
