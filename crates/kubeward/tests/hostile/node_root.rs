//! Hostile input (issue 15): `kubeward node --root DIR` over trees whose links and paths try to
//! leave DIR, and whose files are special or oversized. Every tree is built here, in a
//! temporary directory, next to a "host" directory holding a secret marker: no output may show
//! it, and the legitimate parts of the tree are still audited. See docs/robustness.md,
//! "`node --root`: every path resolves inside the root".

#[allow(unused_imports)]
use super::*;

use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use kubeward_engine::rootfs::{RootError, RootFs, MAX_LINK_HOPS};

/// In the host files only: never to be seen in any output.
const MARKER: &str = "KWSECRET-9f2c41";

/// A kube-apiserver static pod named `name`, with `flags`.
fn apiserver(name: &str, flags: &[&str]) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.33.4\n    command:\n    - kube-apiserver\n    - --anonymous-auth=true\n"
    );
    for f in flags {
        s.push_str(&format!("    - {f}\n"));
    }
    s
}

fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, text).expect("write");
    p
}

fn link(root: &Path, rel: &str, target: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    symlink(target, &p).expect("symlink");
}

/// `../` enough times to climb out of any temporary directory.
fn up() -> String {
    "../".repeat(32)
}

/// Runs `kubeward node --root root -f json`, killed after 120 s (a FIFO opened without a
/// writer would block forever): exit code, stdout, stderr.
fn node_run(root: &Path) -> (Option<i32>, String, String) {
    let out = tempfile::tempdir().expect("tempdir");
    let (o, e) = (out.path().join("out"), out.path().join("err"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["node", "--root"])
        .arg(root)
        .args(["-f", "json"])
        .env("KUBEWARD_TODAY", "2026-11-22")
        .env("KUBEWARD_COLOR", "never")
        .env_remove("KUBEWARD_ROOT")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&o).expect("out"))
        .stderr(std::fs::File::create(&e).expect("err"))
        .spawn()
        .expect("run kubeward");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kubeward node hung for 120 s (a FIFO or an endless file read?)");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    (status.code(), read(&o), read(&e))
}

/// Exit code 2, no marker anywhere, and the JSON report.
fn audit(root: &Path) -> Value {
    let (code, out, err) = node_run(root);
    assert!(!out.contains(MARKER) && !err.contains(MARKER), "host content in the output:\n{out}\n{err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\nstderr: {err}"));
    assert_eq!(code, Some(2), "refused paths are input errors (exit code 2): {v}");
    v
}

/// The one error for node path `file`; its message must contain every needle.
fn node_error<'a>(v: &'a Value, file: &str, needles: &[&str]) -> &'a Value {
    let errors = v["errors"].as_array().map(Vec::as_slice).unwrap_or_default();
    let e = errors
        .iter()
        .find(|e| e["file"] == file)
        .unwrap_or_else(|| panic!("no error for {file}: {}", serde_json::to_string_pretty(errors).unwrap_or_default()));
    assert_eq!(errors.iter().filter(|e| e["file"] == file).count(), 1, "{file} is reported once: {errors:?}");
    let msg = e["message"].as_str().unwrap_or("");
    for n in needles {
        assert!(msg.contains(n), "error for {file} should say `{n}`: {msg}");
    }
    e
}

/// The findings on node path `file`.
fn findings_on<'a>(v: &'a Value, file: &str) -> Vec<&'a Value> {
    v["findings"].as_array().map(Vec::as_slice).unwrap_or_default().iter().filter(|f| f["file"] == file).collect()
}

/// The legitimate part of every hostile tree: an API server static pod, a scheduler manifest
/// linked absolutely to another file of the tree (re-rooted, so audited), and a kubeconfig
/// linked to a world-writable file of the tree (its mode is the tree's).
fn legit(root: &Path) {
    write(root, "var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml", &apiserver("legit-apiserver", &[]));
    write(root, "srv/scheduler.yaml", &apiserver("linked-apiserver", &[]));
    link(root, "var/lib/rancher/rke2/agent/pod-manifests/kube-scheduler.yaml", "/srv/scheduler.yaml");
    let conf = write(root, "srv/scheduler.conf", "apiVersion: v1\nkind: Config\n");
    std::fs::set_permissions(&conf, std::os::unix::fs::PermissionsExt::from_mode(0o666)).expect("chmod");
    link(root, "etc/kubernetes/scheduler.conf", "/srv/scheduler.conf");
}

