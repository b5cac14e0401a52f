//! `kubeward node`: audit a node's control-plane and kubelet configuration, on the node itself
//! or offline over a copy of its filesystem (`--root DIR`).
//!
//! What it reads, the way the components find it:
//! - running components from `<root>/proc/<pid>/cmdline` (kube-apiserver, controller manager,
//!   scheduler, etcd, kubelet, kube-proxy; `hyperkube <component>` too). Each becomes an
//!   object of kind `Process` whose pod template holds the exact argv, so the node rules that
//!   check static pod manifests check processes the same way;
//! - static pod manifests in `<root>/etc/kubernetes/manifests/`;
//! - the kubelet config file named by the kubelet's `--config`, else
//!   `/var/lib/kubelet/config.yaml`;
//! - the EncryptionConfiguration and audit Policy files named by kube-apiserver's
//!   `--encryption-provider-config` and `--audit-policy-file`.
//!
//! - permissions and ownership of the control-plane, kubelet and Docker files (CIS 1.1, 4.1,
//!   CIS Docker 3) at their usual paths, with owner names from the node's own `/etc/passwd`
//!   and `/etc/group`; an absent file is not applicable, an unreadable one "could not check";
//! - `/etc/docker/daemon.json` and the auditd rules (`/etc/audit/rules.d/*.rules`,
//!   `/etc/audit/audit.rules`) for the Docker host rules.
//!
//! Findings name node paths (`/etc/kubernetes/manifests/etcd.yaml`), also with `--root`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use kubeward_engine::input::argv::split_cmdline;
use kubeward_engine::input::hostfile::{FileRole, FileState, HostFile};
use kubeward_engine::input::node::Node;
use kubeward_engine::input::object::Object;
use kubeward_engine::input::workload::PodSpecView;
use kubeward_engine::input::yaml::{Document, Limits};
use kubeward_engine::report::Sources;
use kubeward_engine::rules::node::component::{ComponentKind, ComponentView};
use kubeward_engine::snapshot::SourceFile;
use kubeward_engine::{InputError, Snapshot};

use crate::args::NodeArgs;
use crate::config;

/// Largest file read from the node (config files are small).
const MAX_NODE_FILE: u64 = 4 << 20;

/// Where the kubelet config usually is when no `--config` is visible (kubeadm's path).
const KUBELET_CONFIG_DEFAULT: &str = "/var/lib/kubelet/config.yaml";

/// A path of the node seen from this machine: `root` + `node_path`.
fn host_path(root: &Path, node_path: &str) -> PathBuf {
    root.join(node_path.trim_start_matches('/'))
}

/// Node files whose permissions CIS checks, at kubeadm's and Docker's usual paths.
const HOST_FILES: &[(&str, FileRole)] = &[
    ("/etc/kubernetes/manifests/kube-apiserver.yaml", FileRole::ApiServerManifest),
    ("/etc/kubernetes/manifests/kube-controller-manager.yaml", FileRole::ControllerManagerManifest),
    ("/etc/kubernetes/manifests/kube-scheduler.yaml", FileRole::SchedulerManifest),
    ("/etc/kubernetes/manifests/etcd.yaml", FileRole::EtcdManifest),
    ("/var/lib/etcd", FileRole::EtcdDataDir),
    ("/etc/kubernetes/admin.conf", FileRole::AdminKubeconfig),
    ("/etc/kubernetes/super-admin.conf", FileRole::AdminKubeconfig),
    ("/etc/kubernetes/scheduler.conf", FileRole::SchedulerKubeconfig),
    ("/etc/kubernetes/controller-manager.conf", FileRole::ControllerManagerKubeconfig),
    ("/etc/kubernetes/pki", FileRole::Pki),
    ("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", FileRole::KubeletService),
    ("/usr/lib/systemd/system/kubelet.service", FileRole::KubeletService),
    ("/lib/systemd/system/kubelet.service", FileRole::KubeletService),
    ("/etc/kubernetes/kubelet.conf", FileRole::KubeletKubeconfig),
    ("/var/lib/kube-proxy/kubeconfig.conf", FileRole::ProxyKubeconfig),
    ("/var/lib/kubelet/config.yaml", FileRole::KubeletConfig),
    ("/etc/kubernetes/pki/ca.crt", FileRole::ClientCaFile),
    ("/lib/systemd/system/docker.service", FileRole::DockerUnit),
    ("/lib/systemd/system/docker.socket", FileRole::DockerUnit),
    ("/usr/lib/systemd/system/docker.service", FileRole::DockerUnit),
    ("/usr/lib/systemd/system/docker.socket", FileRole::DockerUnit),
    ("/etc/docker", FileRole::DockerConfigDir),
    ("/var/run/docker.sock", FileRole::DockerSocket),
    ("/run/docker.sock", FileRole::DockerSocket),
    ("/etc/docker/daemon.json", FileRole::DockerDaemonJson),
    ("/etc/default/docker", FileRole::DockerDefaults),
    ("/etc/sysconfig/docker", FileRole::DockerDefaults),
    ("/run/containerd/containerd.sock", FileRole::ContainerdSocket),
];

