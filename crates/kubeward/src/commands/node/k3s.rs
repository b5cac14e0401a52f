//! K3s nodes: the API server, controller manager, scheduler, kubelet, kube-proxy and etcd run
//! inside the one `k3s` process, so no `/proc/<pid>/cmdline` and no static pod shows their
//! flags. kubeward rebuilds each component's command line the way it was started
//! (docs/design/node-layouts.md):
//!
//! 1. from k3s's own log, which records every start as
//!    `msg="Running kube-apiserver --flag=value ..."` (the journal of the `k3s`/`k3s-agent`
//!    units on a live node, `/var/log/k3s.log` with OpenRC, a `--log` file, or syslog); the
//!    last start wins;
//! 2. else from k3s's defaults (v1.30 to v1.34) with the `kube-apiserver-arg`,
//!    `kubelet-arg`, ... of `/etc/rancher/k3s/config.yaml`, its `config.yaml.d/*.yaml`
//!    drop-ins and the k3s command line merged over them as k3s merges them
//!    (`key=value` replaces, `key+=value` appends, `key-=value` prepends).
//!
//! Embedded etcd has no command line: its config file (`server/db/etcd/config`) is translated
//! to the equivalent flags.

use kubeward_engine::input::argv::Flags;
use kubeward_engine::input::node::Node;
use kubeward_engine::input::yaml::{load, Limits};
use kubeward_engine::rootfs::RootFs;

use super::{list_dir, read_quiet, read_tail, Errors};

/// k3s's data directory (`--data-dir`), when not changed.
pub const DATA_DIR: &str = "/var/lib/rancher/k3s";
/// k3s's config file.
pub const CONFIG_FILE: &str = "/etc/rancher/k3s/config.yaml";
/// Log files that may hold k3s's `Running ...` lines, newest data last.
const LOG_FILES: &[&str] =
    &["/var/log/syslog", "/var/log/messages", "/var/log/k3s.log", "/var/log/k3s-agent.log", "/var/log/k3s-service.log"];
/// How much of the end of each log file is read.
const LOG_TAIL: u64 = 64 << 20;

/// The components k3s logs a `Running` line for, with their `*-arg` config key.
const COMPONENTS: &[(&str, &str)] = &[
    ("kube-apiserver", "kube-apiserver-arg"),
    ("kube-controller-manager", "kube-controller-manager-arg"),
    ("kube-scheduler", "kube-scheduler-arg"),
    ("kubelet", "kubelet-arg"),
    ("kube-proxy", "kube-proxy-arg"),
];

/// One rebuilt component command line.
#[derive(Debug, PartialEq, Eq)]
pub struct Component {
    /// argv, the binary first.
    pub argv: Vec<String>,
    /// Where it comes from (a log file, `journalctl -u k3s`, or the k3s config file).
    pub source: String,
    /// How it was rebuilt, for the object name.
    pub how: &'static str,
}

/// What a k3s node shows of itself.
#[derive(Debug, Default)]
pub struct K3sNode {
    /// The command line of a running `k3s server|agent` (program first).
    pub process: Option<Vec<String>>,
}

/// The rebuilt components of a k3s node, and the version its log shows.
#[derive(Debug, Default)]
pub struct Rebuilt {
    /// The components.
    pub components: Vec<Component>,
    /// The k3s version of the last start (`v1.33.5+k3s1`) and the log it is from.
    pub version: Option<(String, String)>,
}

/// Whether `argv` is a k3s server or agent process.
#[must_use]
pub fn is_k3s_process(argv: &[String]) -> bool {
    argv.first().is_some_and(|a| a.rsplit('/').next() == Some("k3s"))
        && argv.get(1).is_some_and(|s| s == "server" || s == "agent")
}

/// Whether the node looks like a k3s node.
pub fn detected(fs: &RootFs, node: &K3sNode) -> bool {
    node.process.is_some() || fs.is_file(CONFIG_FILE) || fs.is_dir(DATA_DIR)
}

