use crate::analysis::docker::node_files::{daemon_jsons, report_file};
use crate::context::Context;
use crate::input::node::Node;
use crate::inventory::Inventory;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a daemon.json whose `hosts` has a `tcp://` entry while `tlsverify` is not `true`.
    /// `tls: true` alone encrypts the connection but does not check client certificates, so any
    /// client that reaches the port is accepted: it is reported too (docker-bench: "TLS, but no
    /// verification"). `unix://` and `fd://` entries are local and pass. A `tcp://127.0.0.1` entry
    /// is still reported (any local user or container with host networking can use it). CIS Docker
    /// Benchmark 1.4.0 check 2.7 (older editions 2.6). Only daemon.json is read (not `-H` in the
    /// unit's `ExecStart`).
    ///
    /// ## Why is this bad?
    /// The Docker API is root on the host: whoever reaches an unauthenticated TCP socket can start a
    /// privileged container with the host's filesystem mounted. Exposed Docker ports are scanned
    /// for and exploited (crypto-miners) within minutes.
    ///
    /// ## Example
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   hosts: ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kubeward-test-file: /etc/docker/daemon.json
    /// content:
    ///   hosts: ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]
    ///   tlsverify: true
    ///   tlscacert: /etc/docker/tls/ca.pem
    ///   tlscert: /etc/docker/tls/server.pem
    ///   tlskey: /etc/docker/tls/server-key.pem
    /// ```
    ///
    /// ## How to fix
    /// Prefer the unix socket (or SSH: `DOCKER_HOST=ssh://host`). If TCP is needed, set
    /// `"tlsverify": true` with `tlscacert`, `tlscert` and `tlskey` (port 2376 by convention),
    /// issue client certificates from that CA only to administrators, and restart dockerd.
    pub DockerTcpSocketWithoutTls {
        code: "DOCKER008",
        name: "docker-tcp-socket-without-tls",
        summary: "dockerd listens on TCP without TLS client verification",
        severity: Critical,
        category: Docker,
        targets: INVENTORY,
        remediation: "remove the `tcp://` entry from `hosts` in `/etc/docker/daemon.json`, or set `\"tlsverify\": true` with `tlscacert`, `tlscert` and `tlskey`, then restart dockerd",
        checklist: ["docker.bench"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for DockerTcpSocketWithoutTls {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let snap = inv.host_documents();
        for d in daemon_jsons(snap) {
            let hosts: Vec<&str> = match d.get("hosts") {
                Some(h) if h.is_seq() => h.items().iter().filter_map(Node::as_str).collect(),
                Some(h) => h.as_str().into_iter().collect(),
                None => Vec::new(),
            };
            let Some(tcp) = hosts.iter().find(|h| h.starts_with("tcp://")) else { continue };
            if !d.is("tlsverify", true) {
                let tls = if d.is("tls", true) {
                    "`tls` is `true` but `tlsverify` is not: client certificates are not checked"
                } else {
                    "neither `tls` nor `tlsverify` is `true`"
                };
                report_file(cx, d.source("hosts"), format!("dockerd listens on `{tcp}` and {tls}"));
            }
        }
    }
}