fn assert_legit_audited(v: &Value) {
    let api = findings_on(v, "/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml");
    assert!(!api.is_empty(), "the tree's API server manifest was not audited: {v}");
    let linked = findings_on(v, "/var/lib/rancher/rke2/agent/pod-manifests/kube-scheduler.yaml");
    assert!(
        linked.iter().any(|f| f["object"]["name"] == "linked-apiserver"),
        "a manifest linked absolutely inside the tree is audited under its node path: {v}"
    );
    let conf = findings_on(v, "/etc/kubernetes/scheduler.conf");
    assert!(
        conf.iter().any(|f| f["message"].as_str().is_some_and(|m| m.contains("666"))),
        "the mode of a linked kubeconfig is its target's in the tree: {v}"
    );
}

#[test]
fn links_and_paths_never_leave_the_root() {
    let host = tempfile::tempdir().expect("tempdir");
    let h = host.path();
    let hs = h.to_str().expect("utf-8 temp path");
    // Host files: manifests, an encryption config, a daemon.json, a kubeconfig and passwd,
    // each with the marker.
    write(h, "manifests/kube-apiserver.yaml", &apiserver(&format!("host-{MARKER}"), &[]));
    write(h, "pods/kube-scheduler.yaml", &apiserver(&format!("host-{MARKER}"), &[]));
    write(h, "enc.yaml", &format!("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - identity: {{}}\n  - aescbc:\n      keys:\n      - name: {MARKER}\n        secret: {MARKER}\n"));
    write(h, "audit.yaml", &format!("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None # {MARKER}\n"));
    write(h, "daemon.json", &format!("{{\"icc\": true, \"{MARKER}\": \"{MARKER}\"}}\n"));
    let admin = write(h, "admin.conf", &format!("apiVersion: v1\nkind: Config\n# {MARKER}\n"));
    std::fs::set_permissions(&admin, std::os::unix::fs::PermissionsExt::from_mode(0o666)).expect("chmod");
    write(h, "passwd", &format!("{MARKER}:x:0:0::/:/bin/sh\n"));

    let tree = tempfile::tempdir().expect("tempdir");
    let root = tree.path().join("node");
    let r = root.as_path();
    legit(r);
    // Absolute links to host paths: re-rooted, so absent in the tree.
    link(r, "etc/kubernetes/manifests", &format!("{hs}/manifests"));
    link(r, "etc/kubernetes/admin.conf", &format!("{hs}/admin.conf"));
    // `/etc/passwd` re-rooted is the link itself: a loop.
    link(r, "etc/passwd", "/etc/passwd");
    // Relative links climbing out: refused.
    link(r, "etc/docker/daemon.json", &format!("{}{hs}/daemon.json", up()));
    link(r, "etc/group", &format!("../{}{hs}/passwd", up()));
    // A link loop, two links long.
    link(r, "etc/kubernetes/controller-manager.conf", "cm-b");
    link(r, "etc/kubernetes/cm-b", "controller-manager.conf");
    // `..` in paths the tree's own files name: kept at the root.
    write(
        r,
        "var/lib/kubelet/config.yaml",
        &format!(
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: /{}{hs}/pods\n",
            up()
        ),
    );
    write(
        r,
        "etc/kubernetes/static/kube-apiserver.yaml",
        &apiserver(
            "flags-apiserver",
            &[
                &format!("--encryption-provider-config=/{}{hs}/enc.yaml", up()),
                &format!("--audit-policy-file=/{}{hs}/audit.yaml", up()),
            ],
        ),
    );
    link(r, "var/lib/rancher/k3s/agent/pod-manifests", "/etc/kubernetes/static");

    let v = audit(r);
    assert_legit_audited(&v);
    let out = v.to_string();
    assert!(!out.contains("host-"), "a host manifest was audited: {v}");
    assert!(findings_on(&v, "/etc/kubernetes/admin.conf").is_empty(), "the host's admin.conf was checked: {v}");
    node_error(&v, "/etc/passwd", &["more than 40 symbolic links", "/etc/passwd"]);
    node_error(&v, "/etc/docker/daemon.json", &["symbolic link /etc/docker/daemon.json ->", "climbs above the root"]);
    // A daemon.json that could not be read is not judged as missing ("`icc` is not set (no
    // daemon.json)"): the input error says why it was not audited.
    let docker = findings_on(&v, "/etc/docker/daemon.json");
    assert!(docker.is_empty(), "a refused daemon.json was judged as missing: {docker:?}");
    node_error(&v, "/etc/group", &["symbolic link /etc/group ->", "climbs above the root"]);
    node_error(&v, "/etc/kubernetes/controller-manager.conf", &["more than 40 symbolic links"]);
    // The API server reached through an absolute directory link is audited, and its flags'
    // paths stay in the tree (absent there: nothing read, nothing reported).
    let flags = findings_on(&v, "/var/lib/rancher/k3s/agent/pod-manifests/kube-apiserver.yaml");
    assert!(flags.iter().any(|f| f["object"]["name"] == "flags-apiserver"), "{v}");
}

