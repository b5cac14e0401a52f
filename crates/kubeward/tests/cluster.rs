//! `kubeward cluster` end to end against the loopback fake API server, for what the real API
//! server of `cluster_real.rs` cannot be made to do on demand: a broken list answer, and a
//! `continue` token expired mid-list (410 Gone) while the streaming audit must still equal the
//! snapshot engine. Also the real kubectl against the fake (which checks the fake's own fidelity,
//! kept while the fake stays), and what needs no API server: the in-cluster manifests of
//! deploy/cluster-audit/, the rule listing, and a run without any cluster to connect to.
//! Comparison with `scan`, output formats, exit codes, forbidden resources and `KUBECONFIG`
//! are tested on the real API server (`cluster_real.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fake_apiserver::{Cluster, FakeApiServer, Options};
use serde_json::Value;

const TODAY: &str = "2026-11-22";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cluster")
}

fn kubeward(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("KUBECONFIG")
        .env("KUBEWARD_COLOR", "never")
        .env("KUBEWARD_TODAY", TODAY)
        .output()
        .expect("run kubeward")
}

/// The fixture cluster's objects, read from its YAML files with the engine's own reader.
fn fixture_cluster() -> Cluster {
    let mut c = Cluster::new("v1.36.4");
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read fixture");
        let snap = kubeward_engine::Snapshot::from_text(&f.display().to_string(), &text);
        assert!(snap.errors.is_empty(), "{:?}", snap.errors);
        for o in snap.objects() {
            c.add(o.root.to_json());
        }
    }
    c
}

struct Live {
    server: FakeApiServer,
    dir: tempfile::TempDir,
}

impl Live {
    fn start(cluster: Cluster, options: Options) -> Self {
        let server = FakeApiServer::start(cluster, options).expect("fake API server");
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("kubeconfig"), server.kubeconfig()).expect("kubeconfig");
        Self { server, dir }
    }
    fn kubeconfig(&self) -> String {
        self.dir.path().join("kubeconfig").display().to_string()
    }
    fn run(&self, extra: &[&str]) -> Output {
        let kc = self.kubeconfig();
        let mut args = vec!["cluster", "--kubeconfig", kc.as_str()];
        args.extend_from_slice(extra);
        kubeward(self.dir.path(), &args)
    }
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    })
}

/// Findings as (code, object, path, message), without where in a file they are.
fn findings(v: &Value) -> BTreeSet<String> {
    finding_keys(v).collect()
}

/// Each JSON finding as `code object container path :: message`, in report order.
fn finding_keys(v: &Value) -> impl Iterator<Item = String> + '_ {
    v["findings"].as_array().expect("findings").iter().map(|f| {
        let o = &f["object"];
        key(
            f["code"].as_str().unwrap_or(""),
            [&o["apiVersion"], &o["kind"], &o["namespace"], &o["name"]].map(|p| p.as_str().unwrap_or("-")),
            f["container"].as_str().unwrap_or("-"),
            f["path"].as_str().unwrap_or(""),
            f["message"].as_str().unwrap_or(""),
        )
    })
}

/// The key of [`finding_keys`] for an engine finding.
fn diagnostic_key(d: &kubeward_engine::Diagnostic) -> String {
    let o = &d.object;
    let object = [o.api_version.as_str(), &o.kind, o.namespace.as_deref().unwrap_or("-"), &o.name];
    key(d.rule.code, object, d.container.as_deref().unwrap_or("-"), d.path.as_str(), &d.message)
}

fn key(code: &str, object: [&str; 4], container: &str, path: &str, message: &str) -> String {
    format!("{code} {} {container} {path} :: {message}", object.join("/"))
}

/// kubectl: `KUBECTL` names it, else `kubectl` on PATH. With `KUBEWARD_REQUIRE_KUBECTL=1` (CI)
/// a missing kubectl fails the test instead of skipping it.
fn kubectl() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KUBECTL").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join("kubectl")).find(|p| p.is_file()))
}

