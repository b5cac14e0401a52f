use crate::context::Context;

use crate::analysis::docker::node_files::{daemon_jsons, report_file};
use crate::inventory::Inventory;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a daemon.json where `live-restore` is not `true` (default `false`). CIS Docker
    /// Benchmark 1.4.0 check 2.15 (older editions 2.14). Swarm mode is incompatible with
    /// live-restore: exempt swarm managers (`--ignore`/per-path ignore of DOCKER005).
    ///
    /// ## Why is this bad?
    /// Without live restore, restarting or upgrading the Docker daemon (for example to apply a security
    /// fix) stops every container; operators then postpone daemon patches.
    ///
    /// ## Example
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   live-restore: false
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   live-restore: true
    /// ```
    ///
    /// ## How to fix
    /// Set `"live-restore": true` in `/etc/docker/daemon.json` and run `systemctl reload docker`.
    pub DockerLiveRestoreDisabled {
        code: "DOCKER005",
        name: "docker-live-restore-disabled",
        summary: "containers stop when dockerd stops (`live-restore` not `true`)",
        severity: Low,
        category: Docker,
        targets: INVENTORY,
        remediation: "set `\"live-restore\": true` in `/etc/docker/daemon.json` (not with swarm mode) and reload dockerd",
        checklist: ["docker.bench"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for DockerLiveRestoreDisabled {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let snap = inv.host_documents();
        for d in daemon_jsons(snap) {
            if !d.is("live-restore", true) {
                report_file(
                    cx,
                    d.source("live-restore"),
                    format!(
                        "{}: restarting dockerd stops every container",
                        d.describe_default("live-restore", "false")
                    ),
                );
            }
        }
    }
}
