//! The collector against hostile or broken API servers (issue 15, points 8, 9 and 15): bytes,
//! time and errors stay bounded and say what happened.
//!
//! These tests use `fake_apiserver`, not a real API server, on purpose: a real kube-apiserver
//! cannot be made to repeat a `continue` token, send an endless or dripping body, hang, or
//! answer `items` that is not an array on demand; the fake does, over real TLS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use fake_apiserver::{Cluster, FakeApiServer, Options as FakeOptions};
use kubeward_cluster::{collect, Collected, ConnectError, Options, Progress};
use serde_json::{json, Value};

struct Fixture {
    server: FakeApiServer,
    dir: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
}

fn start(cluster: Cluster, options: FakeOptions) -> Fixture {
    let server = FakeApiServer::start(cluster, options).expect("start the fake API server");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).expect("write kubeconfig");
    Fixture { server, dir, kubeconfig }
}

fn opts(f: &Fixture) -> Options {
    Options { kubeconfig: Some(f.kubeconfig.clone()), skip_kubelet_config: true, ..Options::default() }
}

fn pod(ns: &str, name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
           "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1.0"}]}})
}

fn configmap(name: &str, bytes: usize) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "shop"},
           "data": {"blob": "x".repeat(bytes)}})
}

fn cluster_with_pods(n: usize) -> Cluster {
    let mut c = Cluster::new("v1.36.4");
    c.add(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}));
    for i in 0..n {
        c.add(pod("shop", &format!("p{i}")));
    }
    c
}

fn core(plural: &str) -> Vec<(String, String)> {
    vec![(String::new(), plural.to_string())]
}

/// Runs the collection, failing the test (instead of hanging) past `limit`.
async fn collect_within(o: &Options, limit: Duration) -> (Result<Collected, ConnectError>, Duration) {
    let t = Instant::now();
    let got = tokio::time::timeout(limit, collect(o, &|_: Progress| {}))
        .await
        .unwrap_or_else(|_| panic!("the collection did not end within {limit:?}"));
    (got, t.elapsed())
}

fn errors(c: &Collected) -> Vec<String> {
    c.snapshot.errors.iter().map(|e| e.message.clone()).collect()
}

