//! `kubeward node`: audit a node's control-plane, kubelet and Docker configuration, on the
//! node itself or offline over a copy of its filesystem (`--root DIR`).
//!
//! What it reads, the way the components find it (kubeadm, RKE2 and K3s layouts; the paths
//! are in `paths.rs`):
//! - running components from `<root>/proc/<pid>/cmdline` (kube-apiserver, controller manager,
//!   scheduler, etcd, kubelet, kube-proxy; `hyperkube <component>` too; dockerd). Each becomes an
//!   object of kind `Process` whose pod template holds the exact argv, so the node rules that
//!   check static pod manifests check processes the same way;
//! - K3s's embedded components, rebuilt from its log or its defaults and config (`k3s.rs`);
//! - the kubelet's config file (`--config`, else kubeadm's path) and drop-in directory
//!   (`--config-dir`, else RKE2's and K3s's);
//! - static pod manifests in the kubelet's `staticPodPath` / `--pod-manifest-path` and in
//!   each layout's usual directory;
//! - the EncryptionConfiguration and audit Policy files named by kube-apiserver's
//!   `--encryption-provider-config` and `--audit-policy-file`;
//! - the kubeconfig files of the components (for TLS verification);
//! - permissions and ownership of the control-plane, kubelet and Docker files (CIS 1.1, 4.1,
//!   CIS Docker 3), with owner names from the node's own `/etc/passwd` and `/etc/group`; an
//!   absent file is not applicable, an unreadable one "could not check";
//! - `/etc/docker/daemon.json` and the auditd rules (`/etc/audit/rules.d/*.rules`,
//!   `/etc/audit/audit.rules`, and `auditctl -l` on a live node) for the Docker host rules.
//!
//! Findings name node paths (`/etc/kubernetes/manifests/etcd.yaml`), also with `--root`.
//!
//! Every read goes through one resolver, [`RootFs`]: with `--root DIR` each path resolves
//! inside DIR as if DIR were `/` (absolute links re-rooted, `..` kept at the root, a relative
//! link climbing out of DIR refused and reported), and only regular files are opened, read up
//! to a limit. A refused path is an input error naming it; the rest of the audit goes on.

pub mod cis;
mod k3s;
mod paths;

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Result;
use kubeward_engine::analysis::node::component::{ComponentKind, ComponentView};
use kubeward_engine::input::argv::split_cmdline;
use kubeward_engine::input::auditd::AUDITCTL_SOURCE;
use kubeward_engine::input::hostfile::{FileRole, FileState, HostFile};
use kubeward_engine::input::node::{Node, Pos};
use kubeward_engine::input::workload::PodSpecView;
use kubeward_engine::input::yaml::{Document, Limits};
use kubeward_engine::report::Sources;
use kubeward_engine::rootfs::{RootError, RootFs};
use kubeward_engine::snapshot::SourceFile;
use kubeward_engine::{InputError, Snapshot};

use crate::args::NodeArgs;
use crate::config;

/// Largest file read from the node (config files are small).
const MAX_NODE_FILE: u64 = 4 << 20;
/// Largest `/proc/<pid>/cmdline` read (Linux bounds argv to a few MiB; components use far less).
const MAX_CMDLINE: u64 = 1 << 20;

/// Input errors of the node audit (files refused or unreadable), named by node path.
pub(crate) type Errors = Vec<InputError>;

/// Records that `node_path` could not be read.
pub(crate) fn input_error(errs: &mut Errors, node_path: &str, e: &RootError) {
    errs.push(InputError { file: Some(node_path.into()), pos: Pos::default(), message: e.to_string() });
}

/// Reads a small node file as text: `None` when absent, a directory or unreadable; a refused
/// file (a link leaving the root, a loop, a special or oversized file) is also an input error.
pub(crate) fn read_quiet(fs: &RootFs, node_path: &str, errs: &mut Errors) -> Option<String> {
    match fs.read_to_string(node_path, MAX_NODE_FILE) {
        Ok(text) => text,
        Err(e) if e.is_refusal() && !e.is_directory() => {
            input_error(errs, node_path, &e);
            None
        }
        Err(_) => None,
    }
}

