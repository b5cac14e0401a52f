//! Issue 16, "Runs that must not pass by accident": a path the user named that yields no input
//! (every file ignored or excluded, no manifest, an empty directory, an empty stdin), and a
//! node audit that finds no node, are errors (exit 2) that say why, in every report format, and
//! never score 100/A.

mod support;
use support::{json, kubeward, kubeward_with, text, write, PRIV};

use std::path::Path;

/// The run failed (exit 2) with one error whose message contains every `needle`, and its JSON
/// report carries the error and no score.
fn assert_no_input(dir: &Path, args: &[&str], needles: &[&str]) {
    let o = kubeward(dir, args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
    let mut json_args = args.to_vec();
    json_args.extend(["-f", "json"]);
    let o = kubeward(dir, &json_args);
    assert_eq!(o.status.code(), Some(2), "{json_args:?}: {}", text(&o));
    let v = json(&o);
    let errors = v["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{v:#}");
    let message = errors[0]["message"].as_str().expect("message");
    for n in needles {
        assert!(message.contains(n), "{args:?}: `{n}` not in {message:?}");
    }
    assert_eq!(v["summary"]["errors"], 1, "{v:#}");
    assert_eq!(v["summary"]["score"], serde_json::Value::Null, "a run that read nothing has no score: {v:#}");
    assert_eq!(v["summary"]["grade"], serde_json::Value::Null, "{v:#}");
}

#[test]
fn a_directory_ignored_by_a_parent_gitignore_is_an_error_naming_the_file_and_pattern() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), ".gitignore", "# generated\n*.yaml\n");
    write(d.path(), "k8s/pod.yaml", PRIV);
    write(d.path(), "k8s/more/svc.yaml", PRIV);
    let gitignore = d.path().canonicalize().expect("canonical").join(".gitignore");
    let at = format!("{}:2", gitignore.display());
    assert_no_input(d.path(), &["scan", "k8s"], &["all its 2 manifest files", "`*.yaml`", &at, "--no-gitignore"]);
    // SARIF: the run is marked failed with the error as a notification.
    let o = kubeward(d.path(), &["scan", "k8s", "-f", "sarif"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    let inv = &v["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false, "{v:#}");
    let note = inv["toolExecutionNotifications"][0]["message"]["text"].as_str().unwrap_or("");
    assert!(note.contains("`*.yaml`"), "{note}");
    // The way out works: --no-gitignore, or naming the file.
    let o = kubeward(d.path(), &["scan", "k8s", "--no-gitignore"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = kubeward(d.path(), &["scan", "k8s/pod.yaml", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "a named file is read even when ignored: {}", text(&o));
    assert_eq!(json(&o)["summary"]["files"], 1);
    // `fix` reads the same way.
    let o = kubeward(d.path(), &["fix", "k8s", "--diff"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("`*.yaml`"), "{}", text(&o));
}

#[test]
fn the_nearest_ignore_file_is_named_and_a_negation_is_honoured() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), ".gitignore", "*.yaml\n");
    write(d.path(), "k8s/.gitignore", "generated/\n");
    write(d.path(), "k8s/generated/pod.yaml", PRIV);
    let near = d.path().canonicalize().expect("canonical").join("k8s/.gitignore");
    assert_no_input(
        d.path(),
        &["scan", "k8s"],
        &["its only manifest file", "`generated/`", &format!("{}:1", near.display())],
    );
    // A deeper `!` pattern lets the file through: it is read.
    write(d.path(), "k8s/.gitignore", "!*.yaml\n");
    let o = kubeward(d.path(), &["scan", "k8s"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn a_directory_whose_files_are_all_excluded_names_the_pattern() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "k8s/pod.yaml", PRIV);
    assert_no_input(d.path(), &["scan", "k8s", "--exclude", "*.yaml"], &["`*.yaml`", "excluded"]);
    // From the configuration file too.
    write(d.path(), ".kubeward.yaml", "exclude: [\"k8s/**\"]\n");
    assert_no_input(d.path(), &["scan", "k8s"], &["`k8s/**`", "exclude"]);
}

#[test]
fn a_directory_without_manifests_or_empty_is_an_error_and_a_file_of_comments_is_not() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "docs/README.md", "# docs\n");
    write(d.path(), "docs/notes.txt", "notes\n");
    assert_no_input(d.path(), &["scan", "docs"], &["no Kubernetes manifests", "2 other files"]);
    std::fs::create_dir(d.path().join("empty")).expect("mkdir");
    assert_no_input(d.path(), &["scan", "empty"], &["holds no files"]);
    // One empty path among good ones still fails the run, and the good one is read.
    write(d.path(), "k8s/pod.yaml", PRIV);
    let o = kubeward(d.path(), &["scan", "k8s", "empty", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    assert_eq!(v["summary"]["files"], 1);
    assert!(v["summary"]["score"].is_u64(), "what was read is scored: {v:#}");
    // The default path `.` when it holds nothing to scan.
    assert_no_input(&d.path().join("empty"), &["scan"], &["holds no files"]);
    // A file that was read but holds no object is fine.
    write(d.path(), "comments/only.yaml", "# nothing yet\n");
    let o = kubeward(d.path(), &["scan", "comments", "-f", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v = json(&o);
    assert_eq!((v["summary"]["files"].as_u64(), v["summary"]["score"].as_u64()), (Some(1), Some(100)));
}

#[test]
fn an_empty_stdin_is_an_error() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = kubeward_with(d.path(), &["scan", "-", "-f", "json"], Some(""));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let v = json(&o);
    assert!(v["errors"][0]["message"].as_str().unwrap_or("").contains("standard input is empty"), "{v:#}");
    assert_eq!(v["summary"]["score"], serde_json::Value::Null);
    let o = kubeward_with(d.path(), &["scan", "-"], Some("# nothing\n"));
    assert_eq!(o.status.code(), Some(0), "a stdin of comments was read: {}", text(&o));
    let o = kubeward_with(d.path(), &["fix", "-"], Some(""));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn images_with_a_directory_without_reports_is_an_error() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "reports/README.md", "none yet\n");
    let o = kubeward(d.path(), &["images", "--report", "reports"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no vulnerability report"), "{}", text(&o));
}

/// `images --manifests` names the ignore rule and `--no-gitignore` like `scan`, and the flag it
/// names exists there too.
#[test]
fn images_manifests_all_ignored_is_an_error_and_no_gitignore_reads_them() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        "trivy.json",
        r#"{"SchemaVersion": 2, "ArtifactName": "registry.example.com/app:1.0", "Results": [{"Target": "os", "Vulnerabilities": [{"VulnerabilityID": "CVE-2024-1", "PkgName": "openssl", "InstalledVersion": "3.0.1", "FixedVersion": "3.0.2", "Severity": "CRITICAL"}]}]}"#,
    );
    write(d.path(), ".gitignore", "*.yaml\n");
    write(d.path(), "k8s/pod.yaml", PRIV);
    let o = kubeward(d.path(), &["images", "--report", "trivy.json", "--manifests", "k8s", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--no-gitignore"), "{}", text(&o));
    let o =
        kubeward(d.path(), &["images", "--report", "trivy.json", "--manifests", "k8s", "--no-gitignore", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    assert!(v["errors"].as_array().expect("errors").is_empty(), "{v:#}");
    assert!(text(&o).contains("Pod/app/priv"), "the workload running the image is named: {}", text(&o));
}

#[test]
fn node_roots_without_a_node_are_errors() {
    let d = tempfile::tempdir().expect("tempdir");
    let missing = d.path().join("missing");
    assert_no_input(d.path(), &["node", "--root", missing.to_str().expect("utf-8")], &["does not exist"]);
    write(d.path(), "file", "x");
    assert_no_input(
        d.path(),
        &["node", "--root", d.path().join("file").to_str().expect("utf-8")],
        &["not a directory"],
    );
    // A filesystem with processes, users and auditd rules but no Kubernetes or Docker.
    let root = d.path().join("plain");
    write(&root, "proc/1/cmdline", "/sbin/init\0");
    write(&root, "proc/77/cmdline", "/usr/sbin/sshd\0-D\0");
    write(&root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
    write(&root, "etc/audit/rules.d/base.rules", "-w /etc/passwd -p wa -k identity\n");
    assert_no_input(
        d.path(),
        &["node", "--root", root.to_str().expect("utf-8")],
        &["no Kubernetes or Docker components"],
    );
    // One Docker file is a node to audit.
    write(&root, "etc/docker/daemon.json", "{\"icc\": false}\n");
    let o = kubeward(d.path(), &["node", "--root", root.to_str().expect("utf-8"), "-f", "json"]);
    assert_ne!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(json(&o)["summary"]["errors"], 0);
}