fn names(c: &Collected, kind: &str) -> Vec<String> {
    let mut v: Vec<String> =
        c.snapshot.objects().iter().filter(|o| o.kind() == kind).map(|o| o.name().to_string()).collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_objects_shrink_the_pages_and_an_oversized_one_is_reported_not_kept() {
    let mut c = cluster_with_pods(1);
    for i in 0..30 {
        c.add(configmap(&format!("cm{i:02}"), 900_000));
    }
    // Over the 8 MiB bound of one object.
    c.add(configmap("huge", 9 << 20));
    let f = start(c, FakeOptions::default());
    let (got, _) = collect_within(&Options { page_size: Some(10), ..opts(&f) }, Duration::from_secs(120)).await;
    let got = got.expect("collect");
    assert!(errors(&got).is_empty(), "{:?}", errors(&got));
    // Every ConfigMap under the bound is audited; the oversized one is a gap naming it.
    let cms = names(&got, "ConfigMap");
    assert_eq!(cms.len(), 30, "{cms:?}");
    assert!(!cms.contains(&"huge".to_string()));
    let gaps: Vec<Value> =
        got.snapshot.objects().iter().filter(|o| o.kind() == "AuditGap").map(|o| o.root.to_json()).collect();
    let gap = gaps.iter().find(|g| g["spec"]["reason"] == "too-large").unwrap_or_else(|| panic!("{gaps:#?}"));
    let msg = gap["spec"]["message"].as_str().unwrap();
    assert!(msg.contains("`ConfigMap shop/huge` is 94") && msg.contains("over the limit of 8388608 bytes"), "{msg}");
    // The first page (10 objects of 900 KB) makes the next pages smaller: about 8 MiB each.
    let limits: Vec<u32> = f
        .server
        .requests()
        .iter()
        .filter(|r| r.uri.starts_with("/api/v1/configmaps?"))
        .filter_map(|r| r.uri.split("limit=").nth(1)?.split('&').next()?.parse().ok())
        .collect();
    // (The second page is asked for while the first is read, before its size is known.)
    assert_eq!(limits.get(..2), Some(&[10, 10][..]), "{limits:?}");
    assert!(limits.len() > 2 && limits.iter().skip(2).all(|l| *l == 9), "pages of about 8 MiB: {limits:?}");
    // Kept objects are handed over in batches of about 8 MiB, even within a page.
    for file in &got.snapshot.files {
        let n = file
            .documents
            .iter()
            .filter(|d| d.root.at(&["kind"]).and_then(|k| k.as_str()) == Some("ConfigMap"))
            .count();
        assert!(n <= 10, "a batch of {n} ConfigMaps of 900 KB");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_continue_token_ends_the_list_with_an_error() {
    let f = start(cluster_with_pods(5), FakeOptions { repeat_continue: core("pods"), ..FakeOptions::default() });
    let (got, _) = collect_within(&Options { page_size: Some(2), ..opts(&f) }, Duration::from_secs(30)).await;
    let got = got.expect("collect");
    let errs = errors(&got);
    assert!(
        errs.iter()
            .any(|e| e.starts_with("GET /api/v1/pods?limit=2&continue=fake-continue-0: ")
                && e.contains("a pagination loop")),
        "{errs:?}"
    );
    // The pages read are audited, the other lists too.
    assert_eq!(names(&got, "Pod"), ["p0", "p1"]);
    assert_eq!(names(&got, "Namespace"), ["shop"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_pages_stop_at_the_overall_time_limit() {
    let f = start(cluster_with_pods(3), FakeOptions { endless_pages: core("pods"), ..FakeOptions::default() });
    let o = Options { page_size: Some(2), overall_timeout: Some(Duration::from_secs(3)), ..opts(&f) };
    let (got, took) = collect_within(&o, Duration::from_secs(30)).await;
    let got = got.expect("collect");
    assert!(took < Duration::from_secs(8), "{took:?}");
    let errs = errors(&got);
    assert!(
        errs.iter().any(|e| e.starts_with("GET /api/v1/pods?") && e.contains("time limit of 3 s (--timeout)")),
        "{errs:?}"
    );
    assert_eq!(names(&got, "Namespace"), ["shop"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_is_cut_at_the_answer_limit() {
    let f = start(cluster_with_pods(1), FakeOptions { endless_body: core("configmaps"), ..FakeOptions::default() });
    let (got, _) = collect_within(&Options { page_size: Some(1), ..opts(&f) }, Duration::from_secs(120)).await;
    let got = got.expect("collect");
    let errs = errors(&got);
    assert!(
        errs.iter().any(|e| e.starts_with("GET /api/v1/configmaps?limit=1: answer larger than 67108864 bytes")),
        "{errs:?}"
    );
    assert_eq!(names(&got, "Pod"), ["p0"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dripping_or_hanging_answer_is_cut_by_the_request_timeout_and_tried_once_more() {
    let options = FakeOptions { drip_body: core("configmaps"), hang: core("services"), ..FakeOptions::default() };
    let f = start(cluster_with_pods(1), options);
    let o = Options { timeout: Some(Duration::from_secs(1)), ..opts(&f) };
    let (got, took) = collect_within(&o, Duration::from_secs(60)).await;
    let got = got.expect("collect");
    let errs = errors(&got);
    for what in ["configmaps", "services"] {
        assert!(
            errs.iter().any(|e| e.starts_with(&format!("GET /api/v1/{what}?limit=500: timed out after 1 s"))
                && e.ends_with("attempts)")),
            "{errs:?}"
        );
    }
    // Two attempts of 1 s each and one backoff, the two lists at the same time.
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(names(&got, "Pod"), ["p0"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_that_are_not_an_array_are_an_error() {
    let f = start(cluster_with_pods(2), FakeOptions { items_not_array: core("pods"), ..FakeOptions::default() });
    let (got, _) = collect_within(&opts(&f), Duration::from_secs(30)).await;
    let got = got.expect("collect");
    let errs = errors(&got);
    assert!(
        errs.iter().any(|e| e == "GET /api/v1/pods?limit=500: malformed list: `items` is an object, not an array"),
        "{errs:?}"
    );
    assert_eq!(names(&got, "Namespace"), ["shop"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_ca_names_the_cause_and_is_not_retried() {
    let f = start(cluster_with_pods(1), FakeOptions::default());
    let other = FakeApiServer::start(Cluster::new("v1.36.4"), FakeOptions::default()).expect("second server");
    // The first server's address, the second server's CA.
    let kc = f.dir.path().join("wrong-ca");
    std::fs::write(&kc, fake_apiserver::kubeconfig(&f.server.url(), other.ca_pem(), f.server.token())).unwrap();
    let (got, took) =
        collect_within(&Options { kubeconfig: Some(kc.clone()), ..opts(&f) }, Duration::from_secs(60)).await;
    let e = got.expect_err("a wrong CA").0;
    let host = f.server.url().trim_start_matches("https://").to_string();
    assert!(
        e.contains(&format!(
            "certificate verify failed for host {host} with CA certificate-authority(-data) of {}",
            kc.display()
        )) && e.contains("invalid peer certificate"),
        "{e}"
    );
    assert!(!e.contains("attempts"), "not retried: {e}");
    assert!(took < Duration::from_secs(2), "not retried: {took:?}");

    // A closed port says so (and is tried again: the server may be starting).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let kc = f.dir.path().join("closed");
    std::fs::write(&kc, fake_apiserver::kubeconfig(&format!("https://127.0.0.1:{port}"), f.server.ca_pem(), "t"))
        .unwrap();
    let (got, _) = collect_within(&Options { kubeconfig: Some(kc), ..opts(&f) }, Duration::from_secs(60)).await;
    let e = got.expect_err("a closed port").0;
    assert!(e.contains(&format!("cannot connect to 127.0.0.1:{port}: connection refused (after 6 attempts)")), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_is_not_retried() {
    let f = start(cluster_with_pods(1), FakeOptions::default());
    let (got, _) =
        collect_within(&Options { context: Some("other".into()), ..opts(&f) }, Duration::from_secs(30)).await;
    let e = got.expect_err("401").0;
    assert!(e.contains("GET /version: 401 Unauthorized: the API server does not accept the credentials"), "{e}");
    assert_eq!(f.server.requests().len(), 1, "{:?}", f.server.requests());
}

/// A kubeconfig whose user runs `script` as its exec credential plugin.
fn exec_kubeconfig(f: &Fixture, script: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let plugin = f.dir.path().join("plugin.sh");
    std::fs::write(&plugin, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut kc: Value = serde_json::from_str(&f.server.kubeconfig()).unwrap();
    kc["users"][0]["user"] = json!({"exec": {"apiVersion": "client.authentication.k8s.io/v1",
        "command": plugin.display().to_string(), "args": ["--cluster", "fake"], "interactiveMode": "Never"}});
    let path = f.dir.path().join("exec-kubeconfig");
    std::fs::write(&path, kc.to_string()).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_credential_plugins_are_time_limited_and_their_failures_are_sentences() {
    let f = start(cluster_with_pods(1), FakeOptions::default());
    let with =
        |kc: std::path::PathBuf| Options { kubeconfig: Some(kc), timeout: Some(Duration::from_secs(1)), ..opts(&f) };

    // A plugin that never answers: stopped after the request timeout.
    let (got, took) = collect_within(&with(exec_kubeconfig(&f, "exec sleep 30")), Duration::from_secs(20)).await;
    let e = got.expect_err("a hanging plugin").0;
    assert!(e.contains("plugin.sh` did not answer within 1 s; stopped it"), "{e}");
    assert!(took < Duration::from_secs(5), "{took:?}");

    // A plugin that fails: its last stderr line, no debug structure.
    let (got, _) = collect_within(
        &with(exec_kubeconfig(&f, "echo 'starting' >&2; echo 'error: token expired, log in again' >&2; exit 3")),
        Duration::from_secs(20),
    )
    .await;
    let e = got.expect_err("a failing plugin").0;
    assert!(e.ends_with("plugin.sh` failed: it exited with status 3: error: token expired, log in again"), "{e}");
    assert!(!e.contains("Output {") && !e.contains("ExitStatus"), "{e}");

    // A plugin that prints garbage: said so, without echoing it (it may be a secret).
    let (got, _) = collect_within(&with(exec_kubeconfig(&f, "echo 'hunter2 {'")), Duration::from_secs(20)).await;
    let e = got.expect_err("garbage").0;
    assert!(e.contains("printed something that is not an ExecCredential") && !e.contains("hunter2"), "{e}");

    // A working plugin: its token is sent, asked for again when about to expire (here: soon).
    let count = f.dir.path().join("runs");
    let token = f.server.token().to_string();
    let script = format!(
        "echo run >> {count}\nprintf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{token}\",\"expirationTimestamp\":\"2000-01-01T00:00:00Z\"}}}}'",
        count = count.display()
    );
    let (got, _) = collect_within(&with(exec_kubeconfig(&f, &script)), Duration::from_secs(60)).await;
    let got = got.expect("collect with the plugin's token");
    assert_eq!(names(&got, "Pod"), ["p0"]);
    let runs = std::fs::read_to_string(&count).unwrap().lines().count();
    assert!(runs > 2, "an expired token is asked for again: {runs} runs");
}
