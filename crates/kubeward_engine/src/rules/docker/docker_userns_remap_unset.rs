use crate::analysis::docker::node_files::{daemon_jsons, report_file};
use crate::context::Context;
use crate::input::node::Node;
use crate::inventory::Inventory;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a daemon.json without a non-empty `userns-remap`. CIS Docker Benchmark 1.4.0 check
    /// 2.9 (older editions 2.8). Only daemon.json is read (not `--userns-remap` in the unit).
    ///
    /// ## Why is this bad?
    /// Without user namespaces, root in a container is root (uid 0) on the host: a container escape
    /// or a writable host mount gives full control of the node.
    ///
    /// ## Example
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   icc: false
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   userns-remap: default
    /// ```
    ///
    /// ## How to fix
    /// Set `"userns-remap": "default"` (Docker creates the `dockremap` user and its subordinate id
    /// ranges) or a dedicated `user:group` with entries in `/etc/subuid` and `/etc/subgid`, then
    /// restart dockerd. Existing images and volumes are re-created under the remapped root.
    pub DockerUsernsRemapUnset {
        code: "DOCKER003",
        name: "docker-userns-remap-unset",
        summary: "user namespace remapping is not enabled (`userns-remap` unset)",
        severity: Medium,
        category: Docker,
        targets: INVENTORY,
        remediation: "set `\"userns-remap\": \"default\"` (or a dedicated user) in `/etc/docker/daemon.json` and restart dockerd",
        checklist: ["docker.bench"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for DockerUsernsRemapUnset {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let snap = inv.host_documents();
        for d in daemon_jsons(snap) {
            if d.get("userns-remap").and_then(Node::as_str).is_none_or(str::is_empty) {
                report_file(
                    cx,
                    d.source("userns-remap"),
                    format!("{}: root in a container is root on the host", d.describe("userns-remap")),
                );
            }
        }
    }
}
