//! Hostile input (issue 15): `kubeward fix` writes nothing outside the scanned tree (point 2)
//! and never leaves a partial file (point 4). See docs/robustness.md, "Hardening (issue 15)".
//!
//! The failures are real, also as root (CI runs the tests as root, and root ignores file
//! modes): a write is made to fail with the file-size limit (`RLIMIT_FSIZE`, which binds root
//! too: `prlimit --fsize`), and a full disk is a 64 KiB tmpfs mounted in a private mount
//! namespace (`unshare -m`; skipped, saying so, where mounting is not permitted).

#[allow(unused_imports)]
use super::*;

use std::os::unix::fs::{symlink, MetadataExt as _, PermissionsExt as _};
use std::path::PathBuf;

/// A Pod with findings that have safe fixes (POD012 `seccompProfile.type: RuntimeDefault`; POD001
/// `privileged: false` is unsafe since issue 16).
fn pod(name: &str, ns: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.0\n      securityContext:\n        privileged: true\n"
    )
}

/// A file of `n` such pods.
fn pods(n: usize) -> String {
    (0..n).map(|i| pod(&format!("p{i}"), "app")).collect::<Vec<_>>().join("---\n")
}

fn kubeward_fix(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["fix", "--config", "/dev/null", "-f", "json"])
        .args(args)
        .current_dir(cwd)
        .env("KUBEWARD_COLOR", "never")
        .stdin(Stdio::null())
        .output()
        .expect("run kubeward")
}

/// Runs `kubeward fix` under a file-size limit (`prlimit --fsize`); with `ignore_sigxfsz` the
/// limit makes the write fail with EFBIG (SIGXFSZ ignored), else it kills the process in the
/// middle of the write, as `kill -9` would. `None` when `prlimit` is missing.
fn fix_with_file_size_limit(cwd: &Path, limit: usize, ignore_sigxfsz: bool, args: &[&str]) -> Option<Output> {
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("SKIPPED: prlimit (util-linux) is not installed");
        return None;
    }
    let script =
        format!("{}exec prlimit --fsize={limit} -- \"$@\"", if ignore_sigxfsz { "trap '' XFSZ; " } else { "" });
    let o = Command::new("sh")
        .args(["-c", &script, "sh", env!("CARGO_BIN_EXE_kubeward"), "fix", "--config", "/dev/null", "-f", "json"])
        .args(args)
        .current_dir(cwd)
        .env("KUBEWARD_COLOR", "never")
        .stdin(Stdio::null())
        .output()
        .expect("run sh");
    Some(o)
}

/// The file is unchanged (without printing megabytes when it is not).
fn assert_same(now: &str, before: &str, what: &str) {
    assert!(
        now == before,
        "{what} changed: {} bytes, {} documents instead of {} bytes, {} documents",
        now.len(),
        now.matches("---").count() + 1,
        before.len(),
        before.matches("---").count() + 1
    );
}

