//! End-to-end tests of the `kubeward` binary: exit codes, inputs, formats, configuration.

mod support;
use support::{json, kubeward, kubeward_with, stdout, write, PRIV};

use std::path::Path;
use std::process::Command;

const CLEAN: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: app
data:
  color: blue
";

/// (code, file) of every finding of a JSON report.
fn code_files(v: &serde_json::Value) -> Vec<(String, String)> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["code"].as_str().unwrap_or("").to_string(), f["file"].as_str().unwrap_or("").to_string()))
        .collect()
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v["findings"].as_array().expect("findings").iter().map(|f| f["code"].as_str().unwrap_or("").to_string()).collect()
}

#[test]
fn exit_codes_follow_fail_on() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "clean.yaml", CLEAN);
    write(d.path(), "priv.yaml", PRIV);
    let clean = kubeward(d.path(), &["scan", "clean.yaml", "--select", "POD001"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    let bad = kubeward(d.path(), &["scan", "priv.yaml", "--select", "POD001"]);
    assert_eq!(bad.status.code(), Some(1));
    let text = stdout(&bad);
    assert!(text.contains("priv.yaml:11:9: critical POD001 privileged-container"), "{text}");
    assert!(text.contains("11 |         privileged: true"), "{text}");
    assert!(text.contains("= fix:"), "{text}");
    // A threshold above the finding's severity passes (POD001 is critical: nothing is above).
    let info_only = kubeward(d.path(), &["scan", "priv.yaml", "--select", "POD001", "--fail-on", "critical"]);
    assert_eq!(info_only.status.code(), Some(1));
    let overridden = {
        write(d.path(), ".kubeward.yaml", "severity-overrides:\n  POD001: low\n");
        kubeward(d.path(), &["scan", "priv.yaml", "--select", "POD001"])
    };
    assert_eq!(overridden.status.code(), Some(0), "a low finding is below the default fail-on high");
    assert!(stdout(&overridden).contains("low POD001"));
}

#[test]
fn broken_file_does_not_stop_the_scan() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "a-broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n");
    write(d.path(), "b-priv.yaml", PRIV);
    std::fs::write(d.path().join("c-binary.yaml"), [0u8, 159, 146, 150, 0, 1]).expect("write");
    std::fs::write(d.path().join("d-latin1.yaml"), b"name: caf\xe9\n").expect("write");
    let o = kubeward(d.path(), &["scan", ".", "--select", "POD001", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2), "input errors give exit code 2");
    let v = json(&o);
    assert_eq!(codes(&v), vec!["POD001"], "the other file's finding is still reported");
    let errors = v["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 3, "{errors:?}");
    let broken = errors.iter().find(|e| e["file"] == "a-broken.yaml").expect("broken file error");
    assert!(broken["line"].as_u64().is_some(), "syntax errors carry a position: {broken}");
    assert!(errors.iter().any(|e| e["message"].as_str().unwrap_or("").contains("binary")));
    assert!(errors.iter().any(|e| e["message"].as_str().unwrap_or("").contains("UTF-8")));
}

#[test]
fn max_file_size_is_enforced() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "priv.yaml", PRIV);
    let o = kubeward(d.path(), &["scan", "priv.yaml", "--max-file-size", "100", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(json(&o)["errors"][0]["message"].as_str().unwrap_or("").contains("limit"));
}

#[test]
fn stdin_and_lists() {
    let d = tempfile::tempdir().expect("tempdir");
    let list = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: a}\n    spec:\n      containers:\n        - name: c\n          image: x:1\n          securityContext: {privileged: true}\n";
    let o = kubeward_with(d.path(), &["scan", "-", "--select", "POD001", "-f", "json"], Some(list));
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let f = &v["findings"][0];
    assert_eq!(f["file"], "<stdin>");
    assert_eq!(f["line"], 11);
    assert_eq!(f["object"]["name"], "a");
    assert_eq!(f["path"], "/spec/containers/0/securityContext/privileged");
}