/// A child process named `kube-apiserver` on this machine: a `proc` link out of the tree
/// would list it.
struct HostProcess(std::process::Child);

impl HostProcess {
    fn start() -> Self {
        use std::os::unix::process::CommandExt;
        let child = Command::new("sh")
            .arg0("kube-apiserver")
            .args(["-c", "sleep 120; :", "--anonymous-auth=true"])
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn sh");
        Self(child)
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn proc_linked_out_of_the_root_lists_no_host_process() {
    let host = HostProcess::start();
    let pid = host.0.id();
    for (name, target, needle) in [
        ("absolute", "/proc".to_string(), "more than 40 symbolic links"),
        ("relative", format!("{}proc", up()), "climbs above the root"),
    ] {
        let tree = tempfile::tempdir().expect("tempdir");
        let r = tree.path();
        legit(r);
        link(r, "proc", &target);
        let v = audit(r);
        assert_legit_audited(&v);
        let out = v.to_string();
        assert!(!out.contains(&format!("pid {pid}")), "{name}: a host process was audited: {v}");
        node_error(&v, "/proc", &[needle]);
    }
}

#[test]
fn special_and_oversized_files_are_refused_and_the_audit_goes_on() {
    let tree = tempfile::tempdir().expect("tempdir");
    let r = tree.path();
    legit(r);
    // A FIFO where a file is read: never opened (opening it would block forever).
    for fifo in
        ["etc/group", "var/log/k3s.log", "proc/300/cmdline", "etc/docker/daemon.json", "etc/audit/rules.d/docker.rules"]
    {
        let p = r.join(fifo);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        let ok = Command::new("mkfifo").arg(&p).status().expect("mkfifo").success();
        assert!(ok, "mkfifo {fifo}");
    }
    // A K3s config of 5 MiB (the limit is 4 MiB).
    write(r, "etc/rancher/k3s/config.yaml", &format!("# {}\n", "x".repeat(5 << 20)));
    // A real process's command line, for the legitimate part of /proc.
    write(r, "proc/200/cmdline", "kube-scheduler\0--profiling=true\0");
    // /dev/zero itself (a hard link keeps the device; only root may make one): read until
    // memory ran out before.
    let zero = std::fs::hard_link("/dev/zero", r.join("etc/passwd")).is_ok();
    if zero {
        std::fs::create_dir_all(r.join("proc/1")).expect("mkdir");
        std::fs::hard_link("/dev/zero", r.join("proc/1/cmdline")).expect("link /dev/zero");
    } else {
        eprintln!("not root: the /dev/zero cases are covered by rootfs_reads_are_bounded_and_typed only");
    }
    let v = audit(r);
    assert_legit_audited(&v);
    for f in [
        "/etc/group",
        "/var/log/k3s.log",
        "/proc/300/cmdline",
        "/etc/docker/daemon.json",
        "/etc/audit/rules.d/docker.rules",
    ] {
        node_error(&v, f, &["a FIFO (named pipe), not a regular file"]);
    }
    // Files that could not be read are not judged as missing or empty: no "not set (no
    // daemon.json)", no "no audit watch" from the refused rules file.
    let docker: Vec<_> = v["findings"].as_array().into_iter().flatten().filter(|f| f["category"] == "docker").collect();
    assert!(docker.is_empty(), "refused Docker files were judged as missing: {docker:?}");
    node_error(&v, "/etc/rancher/k3s/config.yaml", &["larger than the 4194304-byte limit"]);
    if zero {
        node_error(&v, "/etc/passwd", &["a device, not a regular file"]);
        node_error(&v, "/proc/1/cmdline", &["a device, not a regular file"]);
    }
    assert!(
        v["findings"].as_array().is_some_and(|f| f.iter().any(|f| f["file"] == "/proc/200/cmdline")),
        "the legitimate process is audited: {v}"
    );
}

/// The resolver itself: the kernel's answer for links inside the root, refusals for the rest.
#[test]
fn rootfs_resolves_like_a_chroot() {
    let tree = tempfile::tempdir().expect("tempdir");
    let r = tree.path();
    write(r, "etc/real/file", "tree");
    link(r, "etc/abs", "/etc/real");
    link(r, "etc/rel", "real/../real");
    link(r, "a/b/up", "../../etc/real/file");
    link(r, "out", &format!("{}etc/hostname", up()));
    link(r, "self", "self");
    let fs = RootFs::new(r);
    let node = |p: &str| fs.resolve(p).expect("resolves").map(|x| x.node);
    assert_eq!(node("/etc/abs/file").as_deref(), Some("/etc/real/file"));
    assert_eq!(node("/etc/rel/file").as_deref(), Some("/etc/real/file"));
    assert_eq!(node("/a/b/up").as_deref(), Some("/etc/real/file"));
    assert_eq!(node("/../../../etc/abs/../real/file").as_deref(), Some("/etc/real/file"));
    assert_eq!(node("/etc/real/file/x"), None, "below a file: absent");
    assert_eq!(node("/nothing"), None);
    assert!(matches!(fs.resolve("/out"), Err(RootError::Escapes { ref link, .. }) if link == "/out"));
    assert!(matches!(fs.resolve("/self/x"), Err(RootError::Loop { ref link }) if link == "/self"));
    // A chain of exactly 40 links resolves; 41 is a loop.
    write(r, "chain/0", "end");
    for i in 1..=MAX_LINK_HOPS + 1 {
        link(r, &format!("chain/{i}"), &(i - 1).to_string());
    }
    assert_eq!(fs.read_to_string(&format!("/chain/{MAX_LINK_HOPS}"), 10).expect("40 hops").as_deref(), Some("end"));
    assert!(matches!(fs.resolve(&format!("/chain/{}", MAX_LINK_HOPS + 1)), Err(RootError::Loop { .. })));
    // Live, `..` above `/` stays at `/` as in the kernel.
    let live = RootFs::live();
    assert_eq!(live.resolve("/../../proc/self").expect("live").map(|x| x.host.starts_with("/proc")), Some(true));
}

#[test]
fn rootfs_reads_are_bounded_and_typed() {
    let live = RootFs::live();
    // A device is never read; `/proc` files say 0 bytes in their metadata, so the limit is
    // counted while reading.
    assert_eq!(live.read("/dev/zero", 16).map(|_| ()), Err(RootError::NotRegular { what: "a device" }));
    assert_eq!(std::fs::metadata("/proc/self/maps").map(|m| m.len()).ok(), Some(0));
    assert_eq!(live.read("/proc/self/maps", 16).map(|_| ()), Err(RootError::TooLarge { limit: 16 }));
    assert!(live.read("/proc/self/maps", 16 << 20).is_ok_and(|b| b.is_some_and(|b| !b.is_empty())));
    let tree = tempfile::tempdir().expect("tempdir");
    let fifo = tree.path().join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let fs = RootFs::new(tree.path());
    assert_eq!(fs.read("/fifo", 16).map(|_| ()), Err(RootError::NotRegular { what: "a FIFO (named pipe)" }));
    assert_eq!(fs.read_tail("/fifo", 16).map(|_| ()), Err(RootError::NotRegular { what: "a FIFO (named pipe)" }));
}
