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
//! Findings name node paths (`/etc/kubernetes/manifests/etcd.yaml`), also with `--root`.
//! Not yet read: file modes and owners (CIS 1.1, 4.1), auditd rules and the Docker host.

use std::path::{Path, PathBuf};

use anyhow::Result;
use kubeward_engine::input::argv::split_cmdline;
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
        settings.select = vec!["node".to_string(), "general".to_string()];
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

    if snap.files.is_empty() && snap.errors.is_empty() {
        eprintln!(
            "kubeward: no Kubernetes component, static pod manifest or kubelet config found under {}",
            root.display()
        );
    }
    let report = kubeward_engine::run(&snap, &settings);
    let sources = Sources::of(&snap);
    super::output::emit(&args.report, &settings, &report, &sources, "node")
}
