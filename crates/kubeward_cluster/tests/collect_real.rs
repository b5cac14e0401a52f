//! The collector against the real Kubernetes API server (`k8s_harness`, one instance for this
//! test binary, a namespace and a user of its own per test, so that the API server's audit log
//! tells each test's requests apart): pagination, forbidden resources through real RBAC, CRD
//! workloads through real discovery, reads only, namespace mode, wrong credentials.
//!
//! What a real API server cannot be made to do on demand (429, 5xx, a 410 Gone mid-list, a
//! broken answer, a kubelet's `configz`) stays in `collect.rs`, on the fake.
//!
//! The harness reads `KUBE_APISERVER`, `ETCD` and `KUBECTL`; a test skips with a note when one is
//! missing, unless `KUBEWARD_REQUIRE_APISERVER=1` (CI), where that fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use k8s_harness::RealCluster;
use kubeward_cluster::{collect, Collected, Options, Progress};
use kubeward_engine::input::node::Node;

fn opts(kubeconfig: PathBuf) -> Options {
    Options { kubeconfig: Some(kubeconfig), ..Options::default() }
}

fn pod(ns: &str, name: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  containers:\n    - {{name: app, image: registry.example.com/app:1.0}}\n"
    )
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
    let mut out: Vec<String> = objects(c).into_iter().filter(|(k, _)| k == kind).map(|(_, n)| n).collect();
    out.sort();
    out
}

async fn run(o: &Options) -> Collected {
    collect(o, &|_: Progress| {}).await.expect("collect")
}

/// A user bound to a ClusterRole of `rules` (YAML list items, indented by 2).
fn user_with(c: &RealCluster, name: &str, rules: &str) -> PathBuf {
    c.apply(&format!(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: {name}}}
rules:
{rules}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: {name}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {name}}}
subjects:
  - {{apiGroup: rbac.authorization.k8s.io, kind: User, name: {name}}}
"
    ));
    c.user(name, None)
}

/// The reads of `deploy/cluster-audit/rbac.yaml`'s role but for `without` (resource names).
fn audit_rules_without(without: &[&str]) -> String {
    let groups: [(&str, &[&str]); 6] = [
        (
            "\"\"",
            &["namespaces", "nodes", "pods", "services", "serviceaccounts", "configmaps", "replicationcontrollers"],
        ),
        ("apps", &["deployments", "statefulsets", "daemonsets", "replicasets"]),
        ("batch", &["jobs", "cronjobs"]),
        ("networking.k8s.io", &["networkpolicies", "ingresses"]),
        ("rbac.authorization.k8s.io", &["roles", "rolebindings", "clusterroles", "clusterrolebindings"]),
        ("apiextensions.k8s.io", &["customresourcedefinitions"]),
    ];
    groups
        .iter()
        .filter_map(|(g, rs)| {
            let rs: Vec<&str> = rs.iter().copied().filter(|r| !without.contains(r)).collect();
            (!rs.is_empty())
                .then(|| format!("  - {{apiGroups: [{g}], resources: [{}], verbs: [get, list]}}\n", rs.join(", ")))
        })
        .collect()
}

/// 23 pods in pages of 5: five lists, four of them with the API server's `continue` token, no
/// pod read twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_are_paginated_across_pages() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("paged");
    c.apply(&(0..23).map(|i| pod("paged", &format!("p{i:02}"))).collect::<String>());
    let kc = c.user("pager", Some("system:masters"));
    let got = run(&Options { page_size: Some(5), namespace: Some("paged".into()), ..opts(kc) }).await;
    let pods = of_kind(&got, "Pod");
    assert_eq!(pods.len(), 23, "{pods:?}");
    let mut unique = pods.clone();
    unique.dedup();
    assert_eq!(unique, pods, "no page read twice");
    assert!(got.snapshot.errors.is_empty(), "{:?}", got.snapshot.errors);
    let pod_lists: Vec<String> = c
        .requests_of("pager")
        .into_iter()
        .map(|(_, uri, _)| uri)
        .filter(|u| u.starts_with("/api/v1/namespaces/paged/pods?"))
        .collect();
    assert_eq!(pod_lists.len(), 5, "23 pods in pages of 5: {pod_lists:#?}");
    assert!(pod_lists.iter().all(|u| u.contains("limit=5")), "{pod_lists:#?}");
    assert_eq!(pod_lists.iter().filter(|u| u.contains("continue=")).count(), 4, "{pod_lists:#?}");
}

