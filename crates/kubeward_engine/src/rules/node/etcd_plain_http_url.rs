use crate::analysis::node::plane_flags::{is_loopback_host, url_host, Etcd};
use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::{Rule, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Flags etcd containers that listen on, or advertise, a plain `http://` URL on an address
    /// other than loopback: `--listen-client-urls`, `--advertise-client-urls` (critical),
    /// `--listen-peer-urls`, `--initial-advertise-peer-urls` (high), as flags or as `ETCD_*`
    /// environment variables. `http://localhost` and `http://127.0.0.1` (the defaults) are not
    /// reported: they are reachable from the node only.
    /// Containers started with `--config-file` are not judged: etcd then ignores its flags and
    /// environment, and the file is not visible in the manifest.
    ///
    /// ## Why is this bad?
    /// A plain HTTP endpoint has neither encryption nor client certificate authentication: any
    /// host that reaches it reads and writes the whole cluster state, Secrets included, whatever
    /// `--client-cert-auth` says.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: etcd, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: etcd
    ///       image: registry.k8s.io/etcd:3.5.21-0
    ///       command:
    ///         - etcd
    ///         - --listen-client-urls=http://0.0.0.0:2379
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: etcd, namespace: kube-system}
    /// spec:
    ///   containers:
    ///     - name: etcd
    ///       image: registry.k8s.io/etcd:3.5.21-0
    ///       command:
    ///         - etcd
    ///         - --listen-client-urls=https://10.0.0.10:2379,https://127.0.0.1:2379
    ///         - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    ///         - --key-file=/etc/kubernetes/pki/etcd/server.key
    /// ```
    ///
    /// ## How to fix
    /// Serve clients and peers over `https://` only (with `--cert-file`/`--key-file` and
    /// `--peer-cert-file`/`--peer-key-file`); keep plain HTTP, if at all, on loopback.
    pub EtcdPlainHttpUrl {
        code: "NODE037",
        name: "etcd-plain-http-url",
        summary: "etcd serves plain HTTP on a non-loopback address",
        severity: Critical,
        category: Node,
        targets: CONTAINER,
        remediation: "use `https://` URLs for etcd clients and peers, plain HTTP only on loopback",
        checklist: ["components.2"],
        cis: [],
        since: "0.1.0",
    }
}

/// The URL flags, and whether they are about clients (critical) or peers (high).
const URL_FLAGS: [(&str, bool); 4] = [
    ("listen-client-urls", true),
    ("advertise-client-urls", true),
    ("listen-peer-urls", false),
    ("initial-advertise-peer-urls", false),
];

impl Rule for EtcdPlainHttpUrl {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(etcd) = Etcd::of(c) else { return };
        for (flag, client) in URL_FLAGS {
            let Some(s) = etcd.setting(flag) else { continue };
            let Some(raw) = s.raw.as_deref() else { continue };
            let bad: Vec<&str> = raw
                .split(',')
                .map(str::trim)
                .filter(|u| {
                    u.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("http://")) && !is_loopback_host(url_host(u))
                })
                .collect();
            if bad.is_empty() {
                continue;
            }
            let urls = bad.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ");
            let what = if client { "clients" } else { "peers" };
            let name = s.env.clone().unwrap_or_else(|| format!("--{flag}"));
            let d = cx
                .report(
                    pod.object,
                    s.path.clone(),
                    format!("etcd container `{}` serves {what} over plain HTTP on a non-loopback address: `{name}` has {urls}", c.name()),
                )
                .container(c.name());
            if !client {
                d.severity(Severity::High);
            }
        }
    }
}
