//! Hostile input (issue 9): every file is generated here, in a temporary directory. Each case
//! scans the hostile file together with a good manifest and checks that the hostile one gives
//! a clear error naming it (with a position where there is one), that the exit code is 2, and
//! that the good file is still audited. docs/robustness.md lists what kubeward does with each.

mod fix_writer;
mod node_root;
mod reports;
mod scan_input;
#[path = "../support/mod.rs"]
mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// A manifest with one known finding (POD001), audited in every case.
const GOOD: &str = support::PRIV;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["scan", "--config", "/dev/null", "-f", "json", "--select", "POD001,GEN001"])
        .args(args)
        .current_dir(dir)
        .env("KUBEWARD_COLOR", "never")
        .env("KUBEWARD_PEAK_RSS", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run kubeward")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}\nstderr: {}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    })
}

/// Peak RSS of the kubeward process in MiB, as it printed it (`KUBEWARD_PEAK_RSS`).
fn peak_mib(o: &Output) -> Option<u64> {
    let err = String::from_utf8_lossy(&o.stderr);
    let line = err.lines().find_map(|l| l.strip_prefix("kubeward: peak RSS "))?;
    line.trim_end_matches(" KiB").parse::<u64>().ok().map(|kib| kib / 1024)
}

fn dir_with_good() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("good.yaml"), GOOD).expect("write");
    d
}

/// The good file was audited: its privileged container is reported.
fn assert_good_audited(v: &Value) {
    let found =
        v["findings"].as_array().is_some_and(|f| f.iter().any(|d| d["code"] == "POD001" && d["file"] == "good.yaml"));
    assert!(found, "good.yaml was not audited: {v}");
}

/// Exit code 2, and one error for `file` whose message contains `needle`; returns it.
fn assert_error(o: &Output, file: &str, needle: &str) -> Value {
    let v = json(o);
    assert_eq!(o.status.code(), Some(2), "input errors give exit code 2: {v}");
    assert_good_audited(&v);
    let errors = v["errors"].as_array().cloned().unwrap_or_default();
    let e = errors
        .iter()
        .find(|e| e["file"].as_str().is_some_and(|f| f.contains(file)))
        .unwrap_or_else(|| panic!("no error for {file}: {errors:?}"))
        .clone();
    let msg = e["message"].as_str().unwrap_or("");
    assert!(msg.contains(needle), "error for {file} should say `{needle}`: {msg}");
    e
}

fn assert_positioned(e: &Value) {
    assert!(e["line"].as_u64().is_some_and(|l| l >= 1), "error without a line: {e}");
    assert!(e["column"].as_u64().is_some_and(|c| c >= 1), "error without a column: {e}");
}

#[test]
fn alias_bomb_is_refused_with_its_position() {
    let d = dir_with_good();
    // Billion laughs: 9^10 leaves.
    let mut s = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for i in 1u8..10 {
        let (n, p) = (char::from(b'a' + i), char::from(b'a' + i - 1));
        s.push_str(&format!("{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"));
    }
    std::fs::write(d.path().join("bomb.yaml"), s).expect("write");
    let o = run(d.path(), &["bomb.yaml", "good.yaml"]);
    let e = assert_error(&o, "bomb.yaml", "alias expansion exceeds");
    assert_positioned(&e);
    if let Some(mib) = peak_mib(&o) {
        assert!(mib < 1024, "alias expansion is bounded by its node budget, got {mib} MiB");
    }
}

#[test]
fn ten_thousand_deep_nesting_flow_block_and_json() {
    let d = dir_with_good();
    let n = 10_000;
    std::fs::write(d.path().join("flow.yaml"), format!("a: {}{}\n", "[".repeat(n), "]".repeat(n))).expect("write");
    let block: String = (0..n).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    std::fs::write(d.path().join("block.yaml"), block).expect("write");
    std::fs::write(d.path().join("deep.json"), format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n))).expect("write");
    let seqs: String = (0..n).map(|i| format!("{}-\n", " ".repeat(i))).collect();
    std::fs::write(d.path().join("seqs.yaml"), seqs).expect("write");
    let o = run(d.path(), &["."]);
    for f in ["flow.yaml", "deep.json"] {
        assert_positioned(&assert_error(&o, f, "nesting too deep"));
    }
    for f in ["block.yaml", "seqs.yaml"] {
        assert_positioned(&assert_error(&o, f, "nesting deeper than 256 levels"));
    }
}

