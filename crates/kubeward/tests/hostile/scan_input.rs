//! Hostile input (issue 15): scan_input. See docs/robustness.md, "Hardening (issue 15)",
//! section "`scan`: walking, special files, large files, encodings".

#[allow(unused_imports)]
use super::*;

use std::os::unix::fs::symlink;
use std::time::{Duration, Instant};

/// Runs `kubeward` with `args` in `dir`, killed after `limit` (a hang is a failure, not a
/// stuck test run).
fn run_within(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(args)
        .current_dir(dir)
        .env("KUBEWARD_COLOR", "never")
        .env("KUBEWARD_PEAK_RSS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Drain stdout/stderr while waiting (a large report would fill the pipe).
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut o = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut o);
        o
    });
    let err_reader = std::thread::spawn(move || {
        let mut e = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err, &mut e);
        e
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let stdout = reader.join().unwrap_or_default();
            let stderr = err_reader.join().unwrap_or_default();
            return Output { status, stdout, stderr };
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kubeward {args:?} did not finish within {limit:?} (a hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(p: &Path) -> bool {
    Command::new("mkfifo").arg(p).status().is_ok_and(|s| s.success())
}

/// 25 folders, each with two links to the next: 2^24 paths to the last folder. Each real
/// folder is walked once (by device and inode), through the first path in name order, so the
/// manifest at the end is audited once and the scan takes milliseconds (it took forever).
#[test]
fn symlink_dag_is_walked_once_per_real_folder() {
    let d = dir_with_good();
    let tree = d.path().join("tree");
    for i in 0..25 {
        std::fs::create_dir_all(tree.join(format!("d{i}"))).expect("mkdir");
    }
    for i in 0..24 {
        for l in ["a", "b"] {
            symlink(format!("../d{}", i + 1), tree.join(format!("d{i}/{l}"))).expect("symlink");
        }
    }
    std::fs::write(tree.join("d24/pod.yaml"), GOOD).expect("write");
    let o = run_within(
        d.path(),
        &["scan", "--config", "/dev/null", "-f", "json", "--select", "POD001", "tree/d0", "good.yaml"],
        Duration::from_secs(60),
    );
    let v = json(&o);
    let files: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .filter(|f| f.ends_with("pod.yaml"))
        .collect();
    assert_eq!(files, [format!("tree/d0/{}pod.yaml", "a/".repeat(24))], "audited once, by the first path: {v}");
    assert_eq!(o.status.code(), Some(1), "no input error: {v}");
    // A link back to an ancestor is still reported as a loop (not silently dropped).
    symlink("../d0", tree.join("d24/up")).expect("symlink");
    let o = run(d.path(), &["tree/d0", "good.yaml"]);
    assert_error(&o, "up", "symbolic link loop");
}

/// Links to a character device, a FIFO and a socket inside a scanned tree, and given directly:
/// refused from their type without being opened (the scan finishing proves it).
#[test]
fn devices_fifos_and_sockets_reached_through_links_are_refused() {
    let d = dir_with_good();
    let tree = d.path().join("tree");
    std::fs::create_dir(&tree).expect("mkdir");
    symlink("/dev/zero", tree.join("zero.yaml")).expect("symlink");
    symlink("/dev/tty", tree.join("tty.yml")).expect("symlink");
    let fifo = mkfifo(&d.path().join("pipe"));
    if fifo {
        symlink("../pipe", tree.join("pipe.json")).expect("symlink");
    }
    let _sock = std::os::unix::net::UnixListener::bind(d.path().join("sock")).expect("socket");
    symlink("../sock", tree.join("sock.yaml")).expect("symlink");
    let o = run_within(
        d.path(),
        &["scan", "--config", "/dev/null", "-f", "json", "--select", "POD001", "tree", "good.yaml", "tree/zero.yaml"],
        Duration::from_secs(60),
    );
    assert_error(&o, "zero.yaml", "a device, not a regular file");
    assert_error(&o, "tty.yml", "a device, not a regular file");
    assert_error(&o, "sock.yaml", "a socket, not a regular file");
    if fifo {
        assert_error(&o, "pipe.json", "a FIFO (named pipe), not a regular file");
    }
}

/// The siblings: `--image-reports DIR` (and `kubeward images --report DIR`) read every report
/// with the same checks (type and size), through each real folder once; `--config` and
/// `--baseline` must be regular files too (`/dev/null` reads as empty).
#[test]
fn image_reports_config_and_baseline_apply_the_same_checks() {
    let d = dir_with_good();
    let reports = d.path().join("reports");
    std::fs::create_dir(&reports).expect("mkdir");
    symlink("/dev/zero", reports.join("zero.json")).expect("symlink");
    let fifo = mkfifo(&reports.join("pipe.json"));
    // 2 MiB of JSON, over a 1 MiB limit.
    std::fs::write(reports.join("big.json"), format!("{{\"a\": \"{}\"}}", "x".repeat(2 << 20))).expect("write");
    // A DAG of folder links inside the reports folder.
    let mut dir = reports.clone();
    for _ in 0..30 {
        std::fs::create_dir(dir.join("n")).expect("mkdir");
        symlink("n", dir.join("m")).expect("symlink");
        dir = dir.join("n");
    }
    let limit = Duration::from_secs(60);
    std::fs::write(d.path().join("kw.yaml"), "max-file-size: 1MiB\n").expect("write");
    for args in [
        &["scan", "--config", "kw.yaml", "-f", "json", "--select", "POD001"][..],
        &["images", "--config", "kw.yaml", "-f", "json", "--report"][..],
    ] {
        let mut args = args.to_vec();
        if args[0] == "scan" {
            args.extend(["--image-reports", "reports", "good.yaml"]);
        } else {
            args.extend(["reports", "--manifests", "good.yaml"]);
        }
        let o = run_within(d.path(), &args, limit);
        let v = json(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {v}");
        let errors = v["errors"].as_array().cloned().unwrap_or_default();
        let error_for = |file: &str| {
            errors
                .iter()
                .find(|e| e["file"].as_str().is_some_and(|f| f.ends_with(file)))
                .and_then(|e| e["message"].as_str())
                .unwrap_or_else(|| panic!("{args:?}: no error for {file}: {errors:?}"))
                .to_string()
        };
        assert!(error_for("zero.json").contains("a device, not a regular file"), "{args:?}");
        assert!(error_for("big.json").contains("larger than the 1048576-byte limit"), "{args:?}");
        if fifo {
            assert!(error_for("pipe.json").contains("a FIFO (named pipe)"), "{args:?}");
        }
    }
    // --config and --baseline: a FIFO is refused (it hung), /dev/null is empty.
    if fifo {
        for flag in ["--config", "--baseline"] {
            let mut args = vec!["scan", "-f", "json", flag, "reports/pipe.json", "good.yaml"];
            if flag == "--baseline" {
                args.extend(["--config", "/dev/null"]);
            }
            let o = run_within(d.path(), &args, limit);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains("a FIFO (named pipe), not a regular file"), "{flag}: {err}");
            assert_ne!(o.status.code(), Some(0), "{flag}");
        }
    }
    let o = run_within(
        d.path(),
        &["scan", "--config", "/dev/null", "--baseline", "/dev/zero", "-f", "json", "good.yaml"],
        limit,
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("a device, not a regular file"), "{o:?}");
}

fn utf16(text: &str, le: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for u in bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16()) {
        out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    out
}

fn utf32(text: &str, le: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for c in std::iter::once('\u{FEFF}').chain(text.chars()) {
        out.extend_from_slice(&if le { u32::from(c).to_le_bytes() } else { u32::from(c).to_be_bytes() });
    }
    out
}

/// UTF-16 and UTF-32 files with a byte-order mark (both byte orders) are decoded and audited
/// like their UTF-8 text: the same findings at the same line and column (in characters of the
/// decoded text), with the excerpt; UTF-16 without a byte-order mark is named as such, not
/// "binary".
#[test]
fn utf16_and_utf32_files_with_a_bom_are_read() {
    let d = tempfile::tempdir().expect("tempdir");
    // Non-ASCII before the finding: columns count characters, not bytes or UTF-16 units.
    let text = GOOD.replace("  name: good\n", "  name: good\n  annotations: {note: \"é😀\"}\n");
    std::fs::write(d.path().join("utf8.yaml"), &text).expect("write");
    let mut names = Vec::new();
    for (name, bytes) in [
        ("le16.yaml", utf16(&text, true, true)),
        ("be16.yaml", utf16(&text, false, true)),
        ("le32.yaml", utf32(&text, true)),
        ("be32.yaml", utf32(&text, false)),
    ] {
        std::fs::write(d.path().join(name), bytes).expect("write");
        names.push(name);
    }
    std::fs::write(d.path().join("nobom16.yaml"), utf16(&text, true, false)).expect("write");
    let o = run_within(
        d.path(),
        &["scan", "--config", "/dev/null", "-f", "json", "--select", "POD001", "."],
        Duration::from_secs(60),
    );
    let v = json(&o);
    let at = |file: &str| -> Vec<(u64, u64, String)> {
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["file"] == file)
            .map(|f| {
                (
                    f["line"].as_u64().unwrap_or(0),
                    f["column"].as_u64().unwrap_or(0),
                    f["message"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let want = at("utf8.yaml");
    assert_eq!(want.len(), 1, "{v}");
    for n in &names {
        assert_eq!(at(n), want, "{n}: {v}");
    }
    let errors = v["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], "nobom16.yaml");
    let msg = errors[0]["message"].as_str().unwrap_or("");
    assert!(msg.contains("UTF-16LE text without a byte-order mark") && !msg.contains("binary"), "{msg}");
    // The text report re-reads the file for the excerpt: decoded the same way.
    let o = run_within(
        d.path(),
        &["scan", "--config", "/dev/null", "--select", "POD001", "be16.yaml", "le32.yaml"],
        Duration::from_secs(60),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.matches("privileged: true").count() >= 2, "excerpts of decoded files: {out}");
}

/// `kubeward fix` reads files with scan's reader, but writes UTF-8 only: a UTF-16 file is an
/// input error naming its encoding, and is left as it is (not rewritten as UTF-8).
#[test]
fn fix_leaves_utf16_files_as_they_are() {
    let d = dir_with_good();
    let bytes = utf16(GOOD, true, true);
    std::fs::write(d.path().join("wide.yaml"), &bytes).expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["fix", "--config", "/dev/null", "--unsafe-fixes", "wide.yaml", "good.yaml"])
        .current_dir(d.path())
        .output()
        .expect("run");
    let err = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(err.contains("wide.yaml: UTF-16LE text: not fixed"), "{err}");
    assert_eq!(o.status.code(), Some(2), "an input error: {err}");
    assert_eq!(std::fs::read(d.path().join("wide.yaml")).expect("read"), bytes, "left as it is");
    assert_ne!(std::fs::read_to_string(d.path().join("good.yaml")).expect("read"), GOOD, "the other file is fixed");
}

/// `privileged:<TAB>true` (tabs after a key's `:`) and a byte-order mark at the start of a
/// later document are read as kubectl reads them (go-yaml: libyaml's rules), where they were
/// parse errors; a tab as indentation stays an error, as in go-yaml.
#[test]
fn tabs_after_a_key_and_a_bom_inside_a_file_are_read() {
    let d = tempfile::tempdir().expect("tempdir");
    let tabs = "apiVersion: v1\nkind:\tPod\nmetadata:\n  name:\tgood\n  namespace: app\nspec:\n  containers:\n    - name: app\n      image:\tregistry.example.com/app:1.0\n      securityContext: {privileged:\ttrue}\n    - name: two\n      image: registry.example.com/app:1.0\n      securityContext:\n        privileged:\t\ttrue\n";
    std::fs::write(d.path().join("tabs.yaml"), tabs).expect("write");
    let bom = format!("{GOOD}---\n\u{FEFF}{}", GOOD.replace("name: good", "name: second"));
    std::fs::write(d.path().join("bom.yaml"), bom).expect("write");
    std::fs::write(d.path().join("indent.yaml"), "a:\n\tb: c\n").expect("write");
    let o = run(d.path(), &["."]);
    let v = json(&o);
    let found = |file: &str| -> Vec<(u64, u64)> {
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["file"] == file && f["code"] == "POD001")
            .map(|f| (f["line"].as_u64().unwrap_or(0), f["column"].as_u64().unwrap_or(0)))
            .collect()
    };
    assert_eq!(found("tabs.yaml"), [(10, 25), (14, 9)], "{v}");
    // The second document's BOM is not counted as a column (kubectl drops it).
    assert_eq!(found("bom.yaml"), [(11, 9), (23, 9)], "{v}");
    let errors = v["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 1, "only the tab indentation is an error: {errors:?}");
    assert_eq!(errors[0]["file"], "indent.yaml");
}

fn pods(n: usize) -> String {
    let mut s = String::with_capacity(n * 180);
    for i in 0..n {
        s.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-{i}\n  namespace: team-{}\nspec:\n  containers:\n    - name: app\n      image: nginx:1.{}\n      securityContext: {{privileged: {}}}\n",
            i % 50,
            i % 30,
            i % 7 == 0
        ));
    }
    s
}

/// One file of 40,000 pods (7 MB): documents are audited and dropped as they are parsed, as
/// across files. Holding the trees cost about 90x the text (3.0 GB for a 32 MB file). What the
/// run keeps per pod is the inventory (its handle, labels and containers, for the cross-object
/// rules) and its findings, compressed: from 20,000 to 40,000 pods the peak must grow by less
/// than 16x the added text, and stay under 15x the file size plus the process's baseline.
/// (Measured at 11x and 123 MiB for 6 MiB; the engine before the inventory, 4x and 103 MiB: the
/// live heap differs by 2.6 MB, the rest is pages mimalloc keeps; see docs/architecture.md.)
#[test]
fn one_large_file_is_streamed_document_by_document() {
    let peak = |n: usize| {
        let d = tempfile::tempdir().expect("tempdir");
        let text = pods(n);
        std::fs::write(d.path().join("pods.yaml"), &text).expect("write");
        let o = run_within(
            d.path(),
            &["scan", "--config", "/dev/null", "-f", "json", "pods.yaml", "-o", "json=report.json"],
            Duration::from_secs(600),
        );
        assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
        (text.len() as u64 >> 20, peak_mib(&o))
    };
    let (half_mib, half) = peak(20_000);
    let (size_mib, whole) = peak(40_000);
    if let (Some(half), Some(whole)) = (half, whole) {
        let added = (size_mib - half_mib).max(1);
        assert!(
            whole.saturating_sub(half) < 16 * added,
            "{half} MiB for {half_mib} MiB of pods, {whole} MiB for {size_mib} MiB"
        );
        assert!(whole < 15 * size_mib + 60, "{whole} MiB for a {size_mib} MiB file");
    }
}

/// A file of more documents than one part (cross-object rules, duplicate keys, exemptions, a
/// control-plane pod near the end, a syntax error at the end), scanned from a file and from
/// stdin: the same findings, in the same order, as the snapshot engine over the whole file.
#[test]
fn a_file_audited_in_parts_reports_like_the_snapshot_engine() {
    let d = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    for i in 0..1100 {
        text.push_str(&match i % 3 {
            0 => format!(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{i}, namespace: n{}}}\nspec:\n  template:\n    metadata: {{annotations: {{kubeward.io/ignore: POD001, kubeward.io/ignore-reason: t}}}}\n    spec:\n      hostNetwork: {}\n      containers:\n        - name: c\n          image: nginx\n          securityContext: {{privileged: true}}\n",
                i % 7,
                i % 2 == 0
            ),
            1 => format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  name: q{i}\n  namespace: n{}\nspec:\n  containers:\n    - name: c\n      image: 'nginx:1'\n",
                i % 7
            ),
            _ => format!(
                "---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{i}, namespace: n{}}}\nspec: {{type: NodePort, ports: [{{port: 80, nodePort: 30080}}]}}\n",
                i % 7
            ),
        });
    }
    text.push_str("---\napiVersion: v1\nkind: Pod\nmetadata: {name: etcd, namespace: kube-system}\nspec:\n  containers:\n    - name: etcd\n      image: registry.k8s.io/etcd:3.5\n      command: [etcd, --data-dir=/var/lib/etcd]\n    - name: api\n      image: registry.k8s.io/kube-apiserver:v1.30.0\n      command: [kube-apiserver, --anonymous-auth=true]\n---\nbroken: [\n");
    std::fs::write(d.path().join("many.yaml"), &text).expect("write");
    let settings = kubeward_engine::Settings::default();
    let snap = kubeward_engine::Snapshot::from_text("many.yaml", &text);
    let report = kubeward_engine::run(&snap, &settings);
    let key = |file: &str, line: u64, col: u64, code: &str, msg: &str| format!("{file}:{line}:{col} {code} {msg}");
    let want: Vec<String> = report
        .findings()
        .map(|d| key("many.yaml", u64::from(d.pos.line), u64::from(d.pos.col), d.rule.code, &d.message))
        .collect();
    assert!(want.len() > 3000, "{}", want.len());
    assert!(want.iter().any(|k| k.contains("NODE087")), "the control-plane pod is seen by the whole-snapshot rules");
    let streamed = |o: &Output, file: &str| -> Vec<String> {
        json(o)["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                key(
                    file,
                    f["line"].as_u64().unwrap_or(0),
                    f["column"].as_u64().unwrap_or(0),
                    f["code"].as_str().unwrap_or(""),
                    f["message"].as_str().unwrap_or(""),
                )
            })
            .collect()
    };
    let o =
        run_within(d.path(), &["scan", "--config", "/dev/null", "-f", "json", "many.yaml"], Duration::from_secs(300));
    assert_eq!(streamed(&o, "many.yaml"), want);
    assert_eq!(json(&o)["errors"].as_array().map(Vec::len), Some(1), "the syntax error at the end");
    let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["scan", "--config", "/dev/null", "-f", "json", "-"])
        .stdin(std::fs::File::open(d.path().join("many.yaml")).expect("open"))
        .output()
        .expect("run");
    assert_eq!(streamed(&o, "many.yaml"), want, "stdin");
}
