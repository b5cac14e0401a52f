//! What the node rules share: control-plane components and their flags, kubelet settings,
//! cluster configuration files, file permissions and the Kubernetes release table.

pub(crate) mod apiserver_flags;
pub mod cluster_config;
pub mod cluster_versions;
pub mod component;
pub(crate) mod file_perms;
pub mod kubelet_settings;
pub(crate) mod plane_flags;
pub mod releases;
