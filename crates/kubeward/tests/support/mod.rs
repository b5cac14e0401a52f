//! Helpers shared by the CLI test files. Each file under `tests/` is its own crate and takes
//! this module with `mod support;`; each uses a part of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A Pod with one known critical finding (POD001, privileged).
pub const PRIV: &str = "apiVersion: v1
kind: Pod
metadata:
  name: priv
  namespace: app
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      securityContext:
        privileged: true
";

/// Runs the binary in `dir` with `stdin` (none: `/dev/null`), without colour, with no
/// configuration, kubeconfig or node root from the caller's environment, and with the day the
/// Kubernetes release table is judged at pinned.
pub fn kubeward_with(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("KUBEWARD_CONFIG")
        .env_remove("KUBEWARD_ROOT")
        .env_remove("KUBECONFIG")
        .env("KUBEWARD_COLOR", "never")
        .env("KUBEWARD_TODAY", "2026-11-22")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kubeward");
    if let Some(text) = stdin {
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait for kubeward")
}

/// [`kubeward_with`] without standard input.
pub fn kubeward(dir: &Path, args: &[&str]) -> Output {
    kubeward_with(dir, args, None)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output, then standard error.
pub fn text(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

/// Standard output as JSON; on failure, the panic shows both streams.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

/// Writes `text` to `dir/rel`, creating its folders.
pub fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
