use crate::context::Context;

use crate::analysis::docker::node_files::{daemon_jsons, report_file};
use crate::inventory::Inventory;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reads `/etc/docker/daemon.json` and reports when `icc` (inter-container communication on the
    /// default `docker0` bridge) is not `false`. Unset, it defaults to `true`. CIS Docker Benchmark
    /// 1.4.0 check 2.2 (older editions 2.1). Only daemon.json is read: an `--icc=false` flag in the
    /// unit's `ExecStart` is not seen. A Docker host without daemon.json is judged on the defaults.
    ///
    /// ## Why is this bad?
    /// With inter-container traffic allowed, every container on the default bridge can reach every
    /// port of every other one: a compromised container can attack its neighbours and sniff their
    /// unencrypted traffic.
    ///
    /// ## Example
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   icc: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   icc: false
    /// ```
    ///
    /// ## How to fix
    /// Set `"icc": false` in `/etc/docker/daemon.json` and restart dockerd. Containers that must talk
    /// to each other go on a user-defined network (or use explicit `--link`).
    pub DockerIccEnabled {
        code: "DOCKER002",
        name: "docker-icc-enabled",
        summary: "containers on the default bridge network can talk to each other (`icc` not `false`)",
        severity: Medium,
        category: Docker,
        targets: INVENTORY,
        remediation: "set `\"icc\": false` in `/etc/docker/daemon.json` and restart dockerd; connect containers that must talk through user-defined networks",
        checklist: ["docker.bench"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for DockerIccEnabled {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let snap = inv.host_documents();
        for d in daemon_jsons(snap) {
            if !d.is("icc", false) {
                report_file(
                    cx,
                    d.source("icc"),
                    format!(
                        "{}: containers on the default bridge can reach each other",
                        d.describe_default("icc", "true")
                    ),
                );
            }
        }
    }
}
