//! Rules of the `node` area: control-plane and kubelet configuration (CIS Kubernetes
//! Benchmark v1.12 sections 1 to 4), read from static pod manifests, KubeletConfiguration,
//! EncryptionConfiguration, audit Policy and kops specs. `kubeward node` (issue 3) will feed
//! running processes and host files to the same rules.
//! Add a rule with `cargo xtask new-rule AREA NAME`: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

/// Implements [`crate::rule::Rule`] for a kubelet rule: `KubeletConfiguration` objects (also
/// embedded in kubeadm's `kubelet-config` ConfigMap) and kubelet containers both go to the rule's inherent `check(&self, &KubeletSettings, cx)`.
#[macro_export]
#[doc(hidden)]
macro_rules! kubelet_rule {
    ($rule:ident) => {
        impl $crate::rule::Rule for $rule {
            fn check_object(&self, obj: &$crate::input::object::Object<'_>, cx: &mut $crate::context::Context<'_>) {
                use $crate::analysis::node::kubelet_settings::{embedded_config, KubeletSettings};
                if let Some(s) = KubeletSettings::from_config(obj) {
                    self.check(&s, cx);
                } else if let Some(config) = embedded_config(obj) {
                    self.check(&KubeletSettings::from_embedded(obj, &config), cx);
                }
            }

            fn check_container(
                &self,
                pod: &$crate::input::workload::PodSpecView<'_>,
                c: &$crate::input::workload::ContainerView<'_>,
                cx: &mut $crate::context::Context<'_>,
            ) {
                let Some(comp) = $crate::analysis::node::component::ComponentView::of(c) else {
                    return;
                };
                if let Some(s) =
                    $crate::analysis::node::kubelet_settings::KubeletSettings::from_flags(pod.object, c.name(), &comp)
                {
                    self.check(&s, cx);
                }
            }
        }
    };
}

// Api server.
mod apiserver_always_admit_enabled;
mod apiserver_always_pull_images_disabled;
mod apiserver_anonymous_auth_enabled;
mod apiserver_audit_log_disabled;
mod apiserver_audit_log_maxage_low;
mod apiserver_audit_log_maxbackup_low;
mod apiserver_audit_log_maxsize_low;
mod apiserver_audit_log_stays_on_node;
mod apiserver_authorization_always_allow;
mod apiserver_authorization_without_node;
mod apiserver_authorization_without_rbac;
mod apiserver_client_ca_unset;
mod apiserver_encryption_at_rest_unset;
mod apiserver_etcd_ca_unset;
mod apiserver_etcd_client_certificate_unset;
mod apiserver_insecure_port_enabled;
mod apiserver_kubelet_ca_unset;
mod apiserver_kubelet_client_certificate_unset;
mod apiserver_namespace_lifecycle_admission_disabled;
mod apiserver_node_restriction_disabled;
mod apiserver_pod_security_admission_disabled;
mod apiserver_profiling_enabled;
mod apiserver_service_account_admission_disabled;
mod apiserver_service_account_key_file_unset;
mod apiserver_service_account_lookup_disabled;
mod apiserver_service_account_token_expiration_extended;
mod apiserver_service_external_ips_allowed;
mod apiserver_serving_certificate_unset;
mod apiserver_token_auth_file;
mod apiserver_weak_tls_cipher_suites;

// Etcd, controller manager and scheduler.
mod controller_manager_bound_to_all_interfaces;
mod controller_manager_kubelet_server_cert_rotation_disabled;
mod controller_manager_profiling_enabled;
mod controller_manager_root_ca_file_unset;
mod controller_manager_service_account_credentials_disabled;
mod controller_manager_service_account_private_key_unset;
mod controller_manager_terminated_pod_gc_threshold_unset;
mod etcd_auto_tls_enabled;
mod etcd_ca_shared_with_apiserver_clients;
mod etcd_client_cert_auth_disabled;
mod etcd_client_tls_unset;
mod etcd_peer_auto_tls_enabled;
mod etcd_peer_client_cert_auth_disabled;
mod etcd_peer_tls_unset;
mod etcd_plain_http_url;
mod etcd_shares_node;
mod etcd_trusted_ca_file_unset;
mod scheduler_bound_to_all_interfaces;
mod scheduler_profiling_enabled;

