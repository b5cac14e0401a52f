//! Issue 16, "output a user can act on": the text report's summary by rule and score,
//! `--min-severity`, the compact format, CIS ids and totals in `kubeward node`, findings that
//! name the file the user gave, "did you mean", config errors at the list item, aligned `rules`
//! columns and a closed stdout.

mod support;
use support::{json, kubeward, repo, stderr, stdout, write, PRIV};

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A Service whose findings are all below high (exposed externally).
const LOW_ONLY: &str = "apiVersion: v1
kind: Service
metadata:
  name: lowonly-web
  namespace: app
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
";

fn findings(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["findings"].as_array().expect("findings")
}

/// The text report ends with one line per rule (count, severity, code, name), most severe
/// first then most frequent, the totals, and the score and grade the JSON report gives.
#[test]
fn text_report_ends_with_findings_by_rule_and_score() {
    let root = repo();
    let o = kubeward(&root, &["scan", "examples/insecure"]);
    let text = stdout(&o);
    let v = json(&kubeward(&root, &["scan", "examples/insecure", "-f", "json"]));
    let (_, summary) = text.rsplit_once("Findings by rule:\n").expect("a summary by rule");
    let rows: Vec<&str> = summary.lines().take_while(|l| !l.is_empty()).collect();
    // One row per (rule, severity) of the JSON findings, with its count.
    let mut expected: std::collections::BTreeMap<(String, String), usize> = std::collections::BTreeMap::new();
    for f in findings(&v) {
        let key = (f["code"].as_str().unwrap_or("").to_string(), f["severity"].as_str().unwrap_or("").to_string());
        *expected.entry(key).or_default() += 1;
    }
    assert_eq!(rows.len(), expected.len(), "{summary}");
    let rank = |s: &str| ["critical", "high", "medium", "low", "info"].iter().position(|x| *x == s).unwrap_or(9);
    let mut last: Option<(usize, usize)> = None;
    let code_col = rows[0].find(char::is_uppercase).expect("a code");
    for row in &rows {
        let parts: Vec<&str> = row.split_whitespace().collect();
        let (n, sev, code, name) = (parts[0].parse::<usize>().expect("count"), parts[1], parts[2], parts[3]);
        assert_eq!(expected.get(&(code.to_string(), sev.to_string())), Some(&n), "{row}");
        assert_eq!(row.find(code), Some(code_col), "codes aligned: {row}");
        let rule = findings(&v).iter().find(|f| f["code"] == code).expect("finding");
        assert_eq!(rule["name"].as_str().or_else(|| rule["rule"].as_str()).unwrap_or(name), name);
        let key = (rank(sev), usize::MAX - n);
        assert!(last.is_none_or(|l| l <= key), "sorted by severity then count: {row}");
        last = Some(key);
    }
    let score =
        format!("Score: {}/100, grade {}", v["summary"]["score"], v["summary"]["grade"].as_str().expect("grade"));
    assert!(text.trim_end().lines().last().expect("lines").starts_with(&score), "{score}\n{}", text.trim_end());
}