/// `id → name` from a node's `/etc/passwd` or `/etc/group`.
fn id_names(fs: &RootFs, file: &str, errs: &mut Errors) -> HashMap<u32, String> {
    read_quiet(fs, file, errs)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut parts = l.split(':');
            let name = parts.next()?;
            let id = parts.nth(1)?.parse().ok()?;
            Some((id, name.to_string()))
        })
        .collect()
}

/// The owner names of the node (`/etc/passwd`, `/etc/group`).
struct Owners {
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
}

impl Owners {
    fn of(fs: &RootFs, errs: &mut Errors) -> Self {
        Self { users: id_names(fs, "/etc/passwd", errs), groups: id_names(fs, "/etc/group", errs) }
    }
}

/// Mode and owner of a node file, links followed inside the root (a linked file's owner is
/// its target's in the tree). A link leaving the root or a loop is an input error.
fn stat(fs: &RootFs, node_path: &str, role: FileRole, owners: &Owners, errs: &mut Errors) -> Option<HostFile> {
    use std::os::unix::fs::MetadataExt;
    let (users, groups) = (&owners.users, &owners.groups);
    let state = match fs.metadata(node_path) {
        Ok(Some(m)) => FileState::Present {
            mode: m.mode() & 0o7777,
            uid: m.uid(),
            gid: m.gid(),
            user: users.get(&m.uid()).cloned(),
            group: groups.get(&m.gid()).cloned(),
            dir: m.is_dir(),
        },
        Ok(None) => return None,
        Err(RootError::Io(e)) => FileState::Unreadable(e),
        Err(e) => {
            input_error(errs, node_path, &e);
            return None;
        }
    };
    Some(HostFile { path: node_path.to_string(), role, state })
}

/// Lists a node directory: `dir/name` for each entry, sorted. A directory reached through a
/// link that leaves the root, or a loop, is an input error.
pub(crate) fn list_dir(fs: &RootFs, dir: &str, errs: &mut Errors) -> Vec<String> {
    match fs.read_dir(dir) {
        Ok(names) => names.unwrap_or_default().into_iter().map(|n| format!("{dir}/{n}")).collect(),
        Err(e) => {
            if e.is_refusal() {
                input_error(errs, dir, &e);
            }
            Vec::new()
        }
    }
}

/// The node files to audit: the fixed list, the manifests of the static pod directories,
/// PKI certificates and keys, CNI configs.
fn host_files(fs: &RootFs, static_pod_dirs: &[String], owners: &Owners, errs: &mut Errors) -> Vec<HostFile> {
    let mut out: Vec<HostFile> = paths::HOST_FILES.iter().filter_map(|(p, r)| stat(fs, p, *r, owners, errs)).collect();
    for dir in static_pod_dirs {
        for (name, role) in paths::MANIFEST_ROLES {
            out.extend(stat(fs, &format!("{dir}/{name}"), *role, owners, errs));
        }
    }
    let pki: Vec<String> = paths::PKI_DIRS.iter().flat_map(|d| list_dir(fs, d, errs)).collect();
    for p in pki {
        let role = if p.ends_with(".crt") {
            FileRole::PkiCertificate
        } else if p.ends_with(".key") {
            FileRole::PkiKey
        } else {
            continue;
        };
        out.extend(stat(fs, &p, role, owners, errs));
    }
    let cni: Vec<String> = paths::CNI_DIRS.iter().flat_map(|d| list_dir(fs, d, errs)).collect();
    for p in cni {
        // host-local IPAM keeps a `lock` file that is meant to be writable.
        if p.ends_with("/lock") || fs.is_dir(&p) {
            continue;
        }
        out.extend(stat(fs, &p, FileRole::CniConfig, owners, errs));
    }
    out
}

/// The command lines of the components in the snapshot (processes, static pods, rebuilt K3s
/// components), read once per stage of the audit.
fn components(snap: &Snapshot) -> Vec<ComponentView> {
    let mut out = Vec::new();
    for o in snap.objects() {
        let Some(pod) = PodSpecView::of(&o) else { continue };
        out.extend(pod.containers().iter().filter_map(ComponentView::of));
    }
    out
}

/// The absolute paths `flag` names on the `component`s.
fn flag_values(comps: &[ComponentView], component: ComponentKind, flag: &str) -> Vec<String> {
    comps
        .iter()
        .filter(|c| c.kind == component)
        .filter_map(|c| c.flags.get(flag).filter(|v| v.starts_with('/')).map(str::to_string))
        .collect()
}

