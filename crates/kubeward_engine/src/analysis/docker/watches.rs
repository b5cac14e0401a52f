//! The Docker auditd watch list (seed "Docker auditing rules" plus today's containerd/runc
//! paths) and which of its paths a node's auditd rules leave unwatched.

use crate::input::auditd::{is_rules_path, parse, AuditRule};
use crate::snapshot::Snapshot;

/// The paths that must be watched: the seed's list (CIS Docker 1.13-era checks 1.5–1.13) and
/// today's containerd/runc paths (CIS Docker 1.4.0 checks 1.1.4, 1.1.12, 1.1.14, 1.1.17,
/// 1.1.18). kubeward only sees the files it stats, so it requires the whole list whether or not
/// a binary exists on the node, as the seed's script does.
pub const REQUIRED_WATCHES: &[&str] = &[
    "/usr/bin/docker",
    "/var/lib/docker",
    "/etc/docker",
    "/lib/systemd/system/docker.service",
    "/lib/systemd/system/docker.socket",
    "/etc/default/docker",
    "/etc/docker/daemon.json",
    "/usr/bin/docker-containerd",
    "/usr/bin/docker-runc",
    "/usr/bin/containerd",
    "/usr/bin/containerd-shim-runc-v2",
    "/usr/bin/runc",
    "/run/containerd",
    "/etc/containerd/config.toml",
];

/// The required paths (`REQUIRED_WATCHES`) no rule of `rules` covers.
#[must_use]
pub fn missing_in(rules: &[AuditRule]) -> Vec<String> {
    REQUIRED_WATCHES.iter().filter(|p| !rules.iter().any(|r| r.covers(p))).map(|p| (*p).to_string()).collect()
}

/// The rules of the node's auditd rules files in a snapshot (`kubeward node`).
#[must_use]
pub fn node_rules(snap: &Snapshot) -> Vec<AuditRule> {
    snap.files.iter().filter(|f| f.path.as_deref().is_some_and(is_rules_path)).flat_map(|f| parse(&f.text)).collect()
}

/// The required watches missing from the node's auditd rules files (`--print-auditd-rules`).
#[must_use]
pub fn missing_watches(snap: &Snapshot) -> Vec<String> {
    missing_in(&node_rules(snap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_watch_leaves_the_rest_missing() {
        let rules = parse("-w /usr/bin/runc -p wa -k docker\n");
        let missing = missing_in(&rules);
        assert_eq!(missing.len(), REQUIRED_WATCHES.len() - 1);
        assert!(!missing.iter().any(|p| p == "/usr/bin/runc"));
    }
}