/// `id → name` from a node's `/etc/passwd` or `/etc/group`.
fn id_names(root: &Path, file: &str) -> std::collections::HashMap<u32, String> {
    std::fs::read_to_string(host_path(root, file))
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

fn stat(
    root: &Path,
    node_path: &str,
    role: FileRole,
    users: &std::collections::HashMap<u32, String>,
    groups: &std::collections::HashMap<u32, String>,
) -> Option<HostFile> {
    use std::os::unix::fs::MetadataExt;
    let state = match std::fs::symlink_metadata(host_path(root, node_path)).and_then(|m| {
        if m.file_type().is_symlink() {
            std::fs::metadata(host_path(root, node_path))
        } else {
            Ok(m)
        }
    }) {
        Ok(m) => FileState::Present {
            mode: m.mode() & 0o7777,
            uid: m.uid(),
            gid: m.gid(),
            user: users.get(&m.uid()).cloned(),
            group: groups.get(&m.gid()).cloned(),
            dir: m.is_dir(),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => FileState::Unreadable(e.to_string()),
    };
    Some(HostFile { path: node_path.to_string(), role, state })
}

/// The node files to audit: the fixed list, plus PKI certificates and keys and CNI configs.
fn host_files(root: &Path) -> Vec<HostFile> {
    let users = id_names(root, "/etc/passwd");
    let groups = id_names(root, "/etc/group");
    let mut out: Vec<HostFile> = HOST_FILES.iter().filter_map(|(p, r)| stat(root, p, *r, &users, &groups)).collect();
    let listed = |dir: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(host_path(root, dir))
            .map(|d| d.flatten().map(|e| format!("{dir}/{}", e.file_name().to_string_lossy())).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    for p in listed("/etc/kubernetes/pki").into_iter().chain(listed("/etc/kubernetes/pki/etcd")) {
        let role = if p.ends_with(".crt") {
            FileRole::PkiCertificate
        } else if p.ends_with(".key") {
            FileRole::PkiKey
        } else {
            continue;
        };
        out.extend(stat(root, &p, role, &users, &groups));
    }
    for p in listed("/etc/cni/net.d") {
        out.extend(stat(root, &p, FileRole::CniConfig, &users, &groups));
    }
    out
}

/// Files named by the components' flags and by KubeletConfiguration objects, with the role
/// CIS gives them: the kubelet's client CA and kubeconfig, etcd's data directory, each
/// component's `--kubeconfig`.
fn named_files(snap: &Snapshot) -> Vec<(String, FileRole)> {
    let mut out = Vec::new();
    for o in snap.objects() {
        if o.kind() == "KubeletConfiguration" {
            if let Some(ca) = o.root.at(&["authentication", "x509", "clientCAFile"]).and_then(Node::as_str) {
                out.push((ca.to_string(), FileRole::ClientCaFile));
            }
            continue;
        }
        let Some(pod) = PodSpecView::of(&o) else { continue };
        for c in pod.containers() {
            let Some(comp) = ComponentView::of(&c) else { continue };
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

fn processes(root: &Path) -> Vec<Process> {
    let Ok(dir) = std::fs::read_dir(host_path(root, "/proc")) else { return Vec::new() };
    let mut out = Vec::new();
    for e in dir.flatten() {
        let pid = e.file_name().to_string_lossy().into_owned();
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(raw) = std::fs::read(e.path().join("cmdline")) else { continue };
        let argv = split_cmdline(&raw[..raw.len().min(1 << 20)]);
        let component = argv.first().and_then(|a| ComponentKind::from_binary(a)).or_else(|| {
            (argv.first().is_some_and(|a| a.rsplit('/').next() == Some("hyperkube")))
                .then(|| argv.get(1).and_then(|a| ComponentKind::from_binary(a)))
                .flatten()
        });
        if component.is_some() {
            out.push(Process { pid, argv });
        }
    }
    out.sort_by(|a, b| a.pid.len().cmp(&b.pid.len()).then_with(|| a.pid.cmp(&b.pid)));
    out
}

/// The object a process is audited as: kind `Process`, with the argv as the pod template's
/// container command.
fn process_object(p: &Process) -> Node {
    let name = p.argv.first().map_or("process", |a| a.rsplit('/').next().unwrap_or(a));
    Node::from_json(&serde_json::json!({
        "apiVersion": "kubeward.io/v1",
        "kind": "Process",
        "metadata": {"name": format!("{name} (pid {})", p.pid)},
        "spec": {"template": {"spec": {"containers": [{
            "name": name,
            "image": "host-process",
            "command": p.argv,
        }]}}},
    }))
}

fn read_node_file(root: &Path, node_path: &str) -> Result<Option<String>, String> {
    let p = host_path(root, node_path);
    match std::fs::metadata(&p) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("could not check: {e}")),
        Ok(m) if m.len() > MAX_NODE_FILE => return Err(format!("larger than {MAX_NODE_FILE} bytes; skipped")),
        Ok(m) if !m.is_file() => return Ok(None),
        Ok(_) => {}
    }
    std::fs::read_to_string(&p).map(Some).map_err(|e| format!("could not check: {e}"))
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
    let mut snap = Snapshot::default();
    let add_file = |snap: &mut Snapshot, node_path: &str| match read_node_file(&root, node_path) {
        Ok(Some(text)) => {
            let (f, e) = Snapshot::parse_file(node_path, text, Limits::default());
            snap.push(f, e);
        }
        Ok(None) => {}
        Err(message) => snap.errors.push(InputError { file: Some(node_path.into()), pos: Default::default(), message }),
    };

    // 1. Running components.
    let procs = processes(&root);
    for p in &procs {
        let path = format!("/proc/{}/cmdline", p.pid);
        snap.files.push(SourceFile {
            path: Some(path.as_str().into()),
            text: String::new(),
            documents: vec![Document { root: process_object(p), duplicates: Vec::new() }],
            partial: false,
        });
    }
    // 2. Static pod manifests.
    if let Ok(dir) = std::fs::read_dir(host_path(&root, "/etc/kubernetes/manifests")) {
        let mut names: Vec<String> = dir
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".json"))
            .collect();
        names.sort();
        for n in names {
            add_file(&mut snap, &format!("/etc/kubernetes/manifests/{n}"));
        }
    }
    // 3. Files the components name: kubelet --config, apiserver encryption and audit policy.
    let mut wanted: Vec<String> = Vec::new();
    let mut kubelet_config_seen = false;
    for i in 0..snap.files.len() {
        let mut objs: Vec<Object<'_>> = Vec::new();
        snap.objects_of_file(i, |o| objs.push(o));
        for o in &objs {
            let Some(pod) = PodSpecView::of(o) else { continue };
            for c in pod.containers() {
                let Some(comp) = ComponentView::of(&c) else { continue };
                let flags: &[&str] = match comp.kind {
                    ComponentKind::Kubelet => {
                        kubelet_config_seen |= comp.flags.has("config");
                        &["config"]
                    }
                    ComponentKind::ApiServer => &["encryption-provider-config", "audit-policy-file"],
                    _ => &[],
                };
                for f in flags {
                    if let Some(v) = comp.flags.get(f).filter(|v| v.starts_with('/')) {
                        wanted.push(v.to_string());
                    }
                }
            }
        }
    }
    if !kubelet_config_seen {
        wanted.push(KUBELET_CONFIG_DEFAULT.to_string());
    }
    wanted.sort();
    wanted.dedup();
    for w in &wanted {
        if !snap.files.iter().any(|f| f.path.as_deref() == Some(w.as_str())) {
            add_file(&mut snap, w);
        }
    }

    // 4. File permissions and ownership: the usual paths, plus the files the components and
    //    the kubelet config name (they win over the usual paths when they differ).
    snap.host_files = host_files(&root);
    let users = id_names(&root, "/etc/passwd");
    let groups = id_names(&root, "/etc/group");
    for (path, role) in named_files(&snap) {
        if !snap.host_files.iter().any(|f| f.path == path && f.role == role) {
            snap.host_files.extend(stat(&root, &path, role, &users, &groups));
        }
    }
    // Docker daemon.json and auditd rules as text.
    add_file(&mut snap, "/etc/docker/daemon.json");
    let mut audit_rules: Vec<String> = vec!["/etc/audit/audit.rules".to_string()];
    if let Ok(dir) = std::fs::read_dir(host_path(&root, "/etc/audit/rules.d")) {
        let mut v: Vec<String> = dir
            .flatten()
            .map(|e| format!("/etc/audit/rules.d/{}", e.file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".rules"))
            .collect();
        v.sort();
        audit_rules.extend(v);
    }
    for p in audit_rules {
        match read_node_file(&root, &p) {
            Ok(Some(text)) => snap.files.push(SourceFile {
                path: Some(p.as_str().into()),
                text,
                documents: Vec::new(),
                partial: false,
            }),
            Ok(None) => {}
            Err(message) => {
                snap.errors.push(InputError { file: Some(p.as_str().into()), pos: Default::default(), message })
            }
        }
    }

    if args.print_auditd_rules {
        for p in kubeward_engine::rules::docker::auditd::missing_watches(&snap) {
            println!("-w {p} -p wa -k docker");
        }
        return Ok(0);
    }

    if snap.files.is_empty() && snap.errors.is_empty() && snap.host_files.is_empty() {
        eprintln!(
            "kubeward: no Kubernetes component, static pod manifest or kubelet config found under {}",
            root.display()
        );
    }
    let report = kubeward_engine::run(&snap, &settings);
    let sources = Sources::of(&snap);
    super::output::emit(&args.report, &settings, &report, &sources, "node")
}
