//! `kubeward node --root` over fixture node trees (`tests/nodes/<layout>/`): a hardened
//! kubeadm control-plane node, a default kubeadm node, an insecure node, a Docker host, a K3s
//! server and an RKE2 server.
//!
//! Git keeps no file modes or owners, so each tree's `MODES` file lists them (`mode path
//! [uid:gid]`); the test copies the tree to a temporary directory and applies them. Owners
//! can only be set as root: the findings of the ownership rules are compared separately, and
//! only when the test runs as root.

use std::fmt::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("file type").is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).expect("copy");
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
    }
}

/// Copies the tree `name` and applies its `MODES`; returns the temporary root and whether
/// owners were applied (running as root).
fn materialize(name: &str) -> (tempfile::TempDir, PathBuf, bool) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nodes").join(name);
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("node");
    copy_tree(&src, &root);
    let as_root = std::fs::metadata(&root).expect("stat").uid() == 0;
    let modes = std::fs::read_to_string(src.join("MODES")).unwrap_or_default();
    for line in modes.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let mode = u32::from_str_radix(parts[0], 8).expect("octal mode");
        let path = root.join(parts[1]);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("{name}: chmod {}: {e}", parts[1]));
        if let (Some(owner), true) = (parts.get(2), as_root) {
            let (u, g) = owner.split_once(':').expect("uid:gid");
            std::os::unix::fs::chown(&path, u.parse().ok(), g.parse().ok()).expect("chown");
        }
    }
    (tmp, root, as_root)
}

fn node(root: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["node", "--root"])
        .arg(root)
        .args(["-f", "json"])
        .args(extra)
        .env("KUBEWARD_TODAY", "2026-11-22")
        .env_remove("KUBEWARD_ROOT")
        .output()
        .expect("run kubeward");
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)));
    (o.status.code().unwrap_or(-1), v)
}

/// The findings as sorted lines `CODE file[:line] object: message`, split into the
/// ownership findings and the others.
fn lines(v: &serde_json::Value) -> (String, Vec<String>) {
    let mut other = Vec::new();
    let mut owner = Vec::new();
    for f in v["findings"].as_array().expect("findings") {
        let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
        let line = f["line"].as_u64().map(|l| format!(":{l}")).unwrap_or_default();
        let obj = &f["object"];
        let text = format!(
            "{} {}{line} {}/{}: {}",
            s("code"),
            s("file"),
            obj["kind"].as_str().unwrap_or(""),
            obj["name"].as_str().unwrap_or(""),
            s("message")
        );
        if s("rule").ends_with("-ownership") {
            owner.push(text);
        } else {
            other.push(text);
        }
    }
    other.sort();
    owner.sort();
    let mut out = String::new();
    for l in other {
        let _ = writeln!(out, "{l}");
    }
    for e in v["errors"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "error: {e}");
    }
    (out, owner)
}

fn check(name: &str, expected_exit: i32, expected_owner_findings: &[&str]) -> serde_json::Value {
    let (_tmp, root, as_root) = materialize(name);
    let (code, v) = node(&root, &[]);
    let (text, owner) = lines(&v);
    insta::assert_snapshot!(name, text);
    assert_eq!(code, expected_exit, "{name}: exit code\n{text}");
    if as_root {
        let codes: Vec<&str> = owner.iter().map(|l| l.split(' ').next().unwrap_or("")).collect();
        assert_eq!(codes, expected_owner_findings, "{name}: ownership findings\n{owner:#?}");
    } else {
        eprintln!("{name}: not root, owners not applied; ownership findings not compared");
    }
    v
}

#[test]
fn kubeadm_hardened_node_is_clean() {
    let v = check("kubeadm-hardened", 0, &[]);
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0), "{v:#}");
}

#[test]
fn kubeadm_default_node() {
    let v = check("kubeadm-default", 1, &[]);
    // What kube-bench reports FAIL on a fresh kubeadm control plane, found by exact flag and
    // file reads: no audit log, no encryption at rest, profiling on, no PodSecurity plugin
    // named, 644 certificates, kubelet without the protections CIS asks for; etcd stacked.
    let codes: Vec<&str> =
        v["findings"].as_array().expect("findings").iter().filter_map(|f| f["code"].as_str()).collect();
    for c in ["NODE008", "NODE009", "NODE018", "NODE024", "NODE040", "NODE041", "NODE047", "NODE087"] {
        assert!(codes.contains(&c), "{c} expected in {codes:?}");
    }
    // What kubeadm does set: Node,RBAC authorization, NodeRestriction, client certificates,
    // and a kubelet config file with anonymous auth off, Webhook authorization, no read-only
    // port (defaults of a kubelet started with --config).
    for c in ["NODE002", "NODE003", "NODE004", "NODE006", "NODE014", "NODE050", "NODE051", "NODE053"] {
        assert!(!codes.contains(&c), "{c} not expected in {codes:?}");
    }
}

#[test]
fn insecure_node() {
    // admin.conf belongs to uid 1000 (CIS 1.1.14).
    check("insecure", 1, &["NODE107"]);
}

#[test]
fn docker_host() {
    let (_tmp, root, _) = materialize("docker-host");
    let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["node", "--root"])
        .arg(&root)
        .arg("--print-auditd-rules")
        .output()
        .expect("run kubeward");
    assert_eq!(o.status.code(), Some(0));
    let printed = String::from_utf8_lossy(&o.stdout).into_owned();
    insta::assert_snapshot!("docker-host-auditd-rules", printed);
    // Every printed rule is one the node lacks: the three watched paths and runc (watched
    // through a syscall rule) are not printed.
    for watched in ["/usr/bin/docker ", "/var/lib/docker ", "/etc/docker ", "/usr/bin/runc "] {
        assert!(!printed.contains(&format!("-w {watched}")), "{watched} is already watched:\n{printed}");
    }
    check("docker-host", 1, &[]);
}

#[test]
fn k3s_server() {
    let v = check("k3s", 1, &[]);
    let names: Vec<&str> =
        v["findings"].as_array().expect("findings").iter().filter_map(|f| f["object"]["name"].as_str()).collect();
    // The scheduler's flags come from the last start in the log (profiling turned off on the
    // second start); the controller manager's from k3s's defaults and config.yaml.
    assert!(!names.iter().any(|n| n.starts_with("kube-scheduler")), "{names:?}");
    assert!(names.contains(&"kube-controller-manager (k3s defaults and config)"), "{names:?}");
}

#[test]
fn rke2_server() {
    // RKE2's defaults leave medium and low findings only (audit log off, aescbc first).
    check("rke2", 0, &[]);
}

#[test]
fn stated_kubernetes_version_is_checked() {
    let (_tmp, root, _) = materialize("kubeadm-hardened");
    let (code, v) = node(&root, &["--k8s-version", "v1.28.3"]);
    assert_eq!(code, 1);
    let findings = v["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{v:#}");
    assert!(findings.iter().any(|f| f["code"] == "NODE084" && f["file"] == "--k8s-version"), "{v:#}");
    assert!(findings.iter().all(|f| f["path"] == "/spec/version"), "{v:#}");
    let (code, _) = node(&root, &["--k8s-version", "1.37"]);
    assert_eq!(code, 0, "a supported minor without a patch number is clean");
}