/// The `Running <component> ...` command lines in a log text: the last one of each component.
#[must_use]
pub fn running_lines(text: &str) -> Vec<(String, Vec<String>)> {
    let mut last: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        let Some(at) = line.find("Running ") else { continue };
        let rest = &line[at + "Running ".len()..];
        let Some((name, _)) = COMPONENTS.iter().find(|(c, _)| rest.starts_with(&format!("{c} --"))) else { continue };
        // The message ends at the closing quote of `msg="..."`, or at the end of the line.
        let body = rest.strip_suffix('"').unwrap_or(rest).trim_end_matches("\"");
        let body = body.find("\" ").map_or(body, |i| &body[..i]);
        let argv: Vec<String> = body.split(' ').filter(|s| !s.is_empty()).map(|s| s.replace("\\\"", "\"")).collect();
        last.retain(|(c, _)| c != name);
        last.push(((*name).to_string(), argv));
    }
    last.sort();
    last
}

/// The Kubernetes version of the last `Starting k3s v1.33.5+k3s1` line of a log text.
#[must_use]
pub fn started_version(text: &str) -> Option<String> {
    text.lines().rev().find_map(|l| {
        let rest = &l[l.find("Starting k3s v")? + "Starting k3s ".len()..];
        Some(rest.split([' ', '"']).next().unwrap_or(rest).to_string())
    })
}