/// A user whose ClusterRole leaves out `clusterroles` and `networkpolicies`: the real API
/// server refuses those lists (403), each becomes an AuditGap with the missing permission, and
/// the rest is audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_resources_are_gaps_and_the_rest_is_audited() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("partial");
    c.apply(&format!(
        "{}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: partial}}\nspec: {{podSelector: {{}}}}\n",
        pod("partial", "web")
    ));
    let kc = user_with(c, "partial", &audit_rules_without(&["clusterroles", "networkpolicies"]));
    let got = run(&opts(kc)).await;
    assert!(of_kind(&got, "Pod").contains(&"partial/web".to_string()), "{:?}", of_kind(&got, "Pod"));
    assert!(of_kind(&got, "ClusterRole").is_empty());
    assert!(of_kind(&got, "NetworkPolicy").is_empty());
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
    let refused: Vec<String> =
        c.requests_of("partial").into_iter().filter(|(_, _, code)| *code == 403).map(|(_, uri, _)| uri).collect();
    assert!(refused.iter().any(|u| u.starts_with("/apis/rbac.authorization.k8s.io/v1/clusterroles?")), "{refused:#?}");
    // The engine reports each gap with the missing permission.
    let report = kubeward_engine::run(&got.snapshot, &kubeward_engine::Settings::default());
    let msgs: Vec<String> = report.findings().filter(|d| d.rule.code == "GEN003").map(|d| d.message.clone()).collect();
    assert!(
        msgs.iter().any(|m| m.contains("missing permission `list` on `clusterroles` in API group `rbac.authorization.k8s.io`")),
        "{msgs:?}"
    );
}

/// Two real CRDs: `WebApp` with an open schema (it may hold a pod template) and `Widget`, whose
/// schema has no `spec.template`. Discovery finds both; the CRDs say which to list; only
/// WebApps holding a template are kept, and the pod rules judge it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crd_workloads_are_found_through_discovery() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("crd");
    c.apply(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: webapps.apps.example.com}
spec:
  group: apps.example.com
  scope: Namespaced
  names: {plural: webapps, singular: webapp, kind: WebApp, listKind: WebAppList}
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.widgets.example.com}
spec:
  group: widgets.example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                color: {type: string}
",
    );
    for crd in ["webapps.apps.example.com", "widgets.widgets.example.com"] {
        let o = c.kubectl(&["wait", "--for", "condition=Established", "--timeout=60s", &format!("crd/{crd}")], None);
        assert!(o.status.success(), "{}", k8s_harness::text(&o));
    }
    c.apply(
        "apiVersion: apps.example.com/v1alpha1
kind: WebApp
metadata: {name: shop, namespace: crd}
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/shop:1
          securityContext: {privileged: true}
---
apiVersion: apps.example.com/v1alpha1
kind: WebApp
metadata: {name: empty, namespace: crd}
spec: {replicas: 1}
---
apiVersion: widgets.example.com/v1alpha1
kind: Widget
metadata: {name: w, namespace: crd}
spec: {color: blue}
",
    );
    let kc = c.user("crdreader", Some("system:masters"));
    let got = run(&opts(kc)).await;
    assert_eq!(of_kind(&got, "WebApp"), vec!["crd/shop"], "only objects with a pod template are kept");
    assert!(of_kind(&got, "Widget").is_empty());
    assert!(of_kind(&got, "CustomResourceDefinition").is_empty(), "CRDs are read to choose, not audited");
    let uris: Vec<String> = c.requests_of("crdreader").into_iter().map(|(_, uri, _)| uri).collect();
    assert!(uris.iter().any(|u| u == "/apis"), "{uris:#?}");
    assert!(uris.iter().any(|u| u == "/apis/apps.example.com/v1alpha1"), "{uris:#?}");
    assert!(uris.iter().any(|u| u.starts_with("/apis/apps.example.com/v1alpha1/webapps?limit=")), "{uris:#?}");
    assert!(
        uris.iter().any(|u| u.starts_with("/apis/apiextensions.k8s.io/v1/customresourcedefinitions?")),
        "{uris:#?}"
    );
    assert!(!uris.iter().any(|u| u.starts_with("/apis/widgets.example.com/v1alpha1/widgets?")), "{uris:#?}");
    let report = kubeward_engine::run(&got.snapshot, &kubeward_engine::Settings::default());
    assert!(
        report.findings().any(|d| d.rule.code == "POD001" && d.object.kind == "WebApp"),
        "the pod rules judge the CRD's template"
    );
}

/// Every request of a collection is a read (`get`, `list`: the audit log records them all),
/// the collector counts them as the API server does, Secrets are never read, and a Pod owned
/// by a ReplicaSet owned by a Deployment is audited once, through the Deployment's template.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_reads_are_made_and_owned_objects_are_skipped() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("owned");
    c.apply(
        "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: owned}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: registry.example.com/web:1.0}]
",
    );
    let uid = |kind: &str, name: &str| {
        let o = c.kubectl(&["get", kind, name, "-n", "owned", "-o", "jsonpath={.metadata.uid}"], None);
        assert!(o.status.success(), "{}", k8s_harness::text(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    // No controller manager runs: the ReplicaSet and its Pod are made as it would make them.
    c.apply(&format!(
        "apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-1
  namespace: owned
  ownerReferences: [{{apiVersion: apps/v1, kind: Deployment, name: web, uid: {}, controller: true}}]
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: app, image: registry.example.com/web:1.0}}]
",
        uid("deployment", "web")
    ));
    c.apply(&format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: web-1-a
  namespace: owned
  labels: {{app: web}}
  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: {}, controller: true}}]