/// Files named by the components' flags and by KubeletConfiguration objects, with the role
/// CIS gives them: the kubelet's client CA and kubeconfig, etcd's data directory, each
/// component's `--kubeconfig`.
fn named_files(snap: &Snapshot, comps: &[ComponentView]) -> Vec<(String, FileRole)> {
    let mut out = Vec::new();
    for o in snap.objects() {
        if o.kind() == "KubeletConfiguration" {
            if let Some(ca) = o.root.at(&["authentication", "x509", "clientCAFile"]).and_then(Node::as_str) {
                out.push((ca.to_string(), FileRole::ClientCaFile));
            }
        }
    }
    for comp in comps {
        let named: &[(&str, FileRole)] = match comp.kind {
            ComponentKind::Kubelet => &[
                ("client-ca-file", FileRole::ClientCaFile),
                ("kubeconfig", FileRole::KubeletKubeconfig),
                ("config", FileRole::KubeletConfig),
            ],
            ComponentKind::Etcd => &[("data-dir", FileRole::EtcdDataDir)],
            ComponentKind::KubeProxy => &[("kubeconfig", FileRole::ProxyKubeconfig)],
            ComponentKind::Scheduler => &[("kubeconfig", FileRole::SchedulerKubeconfig)],
            ComponentKind::ControllerManager => &[("kubeconfig", FileRole::ControllerManagerKubeconfig)],
            ComponentKind::ApiServer => &[],
        };
        for (flag, role) in named {
            if let Some(v) = comp.flags.get(flag).filter(|v| v.starts_with('/')) {
                out.push((v.to_string(), *role));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.as_str().cmp(b.1.as_str())));
    out.dedup();
    out
}

/// A running component found in `/proc`.
struct Process {
    pid: String,
    argv: Vec<String>,
}

/// The running Kubernetes components, and the k3s process if any. `/proc` and each
/// `/proc/<pid>/cmdline` are read through the resolver: a `proc` linking out of the root is
/// refused (an input error), never the host's processes.
fn processes(fs: &RootFs, errs: &mut Errors) -> (Vec<Process>, Option<Vec<String>>) {
    let pids = match fs.read_dir("/proc") {
        Ok(Some(names)) => names,
        Ok(None) => return (Vec::new(), None),
        Err(e) => {
            if e.is_refusal() {
                input_error(errs, "/proc", &e);
            }
            return (Vec::new(), None);
        }
    };
    let mut out = Vec::new();
    let mut k3s_process = None;
    for pid in pids {
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let path = format!("/proc/{pid}/cmdline");
        let raw = match fs.read(&path, MAX_CMDLINE) {
            Ok(Some(raw)) => raw,
            // A process that ended meanwhile, or one this user may not see.
            Ok(None) | Err(RootError::Io(_)) => continue,
            Err(e) => {
                input_error(errs, &path, &e);
                continue;
            }
        };
        let argv = split_cmdline(&raw);
        if k3s::is_k3s_process(&argv) {
            k3s_process = Some(argv);
            continue;
        }
        let component = argv.first().and_then(|a| ComponentKind::from_binary(a)).or_else(|| {
            (argv.first().is_some_and(|a| a.rsplit('/').next() == Some("hyperkube")))
                .then(|| argv.get(1).and_then(|a| ComponentKind::from_binary(a)))
                .flatten()
        });
        // dockerd's flags count with daemon.json for the Docker rules.
        let dockerd = argv.first().is_some_and(|a| a.rsplit('/').next() == Some("dockerd"));
        if component.is_some() || dockerd {
            out.push(Process { pid, argv });
        }
    }
    out.sort_by(|a, b| a.pid.len().cmp(&b.pid.len()).then_with(|| a.pid.cmp(&b.pid)));
    (out, k3s_process)
}

/// The object a command line is audited as: kind `Process`, with the argv as the pod
/// template's container command. `label` says where it runs (`pid 1234`, `k3s log`).
fn process_object(argv: &[String], label: &str) -> Node {
    let name = argv.first().map_or("process", |a| a.rsplit('/').next().unwrap_or(a));
    Node::from_json(&serde_json::json!({
        "apiVersion": "kubeward.io/v1",
        "kind": "Process",
        "metadata": {"name": format!("{name} ({label})")},
        "spec": {"template": {"spec": {"containers": [{
            "name": name,
            "image": "host-process",
            "command": argv,
        }]}}},
    }))
}

/// The object a stated version stands for (`--k8s-version`, a K3s log's `Starting k3s`).
fn version_object(version: &str, name: &str) -> Node {
    Node::from_json(&serde_json::json!({
        "apiVersion": "kubeward.io/v1",
        "kind": "KubernetesVersion",
        "metadata": {"name": name},
        "spec": {"version": version},
    }))
}

fn object_file(path: &str, root: Node) -> SourceFile {
    SourceFile {
        path: Some(path.into()),
        text: String::new(),
        documents: vec![Document { root, duplicates: Vec::new() }],
        partial: false,
    }
}

/// A node file as text: `Ok(None)` when absent or a directory.
fn read_node_file(fs: &RootFs, node_path: &str) -> Result<Option<String>, RootError> {
    match fs.read_to_string(node_path, MAX_NODE_FILE) {
        Err(e) if e.is_directory() => Ok(None),
        other => other,
    }
}

/// The last `max` bytes of a node file (a log), from a line start; `None` when absent or
/// unreadable (a refused file is also an input error).
pub(crate) fn read_tail(fs: &RootFs, node_path: &str, max: u64, errs: &mut Errors) -> Option<String> {
    let (buf, cut) = match fs.read_tail(node_path, max) {
        Ok(t) => t?,
        Err(e) => {
            if e.is_refusal() && !e.is_directory() {
                input_error(errs, node_path, &e);
            }
            return None;
        }
    };
    let text = String::from_utf8_lossy(&buf).into_owned();
    Some(if cut { text.split_once('\n').map_or(String::new(), |(_, rest)| rest.to_string()) } else { text })
}

/// `auditctl -l` on a live node: the rules loaded in the kernel (`None` when unavailable).
fn auditctl_rules() -> Option<String> {
    let out = std::process::Command::new("auditctl")
        .arg("-l")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Builds the snapshot of a node.
struct NodeReader<'a> {
    fs: &'a RootFs,
    snap: Snapshot,
}

impl NodeReader<'_> {
    fn has_file(&self, path: &str) -> bool {
        self.snap.files.iter().any(|f| f.path.as_deref() == Some(path))
    }

    /// Adds a node file parsed as YAML documents (once).
    fn add(&mut self, node_path: &str) {
        if self.has_file(node_path) {
            return;
        }
        match read_node_file(self.fs, node_path) {
            Ok(Some(text)) => {
                let (f, e) = Snapshot::parse_file(node_path, text, Limits::default());
                self.snap.push(f, e);
            }
            Ok(None) => {}
            Err(e) => input_error(&mut self.snap.errors, node_path, &e),
        }
    }

    /// Adds a node file as text only (auditd rules).
    fn add_text(&mut self, node_path: &str) {
        match read_node_file(self.fs, node_path) {
            Ok(Some(text)) => self.snap.files.push(SourceFile {
                path: Some(node_path.into()),
                text,
                documents: Vec::new(),
                partial: false,
            }),
            Ok(None) => {}
            Err(e) => input_error(&mut self.snap.errors, node_path, &e),
        }
    }

    /// Adds the files of a directory whose names end with one of `suffixes`.
    fn add_dir(&mut self, dir: &str, suffixes: &[&str]) {
        for p in list_dir(self.fs, dir, &mut self.snap.errors) {
            // Not only regular files: `add` reports a FIFO or device named like a config file.
            if suffixes.iter().any(|s| p.ends_with(s)) && !self.fs.is_dir(&p) {
                self.add(&p);
            }
        }
    }
}