/// `--min-severity` shows only findings at or above it, in every format, and says how many it
/// hid; the exit code (`--fail-on`) and the score still count every finding.
#[test]
fn min_severity_hides_findings_but_not_from_the_exit_code_or_the_score() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "priv.yaml", PRIV);
    write(d.path(), "svc.yaml", LOW_ONLY);
    let all = json(&kubeward(d.path(), &["scan", ".", "-f", "json"]));
    let below = findings(&all).iter().filter(|f| f["severity"] != "critical").count();
    assert!(below > 0, "{all:#}");
    let o = kubeward(d.path(), &["scan", ".", "-f", "json", "--min-severity", "critical", "--fail-on", "low"]);
    assert_eq!(o.status.code(), Some(1), "exit code judged on every finding");
    let shown = json(&o);
    assert!(findings(&shown).iter().all(|f| f["severity"] == "critical"), "{shown:#}");
    assert_eq!(findings(&shown).len() + below, findings(&all).len());
    assert_eq!(shown["summary"]["hiddenBelowMinSeverity"], below);
    assert_eq!(shown["summary"]["score"], all["summary"]["score"], "the score is the whole audit's");
    // Only low findings, shown from high: nothing listed, exit 1 with --fail-on low.
    let e = tempfile::tempdir().expect("tempdir");
    write(e.path(), "svc.yaml", LOW_ONLY);
    let o = kubeward(e.path(), &["scan", ".", "--min-severity", "high", "--fail-on", "low"]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.starts_with("0 findings in 1 object from 1 file;"), "{text}");
    assert!(text.contains(" below high not shown (--min-severity)"), "{text}");
    for format in ["sarif", "junit", "markdown", "html", "compact"] {
        let o = kubeward(d.path(), &["scan", ".", "-f", format, "--min-severity", "critical"]);
        let out = stdout(&o);
        assert!(out.contains("POD001"), "{format}: {out}");
        assert!(!out.contains("lowonly-web"), "{format} shows a finding below the minimum: {out}");
    }
    let o = kubeward(d.path(), &["scan", ".", "--min-severity", "severe"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--min-severity: unknown severity `severe`"), "{}", stderr(&o));
}

/// `--format compact`: one line a finding, `path:line:col: severity CODE name: message [object]`,
/// in report order, then the totals and the score.
#[test]
fn compact_format_is_one_line_per_finding() {
    let root = repo();
    let v = json(&kubeward(&root, &["scan", "examples/insecure", "-f", "json"]));
    let o = kubeward(&root, &["scan", "examples/insecure", "-f", "compact"]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    let n = findings(&v).len();
    assert_eq!(lines.len(), n + 3, "{text}");
    for (line, f) in lines.iter().zip(findings(&v)) {
        let loc = match f["line"].as_u64() {
            Some(l) => format!("{}:{l}:{}", f["file"].as_str().expect("file"), f["column"]),
            None => f["file"].as_str().expect("file").to_string(),
        };
        let head = format!("{loc}: {} {} ", f["severity"].as_str().expect("sev"), f["code"].as_str().expect("code"));
        assert!(line.starts_with(&head), "{line}\nexpected {head}");
        assert!(line.contains(f["message"].as_str().expect("message")), "{line}");
        assert!(line.ends_with(']'), "{line}");
    }
    assert!(lines[n + 1].starts_with(&format!("{n} findings")), "{}", lines[n + 1]);
    assert!(lines[n + 2].starts_with("Score: "), "{}", lines[n + 2]);
}

/// The README's first command: every finding names a file under the path the user gave; the
/// Docker host's files are a node tree that `kubeward node --root` audits, tripping every
/// daemon.json and auditd rule.
#[test]
fn examples_name_the_files_the_user_gave() {
    let root = repo();
    let v = json(&kubeward(&root, &["scan", "examples/", "-f", "json"]));
    for f in findings(&v) {
        let file = f["file"].as_str().unwrap_or("");
        assert!(file.starts_with("examples/"), "a finding names a file the user did not give: {f:#}");
    }
    let o = kubeward(&root, &["node", "--root", "examples/insecure/node", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let node = json(&o);
    let found: std::collections::BTreeSet<&str> = findings(&node).iter().filter_map(|f| f["code"].as_str()).collect();
    let rules = json(&kubeward(&root, &["rules", "-f", "json"]));
    for r in rules.as_array().expect("rules") {
        if r["category"] == "docker" && r["input"] == "manifests" {
            let code = r["code"].as_str().expect("code");
            assert!(found.contains(code), "{code} not tripped by examples/insecure/node: {found:?}");
        }
    }
}

/// A document that stands for a node file (`kubeward-test-file`) is reported in the manifest
/// file at its line; the node path is the object.
#[test]
fn node_file_stand_ins_are_reported_in_their_manifest() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        "host.yaml",
        "# a Docker host\nkubeward-test-file: /etc/docker/daemon.json\ncontent:\n  icc: true\n---\nkubeward-test-file: /etc/audit/rules.d/docker.rules\ntext: |\n  -w /usr/bin/docker -p wa -k docker\n",
    );
    let v = json(&kubeward(d.path(), &["scan", "host.yaml", "-f", "json"]));
    assert!(!findings(&v).is_empty());
    for f in findings(&v) {
        assert_eq!(f["file"], "host.yaml", "{f:#}");
        assert!(f["line"].as_u64().is_some(), "{f:#}");
        let name = f["object"]["name"].as_str().unwrap_or("");
        assert!(name.starts_with("/etc/"), "{f:#}");
    }
    let icc = findings(&v).iter().find(|f| f["code"] == "DOCKER002").expect("DOCKER002");
    assert_eq!(icc["line"], 4, "at the key: {icc:#}");
    let audit = findings(&v).iter().find(|f| f["code"] == "DOCKER001").expect("DOCKER001");
    assert_eq!(audit["line"], 7, "at the rules' text: {audit:#}");
}

fn node_tree(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nodes").join(name)
}

/// `kubeward node` text shows each finding's CIS ids, takes CIS ids and sections in
/// `--select`, and ends with pass/fail/not-applicable totals per section.
#[test]
fn node_text_shows_cis_ids_and_totals_per_section() {
    let root = node_tree("insecure");
    let dir = std::env::temp_dir();
    let root_s = root.to_str().expect("utf-8");
    let v = json(&kubeward(&dir, &["node", "--root", root_s, "--select", "1.2", "-f", "json"]));
    assert!(!findings(&v).is_empty());
    let failed: std::collections::BTreeSet<String> = findings(&v)
        .iter()
        .flat_map(|f| f["cis"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c.as_str().map(String::from))
        .collect();
    assert!(failed.iter().all(|c| c.starts_with("1.2.")), "--select 1.2 is the section: {failed:?}");
    let rules = json(&kubeward(&dir, &["rules", "-f", "json"]));
    let ids: std::collections::BTreeSet<String> = rules
        .as_array()
        .expect("rules")
        .iter()
        .flat_map(|r| r["cis"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c.as_str().map(String::from))
        .filter(|c| c.starts_with("1.2."))
        .collect();
    let o = kubeward(&dir, &["node", "--root", root_s, "--select", "1.2"]);
    let text = stdout(&o);
    for line in text.lines().filter(|l| l.starts_with('/')) {
        assert!(line.contains(" [CIS 1.2."), "{line}");
    }
    let (_, totals) = text.split_once("== CIS Kubernetes Benchmark: checks per section ==\n").expect("CIS totals");
    let row = totals.lines().find(|l| l.starts_with("1.2 API server")).expect("a 1.2 row");
    let nums: Vec<usize> = row.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert_eq!(nums, vec![ids.len() - failed.len(), failed.len(), 0], "{row}");
    assert!(!totals.lines().any(|l| l.starts_with("1.1 ") || l.starts_with("4.2 ")), "{totals}");
    // One id.
    let v = json(&kubeward(&dir, &["node", "--root", root_s, "--select", "1.2.1", "-f", "json"]));
    let codes: Vec<&str> = findings(&v).iter().filter_map(|f| f["code"].as_str()).collect();
    assert!(!codes.is_empty() && codes.iter().all(|c| *c == "NODE001"), "{codes:?}");
    // A Docker host has no Kubernetes component: its checks are not applicable, not passed.
    let o = kubeward(&dir, &["node", "--root", node_tree("docker-host").to_str().expect("utf-8")]);
    let text = stdout(&o);
    assert!(text.trim_end().ends_with("checks not applicable) =="), "one line for a node without Kubernetes: {text}");
    assert!(!text.contains(" PASS "), "{text}");
    // RKE2's tree has the API server but no controller manager: 1.3 is not applicable.
    let o = kubeward(&dir, &["node", "--root", node_tree("rke2").to_str().expect("utf-8")]);
    let row = stdout(&o).lines().find(|l| l.starts_with("1.3 controller manager")).map(String::from);
    let nums: Vec<usize> = row.as_deref().unwrap_or("").split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert_eq!(nums[..2], [0, 0], "{row:?}");
    assert!(nums[2] > 0, "{row:?}");
}

/// Unknown rules get the closest codes and names; a severity in `--select` points to
/// `--min-severity`.
#[test]
fn did_you_mean() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "priv.yaml", PRIV);
    let o = kubeward(d.path(), &["explain", "privilegd-container"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `privileged-container`?"), "{}", stderr(&o));
    let o = kubeward(d.path(), &["explain", "POD0001"]);
    assert!(stderr(&o).contains("did you mean `POD001`"), "{}", stderr(&o));
    let o = kubeward(d.path(), &["scan", ".", "--select", "POD001,privilegd-container"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `privileged-container`?"), "{}", stderr(&o));
    let o = kubeward(d.path(), &["scan", ".", "--select", "critical"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("use `--min-severity critical`"), "{}", stderr(&o));
    let o = kubeward(d.path(), &["scan", ".", "--ignore", "High"]);
    assert!(stderr(&o).contains("`--min-severity high`"), "{}", stderr(&o));
}

/// A bad item of a config list is named by file, line and column.
#[test]
fn config_list_item_errors_name_line_and_column() {
    let cases: &[(&str, &str, &str)] = &[
        ("select:\n  - POD001\n  - privilegd-container\n", ":3:5: select:", "did you mean `privileged-container`"),
        ("ignore: [POD001, critical]\n", ":1:18: ignore:", "--min-severity critical"),
        ("exclude:\n  - \"*.tmp\"\n  - \"a[b\"\n", ":3:5: exclude: bad glob", ""),
        ("per-path-ignores:\n  \"x/*\":\n    - POD001\n    - PODD001\n", ":4:7: per-path-ignores `x/*`:", "did you mean"),
        ("severity-overrides:\n  POD001: low\n  POD01: high\n", ":3:3: severity-overrides: `POD01`", "did you mean"),
        ("images:\n  ignore:\n    - id: CVE-1\n      reason: known\n    - id: CVE-2\n", ":5:7: missing field `reason`", ""),
        (
            "images:\n  ignore:\n    - id: CVE-1\n      reason: known\n    - id: CVE-2\n      reason: x\n      until: 2020-13\n",
            ":5:11: images.ignore: `CVE-2`",
            "",
        ),
    ];
    for (config, at, hint) in cases {
        let d = tempfile::tempdir().expect("tempdir");
        write(d.path(), ".kubeward.yaml", config);
        write(d.path(), "priv.yaml", PRIV);
        let o = kubeward(d.path(), &["scan", "priv.yaml"]);
        assert_eq!(o.status.code(), Some(2), "{config}");
        let err = stderr(&o);
        assert!(err.contains(&format!(".kubeward.yaml{at}")), "{config}\n{err}");
        assert!(err.contains(hint), "{config}\n{err}");
    }
}

/// `kubeward rules`: every column starts at the same place on every line, whatever the
/// length of the codes and names.
#[test]
fn rules_columns_are_aligned() {
    let o = kubeward(&std::env::temp_dir(), &["rules"]);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    let v = json(&kubeward(&std::env::temp_dir(), &["rules", "-f", "json"]));
    assert_eq!(lines.len(), v.as_array().expect("rules").len() + 1);
    let header = lines[0];
    let cols: Vec<usize> =
        ["NAME", "SEVERITY", "CATEGORY", "SUMMARY"].iter().map(|h| header.find(h).expect("header")).collect();
    for (line, r) in lines[1..].iter().zip(v.as_array().expect("rules")) {
        for (col, key) in cols.iter().zip(["name", "severity", "category", "summary"]) {
            let value = r[key].as_str().expect("string");
            assert_eq!(line.get(*col..).map(|rest| rest.starts_with(value)), Some(true), "{key} of {line}");
        }
    }
}

/// A closed stdout (`| head`) ends every command quietly with exit code 0: no "Broken pipe",
/// no panic. The pipe's read end is closed before the command starts, so every write fails.
#[test]
fn closed_stdout_ends_quietly() {
    let root = repo();
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "web.yaml", PRIV);
    let web = d.path().join("web.yaml");
    let web = web.to_str().expect("utf-8");
    // A PEM block is all --print-webhook-config needs of the CA (it is base64ed as it is).
    write(d.path(), "ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    let ca = d.path().join("ca.pem");
    let ca = ca.to_str().expect("utf-8");
    let node = node_tree("docker-host");
    let node = node.to_str().expect("utf-8");
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for format in ["text", "compact", "json", "sarif", "junit", "html", "markdown"] {
        runs.push(vec!["scan", "examples", "-f", format]);
        runs.push(vec!["node", "--root", node, "-f", format]);
    }
    runs.push(vec!["node", "--root", node, "--print-auditd-rules"]);
    runs.push(vec!["rules"]);
    runs.push(vec!["rules", "-f", "json"]);
    runs.push(vec!["explain", "POD001"]);
    runs.push(vec!["serve", "--print-webhook-config", "--ca-file", ca]);
    runs.push(vec!["fix", "--diff", web]);
    runs.push(vec!["images", "--report", "examples/insecure/scans", "--manifests", "examples/insecure"]);
    for args in runs {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
            .args(&args)
            .current_dir(&root)
            .env("KUBEWARD_COLOR", "never")
            .env("KUBEWARD_TODAY", "2026-11-22")
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("run kubeward");
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe") && !err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("error"), "{args:?}: {err}");
    }
}

/// The CIS totals of every fixture node tree, file sections aside (git keeps no modes, see
/// node_trees.rs): which sections apply to which layout, and how many checks fail. Reviewed
/// snapshot: the hardened kubeadm node fails nothing outside the file sections, the Docker
/// host has no Kubernetes section that applies, RKE2's tree has only the API server's manifest.
#[test]
fn cis_totals_of_the_node_trees() {
    let mut all = String::new();
    for tree in ["kubeadm-hardened", "kubeadm-default", "insecure", "docker-host", "k3s", "rke2"] {
        let root = node_tree(tree);
        let o =
            kubeward(&std::env::temp_dir(), &["node", "--root", root.to_str().expect("utf-8"), "--ignore", "1.1,4.1"]);
        let text = stdout(&o);
        let (_, totals) = text.split_once("== CIS Kubernetes Benchmark").expect("CIS totals");
        all.push_str(&format!("{tree}:\n== CIS Kubernetes Benchmark{totals}\n"));
    }
    insta::assert_snapshot!("cis-totals", all);
}