spec:
  containers: [{{name: app, image: registry.example.com/web:1.0}}]
{}",
        uid("replicaset", "web-1"),
        pod("owned", "loose")
    ));
    let kc = c.user("reader", Some("system:masters"));
    let got = run(&Options { namespace: Some("owned".into()), ..opts(kc) }).await;
    assert_eq!(of_kind(&got, "Pod"), vec!["owned/loose"]);
    assert_eq!(of_kind(&got, "Deployment"), vec!["owned/web"]);
    assert!(of_kind(&got, "ReplicaSet").is_empty());
    let log = c.requests_of("reader");
    assert!(log.len() > 10, "{log:#?}");
    assert!(log.iter().all(|(verb, _, _)| verb == "get" || verb == "list"), "{log:#?}");
    assert!(log.iter().all(|(_, uri, _)| !uri.contains("secrets")), "secrets are never read");
    assert_eq!(got.requests, log.len(), "the collector counts what the API server saw: {log:#?}");
}

/// `--namespace`: the namespaced lists go to that namespace, its Namespace object is read, and
/// cluster-scoped kinds (Nodes) are not listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_mode_lists_one_namespace() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("ns-shop");
    c.namespace("ns-other");
    c.apply(&format!("{}{}", pod("ns-shop", "web"), pod("ns-other", "db")));
    let kc = c.user("nsuser", Some("system:masters"));
    let got = run(&Options { namespace: Some("ns-shop".into()), ..opts(kc) }).await;
    assert_eq!(of_kind(&got, "Pod"), vec!["ns-shop/web"]);
    assert_eq!(of_kind(&got, "Namespace"), vec!["/ns-shop"]);
    let log: Vec<String> = c.requests_of("nsuser").into_iter().map(|(_, uri, _)| uri).collect();
    assert!(log.iter().any(|u| u.starts_with("/api/v1/namespaces/ns-shop/pods?")), "{log:#?}");
    assert!(!log.iter().any(|u| u.starts_with("/api/v1/nodes")), "{log:#?}");
    assert!(!log.iter().any(|u| u.starts_with("/api/v1/pods?")), "{log:#?}");
}

/// A token the API server does not know: `/version` answers 401, and the error names the path
/// and the answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_a_connection_error_naming_the_path() {
    let Some(c) = k8s_harness::shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: real\n  cluster:\n    server: {}\n    certificate-authority: {}\nusers:\n- name: wrong\n  user: {{token: not-a-token}}\ncontexts:\n- name: real\n  context: {{cluster: real, user: wrong}}\ncurrent-context: real\n",
            c.server(),
            c.ca_file().display()
        ),
    )
    .unwrap();
    let err = collect(&opts(kc), &|_: Progress| {}).await.expect_err("401");
    assert!(err.0.contains("GET /version: 401"), "{err}");
}

/// A user who may not read CustomResourceDefinitions: custom resources are not listed (kubeward
/// cannot tell which hold pod templates), and the report says what was not audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_crds_leave_custom_resources_unlisted_with_a_gap() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("nocrd");
    c.apply(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: services.serving.example.com}
spec:
  group: serving.example.com
  scope: Namespaced
  names: {plural: services, singular: service, kind: Service, listKind: ServiceList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
",
    );
    let o = c.kubectl(
        &["wait", "--for", "condition=Established", "--timeout=60s", "crd/services.serving.example.com"],
        None,
    );
    assert!(o.status.success(), "{}", k8s_harness::text(&o));
    c.apply(&pod("nocrd", "web"));
    let rules = format!(
        "{}  - {{apiGroups: [serving.example.com], resources: [services], verbs: [get, list]}}\n",
        audit_rules_without(&["customresourcedefinitions"])
    );
    let kc = user_with(c, "nocrd", &rules);
    let got = run(&opts(kc)).await;
    assert!(of_kind(&got, "Pod").contains(&"nocrd/web".to_string()));
    assert!(
        of_kind(&got, "AuditGap").contains(&"/list-customresourcedefinitions.apiextensions.k8s.io".to_string()),
        "{:?}",
        of_kind(&got, "AuditGap")
    );
    let log = c.requests_of("nocrd");
    assert!(!log.iter().any(|(_, uri, _)| uri.starts_with("/apis/serving.example.com/v1/services")), "{log:#?}");
}
