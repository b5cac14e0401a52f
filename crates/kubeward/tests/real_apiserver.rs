//! `kubeward cluster` against the real Kubernetes API server and etcd, started by the shared
//! harness `k8s_harness` (one instance for this test binary, a namespace per test); `kubeward
//! serve` is in `serve_real.rs`. The harness reads `KUBE_APISERVER`, `ETCD` and
//! `KUBECTL`; a test skips with a note when one is missing, unless `KUBEWARD_REQUIRE_APISERVER=1`
//! (CI), where that fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::{json, text, PRIV};

/// `manifest` with its `namespace: app` moved to `ns` (tests share one API server).
fn in_namespace(manifest: &str, ns: &str) -> String {
    manifest.replace("namespace: app", &format!("namespace: {ns}"))
}

/// `CODE Kind/namespace/name` of every finding.
fn found(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let o = &f["object"];
            let ns = o["namespace"].as_str().unwrap_or("");
            format!(
                "{} {}/{}/{}",
                f["code"].as_str().unwrap(),
                o["kind"].as_str().unwrap(),
                ns,
                o["name"].as_str().unwrap()
            )
        })
        .collect()
}

/// What a fresh real cluster holds and what a user applies: the API server's own objects
/// (Service `kubernetes`, `kube-root-ca.crt`...) are not reported as the user's (issue 16),
/// and a privileged pod applied with kubectl is reported with its object and JSON path.
#[test]
fn cluster_audits_a_real_api_server() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("audited");
    c.apply(&in_namespace(PRIV, "audited"));
    let kc = c.admin().display().to_string();
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &kc, "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    assert!(v["errors"].as_array().unwrap().is_empty(), "{:#}", v["errors"]);
    let all = found(&v);
    let privileged: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "POD001" && f["object"]["namespace"] == "audited")
        .collect();
    assert_eq!(privileged.len(), 1, "{all:#?}");
    assert_eq!(privileged[0]["object"]["name"], "priv");
    assert_eq!(privileged[0]["path"], "/spec/containers/0/securityContext/privileged", "{:#}", privileged[0]);
    // The API server made Service `kubernetes` in `default`; the user cannot move or delete it.
    // (`kube-root-ca.crt` and the `default` ServiceAccounts come from the controller manager,
    // which this harness does not run.)
    let listed = c.kubectl(&["get", "service", "kubernetes", "-n", "default", "-o", "name"], None);
    assert!(listed.status.success(), "the real API server creates Service `kubernetes`: {}", text(&listed));
    assert!(
        !all.iter().any(|f| f.ends_with(" Service/default/kubernetes")),
        "Service `kubernetes` is the API server's, not the user's: {all:#?}"
    );
}

/// `kubeward cluster` as a user bound to `deploy/cluster-audit/`'s ClusterRole: it audits with
/// those rights alone, and the API server's audit log shows that every request it made was a
/// read (`get`, `list`), and which reads the role refused.
#[test]
fn cluster_as_the_documented_auditor_only_reads() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("read");
    c.apply(&in_namespace(PRIV, "read"));
    let kc = c.auditor().display().to_string();
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &kc, "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    assert!(v["errors"].as_array().unwrap().is_empty(), "{:#}", v["errors"]);
    assert!(found(&v).iter().any(|f| f == "POD001 Pod/read/priv"), "{:#?}", found(&v));
    let requests = c.requests_of("auditor");
    assert!(requests.len() > 10, "the audit log records the auditor's requests: {requests:#?}");
    let writes: Vec<_> = requests.iter().filter(|(verb, _, _)| !matches!(verb.as_str(), "get" | "list")).collect();
    assert!(writes.is_empty(), "only reads: {writes:#?}");
    // The role covers every read kubeward makes here (a cluster without nodes: the kubelets'
    // `nodes/proxy`, which the role leaves out on purpose, is not asked for).
    let refused: Vec<_> = requests.iter().filter(|(_, _, code)| *code == 403).collect();
    assert!(refused.is_empty(), "refused: {refused:#?}");
}

/// A user the cluster grants nothing: `kubeward cluster` does not crash or pass; every kind
/// it could not list is a GEN003 finding that names it, and the run reads no object.
#[test]
fn cluster_as_a_user_without_rights_reports_what_it_could_not_read() {
    let Some(c) = k8s_harness::shared() else { return };
    let kc = c.user("nobody", None).display().to_string();
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &kc, "-f", "json"]);
    assert_eq!(o.status.code(), Some(2), "a run that read nothing fails: {}", text(&o));
    let v = json(&o);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{:#}", v["errors"]);
    assert!(errors[0]["message"].as_str().unwrap().contains("no object could be read"), "{:#}", errors[0]);
    assert_eq!(
        v["summary"]["score"],
        serde_json::Value::Null,
        "no score for a run that read nothing: {:#}",
        v["summary"]
    );
    let gaps: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "GEN003")
        .filter_map(|f| f["object"]["name"].as_str())
        .collect();
    for kind in
        ["list-pods", "list-namespaces", "list-deployments.apps", "list-clusterrolebindings.rbac.authorization.k8s.io"]
    {
        assert!(gaps.contains(&kind), "GEN003 names `{kind}`: {gaps:#?}");
    }
    let requests = c.requests_of("nobody");
    assert!(requests.iter().all(|(verb, _, _)| verb == "get" || verb == "list"), "{requests:#?}");
}
