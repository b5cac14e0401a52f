use crate::analysis::docker::node_files::{daemon_jsons, report_file};
use crate::context::Context;
use crate::input::node::Node;
use crate::inventory::Inventory;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a daemon.json whose `log-driver` keeps logs only on the host: unset (the default is
    /// `json-file`), `json-file`, `local`, or `none` (no logs at all). `journald`, `syslog` and the
    /// remote drivers (`fluentd`, `gelf`, `awslogs`, `splunk`, `gcplogs`, `logentries`, `etwlogs`)
    /// pass. CIS Docker Benchmark 1.4.0 check 2.13 (centralized and remote logging); docker-bench
    /// only flags `json-file`. A log agent that ships `/var/lib/docker/containers/*/*.log` also
    /// meets the goal: exempt the rule then.
    ///
    /// ## Why is this bad?
    /// Logs that never leave the host are lost with it and can be erased by an attacker who gets
    /// root on it; they also cannot be correlated across nodes.
    ///
    /// ## Example
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   log-driver: json-file
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   log-driver: syslog
    ///   log-opts:
    ///     syslog-address: "tcp+tls://logs.example.com:6514"
    /// ```
    ///
    /// ## How to fix
    /// Set a remote `log-driver` (with its `log-opts`) in `/etc/docker/daemon.json` and restart dockerd
    /// (running containers keep their driver until re-created).
    pub DockerLogsKeptOnHost {
        code: "DOCKER006",
        name: "docker-logs-kept-on-host",
        summary: "container logs stay on the host (log driver `json-file`, `local` or `none`)",
        severity: Low,
        category: Docker,
        targets: INVENTORY,
        remediation: "set `\"log-driver\"` in `/etc/docker/daemon.json` to a remote driver (`syslog`, `fluentd`, `gelf`, `awslogs`, `splunk`, `gcplogs`, ...) with its `log-opts`, or ship the json-file logs with an agent and exempt the rule",
        checklist: ["docker.bench", "general.4"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for DockerLogsKeptOnHost {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let snap = inv.host_documents();
        for d in daemon_jsons(snap) {
            let driver = d.get("log-driver").and_then(Node::as_str);
            if driver.is_none_or(|v| matches!(v, "" | "json-file" | "local" | "none")) {
                let what = if driver == Some("none") {
                    "no container logs are kept"
                } else {
                    "container logs stay on the host"
                };
                report_file(
                    cx,
                    d.source("log-driver"),
                    format!("{}: {what}", d.describe_default("log-driver", "json-file")),
                );
            }
        }
    }
}