// Kubelet.
mod kube_proxy_metrics_exposed;
mod kubeconfig_tls_verification_disabled;
mod kubelet_anonymous_auth_enabled;
mod kubelet_authorization_always_allow;
mod kubelet_cadvisor_port_open;
mod kubelet_certificate_rotation_disabled;
mod kubelet_client_ca_missing;
mod kubelet_hostname_override;
mod kubelet_iptables_util_chains_disabled;
mod kubelet_kernel_defaults_unprotected;
mod kubelet_pod_pids_unlimited;
mod kubelet_read_only_port_open;
mod kubelet_seccomp_default_disabled;
mod kubelet_server_cert_rotation_disabled;
mod kubelet_serving_cert_self_signed;
mod kubelet_streaming_idle_timeout_disabled;
mod kubelet_weak_tls_ciphers;

// Encryption, audit, kops and versions.
/// The Kubernetes release table (end of life, newest patches).
// node file permission and ownership rules (CIS 1.1.x, 4.1.x)
mod admin_kubeconfig_ownership;
mod admin_kubeconfig_permissions;
mod audit_policy_logs_secret_data;
mod audit_policy_records_nothing;
mod audit_policy_unrecorded_requests;
mod client_ca_file_ownership;
mod client_ca_file_permissions;
mod cni_config_ownership;
mod cni_config_permissions;
mod control_plane_manifest_ownership;
mod control_plane_manifest_permissions;
mod controller_manager_kubeconfig_ownership;
mod controller_manager_kubeconfig_permissions;
/// Recognising and reading EncryptionConfiguration, audit Policy and kops documents.
mod encryption_aescbc_provider_first;
mod encryption_config_omits_secrets;
mod encryption_identity_provider_first;
mod encryption_kms_v1_provider;
mod etcd_data_dir_ownership;
mod etcd_data_dir_permissions;
mod kops_api_open_to_internet;
mod kops_apiserver_anonymous_auth_enabled;
mod kops_authorization_not_rbac;
mod kops_etcd_volume_unencrypted;
mod kops_instance_metadata_v1_allowed;
mod kops_kubelet_anonymous_auth_enabled;
mod kops_secrets_encryption_disabled;
mod kops_ssh_open_to_internet;
/// Shared checks of the node file permission and ownership rules.
mod kubelet_config_ownership;
mod kubelet_config_permissions;
mod kubelet_kubeconfig_ownership;
mod kubelet_kubeconfig_permissions;
mod kubelet_service_file_ownership;
mod kubelet_service_file_permissions;
mod kubernetes_version_end_of_life;
mod kubernetes_version_patch_behind;
mod node_file_unreadable;
mod pki_certificate_permissions;
mod pki_key_permissions;
mod pki_ownership;
mod proxy_kubeconfig_ownership;
mod proxy_kubeconfig_permissions;
mod scheduler_kubeconfig_ownership;
mod scheduler_kubeconfig_permissions;

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[
    // Api server.
    &apiserver_anonymous_auth_enabled::ApiserverAnonymousAuthEnabled,
    &apiserver_authorization_always_allow::ApiserverAuthorizationAlwaysAllow,
    &apiserver_authorization_without_node::ApiserverAuthorizationWithoutNode,
    &apiserver_authorization_without_rbac::ApiserverAuthorizationWithoutRbac,
    &apiserver_always_admit_enabled::ApiserverAlwaysAdmitEnabled,
    &apiserver_node_restriction_disabled::ApiserverNodeRestrictionDisabled,
    &apiserver_pod_security_admission_disabled::ApiserverPodSecurityAdmissionDisabled,
    &apiserver_profiling_enabled::ApiserverProfilingEnabled,
    &apiserver_audit_log_disabled::ApiserverAuditLogDisabled,
    &apiserver_audit_log_maxage_low::ApiserverAuditLogMaxageLow,
    &apiserver_audit_log_maxbackup_low::ApiserverAuditLogMaxbackupLow,
    &apiserver_audit_log_maxsize_low::ApiserverAuditLogMaxsizeLow,
    &apiserver_audit_log_stays_on_node::ApiserverAuditLogStaysOnNode,
    &apiserver_serving_certificate_unset::ApiserverServingCertificateUnset,
    &apiserver_client_ca_unset::ApiserverClientCaUnset,
    &apiserver_etcd_ca_unset::ApiserverEtcdCaUnset,
    &apiserver_etcd_client_certificate_unset::ApiserverEtcdClientCertificateUnset,
    &apiserver_kubelet_client_certificate_unset::ApiserverKubeletClientCertificateUnset,
    &apiserver_kubelet_ca_unset::ApiserverKubeletCaUnset,
    &apiserver_weak_tls_cipher_suites::ApiserverWeakTlsCipherSuites,
    &apiserver_insecure_port_enabled::ApiserverInsecurePortEnabled,
    &apiserver_token_auth_file::ApiserverTokenAuthFile,
    &apiserver_service_account_lookup_disabled::ApiserverServiceAccountLookupDisabled,
    &apiserver_service_account_key_file_unset::ApiserverServiceAccountKeyFileUnset,
    &apiserver_encryption_at_rest_unset::ApiserverEncryptionAtRestUnset,
    &apiserver_service_account_admission_disabled::ApiserverServiceAccountAdmissionDisabled,
    &apiserver_namespace_lifecycle_admission_disabled::ApiserverNamespaceLifecycleAdmissionDisabled,
    &apiserver_service_account_token_expiration_extended::ApiserverServiceAccountTokenExpirationExtended,
    &apiserver_service_external_ips_allowed::ApiserverServiceExternalIpsAllowed,
    &apiserver_always_pull_images_disabled::ApiserverAlwaysPullImagesDisabled,
    //
    //
    // Etcd, controller manager and scheduler.
    &etcd_client_tls_unset::EtcdClientTlsUnset,
    &etcd_client_cert_auth_disabled::EtcdClientCertAuthDisabled,
    &etcd_auto_tls_enabled::EtcdAutoTlsEnabled,
    &etcd_peer_tls_unset::EtcdPeerTlsUnset,
    &etcd_peer_client_cert_auth_disabled::EtcdPeerClientCertAuthDisabled,
    &etcd_peer_auto_tls_enabled::EtcdPeerAutoTlsEnabled,
    &etcd_trusted_ca_file_unset::EtcdTrustedCaFileUnset,
    &etcd_plain_http_url::EtcdPlainHttpUrl,
    &etcd_ca_shared_with_apiserver_clients::EtcdCaSharedWithApiserverClients,
    &etcd_shares_node::EtcdSharesNode,
    &kubeconfig_tls_verification_disabled::KubeconfigTlsVerificationDisabled,
    &kube_proxy_metrics_exposed::KubeProxyMetricsExposed,
    &controller_manager_terminated_pod_gc_threshold_unset::ControllerManagerTerminatedPodGcThresholdUnset,
    &controller_manager_profiling_enabled::ControllerManagerProfilingEnabled,
    &controller_manager_service_account_credentials_disabled::ControllerManagerServiceAccountCredentialsDisabled,
    &controller_manager_service_account_private_key_unset::ControllerManagerServiceAccountPrivateKeyUnset,
    &controller_manager_root_ca_file_unset::ControllerManagerRootCaFileUnset,
    &controller_manager_kubelet_server_cert_rotation_disabled::ControllerManagerKubeletServerCertRotationDisabled,
    &controller_manager_bound_to_all_interfaces::ControllerManagerBoundToAllInterfaces,
    &scheduler_profiling_enabled::SchedulerProfilingEnabled,
    &scheduler_bound_to_all_interfaces::SchedulerBoundToAllInterfaces,
    //
    //
    // Kubelet.
    &kubelet_anonymous_auth_enabled::KubeletAnonymousAuthEnabled,
    &kubelet_authorization_always_allow::KubeletAuthorizationAlwaysAllow,
    &kubelet_client_ca_missing::KubeletClientCaMissing,
    &kubelet_read_only_port_open::KubeletReadOnlyPortOpen,
    &kubelet_cadvisor_port_open::KubeletCadvisorPortOpen,
    &kubelet_streaming_idle_timeout_disabled::KubeletStreamingIdleTimeoutDisabled,
    &kubelet_iptables_util_chains_disabled::KubeletIptablesUtilChainsDisabled,
    &kubelet_hostname_override::KubeletHostnameOverride,
    &kubelet_serving_cert_self_signed::KubeletServingCertSelfSigned,
    &kubelet_certificate_rotation_disabled::KubeletCertificateRotationDisabled,
    &kubelet_server_cert_rotation_disabled::KubeletServerCertRotationDisabled,
    &kubelet_weak_tls_ciphers::KubeletWeakTlsCiphers,
    &kubelet_pod_pids_unlimited::KubeletPodPidsUnlimited,
    &kubelet_seccomp_default_disabled::KubeletSeccompDefaultDisabled,
    &kubelet_kernel_defaults_unprotected::KubeletKernelDefaultsUnprotected,
    //
    //
    // Encryption, audit, kops and versions.
    &encryption_config_omits_secrets::EncryptionConfigOmitsSecrets,
    &encryption_identity_provider_first::EncryptionIdentityProviderFirst,
    &encryption_aescbc_provider_first::EncryptionAescbcProviderFirst,
    &encryption_kms_v1_provider::EncryptionKmsV1Provider,
    &audit_policy_records_nothing::AuditPolicyRecordsNothing,
    &audit_policy_unrecorded_requests::AuditPolicyUnrecordedRequests,
    &audit_policy_logs_secret_data::AuditPolicyLogsSecretData,
    &kops_authorization_not_rbac::KopsAuthorizationNotRbac,
    &kops_kubelet_anonymous_auth_enabled::KopsKubeletAnonymousAuthEnabled,
    &kops_apiserver_anonymous_auth_enabled::KopsApiserverAnonymousAuthEnabled,
    &kops_api_open_to_internet::KopsApiOpenToInternet,
    &kops_ssh_open_to_internet::KopsSshOpenToInternet,
    &kops_secrets_encryption_disabled::KopsSecretsEncryptionDisabled,
    &kops_etcd_volume_unencrypted::KopsEtcdVolumeUnencrypted,
    &kops_instance_metadata_v1_allowed::KopsInstanceMetadataV1Allowed,
    &kubernetes_version_end_of_life::KubernetesVersionEndOfLife,
    &kubernetes_version_patch_behind::KubernetesVersionPatchBehind,
    // node file permission and ownership rules (CIS 1.1.x, 4.1.x)
    &control_plane_manifest_permissions::ControlPlaneManifestPermissions,
    &control_plane_manifest_ownership::ControlPlaneManifestOwnership,
    &cni_config_permissions::CniConfigPermissions,
    &cni_config_ownership::CniConfigOwnership,
    &etcd_data_dir_permissions::EtcdDataDirPermissions,
    &etcd_data_dir_ownership::EtcdDataDirOwnership,
    &admin_kubeconfig_permissions::AdminKubeconfigPermissions,
    &admin_kubeconfig_ownership::AdminKubeconfigOwnership,
    &scheduler_kubeconfig_permissions::SchedulerKubeconfigPermissions,
    &scheduler_kubeconfig_ownership::SchedulerKubeconfigOwnership,
    &controller_manager_kubeconfig_permissions::ControllerManagerKubeconfigPermissions,
    &controller_manager_kubeconfig_ownership::ControllerManagerKubeconfigOwnership,
    &pki_ownership::PkiOwnership,
    &pki_certificate_permissions::PkiCertificatePermissions,
    &pki_key_permissions::PkiKeyPermissions,
    &kubelet_service_file_permissions::KubeletServiceFilePermissions,
    &kubelet_service_file_ownership::KubeletServiceFileOwnership,
    &proxy_kubeconfig_permissions::ProxyKubeconfigPermissions,
    &proxy_kubeconfig_ownership::ProxyKubeconfigOwnership,
    &kubelet_kubeconfig_permissions::KubeletKubeconfigPermissions,
    &kubelet_kubeconfig_ownership::KubeletKubeconfigOwnership,
    &client_ca_file_permissions::ClientCaFilePermissions,
    &client_ca_file_ownership::ClientCaFileOwnership,
    &kubelet_config_permissions::KubeletConfigPermissions,
    &kubelet_config_ownership::KubeletConfigOwnership,
    &node_file_unreadable::NodeFileUnreadable,
];
