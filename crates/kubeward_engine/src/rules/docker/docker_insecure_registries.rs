use crate::analysis::docker::node_files::{daemon_jsons, report_file};
use crate::context::Context;
use crate::input::node::Node;
use crate::inventory::Inventory;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a daemon.json whose `insecure-registries` is not empty, naming the registries. Docker
    /// always treats `127.0.0.0/8` as insecure; that is not a finding. CIS Docker Benchmark 1.4.0
    /// check 2.5 (older editions 2.4).
    ///
    /// ## Why is this bad?
    /// Images from an insecure registry are pulled over plain HTTP or unverified TLS: anyone on the
    /// network path can serve a malicious image that then runs on the node.
    ///
    /// ## Example
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   insecure-registries: ["registry.internal:5000"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   insecure-registries: []
    /// ```
    ///
    /// ## How to fix
    /// Serve the registry over TLS with a certificate the node trusts (a private CA goes in
    /// `/etc/docker/certs.d/<registry>/ca.crt`), remove it from `insecure-registries` and restart
    /// dockerd.
    pub DockerInsecureRegistries {
        code: "DOCKER009",
        name: "docker-insecure-registries",
        summary: "dockerd pulls from registries without TLS verification (`insecure-registries`)",
        severity: High,
        category: Docker,
        targets: INVENTORY,
        remediation: "remove the entries of `insecure-registries` in `/etc/docker/daemon.json`; give those registries certificates (trusted through `/etc/docker/certs.d/<registry>/ca.crt`) and restart dockerd",
        checklist: ["docker.bench"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for DockerInsecureRegistries {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let snap = inv.host_documents();
        for d in daemon_jsons(snap) {
            let regs: Vec<&str> = d
                .get("insecure-registries")
                .map(|r| r.items().iter().filter_map(Node::as_str).collect())
                .unwrap_or_default();
            if !regs.is_empty() {
                report_file(
                    cx,
                    d.source("insecure-registries"),
                    format!(
                        "`insecure-registries` lists `{}`: images are pulled without TLS verification",
                        regs.join("`, `")
                    ),
                );
            }
        }
    }
}
