//! Expected mode and owner of the Docker node files (CIS Docker Benchmark section 3).

use crate::input::hostfile::{FileRole, HostFile};

/// What CIS Docker Benchmark 1.4.0 section 3 expects of a Docker file.
pub struct Expected {
    /// Maximum permission bits.
    pub max_mode: u32,
    /// `user:group`.
    pub owner: &'static str,
    /// The permissions check id.
    pub mode_cis: &'static str,
    /// The ownership check id.
    pub owner_cis: &'static str,
}

/// The expectation for a Docker file; `None` for other files.
#[must_use]
pub fn expected(f: &HostFile) -> Option<Expected> {
    let socket = f.path.ends_with(".socket");
    let sysconfig = f.path.starts_with("/etc/sysconfig/");
    let (max_mode, owner, mode_cis, owner_cis) = match f.role {
        FileRole::DockerUnit if socket => (0o644, "root:root", "3.4", "3.3"),
        FileRole::DockerUnit => (0o644, "root:root", "3.2", "3.1"),
        FileRole::DockerConfigDir => (0o755, "root:root", "3.6", "3.5"),
        FileRole::DockerSocket => (0o660, "root:docker", "3.16", "3.15"),
        FileRole::DockerDaemonJson => (0o644, "root:root", "3.18", "3.17"),
        FileRole::DockerDefaults if sysconfig => (0o644, "root:root", "3.20", "3.21"),
        FileRole::DockerDefaults => (0o644, "root:root", "3.22", "3.19"),
        FileRole::ContainerdSocket => (0o660, "root:root", "3.24", "3.23"),
        _ => return None,
    };
    Some(Expected { max_mode, owner, mode_cis, owner_cis })
}
