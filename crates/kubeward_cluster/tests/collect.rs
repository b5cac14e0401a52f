//! The collector against the loopback fake API server, for what the real API server of
//! `collect_real.rs` cannot be made to do on demand: answer 429 with `Retry-After` or 503,
//! send a broken answer, expire a `continue` token mid-list (410 Gone), serve a kubelet's
//! `configz` (no kubelet runs with the harness) or a resource type served by an aggregated API
//! server without a CRD. Pagination, forbidden resources, CRD workloads, reads only, namespace
//! mode and wrong credentials are tested on the real API server (`collect_real.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use fake_apiserver::{Cluster, FakeApiServer, Options as FakeOptions, ResourceType};
use kubeward_cluster::{collect, Collected, Options, Progress};
use serde_json::{json, Value};

struct Fixture {
    server: FakeApiServer,
    _dir: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
}

fn start(cluster: Cluster, options: FakeOptions) -> Fixture {
    let server = FakeApiServer::start(cluster, options).expect("start the fake API server");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).expect("write kubeconfig");
    Fixture { server, _dir: dir, kubeconfig }
}

fn opts(f: &Fixture) -> Options {
    Options { kubeconfig: Some(f.kubeconfig.clone()), ..Options::default() }
}

fn pod(ns: &str, name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
           "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1.0"}]}})
}

/// Every collected object as (kind, namespace/name).
fn objects(c: &Collected) -> Vec<(String, String)> {
    c.snapshot
        .objects()
        .iter()
        .map(|o| (o.kind().to_string(), format!("{}/{}", o.namespace().unwrap_or(""), o.name())))
        .collect()
}

fn of_kind(c: &Collected, kind: &str) -> Vec<String> {
    objects(c).into_iter().filter(|(k, _)| k == kind).map(|(_, n)| n).collect()
}

