//! Files of a node whose permissions and ownership CIS checks (sections 1.1 and 4.1, and the
//! CIS Docker Benchmark section 3): their node path, what they are, and what `stat` said.
//!
//! An absent file is "not applicable" (no finding); an unreadable one is "could not check",
//! which rules report as such, never as a pass.

use std::fmt;
use std::str::FromStr;

/// What a node file is (which check applies to it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileRole {
    /// `/etc/kubernetes/manifests/kube-apiserver.yaml`.
    ApiServerManifest,
    /// `/etc/kubernetes/manifests/kube-controller-manager.yaml`.
    ControllerManagerManifest,
    /// `/etc/kubernetes/manifests/kube-scheduler.yaml`.
    SchedulerManifest,
    /// `/etc/kubernetes/manifests/etcd.yaml`.
    EtcdManifest,
    /// CNI configuration files (`/etc/cni/net.d/*`).
    CniConfig,
    /// The etcd data directory (`/var/lib/etcd`).
    EtcdDataDir,
    /// `/etc/kubernetes/admin.conf` (and `super-admin.conf`).
    AdminKubeconfig,
    /// `/etc/kubernetes/scheduler.conf`.
    SchedulerKubeconfig,
    /// `/etc/kubernetes/controller-manager.conf`.
    ControllerManagerKubeconfig,
    /// `/etc/kubernetes/pki` and the files under it (ownership).
    Pki,
    /// Certificate files under `/etc/kubernetes/pki` (`*.crt`).
    PkiCertificate,
    /// Key files under `/etc/kubernetes/pki` (`*.key`).
    PkiKey,
    /// The kubelet systemd unit and its drop-ins.
    KubeletService,
    /// The kube-proxy kubeconfig.
    ProxyKubeconfig,
    /// `/etc/kubernetes/kubelet.conf`.
    KubeletKubeconfig,
    /// The client CA file named by the kubelet.
    ClientCaFile,
    /// The kubelet config file (`/var/lib/kubelet/config.yaml`).
    KubeletConfig,
    /// `docker.service` and `docker.socket` units.
    DockerUnit,
    /// `/etc/docker` (directory).
    DockerConfigDir,
    /// `/var/run/docker.sock`.
    DockerSocket,
    /// `/etc/docker/daemon.json`.
    DockerDaemonJson,
    /// `/etc/default/docker` and `/etc/sysconfig/docker`.
    DockerDefaults,
    /// Docker TLS certificates and keys.
    DockerTls,
    /// containerd's socket.
    ContainerdSocket,
}

impl FileRole {
    /// Every role, for parsing and docs.
    pub const ALL: &'static [FileRole] = &[
        Self::ApiServerManifest,
        Self::ControllerManagerManifest,
        Self::SchedulerManifest,
        Self::EtcdManifest,
        Self::CniConfig,
        Self::EtcdDataDir,
        Self::AdminKubeconfig,
        Self::SchedulerKubeconfig,
        Self::ControllerManagerKubeconfig,
        Self::Pki,
        Self::PkiCertificate,
        Self::PkiKey,
        Self::KubeletService,
        Self::ProxyKubeconfig,
        Self::KubeletKubeconfig,
        Self::ClientCaFile,
        Self::KubeletConfig,
        Self::DockerUnit,
        Self::DockerConfigDir,
        Self::DockerSocket,
        Self::DockerDaemonJson,
        Self::DockerDefaults,
        Self::DockerTls,
        Self::ContainerdSocket,
    ];

    /// Kebab-case name (fixtures, JSON).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiServerManifest => "apiserver-manifest",
            Self::ControllerManagerManifest => "controller-manager-manifest",
            Self::SchedulerManifest => "scheduler-manifest",
            Self::EtcdManifest => "etcd-manifest",
            Self::CniConfig => "cni-config",
            Self::EtcdDataDir => "etcd-data-dir",
            Self::AdminKubeconfig => "admin-kubeconfig",
            Self::SchedulerKubeconfig => "scheduler-kubeconfig",
            Self::ControllerManagerKubeconfig => "controller-manager-kubeconfig",
            Self::Pki => "pki",
            Self::PkiCertificate => "pki-certificate",
            Self::PkiKey => "pki-key",
            Self::KubeletService => "kubelet-service",
            Self::ProxyKubeconfig => "proxy-kubeconfig",
            Self::KubeletKubeconfig => "kubelet-kubeconfig",
            Self::ClientCaFile => "client-ca-file",
            Self::KubeletConfig => "kubelet-config",
            Self::DockerUnit => "docker-unit",
            Self::DockerConfigDir => "docker-config-dir",
            Self::DockerSocket => "docker-socket",
            Self::DockerDaemonJson => "docker-daemon-json",
            Self::DockerDefaults => "docker-defaults",
            Self::DockerTls => "docker-tls",
            Self::ContainerdSocket => "containerd-socket",
        }
    }
}

impl FromStr for FileRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown file role `{s}`"))
    }
}

impl fmt::Display for FileRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `stat` said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileState {
    /// The file exists.
    Present {
        /// Permission bits (`0o7777` mask).
        mode: u32,
        /// Owner uid.
        uid: u32,
        /// Group gid.
        gid: u32,
        /// Owner name from the node's `/etc/passwd`, when known.
        user: Option<String>,
        /// Group name from the node's `/etc/group`, when known.
        group: Option<String>,
        /// Whether it is a directory.
        dir: bool,
    },
    /// It does not exist: the check does not apply.
    Absent,
    /// It could not be read (permission denied, I/O error): the check could not be done.
    Unreadable(String),
}

/// One node file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostFile {
    /// Path on the node (`/etc/kubernetes/admin.conf`), also when audited under `--root`.
    pub path: String,
    /// What it is.
    pub role: FileRole,
    /// What `stat` said.
    pub state: FileState,
}

impl HostFile {
    /// The permission bits when present.
    #[must_use]
    pub fn mode(&self) -> Option<u32> {
        match &self.state {
            FileState::Present { mode, .. } => Some(*mode),
            _ => None,
        }
    }

    /// `user:group` as names when known, else numbers.
    #[must_use]
    pub fn owner(&self) -> Option<String> {
        match &self.state {
            FileState::Present { uid, gid, user, group, .. } => Some(format!(
                "{}:{}",
                user.clone().unwrap_or_else(|| uid.to_string()),
                group.clone().unwrap_or_else(|| gid.to_string())
            )),
            _ => None,
        }
    }
}

/// Whether `mode` grants nothing beyond `max` (kube-bench's bitmask test: "600 or more
/// restrictive" means no bit outside 0600). Special bits (setuid, setgid, sticky) count as
/// outside any plain mask.
#[must_use]
pub fn mode_within(mode: u32, max: u32) -> bool {
    mode & 0o7777 & !max == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert!(mode_within(0o600, 0o600));
        assert!(mode_within(0o400, 0o600));
        assert!(!mode_within(0o640, 0o600));
        assert!(!mode_within(0o606, 0o644), "docker-bench compares decimals and passes 606 against 644; we don't");
        assert!(!mode_within(0o4600, 0o600));
        assert_eq!("pki-key".parse::<FileRole>(), Ok(FileRole::PkiKey));
    }
}
