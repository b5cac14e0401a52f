use crate::context::Context;

use crate::analysis::docker::node_files::{daemon_jsons, report_file};
use crate::inventory::Inventory;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a daemon.json where `userland-proxy` is not `false` (default `true`). CIS Docker
    /// Benchmark 1.4.0 check 2.16 (older editions 2.15).
    ///
    /// ## Why is this bad?
    /// With the userland proxy, every published port also runs a `docker-proxy` process: more code
    /// listening on the network, and traffic to the port seen as coming from the proxy (hairpin
    /// NAT is then done in user space instead of iptables).
    ///
    /// ## Example
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   userland-proxy: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   userland-proxy: false
    /// ```
    ///
    /// ## How to fix
    /// Set `"userland-proxy": false` in `/etc/docker/daemon.json` and restart dockerd (needs hairpin NAT
    /// support in the kernel, present on current distributions).
    pub DockerUserlandProxyEnabled {
        code: "DOCKER007",
        name: "docker-userland-proxy-enabled",
        summary: "the userland proxy is enabled (`userland-proxy` not `false`)",
        severity: Low,
        category: Docker,
        targets: INVENTORY,
        remediation: "set `\"userland-proxy\": false` in `/etc/docker/daemon.json` and restart dockerd",
        checklist: ["docker.bench"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for DockerUserlandProxyEnabled {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let snap = inv.host_documents();
        for d in daemon_jsons(snap) {
            if !d.is("userland-proxy", false) {
                report_file(
                    cx,
                    d.source("userland-proxy"),
                    format!(
                        "{}: a `docker-proxy` process serves every published port",
                        d.describe_default("userland-proxy", "true")
                    ),
                );
            }
        }
    }
}