async fn run(o: &Options) -> Collected {
    collect(o, &|_: Progress| {}).await.expect("collect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_are_retried() {
    let mut c = Cluster::new("v1.36.4");
    c.add(pod("shop", "web"));
    let f = start(c, FakeOptions { throttle_lists: 2, ..FakeOptions::default() });
    let got = run(&opts(&f)).await;
    assert_eq!(of_kind(&got, "Pod"), vec!["shop/web"]);
    assert!(got.snapshot.errors.is_empty(), "{:?}", got.snapshot.errors);
    let log = f.server.requests();
    let throttled: Vec<_> = log.iter().filter(|r| r.status == 429).collect();
    assert_eq!(throttled.len(), 2, "{log:?}");
    // Each throttled list was asked again and answered.
    for t in throttled {
        assert!(log.iter().any(|r| r.uri == t.uri && r.status == 200), "{} not retried", t.uri);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubelet_configz_becomes_a_kubelet_configuration() {
    let mut c = Cluster::new("v1.36.4");
    c.add(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a"},
                 "status": {"nodeInfo": {"kubeletVersion": "v1.36.4"}, "images": [{"names": ["x"]}]}}));
    c.configz.insert(
        "node-a".into(),
        json!({"kubeletconfig": {"authentication": {"anonymous": {"enabled": true}},
                                             "authorization": {"mode": "AlwaysAllow"}, "readOnlyPort": 10255}}),
    );
    let f = start(c, FakeOptions::default());
    let got = run(&opts(&f)).await;
    assert_eq!(of_kind(&got, "KubeletConfiguration"), vec!["/node-a"]);
    let report = kubeward_engine::run(&got.snapshot, &kubeward_engine::Settings::default());
    let codes: Vec<&str> =
        report.findings().filter(|d| d.object.kind == "KubeletConfiguration").map(|d| d.rule.code).collect();
    for rule in ["kubelet-anonymous-auth-enabled", "kubelet-authorization-always-allow", "kubelet-read-only-port-open"]
    {
        let code = kubeward_engine::find(rule).expect("rule").meta().code;
        assert!(codes.contains(&code), "{rule} ({code}) not in {codes:?}");
    }
    // A Node keeps only status.nodeInfo.
    let node = got.snapshot.objects().into_iter().find(|o| o.kind() == "Node").expect("node");
    assert!(node.root.at(&["status", "images"]).is_none());
    assert!(node.root.at(&["status", "nodeInfo", "kubeletVersion"]).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_answers_are_retried_with_backoff() {
    let mut c = Cluster::new("v1.36.4");
    c.add(pod("shop", "web"));
    let f = start(c, FakeOptions { unavailable_lists: 2, ..FakeOptions::default() });
    let got = run(&opts(&f)).await;
    assert_eq!(of_kind(&got, "Pod"), vec!["shop/web"]);
    assert!(got.snapshot.errors.is_empty(), "{:?}", got.snapshot.errors);
    let log = f.server.requests();
    assert_eq!(log.iter().filter(|r| r.status == 503).count(), 2, "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_answer_is_an_error_naming_the_path_and_the_rest_goes_on() {
    let mut c = Cluster::new("v1.36.4");
    c.add(pod("shop", "web"));
    let garbage = vec![("apps".to_string(), "deployments".to_string())];
    let f = start(c, FakeOptions { garbage, ..FakeOptions::default() });
    let got = run(&opts(&f)).await;
    assert_eq!(of_kind(&got, "Pod"), vec!["shop/web"]);
    let errors: Vec<String> = got.snapshot.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("GET /apis/apps/v1/deployments?limit=500: not a JSON list"), "{errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_continue_token_restarts_the_list_once() {
    let mut c = Cluster::new("v1.36.4");
    for i in 0..7 {
        c.add(pod("shop", &format!("p{i}")));
    }
    let f = start(c, FakeOptions { expire_continue_once: true, ..FakeOptions::default() });
    let got = run(&Options { page_size: Some(3), ..opts(&f) }).await;
    let mut pods = of_kind(&got, "Pod");
    assert_eq!(pods.len(), 7, "{pods:?}");
    pods.sort();
    pods.dedup();
    assert_eq!(pods.len(), 7, "the pages read before the 410 are not kept twice");
    assert!(got.snapshot.errors.is_empty(), "{:?}", got.snapshot.errors);
    let log = f.server.requests();
    assert_eq!(log.iter().filter(|r| r.status == 410).count(), 1, "{log:?}");
    assert_eq!(log.iter().filter(|r| r.uri == "/api/v1/pods?limit=3").count(), 2, "started again: {log:?}");
}

/// A resource type served by an aggregated API server (an `APIService`), with no CRD: not a
/// workload, not listed. On the fake: the real API server would need an aggregated server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregated_types_without_a_crd_are_not_listed() {
    let mut c = Cluster::new("v1.36.4");
    let t = |g: &str, p: &str, k: &str| ResourceType {
        group: g.into(),
        version: "v1alpha1".into(),
        plural: p.into(),
        kind: k.into(),
        namespaced: true,
    };
    c.add_crd(t("apps.example.com", "webapps", "WebApp"), true);
    c.add_type(t("metrics.example.com", "podmetrics", "PodMetrics"));
    let f = start(c, FakeOptions::default());
    let got = run(&opts(&f)).await;
    assert!(got.snapshot.errors.is_empty(), "{:?}", got.snapshot.errors);
    let uris: Vec<String> = f.server.requests().into_iter().map(|r| r.uri).collect();
    assert!(uris.iter().any(|u| u == "/apis/metrics.example.com/v1alpha1"), "discovered: {uris:?}");
    assert!(uris.iter().any(|u| u.starts_with("/apis/apps.example.com/v1alpha1/webapps?limit=")), "{uris:?}");
    assert!(!uris.iter().any(|u| u.starts_with("/apis/metrics.example.com/v1alpha1/podmetrics?")), "{uris:?}");
}