/// k3s's default arguments of a component (k3s v1.30–v1.34, default data dir), before the
/// user's `*-arg` values. `secrets_encryption`: the `secrets-encryption` option.
#[must_use]
pub fn default_args(component: &str, data_dir: &str, secrets_encryption: bool, etcd: bool) -> Vec<(String, String)> {
    let s = format!("{data_dir}/server");
    let a = format!("{data_dir}/agent");
    let mut out: Vec<(&'static str, String)> = match component {
        "kube-apiserver" => {
            let mut v = vec![
                ("allow-privileged", "true".to_string()),
                ("anonymous-auth", "false".into()),
                ("authorization-mode", "Node,RBAC".into()),
                ("bind-address", "127.0.0.1".into()),
                ("client-ca-file", format!("{s}/tls/client-ca.crt")),
                ("enable-admission-plugins", "NodeRestriction".into()),
                ("enable-bootstrap-token-auth", "true".into()),
                ("kubelet-certificate-authority", format!("{s}/tls/server-ca.crt")),
                ("kubelet-client-certificate", format!("{s}/tls/client-kube-apiserver.crt")),
                ("kubelet-client-key", format!("{s}/tls/client-kube-apiserver.key")),
                ("profiling", "false".into()),
                ("secure-port", "6444".into()),
                ("service-account-issuer", "https://kubernetes.default.svc.cluster.local".into()),
                ("service-account-key-file", format!("{s}/tls/service.key")),
                ("service-account-signing-key-file", format!("{s}/tls/service.current.key")),
                ("service-cluster-ip-range", "10.43.0.0/16".into()),
                ("storage-backend", "etcd3".into()),
                ("tls-cert-file", format!("{s}/tls/serving-kube-apiserver.crt")),
                ("tls-private-key-file", format!("{s}/tls/serving-kube-apiserver.key")),
            ];
            if etcd {
                v.extend([
                    ("etcd-cafile", format!("{s}/tls/etcd/server-ca.crt")),
                    ("etcd-certfile", format!("{s}/tls/etcd/client.crt")),
                    ("etcd-keyfile", format!("{s}/tls/etcd/client.key")),
                    ("etcd-servers", "https://127.0.0.1:2379".into()),
                ]);
            } else {
                v.push(("etcd-servers", "unix://kine.sock".into()));
            }
            if secrets_encryption {
                v.extend([
                    ("encryption-provider-config", format!("{s}/cred/encryption-config.json")),
                    ("encryption-provider-config-automatic-reload", "true".into()),
                ]);
            }
            v
        }
        "kube-controller-manager" => vec![
            ("allocate-node-cidrs", "true".to_string()),
            ("bind-address", "127.0.0.1".into()),
            ("cluster-cidr", "10.42.0.0/16".into()),
            ("kubeconfig", format!("{s}/cred/controller.kubeconfig")),
            ("profiling", "false".into()),
            ("root-ca-file", format!("{s}/tls/server-ca.crt")),
            ("secure-port", "10257".into()),
            ("service-account-private-key-file", format!("{s}/tls/service.current.key")),
            ("service-cluster-ip-range", "10.43.0.0/16".into()),
            ("use-service-account-credentials", "true".into()),
        ],
        "kube-scheduler" => vec![
            ("bind-address", "127.0.0.1".to_string()),
            ("kubeconfig", format!("{s}/cred/scheduler.kubeconfig")),
            ("profiling", "false".into()),
            ("secure-port", "10259".into()),
        ],
        // From v1.32 the kubelet's settings are in a drop-in config directory, which
        // `kubeward node` reads as KubeletConfiguration files.
        "kubelet" => vec![
            ("config-dir", format!("{a}/etc/kubelet.conf.d")),
            ("kubeconfig", format!("{a}/kubelet.kubeconfig")),
            ("read-only-port", "0".into()),
        ],
        "kube-proxy" => vec![
            ("cluster-cidr", "10.42.0.0/16".to_string()),
            ("healthz-bind-address", "127.0.0.1".into()),
            ("kubeconfig", format!("{a}/kubeproxy.kubeconfig")),
            ("proxy-mode", "iptables".into()),
        ],
        _ => Vec::new(),
    };
    out.sort();
    out.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Merges user `*-arg` values over defaults as k3s does: `key=value` replaces every default
/// of `key`, `key+=value` appends, `key-=value` prepends, a bare `key` is `key=true`; the
/// result is sorted by key, repeated keys in order.
#[must_use]
pub fn merge_args(defaults: &[(String, String)], user: &[String]) -> Vec<String> {
    let mut map: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in defaults {
        match map.iter_mut().find(|(n, _)| n == k) {
            Some((_, vs)) => vs.push(v.clone()),
            None => map.push((k.clone(), vec![v.clone()])),
        }
    }
    let mut replaced: Vec<String> = Vec::new();
    for arg in user {
        let arg = arg.trim().trim_start_matches('-');
        let (key, value) = arg.split_once('=').unwrap_or((arg, "true"));
        let (key, op) = if let Some(k) = key.strip_suffix('+') {
            (k, '+')
        } else if let Some(k) = key.strip_suffix('-') {
            (k, '-')
        } else {
            (key, '=')
        };
        if key.is_empty() {
            continue;
        }
        let entry = match map.iter().position(|(n, _)| n == key) {
            Some(i) => i,
            None => {
                map.push((key.to_string(), Vec::new()));
                map.len() - 1
            }
        };
        let Some((_, vs)) = map.get_mut(entry) else { continue };
        match op {
            '+' => vs.push(value.to_string()),
            '-' => vs.insert(0, value.to_string()),
            _ => {
                if !replaced.iter().any(|r| r == key) {
                    vs.clear();
                    replaced.push(key.to_string());
                }
                vs.push(value.to_string());
            }
        }
    }
    map.sort_by(|a, b| a.0.cmp(&b.0));
    map.into_iter().flat_map(|(k, vs)| vs.into_iter().map(move |v| format!("--{k}={v}"))).collect()
}

/// The k3s options that matter here, from the config file, its drop-ins and the process.
#[derive(Debug, Default)]
pub struct Options {
    /// `*-arg` values by config key (`kube-apiserver-arg`).
    pub args: Vec<(String, Vec<String>)>,
    /// `secrets-encryption`.
    pub secrets_encryption: bool,
    /// `data-dir`.
    pub data_dir: Option<String>,
    /// `cluster-init` or `server` (embedded etcd rather than SQLite).
    pub etcd: bool,
    /// `protect-kernel-defaults`.
    pub protect_kernel_defaults: bool,
    /// The files read.
    pub sources: Vec<String>,
}

impl Options {
    fn list_mut(&mut self, key: &str) -> &mut Vec<String> {
        if let Some(i) = self.args.iter().position(|(k, _)| k == key) {
            &mut self.args[i].1
        } else {
            self.args.push((key.to_string(), Vec::new()));
            let last = self.args.len() - 1;
            &mut self.args[last].1
        }
    }

    /// Applies one config document: later files replace a key unless it ends in `+`.
    fn apply_config(&mut self, doc: &Node) {
        for e in doc.entries() {
            let (key, v) = (&*e.key, &e.value);
            let (key, append) = key.strip_suffix('+').map_or((key, false), |k| (k, true));
            if COMPONENTS.iter().any(|(_, a)| *a == key) || key == "etcd-arg" {
                let values: Vec<String> = match v.as_str() {
                    Some(s) => vec![s.to_string()],
                    None => v.items().iter().filter_map(Node::as_str).map(str::to_string).collect(),
                };
                let list = self.list_mut(key);
                if !append {
                    list.clear();
                }
                list.extend(values);
                continue;
            }
            match key {
                "secrets-encryption" => self.secrets_encryption = v.as_bool() == Some(true),
                "protect-kernel-defaults" => self.protect_kernel_defaults = v.as_bool() == Some(true),
                "cluster-init" => self.etcd |= v.as_bool() == Some(true),
                "server" => self.etcd |= v.as_str().is_some_and(|s| !s.is_empty()),
                "data-dir" => self.data_dir = v.as_str().map(str::to_string),
                _ => {}
            }
        }
    }

    /// Applies the k3s command line (after the config files: flags win, and a repeated
    /// flag replaces the whole list of the files).
    fn apply_argv(&mut self, argv: &[String]) {
        let flags = Flags::parse(argv.get(1..).unwrap_or_default(), false);
        let mut seen: Vec<&str> = Vec::new();
        for f in &flags.all {
            let name = f.name.as_str();
            if let Some((_, key)) = COMPONENTS.iter().find(|(_, a)| *a == name) {
                if !seen.contains(key) {
                    self.list_mut(key).clear();
                    seen.push(key);
                }
                if let Some(v) = &f.value {
                    self.list_mut(key).push(v.clone());
                }
            }
        }
        if flags.get_bool("secrets-encryption") == Some(true) {
            self.secrets_encryption = true;
        }
        if flags.get_bool("cluster-init") == Some(true) || flags.get("server").is_some_and(|s| !s.is_empty()) {
            self.etcd = true;
        }
        if let Some(d) = flags.get("data-dir").or_else(|| flags.get("d")) {
            self.data_dir = Some(d.to_string());
        }
    }

    fn args_of(&self, key: &str) -> &[String] {
        self.args.iter().find(|(k, _)| k == key).map_or(&[], |(_, v)| v.as_slice())
    }
}

/// Reads the k3s options: config file, drop-ins in name order, then the process's flags.
pub fn options(fs: &RootFs, node: &K3sNode, errs: &mut Errors) -> Options {
    let mut o = Options::default();
    let config = node
        .process
        .as_deref()
        .and_then(|argv| Flags::parse(argv.get(1..).unwrap_or_default(), false).get("config").map(str::to_string))
        .unwrap_or_else(|| CONFIG_FILE.to_string());
    let mut files = vec![config.clone()];
    let dropins = format!("{config}.d");
    files.extend(list_dir(fs, &dropins, errs).into_iter().filter(|n| n.ends_with(".yaml") || n.ends_with(".yml")));
    for f in files {
        let Some(text) = read_quiet(fs, &f, errs) else { continue };
        let loaded = load(&text, Limits::default());
        for d in &loaded.documents {
            o.apply_config(&d.root);
        }
        o.sources.push(f);
    }
    if let Some(argv) = &node.process {
        o.apply_argv(argv);
    }
    o
}

/// Translates an etcd YAML config file (`--config-file`, k3s's `server/db/etcd/config`) to
/// the flags it stands for: top-level keys are flag names, `client-transport-security` and
/// `peer-transport-security` hold the TLS flags (`peer-` prefixed for the peer side).
#[must_use]
pub fn etcd_config_argv(config: &Node) -> Vec<String> {
    let mut argv = vec!["etcd".to_string()];
    let scalar = |v: &Node| -> Option<String> {
        v.as_str().map(str::to_string).or_else(|| {
            let items: Vec<&str> = v.items().iter().filter_map(Node::as_str).collect();
            (!items.is_empty()).then(|| items.join(","))
        })
    };
    for e in config.entries() {
        let (key, v) = (&*e.key, &e.value);
        let prefix = match key {
            "client-transport-security" => "",
            "peer-transport-security" => "peer-",
            _ => {
                if let Some(val) = scalar(v) {
                    argv.push(format!("--{key}={val}"));
                }
                continue;
            }
        };
        for t in v.entries() {
            let (tkey, Some(val)) = (&*t.key, scalar(&t.value)) else { continue };
            argv.push(format!("--{prefix}{tkey}={val}"));
        }
    }
    argv
}

/// The component command lines of a k3s node: from the newest `Running` log lines when any
/// are found, else from k3s's defaults and its config; the embedded etcd from its config file.
pub fn components(fs: &RootFs, live: bool, node: &K3sNode, errs: &mut Errors) -> Rebuilt {
    let opts = options(fs, node, errs);
    let data_dir = opts.data_dir.clone().unwrap_or_else(|| DATA_DIR.to_string());
    let mut out = Vec::new();
    let mut version = None;
    // 1. The log.
    let mut found: Vec<(String, Vec<String>, String)> = Vec::new();
    let mut note = |text: &str, source: &str, found: &mut Vec<(String, Vec<String>, String)>| {
        for (c, argv) in running_lines(text) {
            found.retain(|(n, _, _)| *n != c);
            found.push((c, argv, source.to_string()));
        }
        if let Some(v) = started_version(text) {
            version = Some((v, source.to_string()));
        }
    };
    for f in LOG_FILES {
        if let Some(text) = read_tail(fs, f, LOG_TAIL, errs) {
            note(&text, f, &mut found);
        }
    }
    if live {
        if let Some(text) = journal() {
            note(&text, "journalctl -u k3s -u k3s-agent", &mut found);
        }
    }
    found.sort();
    let logged: Vec<String> = found.iter().map(|(c, _, _)| c.clone()).collect();
    for (_, argv, source) in found {
        out.push(Component { argv, source, how: "k3s log" });
    }
    // 2. Defaults and config for the components the log does not show. An agent runs only
    //    the kubelet and kube-proxy.
    let agent = node.process.as_ref().is_some_and(|a| a.get(1).is_some_and(|s| s == "agent"));
    let source = opts.sources.first().cloned().unwrap_or_else(|| CONFIG_FILE.to_string());
    for (c, key) in COMPONENTS {
        if logged.iter().any(|l| l == c) || (agent && !matches!(*c, "kubelet" | "kube-proxy")) {
            continue;
        }
        let defaults = default_args(c, &data_dir, opts.secrets_encryption, opts.etcd);
        let mut user: Vec<String> = opts.args_of(key).to_vec();
        if *c == "kubelet" && opts.protect_kernel_defaults {
            user.push("protect-kernel-defaults=true".to_string());
        }
        let mut argv = vec![(*c).to_string()];
        argv.extend(merge_args(&defaults, &user));
        out.push(Component { argv, source: source.clone(), how: "k3s defaults and config" });
    }
    // 3. Embedded etcd.
    let etcd_config = format!("{data_dir}/server/db/etcd/config");
    if let Some(text) = read_quiet(fs, &etcd_config, errs) {
        let loaded = load(&text, Limits::default());
        if let Some(d) = loaded.documents.first() {
            let mut argv = etcd_config_argv(&d.root);
            for a in opts.args_of("etcd-arg") {
                argv.push(format!("--{}", a.trim().trim_start_matches('-')));
            }
            out.push(Component { argv, source: etcd_config, how: "k3s embedded etcd config" });
        }
    }
    Rebuilt { components: out, version }
}

/// k3s's journal on a live node (`journalctl`), bounded; `None` when unavailable.
fn journal() -> Option<String> {
    let out = std::process::Command::new("journalctl")
        .args([
            "-u",
            "k3s",
            "-u",
            "k3s-agent",
            "-o",
            "cat",
            "--no-pager",
            "-n",
            "20000",
            "-g",
            "Running kube|Starting k3s",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_lines_last_start_wins() {
        let log = "\
Sep 11 17:20:01 s k3s[1]: time=\"2025-09-11T17:20:01Z\" level=info msg=\"Running kube-apiserver --anonymous-auth=true --profiling=true\"
Sep 11 17:20:02 s k3s[1]: time=\"2025-09-11T17:20:02Z\" level=info msg=\"Running kube-scheduler --bind-address=127.0.0.1 --profiling=false\"
time=\"2025-09-11T17:22:08Z\" level=info msg=\"Running kube-apiserver --anonymous-auth=false --node-labels= --eviction-hard=imagefs.available<5%,nodefs.available<5%\"
time=\"x\" level=info msg=\"Running load balancer k3s-agent-load-balancer\"
";
        let got = running_lines(log);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, "kube-apiserver");
        assert_eq!(
            got[0].1,
            vec![
                "kube-apiserver",
                "--anonymous-auth=false",
                "--node-labels=",
                "--eviction-hard=imagefs.available<5%,nodefs.available<5%"
            ]
        );
        assert_eq!(got[1].1, vec!["kube-scheduler", "--bind-address=127.0.0.1", "--profiling=false"]);
    }

    #[test]
    fn version_of_last_start() {
        let log = "time=\"a\" level=info msg=\"Starting k3s v1.32.1+k3s1 (abc)\"\ntime=\"b\" level=info msg=\"Starting k3s v1.33.5+k3s1 (6b9f3d3a)\"\n";
        assert_eq!(started_version(log).as_deref(), Some("v1.33.5+k3s1"));
        assert_eq!(started_version("nothing here"), None);
    }

    #[test]
    fn merge_like_k3s() {
        let d = vec![
            ("enable-admission-plugins".to_string(), "NodeRestriction".to_string()),
            ("profiling".to_string(), "false".to_string()),
        ];
        let user = vec![
            "enable-admission-plugins+=EventRateLimit".to_string(),
            "--profiling=true".to_string(),
            "audit-log-path=/var/log/a.log".to_string(),
            "anonymous-auth".to_string(),
            "tls-min-version-=VersionTLS12".to_string(),
        ];
        assert_eq!(
            merge_args(&d, &user),
            vec![
                "--anonymous-auth=true",
                "--audit-log-path=/var/log/a.log",
                "--enable-admission-plugins=NodeRestriction",
                "--enable-admission-plugins=EventRateLimit",
                "--profiling=true",
                "--tls-min-version=VersionTLS12",
            ]
        );
        // Replacing twice keeps both user values, dropping the default.
        let r = merge_args(&d, &["profiling=true".to_string(), "profiling=false".to_string()]);
        assert_eq!(r, vec!["--enable-admission-plugins=NodeRestriction", "--profiling=true", "--profiling=false"]);
    }

    #[test]
    fn config_files_then_flags() {
        let mut o = Options::default();
        let a = load(
            "kube-apiserver-arg: [profiling=true]\nsecrets-encryption: true\ncluster-init: true\n",
            Limits::default(),
        );
        o.apply_config(&a.documents[0].root);
        let b =
            load("kube-apiserver-arg+: [anonymous-auth=true]\nkubelet-arg: read-only-port=10255\n", Limits::default());
        o.apply_config(&b.documents[0].root);
        assert_eq!(o.args_of("kube-apiserver-arg"), ["profiling=true", "anonymous-auth=true"]);
        assert_eq!(o.args_of("kubelet-arg"), ["read-only-port=10255"]);
        assert!(o.secrets_encryption && o.etcd);
        let c = load("kube-apiserver-arg: [audit-log-path=/x]\n", Limits::default());
        o.apply_config(&c.documents[0].root);
        assert_eq!(o.args_of("kube-apiserver-arg"), ["audit-log-path=/x"], "a later file without `+` replaces");
        let argv: Vec<String> =
            ["k3s", "server", "--kube-apiserver-arg", "profiling=false", "--kube-apiserver-arg=v=2"]
                .map(String::from)
                .into();
        o.apply_argv(&argv);
        assert_eq!(o.args_of("kube-apiserver-arg"), ["profiling=false", "v=2"], "flags replace the files' list");
    }

    #[test]
    fn etcd_config_to_flags() {
        let text = "data-dir: /var/lib/rancher/k3s/server/db/etcd\nlisten-client-urls: https://127.0.0.1:2379,https://10.0.0.1:2379\nclient-transport-security:\n  cert-file: /tls/etcd/server-client.crt\n  client-cert-auth: true\n  key-file: /tls/etcd/server-client.key\n  trusted-ca-file: /tls/etcd/server-ca.crt\npeer-transport-security:\n  auto-tls: false\n  client-cert-auth: true\nlog-outputs: [stderr]\n";
        let l = load(text, Limits::default());
        assert_eq!(
            etcd_config_argv(&l.documents[0].root),
            vec![
                "etcd",
                "--data-dir=/var/lib/rancher/k3s/server/db/etcd",
                "--listen-client-urls=https://127.0.0.1:2379,https://10.0.0.1:2379",
                "--cert-file=/tls/etcd/server-client.crt",
                "--client-cert-auth=true",
                "--key-file=/tls/etcd/server-client.key",
                "--trusted-ca-file=/tls/etcd/server-ca.crt",
                "--peer-auto-tls=false",
                "--peer-client-cert-auth=true",
                "--log-outputs=stderr",
            ]
        );
    }

    #[test]
    fn k3s_processes() {
        let p = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        assert!(is_k3s_process(&p(&["/usr/local/bin/k3s", "server"])));
        assert!(is_k3s_process(&p(&["k3s", "agent", "--server", "https://x:6443"])));
        assert!(!is_k3s_process(&p(&["/usr/local/bin/k3s", "kubectl", "get", "pods"])));
        assert!(!is_k3s_process(&p(&["k3s-server"])));
    }
}