/// The fake's own fidelity, checked with the real kubectl (kept while the fake stays).
#[test]
fn real_kubectl_talks_to_the_fake_api_server() {
    let Some(kubectl) = kubectl() else {
        assert!(
            std::env::var("KUBEWARD_REQUIRE_KUBECTL").as_deref() != Ok("1"),
            "KUBEWARD_REQUIRE_KUBECTL=1 but no kubectl (set KUBECTL or PATH)"
        );
        eprintln!("kubectl not found: skipped");
        return;
    };
    let live = Live::start(fixture_cluster(), Options { max_page: 2, ..Options::default() });
    let run = |args: &[&str]| {
        Command::new(&kubectl)
            .args(args)
            .env("KUBECONFIG", live.kubeconfig())
            .env("HOME", live.dir.path())
            .env("KUBECACHEDIR", live.dir.path().join("cache"))
            .output()
            .expect("run kubectl")
    };
    let o = run(&["get", "pods", "-A"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("legacy") && out.contains("debug"), "{out}");
    let o = run(&["get", "--raw", "/version"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("version JSON");
    assert_eq!(v["gitVersion"], "v1.36.4");
    // Pagination as kubectl does it (limit=500, then continue), over pages of 2.
    let o = run(&["get", "namespaces", "--chunk-size", "2", "-o", "name"]);
    let names = String::from_utf8_lossy(&o.stdout);
    assert_eq!(names.lines().count(), 3, "{names}");
    let log = live.server.requests();
    assert!(log.iter().any(|r| r.uri.contains("continue=")), "{log:?}");
    // Writes are refused (and logged): the fake, like kubeward, is read-only.
    let o = run(&["create", "namespace", "intruder"]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("MethodNotAllowed")
            || String::from_utf8_lossy(&o.stderr).contains("not allow"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(live.server.requests().iter().any(|r| r.method == "POST" && r.status == 405));
    // A wrong token is refused.
    let o = run(&["--context", "other", "get", "pods", "-A"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("Unauthorized"));
}

#[test]
fn deploy_manifests_have_no_finding_of_medium_or_higher() {
    let o = kubeward(&repo(), &["scan", "deploy/cluster-audit/", "--format", "json", "--fail-on", "medium"]);
    let v = json(&o);
    let serious: Vec<&Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("medium" | "high" | "critical")))
        .collect();
    assert!(serious.is_empty(), "{serious:#?}");
    assert_eq!(o.status.code(), Some(0));
    assert!(v["summary"]["objects"].as_u64().is_some_and(|n| n >= 6) || v.to_string().contains("CronJob"), "{v}");
}

/// A list answered with something that is not JSON (a fault the real API server cannot be
/// made to show): an error naming the path, exit 2, and the rest audited. (`KUBECONFIG` from
/// the environment, as on the real API server in `cluster_real.rs`.)
#[test]
fn a_failed_list_exits_2_and_the_rest_is_audited() {
    let opts = Options { garbage: vec![("apps".into(), "deployments".into())], ..Options::default() };
    let live = Live::start(fixture_cluster(), opts);
    let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["cluster", "--no-kubelet-config", "--format", "json"])
        .current_dir(live.dir.path())
        .env("KUBECONFIG", live.kubeconfig())
        .env("KUBEWARD_TODAY", TODAY)
        .output()
        .expect("run kubeward");
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    let errors = v["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{v}");
    assert!(
        errors[0]["message"].as_str().is_some_and(|m| m.contains("GET /apis/apps/v1/deployments?limit=500")),
        "{v}"
    );
    let f = findings(&v);
    assert!(f.iter().any(|l| l.contains("Pod/legacy/debug")), "the rest is audited: {f:#?}");
}

#[test]
fn rules_made_for_cluster_input_are_listed_as_such() {
    let o = kubeward(&repo(), &["rules", "--format", "json"]);
    let v = json(&o);
    let input = |code: &str| {
        v.as_array()
            .expect("rules")
            .iter()
            .find(|r| r["code"] == code)
            .map(|r| r["input"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(input("GEN003").as_deref(), Some("cluster"));
    // Whole-cluster rules are manifest rules too: an export of the cluster trips them.
    for code in ["NET010", "NET011", "POD026", "RBAC014", "RBAC015"] {
        assert_eq!(input(code).as_deref(), Some("manifests"), "{code}");
    }
}

#[test]
fn without_kubeconfig_or_service_account_it_says_so() {
    let home = tempfile::tempdir().expect("tempdir");
    let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["cluster"])
        .current_dir(home.path())
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .env("HOME", home.path())
        .output()
        .expect("run kubeward");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no cluster to connect to"), "{err}");
}

/// `kubeward cluster` audits each page as it is read (and packs its findings) instead of
/// building the whole snapshot: its report must be the one the engine gives over the snapshot
/// `kubeward_cluster::collect` builds, finding for finding and in the same order, across many
/// small pages, concurrent lists, and a list started again after an expired continue token
/// (410 Gone mid-list: the reason this test runs on the fake, which expires one on demand).
#[test]
fn streaming_cluster_matches_the_snapshot_engine() {
    let mut cluster = fixture_cluster();
    for i in 0..60 {
        cluster.add(serde_json::json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": format!("p{i}"), "namespace": format!("team-{}", i % 4)},
            "spec": {
                "hostPID": i % 7 == 0,
                "containers": [{"name": "c", "image": if i % 2 == 0 { "nginx" } else { "nginx:1.27" }}],
            },
        }));
    }
    let live = Live::start(cluster, Options { max_page: 3, expire_continue_once: true, ..Options::default() });
    let o = live.run(&["--format", "json", "--config", "/dev/null", "--chunk-size", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let streamed = json(&o);
    assert!(live.server.requests().iter().any(|r| r.status == 410), "a list was started again");

    let opts = kubeward_cluster::Options {
        kubeconfig: Some(live.dir.path().join("kubeconfig")),
        page_size: Some(2),
        ..kubeward_cluster::Options::default()
    };
    let collected = kubeward_cluster::collect_blocking(&opts, &|_| {}).expect("collect");
    let report = kubeward_engine::run(&collected.snapshot, &kubeward_engine::Settings::default());
    let from_snapshot: Vec<String> =
        report.findings().map(|d| format!("{} {}", d.severity.as_str(), diagnostic_key(&d))).collect();
    let severities = streamed["findings"].as_array().expect("findings").iter().map(|f| f["severity"].as_str());
    let from_stream: Vec<String> =
        severities.zip(finding_keys(&streamed)).map(|(s, k)| format!("{} {k}", s.unwrap_or(""))).collect();
    assert!(from_stream.len() > 150, "{} findings", from_stream.len());
    assert_eq!(from_stream, from_snapshot);
    assert_eq!(streamed["summary"]["objects"], report.objects(), "{}", streamed["summary"]);
}