/// Whether the node shows any component of the layouts in `paths.rs`: a running Kubernetes
/// component or dockerd (or K3s), or any file the audit read or stat'ed besides auditd's rules
/// and the stated `--k8s-version` (a kubelet config, a static pod manifest, a kubeconfig, PKI,
/// CNI configs, Docker's unit, socket, config directory or daemon.json, containerd's socket).
/// auditd alone is not a Kubernetes or Docker component.
fn found_node_configuration(snap: &Snapshot) -> bool {
    let audit_only = |p: &str| {
        p == paths::AUDIT_RULES_FILE
            || p.strip_prefix(paths::AUDIT_RULES_DIR).is_some_and(|r| r.starts_with('/'))
            || p == AUDITCTL_SOURCE
            || p == "--k8s-version"
    };
    !snap.host_files.is_empty() || snap.files.iter().any(|f| f.path.as_deref().is_some_and(|p| !audit_only(p)))
}

/// The error of a node audit that found no node configuration: the root is missing or not a
/// directory, or holds none of the files of the supported layouts.
fn nothing_found(root: &std::path::Path, live: bool) -> InputError {
    const LOOKED_FOR: &str = "no kube-apiserver, controller manager, scheduler, etcd, kubelet, kube-proxy, k3s or dockerd process, and none of the kubeadm, RKE2, K3s or Docker files (kubelet config, static pod manifests, kubeconfigs, PKI, CNI config, /etc/docker, Docker or containerd socket)";
    let message = match std::fs::metadata(root) {
        _ if live => format!("no Kubernetes or Docker components found on this node: {LOOKED_FOR}"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            "the --root directory does not exist: nothing to audit".to_string()
        }
        Err(e) => format!("the --root directory cannot be read ({e}): nothing to audit"),
        Ok(m) if !m.is_dir() => "the --root path is not a directory (it must be a copy of a node's filesystem)".to_string(),
        Ok(_) => format!(
            "no Kubernetes or Docker components found under this root (a copy of a node's filesystem is expected): {LOOKED_FOR}"
        ),
    };
    InputError { file: Some(root.display().to_string().into()), pos: Pos::default(), message }
}