fn errors_of(v: &Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (e["file"].as_str().unwrap_or("").to_string(), e["message"].as_str().unwrap_or("").to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every file under `dir` with its content (links as `-> target`), to compare before and after.
fn tree(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            let m = p.symlink_metadata().expect("metadata");
            if m.file_type().is_symlink() {
                out.push((p.clone(), format!("-> {}", std::fs::read_link(&p).expect("link").display())));
            } else if m.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fix_never_writes_through_a_link_out_of_the_tree_and_keeps_links_mode_and_owner() {
    let d = tempfile::tempdir().expect("tempdir");
    let (repo, outside) = (d.path().join("repo"), d.path().join("outside"));
    std::fs::create_dir_all(repo.join("sub")).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(outside.join("target.yaml"), pod("victim", "app")).expect("write");
    symlink("../outside/target.yaml", repo.join("link.yaml")).expect("symlink");
    std::fs::write(repo.join("good.yaml"), GOOD).expect("write");
    // A link inside the tree: its target is fixed, the link stays a link.
    std::fs::write(repo.join("sub/real.yaml"), pod("real", "app")).expect("write");
    symlink("sub/real.yaml", repo.join("inner.yaml")).expect("symlink");
    // Mode and owner are kept across the rename (as root, an owner that is not ours).
    let good = repo.join("good.yaml");
    std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let root = std::fs::metadata(&good).expect("meta").uid() == 0
        && std::os::unix::fs::chown(&good, Some(4321), Some(4322)).is_ok();
    let before_outside = tree(&outside);

    let o = kubeward_fix(d.path(), &["repo"]);
    let v = json(&o);
    assert_eq!(o.status.code(), Some(2), "a refused write is an input error: {v}");
    assert_eq!(tree(&outside), before_outside, "a file outside the tree was written");
    let errors = errors_of(&v);
    assert!(
        errors.iter().any(|(f, m)| f == "repo/link.yaml" && m.contains("outside the scanned folders")),
        "{errors:?}"
    );
    let fixed = std::fs::read_to_string(&good).expect("read");
    assert!(fixed.contains("type: RuntimeDefault"), "the other files are still fixed: {fixed}");
    let m = std::fs::metadata(&good).expect("meta");
    assert_eq!(m.mode() & 0o7777, 0o640, "mode kept");
    if root {
        assert_eq!((m.uid(), m.gid()), (4321, 4322), "owner kept");
    }
    assert!(repo.join("inner.yaml").symlink_metadata().expect("meta").file_type().is_symlink());
    assert!(std::fs::read_to_string(repo.join("sub/real.yaml")).expect("read").contains("type: RuntimeDefault"));
    let leftovers: Vec<_> =
        tree(d.path()).into_iter().filter(|(p, _)| p.to_string_lossy().contains(".kubeward-fix-")).collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn unsafe_fixes_create_nothing_through_links_or_from_hostile_namespaces() {
    let d = tempfile::tempdir().expect("tempdir");
    let (repo, outside) = (d.path().join("repo"), d.path().join("outside"));
    std::fs::create_dir_all(outside.join("dir")).expect("mkdir");
    std::fs::create_dir_all(&repo).expect("mkdir");
    // A dangling link where the new policy file of namespace `shop` goes.
    std::fs::write(repo.join("shop.yaml"), pod("web", "shop")).expect("write");
    symlink("../outside/cron", repo.join("kubeward-default-deny-ingress-shop.yaml")).expect("symlink");
    // A folder that is a link out of the tree, with a workload of namespace `ext` in it.
    std::fs::write(outside.join("dir/ext.yaml"), pod("w", "ext")).expect("write");
    symlink("../outside/dir", repo.join("ext")).expect("symlink");
    // A namespace made to climb out of the folder and inject a cron line (a folder named like
    // the file's prefix lets `kubeward-default-deny-ingress-/../..` resolve).
    std::fs::create_dir_all(repo.join("kubeward-default-deny-ingress-")).expect("mkdir");
    std::fs::create_dir_all(repo.join("kubeward-default-deny-egress-")).expect("mkdir");
    let evil = "/../../outside/evil\n* * * * * root touch /tmp/kubeward-pwned\n#";
    std::fs::write(
        repo.join("ns.yaml"),
        format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n", serde_json::to_string(evil).expect("json")),
    )
    .expect("write");
    let before_outside = tree(&outside);

    let o = kubeward_fix(d.path(), &["repo", "--unsafe-fixes"]);
    let v = json(&o);
    assert_eq!(o.status.code(), Some(2), "{v}");
    let after_outside = tree(&outside);
    // The fixes of files read through the folder link are refused too (the folder is outside).
    assert_eq!(after_outside, before_outside, "written outside the tree");
    assert!(!Path::new("/tmp/kubeward-pwned").exists());
    let errors = errors_of(&v);
    assert!(
        errors.iter().any(|(f, m)| f == "repo/shop.yaml" && m.contains("symbolic link of that name is in the way")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|(f, m)| f == "repo/ext/ext.yaml" && m.contains("outside the scanned folders")),
        "{errors:?}"
    );
    // The hostile namespace gets no file (its finding stays); the egress policy of `shop` is written.
    let names: Vec<String> = tree(&repo).into_iter().map(|(p, _)| p.display().to_string()).collect();
    assert!(names.iter().all(|n| !n.contains("evil") && !n.contains('\n')), "{names:?}");
    assert!(repo.join("kubeward-default-deny-egress-shop.yaml").is_file(), "{names:?}");
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    assert!(
        findings.iter().any(|f| f["code"] == "NET001" && f["file"] == "repo/ns.yaml"),
        "the hostile namespace's finding stays: {findings:?}"
    );
}

#[test]
fn a_fix_killed_in_the_middle_of_a_write_leaves_the_file_whole() {
    let d = tempfile::tempdir().expect("tempdir");
    let text = pods(300);
    std::fs::write(d.path().join("big.yaml"), &text).expect("write");
    // The limit kills kubeward (SIGXFSZ, like kill -9) half-way through writing the fixed text.
    let Some(o) = fix_with_file_size_limit(d.path(), text.len() / 2, false, &["big.yaml"]) else { return };
    assert_ne!(o.status.code(), Some(0), "kubeward was expected to be killed: {}", String::from_utf8_lossy(&o.stderr));
    assert_same(&std::fs::read_to_string(d.path().join("big.yaml")).expect("read"), &text, "big.yaml");
}

#[test]
fn a_file_that_cannot_be_written_is_reported_and_the_others_are_fixed() {
    let d = tempfile::tempdir().expect("tempdir");
    let big = pods(200);
    std::fs::write(d.path().join("a-big.yaml"), &big).expect("write");
    std::fs::write(d.path().join("b.yaml"), pod("b", "app")).expect("write");
    std::fs::write(d.path().join("c.yaml"), pod("c", "app")).expect("write");
    // Files over 8 KiB cannot be written (EFBIG): a-big.yaml fails, b and c (under 1 KiB) not.
    let Some(o) = fix_with_file_size_limit(d.path(), 8192, true, &["."]) else { return };
    let v = json(&o);
    assert_eq!(o.status.code(), Some(2), "{v}");
    let errors = errors_of(&v);
    assert!(
        errors.iter().any(|(f, m)| f == "a-big.yaml"
            && m.contains("cannot write the fixed file")
            && m.contains("left unchanged")),
        "{errors:?}"
    );
    assert_same(&std::fs::read_to_string(d.path().join("a-big.yaml")).expect("read"), &big, "a-big.yaml");
    for f in ["b.yaml", "c.yaml"] {
        assert!(
            std::fs::read_to_string(d.path().join(f)).expect("read").contains("type: RuntimeDefault"),
            "{f} not fixed"
        );
    }
    // What remains is judged on what is on disk: a-big.yaml's findings are still reported.
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    assert!(findings.iter().any(|f| f["code"] == "POD012" && f["file"] == "a-big.yaml"), "{findings:?}");
    assert!(!findings.iter().any(|f| f["code"] == "POD012" && f["file"] == "b.yaml"), "{findings:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not written a-big.yaml:") && err.contains("fixed b.yaml: POD012"), "{err}");
}

#[test]
fn a_full_disk_leaves_the_file_whole() {
    let d = tempfile::tempdir().expect("tempdir");
    let (src, mnt, out) = (d.path().join("src"), d.path().join("mnt"), d.path().join("out"));
    for p in [&src, &mnt, &out] {
        std::fs::create_dir_all(p).expect("mkdir");
    }
    let text = pods(100);
    std::fs::write(src.join("big.yaml"), &text).expect("write");
    // In a private mount namespace: a 64 KiB tmpfs, the file copied in, the rest filled up;
    // then `kubeward fix` and a copy of the results out (the mount goes with the namespace).
    let script = r#"mount -t tmpfs -o size=64k kubeward-test "$1" || { echo SKIP; exit 0; }
cp "$2/big.yaml" "$1/" && (dd if=/dev/zero of="$1/fill" bs=1024 2>/dev/null; true)
cd "$1" && "$3" fix --config /dev/null -f json big.yaml >"$4/stdout" 2>"$4/stderr"; echo $? >"$4/code"
cp "$1/big.yaml" "$4/big.yaml"; ls -a "$1" >"$4/ls""#;
    let o = Command::new("unshare")
        .args(["-m", "sh", "-c", script, "sh"])
        .args([&mnt, &src, Path::new(env!("CARGO_BIN_EXE_kubeward")), &out])
        .output();
    let Ok(o) = o else {
        eprintln!("SKIPPED: unshare is not installed");
        return;
    };
    if !o.status.success() || String::from_utf8_lossy(&o.stdout).contains("SKIP") {
        eprintln!("SKIPPED: cannot mount a tmpfs here: {}", String::from_utf8_lossy(&o.stderr));
        return;
    }
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap_or_default();
    assert_same(&read("big.yaml"), &text, "big.yaml on the full disk");
    assert_eq!(read("code").trim(), "2", "stderr: {}", read("stderr"));
    let v: Value = serde_json::from_str(&read("stdout")).expect("json");
    let errors = errors_of(&v);
    assert!(errors.iter().any(|(f, m)| f == "big.yaml" && m.contains("No space left on device")), "{errors:?}");
    assert!(!read("ls").contains(".kubeward-fix-"), "temporary file left: {}", read("ls"));
}