#[test]
fn file_of_200_mb_is_refused_by_the_size_limit_without_reading_it() {
    let d = dir_with_good();
    let p = d.path().join("huge.yaml");
    {
        // One line of 200 MB (a plain scalar), written in 1 MiB chunks.
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).expect("create"));
        f.write_all(b"key: ").expect("write");
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..200 {
            f.write_all(&chunk).expect("write");
        }
        f.flush().expect("flush");
    }
    let o = run(d.path(), &["huge.yaml", "good.yaml"]);
    assert_error(&o, "huge.yaml", "--max-file-size");
    if let Some(mib) = peak_mib(&o) {
        assert!(mib < 100, "a refused file is not read: {mib} MiB");
    }
    // The same bytes on stdin: reading stops at the limit (here 8 MiB) plus one byte.
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["scan", "--config", "/dev/null", "-f", "json", "--select", "POD001", "--max-file-size", "8MiB", "-"])
        .arg("good.yaml")
        .current_dir(d.path())
        .env("KUBEWARD_PEAK_RSS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..200 {
            // kubeward closes its end once it has read past the limit.
            if stdin.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let o = child.wait_with_output().expect("wait");
    let _ = writer.join();
    assert_error(&o, "<stdin>", "--max-file-size");
    if let Some(mib) = peak_mib(&o) {
        assert!(mib < 100, "stdin is read up to the limit only: {mib} MiB");
    }
}

#[test]
fn gigantic_string_is_read_in_memory_proportional_to_it() {
    let d = dir_with_good();
    // 8 MiB quoted string and 8 MiB plain scalar, under the default 64 MiB limit.
    let big = "x".repeat(8 << 20);
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big, namespace: app}}\ndata:\n  q: \"{big}\"\n  p: {big}\n"
    );
    std::fs::write(d.path().join("big.yaml"), text).expect("write");
    let o = run(d.path(), &["big.yaml", "good.yaml"]);
    let v = json(&o);
    assert_eq!(o.status.code(), Some(1), "a big but valid file is audited: {v}");
    assert_eq!(v["errors"].as_array().map_or(0, Vec::len), 0, "{v}");
    assert_good_audited(&v);
    if let Some(mib) = peak_mib(&o) {
        assert!(mib < 512, "16 MiB of strings should not need {mib} MiB");
    }
}

#[test]
fn binary_invalid_utf8_and_nul_bytes() {
    let d = dir_with_good();
    let all_bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    std::fs::write(d.path().join("binary.yaml"), all_bytes).expect("write");
    std::fs::write(d.path().join("latin1.yaml"), b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\xe9\n")
        .expect("write");
    // A NUL byte past the first 8 KiB (the binary sniffing window): the parser reports it.
    let mut late = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n}\ndata:\n  k: ".to_vec();
    late.extend(std::iter::repeat_n(b'x', 10_000));
    late.extend(b"\0\n");
    std::fs::write(d.path().join("late-nul.yaml"), late).expect("write");
    // A Dockerfile with a NUL byte and one that is not UTF-8.
    std::fs::write(d.path().join("Dockerfile"), b"FROM alpine:3.20\0\nUSER root\n").expect("write");
    std::fs::write(d.path().join("app.Dockerfile"), b"FROM alpine\nLABEL a=\xff\n").expect("write");
    let o = run(d.path(), &["."]);
    assert_positioned(&assert_error(&o, "binary.yaml", "binary file"));
    let e = assert_error(&o, "latin1.yaml", "not UTF-8 text (invalid byte at offset 46)");
    assert_eq!((e["line"].as_u64(), e["column"].as_u64()), (Some(4), Some(12)), "{e}");
    assert_positioned(&assert_error(&o, "late-nul.yaml", "unprintable character"));
    assert_error(&o, "Dockerfile", "binary file");
    assert_error(&o, "app.Dockerfile", "not UTF-8");
}