#[test]
fn json_document_shape() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "priv.yaml", PRIV);
    let o = kubeward(d.path(), &["scan", "priv.yaml", "--select", "POD001", "-f", "json"]);
    let v = json(&o);
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "kubeward");
    assert_eq!(v["summary"]["findings"], 1);
    assert_eq!(v["summary"]["bySeverity"]["critical"], 1);
    let f = &v["findings"][0];
    for key in [
        "code",
        "rule",
        "severity",
        "message",
        "remediation",
        "object",
        "container",
        "file",
        "line",
        "column",
        "path",
        "checklist",
        "cis",
    ] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
    }
    assert_eq!(f["container"], "app");
    assert_eq!(f["object"]["kind"], "Pod");
    assert_eq!(f["object"]["namespace"], "app");
}

#[test]
fn output_files_and_bad_formats() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "priv.yaml", PRIV);
    let o = kubeward(d.path(), &["scan", "priv.yaml", "--select", "POD001", "-q", "-o", "json=out.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "--quiet prints nothing");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("out.json")).expect("out.json")).expect("json");
    assert_eq!(v["summary"]["findings"], 1);
    let bad = kubeward(d.path(), &["scan", "priv.yaml", "-f", "yaml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown format"));
    // Checked before any work: a typo in --format or --output does not cost a whole scan or
    // cluster audit (the missing kubeconfig would otherwise be reported first).
    for args in [["-f", "summary"], ["-o", "summary=x.txt"]] {
        let early = kubeward(d.path(), &["cluster", "--kubeconfig", "missing-kubeconfig", args[0], args[1]]);
        assert_eq!(early.status.code(), Some(2));
        let err = String::from_utf8_lossy(&early.stderr);
        assert!(err.contains("unknown format") && !err.contains("missing-kubeconfig"), "{err}");
    }
    let unknown_rule = kubeward(d.path(), &["scan", "priv.yaml", "--select", "NOPE999"]);
    assert_eq!(unknown_rule.status.code(), Some(2));
}

#[test]
fn sarif_and_junit_formats() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "k8s/priv.yaml", PRIV);
    let o = kubeward(d.path(), &["scan", "k8s", "--select", "POD001", "-f", "sarif", "-o", "junit=report.xml"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["version"], "2.1.0");
    let res = &v["runs"][0]["results"][0];
    assert_eq!(res["ruleId"], "POD001");
    let phys = &res["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "k8s/priv.yaml");
    assert_eq!(phys["region"]["startLine"], 11);
    let xml = std::fs::read_to_string(d.path().join("report.xml")).expect("report.xml");
    assert!(xml.contains("failures=\"1\""), "{xml}");
    assert!(xml.contains("name=\"POD001 privileged-container: Pod/app/priv container app\""), "{xml}");
}

#[test]
fn config_errors_name_the_line() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "priv.yaml", PRIV);
    write(d.path(), ".kubeward.yaml", "select: [ALL]\nfail-on: high\nrules:\n  image:\n    allowed-registrys: [x]\n");
    let o = kubeward(d.path(), &["scan", "priv.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(".kubeward.yaml:5:"), "{err}");
    assert!(err.contains("allowed-registrys"), "{err}");
}

#[test]
fn config_is_found_walking_up_and_selects() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), ".kubeward.yaml", "ignore: [privileged-container]\n");
    write(d.path(), "sub/dir/priv.yaml", PRIV);
    let o = kubeward(&d.path().join("sub/dir"), &["scan", "priv.yaml", "-f", "json"]);
    assert!(!codes(&json(&o)).contains(&"POD001".to_string()));
}

