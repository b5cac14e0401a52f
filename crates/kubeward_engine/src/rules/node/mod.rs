//! Rules of the `node` area: control-plane and kubelet configuration (CIS Kubernetes
//! Benchmark v1.12 sections 1 to 4), read from static pod manifests, KubeletConfiguration,
//! EncryptionConfiguration, audit Policy and kops specs. `kubeward node` (issue 3) will feed
//! running processes and host files to the same rules.
//! Add a rule: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

pub mod component;

// ---- api server rules: mods ----
// ---- end api server rules: mods ----

// (spacer)

// ---- etcd, controller manager and scheduler rules: mods ----
// ---- end etcd, controller manager and scheduler rules: mods ----

// (spacer)

// ---- kubelet rules: mods ----
// ---- end kubelet rules: mods ----

// (spacer)

// ---- encryption, audit, kops and versions rules: mods ----
mod audit_policy_logs_secret_data;
mod audit_policy_records_nothing;
mod audit_policy_unrecorded_requests;
/// Recognising and reading EncryptionConfiguration, audit Policy and kops documents.
pub mod cluster_config;
mod encryption_aescbc_provider_first;
mod encryption_config_omits_secrets;
mod encryption_identity_provider_first;
mod encryption_kms_v1_provider;
mod kops_api_open_to_internet;
mod kops_apiserver_anonymous_auth_enabled;
mod kops_authorization_not_rbac;
mod kops_etcd_volume_unencrypted;
mod kops_instance_metadata_v1_allowed;
mod kops_kubelet_anonymous_auth_enabled;
mod kops_secrets_encryption_disabled;
mod kops_ssh_open_to_internet;
mod kubernetes_version_end_of_life;
mod kubernetes_version_patch_behind;
/// The Kubernetes release table (end of life, newest patches).
pub mod releases;
// ---- end encryption, audit, kops and versions rules: mods ----

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[
    // ---- api server rules: entries ----
    // ---- end api server rules: entries ----
    //
    // (spacer)
    //
    // ---- etcd, controller manager and scheduler rules: entries ----
    // ---- end etcd, controller manager and scheduler rules: entries ----
    //
    // (spacer)
    //
    // ---- kubelet rules: entries ----
    // ---- end kubelet rules: entries ----
    //
    // (spacer)
    //
    // ---- encryption, audit, kops and versions rules: entries ----
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
    // ---- end encryption, audit, kops and versions rules: entries ----
];