/// Runs the node audit.
///
/// # Errors
/// Usage errors.
pub fn run(args: &NodeArgs) -> Result<u8> {
    let mut settings = config::load(&args.report)?;
    if args.report.select.is_empty() && args.report.config.is_none() {
        // A node audit is about the node: the pod rules would judge control-plane static pods
        // by workload standards.
        settings.select = vec!["node".to_string(), "docker".to_string(), "general".to_string()];
    }
    let root = args.root.clone().unwrap_or_else(|| PathBuf::from("/"));
    let live = args.root.is_none();
    let fs = if live { RootFs::live() } else { RootFs::new(&root) };
    let mut r = NodeReader { fs: &fs, snap: Snapshot::default() };

    // 1. Running components, and K3s's embedded ones.
    let (procs, k3s_process) = processes(&fs, &mut r.snap.errors);
    for p in &procs {
        let path = format!("/proc/{}/cmdline", p.pid);
        r.snap.files.push(object_file(&path, process_object(&p.argv, &format!("pid {}", p.pid))));
    }
    let k3s_node = k3s::K3sNode { process: k3s_process };
    if k3s::detected(&fs, &k3s_node) {
        let rebuilt = k3s::components(&fs, live, &k3s_node, &mut r.snap.errors);
        for c in rebuilt.components {
            r.snap.files.push(object_file(&c.source, process_object(&c.argv, c.how)));
        }
        if let (Some((v, source)), None) = (rebuilt.version, &args.k8s_version) {
            r.snap.files.push(object_file(&source, version_object(&v, "k3s")));
        }
    }
    // 2. The kubelet's config file and drop-ins.
    let comps = components(&r.snap);
    let configs = flag_values(&comps, ComponentKind::Kubelet, "config");
    let mut config_dirs = flag_values(&comps, ComponentKind::Kubelet, "config-dir");
    if configs.is_empty() && !comps.iter().any(|c| c.kind == ComponentKind::Kubelet) {
        for p in paths::KUBELET_CONFIG_DEFAULTS {
            r.add(p);
        }
    }
    for p in &configs {
        r.add(p);
    }
    if config_dirs.is_empty() {
        config_dirs = paths::KUBELET_CONFIG_DIR_DEFAULTS.iter().map(|s| (*s).to_string()).collect();
    }
    for d in &config_dirs {
        r.add_dir(d, &[".conf"]);
    }
    // 3. Static pods: the kubelet's directory and each layout's.
    let mut static_pod_dirs: Vec<String> = paths::STATIC_POD_DIRS.iter().map(|s| (*s).to_string()).collect();
    static_pod_dirs.extend(flag_values(&comps, ComponentKind::Kubelet, "pod-manifest-path"));
    for o in r.snap.objects() {
        if o.kind() == "KubeletConfiguration" {
            if let Some(p) = o.root.get("staticPodPath").and_then(Node::as_str).filter(|p| p.starts_with('/')) {
                static_pod_dirs.push(p.trim_end_matches('/').to_string());
            }
        }
    }
    static_pod_dirs.sort();
    static_pod_dirs.dedup();
    for d in &static_pod_dirs {
        r.add_dir(d, &[".yaml", ".yml", ".json"]);
    }
    // 4. Files the API server names (encryption and audit policy), kube-proxy's config.
    // The static pods are in now: read the command lines again.
    let comps = components(&r.snap);
    let mut wanted = flag_values(&comps, ComponentKind::ApiServer, "encryption-provider-config");
    wanted.extend(flag_values(&comps, ComponentKind::ApiServer, "audit-policy-file"));
    wanted.extend(flag_values(&comps, ComponentKind::KubeProxy, "config"));
    wanted.sort();
    wanted.dedup();
    for w in &wanted {
        r.add(w);
    }

    // 5. File permissions and ownership: the usual paths, plus the files the components and
    //    the kubelet config name (they win over the usual paths when they differ).
    let owners = Owners::of(&fs, &mut r.snap.errors);
    let mut host = host_files(&fs, &static_pod_dirs, &owners, &mut r.snap.errors);
    for (path, role) in named_files(&r.snap, &comps) {
        if !host.iter().any(|f| f.path == path && f.role == role) {
            host.extend(stat(&fs, &path, role, &owners, &mut r.snap.errors));
        }
    }
    // 6. Kubeconfigs, for TLS verification.
    let kubeconfigs: Vec<String> = host
        .iter()
        .filter(|f| paths::KUBECONFIG_ROLES.contains(&f.role))
        .filter(|f| matches!(f.state, FileState::Present { dir: false, .. }))
        .map(|f| f.path.clone())
        .collect();
    for k in &kubeconfigs {
        r.add(k);
    }
    r.snap.host_files = host;
    // 7. Docker daemon.json and auditd rules as text.
    r.add(paths::DOCKER_DAEMON_JSON);
    r.add_text(paths::AUDIT_RULES_FILE);
    for p in list_dir(&fs, paths::AUDIT_RULES_DIR, &mut r.snap.errors) {
        if p.ends_with(".rules") {
            r.add_text(&p);
        }
    }
    if live {
        if let Some(text) = auditctl_rules() {
            r.snap.files.push(SourceFile {
                path: Some(AUDITCTL_SOURCE.into()),
                text,
                documents: Vec::new(),
                partial: false,
            });
        }
    }
    // 8. The version the user states.
    if let Some(v) = &args.k8s_version {
        r.snap.files.push(object_file("--k8s-version", version_object(v, "k8s-version")));
    }
    // A path refused once is reported once (`daemon.json` is both read and stat'ed).
    let mut seen = std::collections::HashSet::new();
    r.snap.errors.retain(|e| seen.insert((e.file.clone(), e.message.clone())));
    let snap = r.snap;

    if args.print_auditd_rules {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        for p in kubeward_engine::analysis::docker::watches::missing_watches(&snap) {
            writeln!(out, "-w {p} -p wa -k docker")?;
        }
        out.flush()?;
        return Ok(0);
    }

    let mut snap = snap;
    if !found_node_configuration(&snap) {
        // A node audit that found nothing to audit must not pass: exit 2, saying why. auditd's
        // rules alone are not audited (the Docker watch rules would judge a host without
        // Docker).
        snap.files.clear();
        snap.errors.push(nothing_found(&root, live));
    }
    let report = kubeward_engine::run(&snap, &settings);
    let sources = Sources::of(&snap);
    let kinds: Vec<ComponentKind> = components(&snap).iter().map(|c| c.kind).collect();
    let present = cis::Present::of(&snap, &kinds);
    let epilogue = |all: &kubeward_engine::Report, out: &mut dyn std::io::Write| {
        cis::write(&cis::tally(all, &settings, &present), out)
    };
    super::output::emit_full(&args.report, &settings, &report, &sources, "node", &[], Some(&epilogue))
}