#[test]
fn per_path_ignores_and_exemption_policy() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "vendor/priv.yaml", PRIV);
    write(d.path(), ".kubeward.yaml", "per-path-ignores:\n  \"vendor/**\": [POD001]\n");
    let o = kubeward(d.path(), &["scan", ".", "--select", "POD001", "-f", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    let exempt = PRIV.replace(
        "  namespace: app\n",
        "  namespace: app\n  annotations:\n    kubeward.io/ignore: POD001\n    kubeward.io/ignore-reason: needs devices\n",
    );
    let d2 = tempfile::tempdir().expect("tempdir");
    write(d2.path(), "priv.yaml", &exempt);
    let honoured = kubeward(d2.path(), &["scan", "priv.yaml", "--select", "POD001", "-f", "json"]);
    assert_eq!(honoured.status.code(), Some(0));
    assert_eq!(json(&honoured)["summary"]["exempted"], 1);
    write(d2.path(), ".kubeward.yaml", "allow-annotation-exemptions: false\n");
    let forbidden = kubeward(d2.path(), &["scan", "priv.yaml", "--select", "POD001"]);
    assert_eq!(forbidden.status.code(), Some(1), "exemptions are ignored when the config forbids them");
}

#[test]
fn gitignore_and_exclude() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), ".gitignore", "generated/\n");
    write(d.path(), "generated/priv.yaml", PRIV);
    write(d.path(), "skip/priv.yaml", PRIV);
    write(d.path(), "keep/priv.yaml", PRIV);
    write(d.path(), ".hidden/priv.yaml", PRIV);
    let o = kubeward(d.path(), &["scan", ".", "--select", "POD001", "--exclude", "skip", "-f", "json"]);
    let v = json(&o);
    let mut files: Vec<String> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["file"].as_str().unwrap_or("").to_string())
        .collect();
    files.sort();
    assert_eq!(files, vec![".hidden/priv.yaml", "keep/priv.yaml"]);
    let all = kubeward(d.path(), &["scan", ".", "--select", "POD001", "--no-gitignore", "-f", "json"]);
    assert_eq!(json(&all)["summary"]["findings"], 4);
}

