use crate::context::Context;

use crate::analysis::docker::node_files::{daemon_jsons, report_file};
use crate::inventory::Inventory;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a daemon.json where `no-new-privileges` is not `true` (default `false`). CIS Docker
    /// Benchmark 1.4.0 check 2.14 (older editions 2.18). Only daemon.json is read.
    ///
    /// ## Why is this bad?
    /// Without `no-new-privileges`, a process in a container can gain privileges through setuid and
    /// setgid binaries or file capabilities, turning a foothold as an unprivileged user into root
    /// inside the container.
    ///
    /// ## Example
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   no-new-privileges: false
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   no-new-privileges: true
    /// ```
    ///
    /// ## How to fix
    /// Set `"no-new-privileges": true` in `/etc/docker/daemon.json` and restart dockerd.
    pub DockerNewPrivilegesAllowed {
        code: "DOCKER004",
        name: "docker-new-privileges-allowed",
        summary: "containers may gain new privileges (`no-new-privileges` not `true`)",
        severity: Low,
        category: Docker,
        targets: INVENTORY,
        remediation: "set `\"no-new-privileges\": true` in `/etc/docker/daemon.json` and restart dockerd",
        checklist: ["docker.bench"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for DockerNewPrivilegesAllowed {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let snap = inv.host_documents();
        for d in daemon_jsons(snap) {
            if !d.is("no-new-privileges", true) {
                report_file(
                    cx,
                    d.source("no-new-privileges"),
                    format!(
                        "{}: setuid binaries can raise privileges in containers",
                        d.describe_default("no-new-privileges", "false")
                    ),
                );
            }
        }
    }
}