#[test]
fn duplicate_keys_are_a_finding_not_an_error() {
    let d = dir_with_good();
    std::fs::write(
        d.path().join("dup.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: d, namespace: app}\nspec:\n  containers: []\nspec:\n  containers:\n    - {name: a, image: x:1, securityContext: {privileged: true}}\n",
    )
    .expect("write");
    let o = run(d.path(), &["dup.yaml", "good.yaml"]);
    let v = json(&o);
    assert_eq!(o.status.code(), Some(1), "{v}");
    assert_good_audited(&v);
    let f = v["findings"].as_array().cloned().unwrap_or_default();
    let dup = f.iter().find(|d| d["code"] == "GEN001").unwrap_or_else(|| panic!("no GEN001: {v}"));
    assert_eq!(dup["file"], "dup.yaml");
    assert_eq!(dup["line"], 6, "{dup}");
    // The last value wins, as on the API server: the privileged container is seen.
    assert!(f.iter().any(|d| d["code"] == "POD001" && d["file"] == "dup.yaml"), "{v}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_in_directories() {
    let d = dir_with_good();
    let tree = d.path().join("tree");
    std::fs::create_dir_all(tree.join("sub")).expect("mkdir");
    std::fs::write(tree.join("sub/ok.yaml"), GOOD.replace("name: good", "name: ok")).expect("write");
    std::os::unix::fs::symlink("..", tree.join("sub/up")).expect("symlink");
    std::os::unix::fs::symlink("self.yaml", tree.join("self.yaml")).expect("symlink");
    std::os::unix::fs::symlink("nowhere.yaml", tree.join("dangling.yaml")).expect("symlink");
    let o = run(d.path(), &["tree", "good.yaml"]);
    let e = assert_error(&o, "tree/sub/up", "symbolic link loop");
    assert!(e["message"].as_str().unwrap_or("").contains("ancestor tree"), "the target is named: {e}");
    assert_error(&o, "tree/dangling.yaml", "broken symbolic link");
    assert_error(&o, "tree/self.yaml", "symbolic link that cannot be followed");
    let v = json(&o);
    let ok = v["findings"].as_array().is_some_and(|f| f.iter().any(|d| d["file"] == "tree/sub/ok.yaml"));
    assert!(ok, "the files of the tree are audited once: {v}");
    // Given directly.
    let o = run(d.path(), &["tree/self.yaml", "tree/dangling.yaml", "good.yaml"]);
    assert_error(&o, "tree/self.yaml", "symbolic links");
    assert_error(&o, "tree/dangling.yaml", "broken symbolic link");
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let d = dir_with_good();
    let p = d.path().join("secret.yaml");
    std::fs::write(&p, GOOD.replace("name: good", "name: secret")).expect("write");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let o = run(d.path(), &["."]);
    if std::fs::File::open(&p).is_ok() {
        // Running as root (CAP_DAC_OVERRIDE): mode 000 does not stop reading. Then the file is
        // simply audited; nothing more can be checked here.
        let v = json(&o);
        assert_good_audited(&v);
        eprintln!("running with CAP_DAC_OVERRIDE: mode 000 is readable, unreadable-file case not exercised");
        return;
    }
    assert_error(&o, "secret.yaml", "cannot read");
}

#[cfg(unix)]
#[test]
fn fifo_and_device_are_refused_without_opening_them() {
    let d = dir_with_good();
    let made = Command::new("mkfifo").arg(d.path().join("pipe.yaml")).status().is_ok_and(|s| s.success());
    // A FIFO with no writer would block a reader forever: the scan finishing proves it is not opened.
    let o = run(d.path(), &["/dev/null", "good.yaml"]);
    assert_error(&o, "/dev/null", "a device, not a regular file");
    if made {
        let o = run(d.path(), &["pipe.yaml", "good.yaml"]);
        assert_error(&o, "pipe.yaml", "a FIFO (named pipe), not a regular file");
        let o = run(d.path(), &["."]);
        assert_error(&o, "pipe.yaml", "a FIFO (named pipe), not a regular file");
    } else {
        eprintln!("mkfifo unavailable: FIFO case not exercised");
    }
}

#[test]
fn many_documents_and_keys() {
    let d = dir_with_good();
    std::fs::write(d.path().join("docs.yaml"), "---\n".repeat(100_000)).expect("write");
    let keys: String = (0..100_000).map(|i| format!("k{i}: {i}\n")).collect();
    std::fs::write(d.path().join("keys.yaml"), keys).expect("write");
    let o = run(d.path(), &["."]);
    let v = json(&o);
    assert_eq!(o.status.code(), Some(1), "{v}");
    assert_eq!(v["errors"].as_array().map_or(0, Vec::len), 0, "{v}");
    assert_good_audited(&v);
}

#[test]
fn fix_applies_the_same_input_checks() {
    let d = dir_with_good();
    std::fs::write(d.path().join("binary.yaml"), [0u8, 1, 2, 3, 0]).expect("write");
    std::fs::write(d.path().join("big.yaml"), format!("k: {}\n", "x".repeat(2048))).expect("write");
    let cfg_dir = tempfile::tempdir().expect("tempdir");
    let cfg = cfg_dir.path().join("kubeward.yaml");
    std::fs::write(&cfg, "max-file-size: 1KiB\n").expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["fix", "--diff", "."])
        .arg("--config")
        .arg(&cfg)
        .current_dir(d.path())
        .stdin(Stdio::null())
        .output()
        .expect("run kubeward fix");
    let err = String::from_utf8_lossy(&o.stderr);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "stdout: {out}\nstderr: {err}");
    assert!(err.contains("binary.yaml") && err.contains("binary file"), "{err}");
    assert!(err.contains("big.yaml") && err.contains("--max-file-size"), "{err}");
    assert!(out.contains("good.yaml") && out.contains("privileged"), "the good file is still fixed: {out}");
}