#[test]
fn missing_path_is_an_error() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = kubeward(d.path(), &["scan", "nope.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("nope.yaml: no such file or directory"));
}

#[test]
fn rules_and_explain() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = kubeward(d.path(), &["rules", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert!(v.as_array().expect("array").iter().any(|r| r["code"] == "POD001"));
    let e = kubeward(d.path(), &["explain", "privileged-container"]);
    assert_eq!(e.status.code(), Some(0));
    assert!(stdout(&e).contains("## Why is this bad?"));
    let missing = kubeward(d.path(), &["explain", "nope"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn duplicate_and_merge_keys_are_read_like_the_api_server() {
    let d = tempfile::tempdir().expect("tempdir");
    let yaml = "apiVersion: v1
kind: Pod
metadata: {name: merged}
spec:
  containers:
    - name: app
      image: x:1
      securityContext:
        <<: {privileged: true}
        runAsNonRoot: true
";
    write(d.path(), "merged.yaml", yaml);
    let o = kubeward(d.path(), &["scan", "merged.yaml", "--select", "POD001", "-f", "json"]);
    assert_eq!(codes(&json(&o)), vec!["POD001"], "merge keys apply");
}

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

#[test]
fn hardened_example_is_clean() {
    let o = kubeward(&examples(), &["scan", "hardened", "-f", "json"]);
    let v = json(&o);
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0), "{:#}", v["findings"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn insecure_example_trips_every_rule_family() {
    let o = kubeward(&examples(), &["scan", "insecure", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let found: std::collections::BTreeSet<String> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["category"].as_str().unwrap_or("").to_string())
        .collect();
    let rules = json(&kubeward(&examples(), &["rules", "--format", "json"]));
    // Rules that read node files (`kubeward node`) cannot be tripped by manifests. The Docker
    // host's files are a node tree, `examples/insecure/node` (`kubeward node --root`, see
    // first_contact_text.rs): scanning finds nothing there.
    let manifest_rules: Vec<&serde_json::Value> = rules
        .as_array()
        .expect("rules")
        .iter()
        .filter(|r| r["input"] == "manifests" && r["category"] != "docker")
        .collect();
    let families: std::collections::BTreeSet<String> =
        manifest_rules.iter().map(|r| r["category"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(found, families, "every rule family with rules is tripped by examples/insecure");

    // Every rule, in fact: IMG003 needs `allowed-registries` in the config.
    let d = tempfile::tempdir().expect("tempdir");
    // IMG005 and DF002 need `standard-base-images` too.
    write(
        d.path(),
        ".kubeward.yaml",
        "rules:\n  image:\n    allowed-registries: [registry.example.com]\n    standard-base-images: [docker.io/library/python]\n",
    );
    let insecure = examples().join("insecure");
    let o = kubeward(d.path(), &["scan", insecure.to_str().expect("utf-8 path"), "-f", "json"]);
    let triggered: std::collections::BTreeSet<String> = codes(&json(&o)).into_iter().collect();
    let missing: Vec<String> = manifest_rules
        .iter()
        .filter_map(|r| r["code"].as_str())
        .filter(|c| !triggered.contains(*c))
        .map(String::from)
        .collect();
    assert!(missing.is_empty(), "rules not tripped by examples/insecure: {missing:?}");
}

#[test]
fn kustomize_patches_report_only_what_they_set() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "kustomization.yaml", "resources: []\npatches:\n  - path: patch.yaml\n");
    write(
        d.path(),
        "patch.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: x:1\n          securityContext:\n            privileged: true\n",
    );
    let o = kubeward(d.path(), &["scan", ".", "--select", "POD001,POD011,POD004", "-f", "json"]);
    assert_eq!(codes(&json(&o)), vec!["POD001"], "a patch is partial: missing fields are not findings");
    write(d.path(), "kustomization.yaml", "resources: [patch.yaml]\n");
    let full = kubeward(d.path(), &["scan", ".", "--select", "POD001,POD011,POD004", "-f", "json"]);
    assert_eq!(json(&full)["summary"]["findings"], 3, "the same file as a resource is a full object");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "priv.yaml", PRIV);
    let piped = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["scan", "priv.yaml", "--select", "POD001"])
        .current_dir(d.path())
        .env_remove("KUBEWARD_COLOR")
        .output()
        .expect("run");
    assert!(!stdout(&piped).contains('\u{1b}'), "no colour when stdout is not a terminal");
    let forced = kubeward(d.path(), &["scan", "priv.yaml", "--select", "POD001", "--color", "always"]);
    assert!(stdout(&forced).contains("\u{1b}[1;35mcritical"), "{}", stdout(&forced));
    let json = kubeward(d.path(), &["scan", "priv.yaml", "--select", "POD001", "--color", "always", "-f", "json"]);
    assert!(!stdout(&json).contains('\u{1b}'), "never colour in machine formats");
}

/// Writes a node filesystem tree: NUL-separated `/proc/<pid>/cmdline` files, a static pod
/// manifest, a kubelet config and the files the API server names.
fn node_tree(dir: &Path) {
    let cmdline = |pid: &str, argv: &[&str]| {
        let mut raw = argv.join("\0");
        raw.push('\0');
        write(dir, &format!("proc/{pid}/cmdline"), &raw);
    };
    cmdline(
        "1042",
        &[
            "kube-apiserver",
            "--anonymous-auth=true",
            "--authorization-mode=Node,RBAC",
            "--encryption-provider-config=/etc/kubernetes/enc/config.yaml",
        ],
    );
    cmdline("2001", &["/usr/bin/kubelet", "--config=/etc/kubernetes/kubelet.yaml"]);
    cmdline("77", &["/usr/sbin/sshd", "-D"]);
    write(dir, "proc/self/cmdline", "");
    write(
        dir,
        "etc/kubernetes/manifests/etcd.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: etcd, namespace: kube-system}\nspec:\n  hostNetwork: true\n  containers:\n    - name: etcd\n      image: registry.k8s.io/etcd:3.5.21-0\n      command:\n        - etcd\n        - --cert-file=/etc/kubernetes/pki/etcd/server.crt\n        - --key-file=/etc/kubernetes/pki/etcd/server.key\n        - --client-cert-auth=false\n",
    );
    write(
        dir,
        "etc/kubernetes/kubelet.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\n",
    );
    write(
        dir,
        "etc/kubernetes/enc/config.yaml",
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - identity: {}\n      - aesgcm:\n          keys: [{name: k1, secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==}]\n",
    );
}

#[test]
fn node_audits_a_copied_node_tree() {
    let d = tempfile::tempdir().expect("tempdir");
    node_tree(d.path());
    let root = d.path().to_str().expect("utf-8 path");
    let o = kubeward(d.path(), &["node", "--root", root, "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    let found = code_files(&v);
    let has = |code: &str, file: &str| found.iter().any(|(c, f)| c == code && f == file);
    assert!(has("NODE001", "/proc/1042/cmdline"), "anonymous auth on the running apiserver: {found:?}");
    assert!(has("NODE031", "/etc/kubernetes/manifests/etcd.yaml"), "etcd client cert auth off: {found:?}");
    assert!(has("NODE050", "/etc/kubernetes/kubelet.yaml"), "kubelet config named by --config: {found:?}");
    assert!(has("NODE071", "/etc/kubernetes/enc/config.yaml"), "encryption config named by the apiserver: {found:?}");
    assert!(!found.iter().any(|(c, _)| c.starts_with("POD")), "pod rules do not judge control-plane pods by default");
    let proc_finding =
        v["findings"].as_array().expect("findings").iter().find(|f| f["code"] == "NODE001").expect("NODE001");
    assert_eq!(proc_finding["object"]["kind"], "Process");
    assert!(proc_finding["path"].as_str().unwrap_or("").contains("/command/1"), "{proc_finding}");
    assert_eq!(proc_finding["line"], serde_json::Value::Null, "process findings have no file position");
}

#[test]
fn node_with_nothing_to_audit() {
    let d = tempfile::tempdir().expect("tempdir");
    let root = d.path().to_str().expect("utf-8 path");
    let o = kubeward(d.path(), &["node", "--root", root]);
    // Issue 16: a root with no node configuration is an error, not a clean pass.
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("no Kubernetes or Docker components"), "{}", stdout(&o));
}

#[test]
fn node_reports_too_open_credential_files() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().expect("tempdir");
    node_tree(d.path());
    let files = [
        ("etc/kubernetes/admin.conf", 0o644),
        ("etc/kubernetes/scheduler.conf", 0o600),
        ("etc/kubernetes/pki/ca.key", 0o644),
        ("etc/kubernetes/pki/sa.key", 0o600),
    ];
    for (rel, mode) in files {
        write(d.path(), rel, "placeholder\n");
        std::fs::set_permissions(d.path().join(rel), std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    let root = d.path().to_str().expect("utf-8 path");
    let o = kubeward(d.path(), &["node", "--root", root, "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    let found = code_files(&v);
    let has = |code: &str, file: &str| found.iter().any(|(c, f)| c == code && f == file);
    assert!(has("NODE106", "/etc/kubernetes/admin.conf"), "admin.conf 0644: {found:?}");
    assert!(has("NODE114", "/etc/kubernetes/pki/ca.key"), "ca.key 0644: {found:?}");
    for quiet in ["/etc/kubernetes/scheduler.conf", "/etc/kubernetes/pki/sa.key"] {
        assert!(!found.iter().any(|(_, f)| f == quiet), "{quiet} is 0600 root:root: {found:?}");
    }
}

#[test]
fn node_prints_missing_auditd_rules() {
    let d = tempfile::tempdir().expect("tempdir");
    let root = d.path().to_str().expect("utf-8 path");
    let rules_d = d.path().join("etc/audit/rules.d");
    std::fs::create_dir_all(&rules_d).expect("mkdir");
    let all = [
        "/usr/bin/docker",
        "/var/lib/docker",
        "/etc/docker",
        "/lib/systemd/system/docker.service",
        "/lib/systemd/system/docker.socket",
        "/etc/default/docker",
        "/etc/docker/daemon.json",
        "/usr/bin/docker-containerd",
        "/usr/bin/docker-runc",
        "/usr/bin/containerd",
        "/usr/bin/containerd-shim-runc-v2",
        "/usr/bin/runc",
        "/run/containerd",
        "/etc/containerd/config.toml",
    ];
    std::fs::write(
        rules_d.join("docker.rules"),
        "# docker\n-w /usr/bin/docker -p wa -k docker\n-a always,exit -F path=/usr/bin/runc -F perm=wa -k docker\n",
    )
    .expect("write");
    let o = kubeward(d.path(), &["node", "--root", root, "--print-auditd-rules"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let want: String = all
        .iter()
        .filter(|p| !matches!(**p, "/usr/bin/docker" | "/usr/bin/runc"))
        .map(|p| format!("-w {p} -p wa -k docker\n"))
        .collect();
    assert_eq!(String::from_utf8_lossy(&o.stdout), want);

    let every: String = all.iter().map(|p| format!("-w {p} -p wa -k docker\n")).collect();
    std::fs::write(rules_d.join("docker.rules"), every).expect("write");
    let o = kubeward(d.path(), &["node", "--root", root, "--print-auditd-rules"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "");
}

#[test]
fn node_checks_the_files_components_name() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().expect("tempdir");
    let mut raw =
        ["/usr/bin/kubelet", "--client-ca-file=/srv/pki/custom-ca.crt", "--kubeconfig=/srv/kubelet.kubeconfig"]
            .join("\0");
    raw.push('\0');
    write(d.path(), "proc/300/cmdline", &raw);
    write(
        d.path(),
        "etc/kubernetes/manifests/etcd.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: etcd, namespace: kube-system}\nspec:\n  containers:\n    - name: etcd\n      image: registry.k8s.io/etcd:3.5.21-0\n      command: [etcd, --data-dir=/data/etcd]\n",
    );
    write(d.path(), "srv/pki/custom-ca.crt", "ca");
    write(d.path(), "srv/kubelet.kubeconfig", "kubeconfig");
    write(d.path(), "data/etcd/member/x", "x");
    let set = |p: &str, mode: u32| {
        std::fs::set_permissions(d.path().join(p), std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    set("srv/pki/custom-ca.crt", 0o666);
    set("srv/kubelet.kubeconfig", 0o644);
    set("data/etcd", 0o755);
    let root = d.path().to_str().expect("utf-8 path");
    let v = json(&kubeward(d.path(), &["node", "--root", root, "-f", "json"]));
    let found = code_files(&v);
    let has = |code: &str, file: &str| found.iter().any(|(c, f)| c == code && f == file);
    assert!(has("NODE121", "/srv/pki/custom-ca.crt"), "the kubelet's --client-ca-file: {found:?}");
    assert!(has("NODE119", "/srv/kubelet.kubeconfig"), "the kubelet's --kubeconfig: {found:?}");
    assert!(has("NODE104", "/data/etcd"), "etcd's --data-dir: {found:?}");
}

#[test]
fn node_audit_job_passes_its_own_scan() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/node-audit");
    let o = kubeward(&root, &["scan", ".", "--fail-on", "medium", "-f", "json"]);
    let v = json(&o);
    assert_eq!(o.status.code(), Some(0), "{v:#}");
    let findings = v["findings"].as_array().expect("findings");
    assert!(
        findings.iter().all(|f| matches!(f["severity"].as_str(), Some("low" | "info"))),
        "medium or higher in deploy/node-audit: {v:#}"
    );
    // The exemptions it relies on are there, with their reasons.
    assert!(v["summary"]["exempted"].as_u64().unwrap_or(0) > 0, "{v:#}");
}

#[test]
fn baseline_hides_known_findings_and_shows_new_ones() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("app.yaml"), PRIV).expect("write");
    // Record today's findings.
    let o = kubeward(d.path(), &["scan", ".", "--write-baseline", "baseline.json", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let all = json(&o)["findings"].as_array().map(Vec::len).unwrap_or(0);
    assert!(all > 0);
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("baseline.json")).expect("baseline"))
            .expect("json");
    assert_eq!(baseline["findings"].as_array().map(Vec::len), Some(all));
    // The same findings, moved down the file: nothing new, exit 0, the summary says what was hidden.
    std::fs::write(d.path().join("app.yaml"), format!("{CLEAN}---\n# moved below a ConfigMap\n{PRIV}")).expect("write");
    let o = kubeward(d.path(), &["scan", ".", "--baseline", "baseline.json", "-f", "json"]);
    let v = json(&o);
    assert_eq!(o.status.code(), Some(0), "{v:#}");
    assert_eq!(v["summary"]["hiddenByBaseline"].as_u64(), Some(all as u64));
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0));
    let text = stdout(&kubeward(d.path(), &["scan", ".", "--baseline", "baseline.json"]));
    assert!(text.contains(&format!("{all} hidden by the baseline")), "{text}");
    // A new privileged pod is reported.
    std::fs::write(d.path().join("new.yaml"), PRIV.replace("name: priv", "name: priv2")).expect("write");
    let o = kubeward(d.path(), &["scan", ".", "--baseline", "baseline.json", "-f", "json"]);
    let v = json(&o);
    assert_eq!(o.status.code(), Some(1));
    let files: Vec<&str> =
        v["findings"].as_array().expect("findings").iter().filter_map(|f| f["file"].as_str()).collect();
    assert!(!files.is_empty() && files.iter().all(|f| f.ends_with("new.yaml")), "{files:?}");
    // A file that is not a baseline is a usage error.
    std::fs::write(d.path().join("bad.json"), "[1, 2]").expect("write");
    let o = kubeward(d.path(), &["scan", ".", "--baseline", "bad.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a kubeward baseline"));
}

#[test]
fn markdown_and_html_reports() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("app.yaml"), PRIV).expect("write");
    let o = kubeward(d.path(), &["scan", ".", "-f", "markdown", "-o", "html=report.html"]);
    assert_eq!(o.status.code(), Some(1));
    let md = stdout(&o);
    assert!(md.starts_with("## kubeward scan: score "), "{md}");
    assert!(md.contains("<details open><summary><b>critical</b>"), "{md}");
    let html = std::fs::read_to_string(d.path().join("report.html")).expect("html written");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("POD001"));
    // No progress bar when stderr is not a terminal.
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Under a terminal (util-linux `script` gives the command a pseudo-terminal), scanning shows a
/// progress bar on stderr; `--quiet` silences it. Piped, there is none (see
/// `markdown_and_html_reports`).
#[test]
fn progress_bar_only_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let run = |extra: &str| {
        let cmd = format!("{} scan {} -f json {extra} > /dev/null", env!("CARGO_BIN_EXE_kubeward"), examples.display());
        let o = Command::new("script").args(["-q", "-e", "-c", &cmd, "/dev/null"]).output().expect("script");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let shown = run("");
    assert!(shown.contains("scanning") && shown.contains("files"), "{shown:?}");
    let quiet = run("--quiet");
    assert!(!quiet.contains("scanning"), "{quiet:?}");
}

const TO_FIX: &str = "# web tier\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web  # the name\n  namespace: shop\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/web:1.2\n          imagePullPolicy: IfNotPresent\n";

#[test]
fn fix_rewrites_in_place_keeps_comments_and_is_idempotent() {
    let d = tempfile::tempdir().expect("tempdir");
    let f = d.path().join("web.yaml");
    std::fs::write(&f, TO_FIX).expect("write");
    // --diff writes nothing and prints a unified diff.
    let o = kubeward(d.path(), &["fix", "web.yaml", "--diff"]);
    let diff = stdout(&o);
    assert!(diff.starts_with("--- a/web.yaml\n+++ b/web.yaml\n"), "{diff}");
    assert!(diff.contains("+            allowPrivilegeEscalation: false"), "{diff}");
    // Issue 16: forcing pulls is an unsafe fix, not applied by default.
    assert!(!diff.contains("imagePullPolicy: Always"), "{diff}");
    assert_eq!(std::fs::read_to_string(&f).expect("read"), TO_FIX, "--diff must not write");
    // Fix for real: safe fixes only; the summary on stderr says what changed and what is left.
    let o = kubeward(d.path(), &["fix", "web.yaml", "-f", "json"]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(err.contains("fixed web.yaml: POD002 set `securityContext.allowPrivilegeEscalation: false`"), "{err}");
    assert!(err.contains("more with --unsafe-fixes"), "{err}");
    let fixed = std::fs::read_to_string(&f).expect("read");
    assert!(fixed.starts_with("# web tier\n") && fixed.contains("name: web  # the name"), "{fixed}");
    let remaining = json(&o);
    assert!(remaining["findings"].as_array().expect("findings").iter().all(|x| x["code"] != "POD002"));
    // A scan agrees, and a second fix changes nothing.
    let scan = json(&kubeward(d.path(), &["scan", "web.yaml", "-f", "json"]));
    assert_eq!(scan["findings"].as_array().map(Vec::len), remaining["findings"].as_array().map(Vec::len));
    let o = kubeward(d.path(), &["fix", "web.yaml"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("0 fixes applied"), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&f).expect("read"), fixed);
}

#[test]
fn fix_stdin_and_unsafe_fixes() {
    let d = tempfile::tempdir().expect("tempdir");
    // stdin: the fixed stream on stdout, nothing else there.
    let o = kubeward_with(d.path(), &["fix", "-"], Some(TO_FIX));
    let out = stdout(&o);
    assert!(out.starts_with("# web tier\n") && out.contains("allowPrivilegeEscalation: false"), "{out}");
    assert!(!out.contains("runAsNonRoot"), "unsafe fixes need --unsafe-fixes");
    // --unsafe-fixes: runAsNonRoot and a new default-deny NetworkPolicy file beside the manifest.
    std::fs::write(d.path().join("web.yaml"), TO_FIX).expect("write");
    let o = kubeward(d.path(), &["fix", ".", "--unsafe-fixes"]);
    assert!(o.status.code().is_some(), "{}", String::from_utf8_lossy(&o.stderr));
    let fixed = std::fs::read_to_string(d.path().join("web.yaml")).expect("read");
    assert!(fixed.contains("runAsNonRoot: true"), "{fixed}");
    let policy =
        std::fs::read_to_string(d.path().join("kubeward-default-deny-ingress-shop.yaml")).expect("policy written");
    assert!(policy.contains("kind: NetworkPolicy") && policy.contains("namespace: shop"), "{policy}");
    let scan = json(&kubeward(d.path(), &["scan", ".", "-f", "json"]));
    assert!(scan["findings"].as_array().expect("findings").iter().all(|x| x["code"] != "NET001"), "{scan:#}");
}

/// The streaming scan (`kubeward scan`) finds exactly what the engine finds over the whole
/// snapshot (`engine::run`, which `node`, `cluster` and `fix` use), in the same order: on the
/// bundled examples (every rule area, Dockerfiles, node files, exemptions, Lists) and on the
/// rule fixtures scanned together (cross-object rules meeting each other's objects).
#[test]
fn streaming_scan_matches_the_snapshot_engine() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for dir in ["examples", "crates/kubeward_engine/resources/test/fixtures"] {
        // Both sides see the same (absolute) display paths: IMG006 messages name the report file.
        let abs = root.join(dir);
        let o = kubeward(&root, &["scan", abs.to_str().unwrap_or(dir), "--config", "/dev/null", "-f", "json"]);
        let streamed = json(&o);
        let exclude = kubeward::walk::exclude_set(&[]).expect("no globs");
        let (inputs, _) = kubeward::walk::collect(std::slice::from_ref(&abs), &exclude, true);
        let settings = kubeward_engine::Settings::default();
        let mut snap = kubeward::walk::load(
            &inputs,
            settings.max_file_size,
            kubeward_engine::input::yaml::Limits::default(),
            &|| {},
        );
        snap.mark_kustomize_patches();
        let report = kubeward_engine::run(&snap, &settings);
        let key = |file: &str, line: u64, code: &str, msg: &str| format!("{file}:{line} {code} {msg}");
        let from_snapshot: Vec<String> = report
            .findings()
            .map(|d| key(d.file.as_deref().unwrap_or(""), u64::from(d.pos.line), d.rule.code, &d.message))
            .collect();
        let from_stream: Vec<String> = streamed["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                key(
                    f["file"].as_str().unwrap_or(""),
                    f["line"].as_u64().unwrap_or(0),
                    f["code"].as_str().unwrap_or(""),
                    f["message"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert!(from_stream.len() > 100, "{dir}: {} findings", from_stream.len());
        assert_eq!(from_stream, from_snapshot, "{dir}");
    }
}
