//! The collector against the loopback fake API server: pagination, forbidden resources, CRD
//! workloads found by discovery, retries on 429, GET only, kubelet configz, authentication.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use fake_apiserver::{Cluster, FakeApiServer, Options as FakeOptions, ResourceType};
use kubeward_cluster::{collect, Collected, Options, Progress};
use kubeward_engine::input::node::Node;
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
async fn lists_are_paginated_across_pages() {
    let mut c = Cluster::new("v1.36.4");
    for i in 0..23 {
        c.add(pod(&format!("ns-{}", i % 3), &format!("p{i:02}")));
    }
    let f = start(c, FakeOptions::default());
    let got = run(&Options { page_size: Some(5), ..opts(&f) }).await;
    let mut pods = of_kind(&got, "Pod");
    pods.sort();
    assert_eq!(pods.len(), 23, "{pods:?}");
    pods.dedup();
    assert_eq!(pods.len(), 23, "no page read twice");
    let pod_lists: Vec<String> =
        f.server.requests().into_iter().filter(|r| r.uri.starts_with("/api/v1/pods?")).map(|r| r.uri).collect();
    assert_eq!(pod_lists.len(), 5, "23 pods in pages of 5: {pod_lists:?}");
    assert!(pod_lists.iter().all(|u| u.contains("limit=5")), "{pod_lists:?}");
    assert_eq!(pod_lists.iter().filter(|u| u.contains("continue=")).count(), 4, "{pod_lists:?}");
    assert!(got.snapshot.errors.is_empty(), "{:?}", got.snapshot.errors);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_resources_are_gaps_and_the_rest_is_audited() {
    let mut c = Cluster::new("v1.36.4");
    c.add(pod("shop", "web"));
    c.add(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"}, "rules": []}));
    c.add(json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": "shop"},
                 "spec": {"podSelector": {}}}));
    let forbidden = vec![
        ("rbac.authorization.k8s.io".to_string(), "clusterroles".to_string()),
        ("networking.k8s.io".to_string(), "networkpolicies".to_string()),
    ];
    let f = start(c, FakeOptions { forbidden, forbid_node_proxy: true, ..FakeOptions::default() });
    let got = run(&opts(&f)).await;
    assert_eq!(of_kind(&got, "Pod"), vec!["shop/web"]);
    assert!(of_kind(&got, "ClusterRole").is_empty());
    let gaps: Vec<(String, String, String)> = got
        .snapshot
        .objects()
        .iter()
        .filter(|o| o.kind() == "AuditGap")
        .map(|o| {
            let s = |k: &str| o.root.at(&["spec", k]).and_then(Node::as_str).unwrap_or("").to_string();
            (s("verb"), s("group"), s("resource"))
        })
        .collect();
    assert!(gaps.contains(&("list".into(), "rbac.authorization.k8s.io".into(), "clusterroles".into())), "{gaps:?}");
    assert!(gaps.contains(&("list".into(), "networking.k8s.io".into(), "networkpolicies".into())), "{gaps:?}");
    assert!(got.snapshot.errors.is_empty(), "a 403 is a gap, not an input error: {:?}", got.snapshot.errors);
    // The engine reports each gap with the missing permission.
    let report = kubeward_engine::run(&got.snapshot, &kubeward_engine::Settings::default());
    let msgs: Vec<&str> =
        report.diagnostics.iter().filter(|d| d.rule.code == "GEN003").map(|d| d.message.as_str()).collect();
    assert!(
        msgs.iter().any(|m| m.contains("missing permission `list` on `clusterroles` in API group `rbac.authorization.k8s.io`")),
        "{msgs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crd_workloads_are_found_through_discovery() {
    let mut c = Cluster::new("v1.36.4");
    let t = |g: &str, p: &str, k: &str| ResourceType {
        group: g.into(),
        version: "v1alpha1".into(),
        plural: p.into(),
        kind: k.into(),
        namespaced: true,
    };
    c.add_crd(t("apps.example.com", "webapps", "WebApp"), true);
    c.add_crd(t("widgets.example.com", "widgets", "Widget"), false);
    // Served by an aggregated API server: no CRD, not a workload.
    c.add_type(t("metrics.example.com", "podmetrics", "PodMetrics"));
    c.add(json!({"apiVersion": "apps.example.com/v1alpha1", "kind": "WebApp", "metadata": {"name": "shop", "namespace": "web"},
                 "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "registry.example.com/shop:1",
                          "securityContext": {"privileged": true}}]}}}}));
    c.add(json!({"apiVersion": "apps.example.com/v1alpha1", "kind": "WebApp", "metadata": {"name": "empty", "namespace": "web"},
                 "spec": {"replicas": 1}}));
    c.add(
        json!({"apiVersion": "widgets.example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "web"},
                 "spec": {"color": "blue"}}),
    );
    let f = start(c, FakeOptions::default());
    let got = run(&opts(&f)).await;
    assert_eq!(of_kind(&got, "WebApp"), vec!["web/shop"], "only objects with a pod template are kept");
    assert!(of_kind(&got, "Widget").is_empty());
    assert!(of_kind(&got, "CustomResourceDefinition").is_empty(), "CRDs are read to choose, not audited");
    let uris: Vec<String> = f.server.requests().into_iter().map(|r| r.uri).collect();
    assert!(uris.iter().any(|u| u == "/apis"), "{uris:?}");
    assert!(uris.iter().any(|u| u == "/apis/apps.example.com/v1alpha1"), "{uris:?}");
    assert!(uris.iter().any(|u| u.starts_with("/apis/apps.example.com/v1alpha1/webapps?limit=")), "{uris:?}");
    // The CRDs tell which custom resources may hold pod templates: the others are not listed.
    assert!(uris.iter().any(|u| u.starts_with("/apis/apiextensions.k8s.io/v1/customresourcedefinitions?")), "{uris:?}");
    assert!(!uris.iter().any(|u| u.starts_with("/apis/widgets.example.com/v1alpha1/widgets?")), "{uris:?}");
    assert!(!uris.iter().any(|u| u.starts_with("/apis/metrics.example.com/v1alpha1/podmetrics?")), "{uris:?}");
    let report = kubeward_engine::run(&got.snapshot, &kubeward_engine::Settings::default());
    assert!(
        report.diagnostics.iter().any(|d| d.rule.code == "POD001" && d.object.kind == "WebApp"),
        "the pod rules judge the CRD's template"
    );
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
async fn only_get_requests_are_made() {
    let mut c = fake_apiserver::synthetic(3, 10, 30);
    c.add(pod("shop", "web"));
    let f = start(c, FakeOptions::default());
    let got = run(&opts(&f)).await;
    let log = f.server.requests();
    assert!(log.len() > 20, "{log:?}");
    assert!(log.iter().all(|r| r.method == "GET"), "{log:?}");
    assert_eq!(got.requests, log.len(), "the collector counts what the server saw");
    assert!(log.iter().all(|r| !r.uri.contains("secrets")), "secrets are never read");
    // Pods controlled by a ReplicaSet are audited through their owner's template.
    assert_eq!(of_kind(&got, "Pod"), vec!["shop/web"]);
    assert_eq!(of_kind(&got, "Deployment").len(), 10);
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
        report.diagnostics.iter().filter(|d| d.object.kind == "KubeletConfiguration").map(|d| d.rule.code).collect();
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
async fn namespace_mode_lists_one_namespace() {
    let mut c = Cluster::new("v1.36.4");
    c.add(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}));
    c.add(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}}));
    c.add(pod("shop", "web"));
    c.add(pod("other", "db"));
    let f = start(c, FakeOptions::default());
    let got = run(&Options { namespace: Some("shop".into()), ..opts(&f) }).await;
    assert_eq!(of_kind(&got, "Pod"), vec!["shop/web"]);
    assert_eq!(of_kind(&got, "Namespace"), vec!["/shop"]);
    let log = f.server.requests();
    assert!(log.iter().any(|r| r.uri.starts_with("/api/v1/namespaces/shop/pods?")), "{log:?}");
    assert!(!log.iter().any(|r| r.uri.starts_with("/api/v1/nodes")), "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_a_connection_error_naming_the_path() {
    let f = start(Cluster::new("v1.36.4"), FakeOptions::default());
    let err =
        collect(&Options { context: Some("other".into()), ..opts(&f) }, &|_: Progress| {}).await.expect_err("401");
    assert!(err.0.contains("GET /version: 401"), "{err}");
    let log = f.server.requests();
    assert!(log.iter().all(|r| r.status == 401), "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_crds_leave_custom_resources_unlisted_with_a_gap() {
    let mut c = Cluster::new("v1.36.4");
    c.add_crd(
        ResourceType {
            group: "apps.example.com".into(),
            version: "v1".into(),
            plural: "webapps".into(),
            kind: "WebApp".into(),
            namespaced: true,
        },
        true,
    );
    c.add(pod("shop", "web"));
    let forbidden = vec![("apiextensions.k8s.io".to_string(), "customresourcedefinitions".to_string())];
    let f = start(c, FakeOptions { forbidden, ..FakeOptions::default() });
    let got = run(&opts(&f)).await;
    assert_eq!(of_kind(&got, "Pod"), vec!["shop/web"]);
    assert_eq!(of_kind(&got, "AuditGap"), vec!["/list-customresourcedefinitions.apiextensions.k8s.io"]);
    assert!(!f.server.requests().iter().any(|r| r.uri.contains("webapps")));
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
