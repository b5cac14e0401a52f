use crate::analysis::docker::node_files::{audit_cases, report_file};
use crate::analysis::docker::watches::missing_in;
use crate::context::Context;
use crate::inventory::Inventory;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reads the node's auditd rules (`/etc/audit/audit.rules` and `/etc/audit/rules.d/*.rules`)
    /// and reports every Docker path that no rule watches for writes and attribute changes
    /// (`-p wa`, or no `-p` at all): the seed's list `/usr/bin/docker`, `/var/lib/docker`,
    /// `/etc/docker`, `/lib/systemd/system/docker.service`, `/lib/systemd/system/docker.socket`,
    /// `/etc/default/docker`, `/etc/docker/daemon.json`, `/usr/bin/docker-containerd`,
    /// `/usr/bin/docker-runc` (CIS Docker Benchmark 1.13 checks 1.5–1.13), and today's
    /// `/usr/bin/containerd`, `/usr/bin/containerd-shim-runc-v2`, `/usr/bin/runc`,
    /// `/run/containerd`, `/etc/containerd/config.toml` (CIS Docker Benchmark 1.4.0 checks
    /// 1.1.4, 1.1.12, 1.1.14, 1.1.17, 1.1.18). The rule runs when the node has Docker (a Docker
    /// unit, socket, `/etc/docker` or daemon.json) or any auditd rules file; with no rules file
    /// at all it reports that once.
    ///
    /// Rules are parsed by tokens, in any order: `-w PATH -p PERMS -k KEY` and
    /// `-a always,exit -F path=PATH -F perm=wa -k KEY` (`-F dir=` for a tree). A watch on a
    /// directory covers the files below it. Unlike docker-bench (which greps the rules for the
    /// path), a rule for `/usr/bin/containerd-shim-runc-v2` does not cover `/usr/bin/containerd`
    /// and a read-only rule (`-p r`) covers nothing. kubeward does not know which binaries
    /// exist, so it requires the whole list as the seed does (docker-bench skips paths that do
    /// not exist); a watch on a missing path is harmless.
    /// `kubeward node --print-auditd-rules` prints the missing rules.
    ///
    /// ## Why is this bad?
    /// The Docker daemon runs as root and its binaries, configuration and state decide what
    /// every container can do. Without audit records, a change to them (a replaced binary, an
    /// added insecure registry, a tampered unit file) leaves no trace for an investigation.
    ///
    /// ## Example
    /// ```yaml
    /// kubeward-test-file: /etc/audit/rules.d/docker.rules
    /// text: |
    ///   -w /usr/bin/docker -p wa -k docker
    ///   -w /var/lib/docker -p r -k docker
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kubeward-test-file: /etc/audit/rules.d/docker.rules
    /// text: |
    ///   -w /usr/bin/docker -p wa -k docker
    ///   -w /var/lib/docker -p wa -k docker
    ///   -w /etc/docker -p wa -k docker
    ///   -w /lib/systemd/system/docker.service -p wa -k docker
    ///   -w /lib/systemd/system/docker.socket -p wa -k docker
    ///   -w /etc/default/docker -p wa -k docker
    ///   -w /etc/docker/daemon.json -p wa -k docker
    ///   -w /usr/bin/docker-containerd -p wa -k docker
    ///   -w /usr/bin/docker-runc -p wa -k docker
    ///   -w /usr/bin/containerd -p wa -k docker
    ///   -w /usr/bin/containerd-shim-runc-v2 -p wa -k docker
    ///   -w /usr/bin/runc -p wa -k docker
    ///   -a always,exit -F path=/run/containerd -F perm=wa -k docker
    ///   -w /etc/containerd/config.toml -p wa -k docker
    /// ```
    ///
    /// ## How to fix
    /// Install auditd, add the missing rules to `/etc/audit/rules.d/docker.rules`
    /// (`kubeward node --print-auditd-rules >> /etc/audit/rules.d/docker.rules`), then load them
    /// with `augenrules --load` (or restart auditd).
    pub DockerAuditdWatchMissing {
        code: "DOCKER001",
        name: "docker-auditd-watch-missing",
        summary: "a Docker file or directory has no auditd watch for writes and attribute changes",
        severity: Medium,
        category: Docker,
        targets: INVENTORY,
        remediation: "add `-w PATH -p wa -k docker` to `/etc/audit/rules.d/docker.rules` (see `kubeward node --print-auditd-rules`) and run `augenrules --load`",
        checklist: ["docker.auditd"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for DockerAuditdWatchMissing {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let snap = inv.host_documents();
        for case in audit_cases(snap) {
            let Some(at) = case.at() else {
                report_file(cx, "/etc/audit/audit.rules", "auditd has no rules file: no Docker path is audited");
                continue;
            };
            for p in missing_in(&case.rules) {
                report_file(
                    cx,
                    at,
                    format!("no auditd rule watches `{p}` for writes and attribute changes (`-w {p} -p wa -k docker`)"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::run_rules;
    use crate::input::hostfile::{FileRole, FileState, HostFile};
    use crate::snapshot::{Snapshot, SourceFile};
    use crate::testing::fixture_settings;

    fn messages(snap: &Snapshot) -> Vec<String> {
        run_rules(snap, &fixture_settings(), &[&super::DockerAuditdWatchMissing])
            .findings()
            .map(|d| format!("{}: {}", d.file.as_deref().unwrap_or(""), d.message))
            .collect()
    }

    #[test]
    fn node_cases() {
        let mut snap = Snapshot::default();
        assert!(messages(&snap).is_empty(), "no Docker and no rules file: nothing to say");
        snap.host_files.push(HostFile {
            path: "/lib/systemd/system/docker.service".into(),
            role: FileRole::DockerUnit,
            state: FileState::Present { mode: 0o644, uid: 0, gid: 0, user: None, group: None, dir: false },
        });
        assert_eq!(
            messages(&snap),
            vec!["/etc/audit/audit.rules: auditd has no rules file: no Docker path is audited".to_string()]
        );
        let text: String = crate::analysis::docker::watches::REQUIRED_WATCHES
            .iter()
            .skip(1)
            .map(|p| format!("-w {p} -p wa -k docker\n"))
            .collect();
        snap.files.push(SourceFile {
            path: Some("/etc/audit/rules.d/docker.rules".into()),
            text,
            documents: Vec::new(),
            partial: false,
        });
        assert_eq!(messages(&snap).len(), 1);
        assert!(
            messages(&snap)[0].starts_with("/etc/audit/rules.d/docker.rules: no auditd rule watches `/usr/bin/docker`")
        );
    }
}
