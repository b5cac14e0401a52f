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
    let claims: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .filter(|c| *c != "GEN003")
        .collect();
    assert!(claims.is_empty(), "nothing is claimed about a cluster that could not be read: {claims:?}");
    let requests = c.requests_of("nobody");
    assert!(requests.iter().all(|(verb, _, _)| verb == "get" || verb == "list"), "{requests:#?}");
}

/// The anonymous client (a kubeconfig without credentials): the API server takes it as
/// `system:anonymous`, which RBAC grants `/version` and health only, not discovery. `kubeward
/// cluster` does not pass; GEN003 names the non-resource URL and says the cause is the missing
/// credentials, not a missing grant; and no rule claims that something is absent from a
/// cluster it could not read (NET011, POD026 said "no service mesh", "no runtime threat
/// detection" before).
#[test]
fn cluster_as_the_anonymous_client_does_not_pass_and_claims_nothing() {
    let Some(c) = k8s_harness::shared() else { return };
    let kc = c.anonymous().display().to_string();
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &kc, "-f", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let v = json(&o);
    let findings = v["findings"].as_array().unwrap();
    let codes: Vec<&str> = findings.iter().filter_map(|f| f["code"].as_str()).collect();
    assert!(codes.iter().all(|c| *c == "GEN003"), "only what could not be read: {codes:?}");
    let discovery = findings.iter().find(|f| f["object"]["name"] == "get--apis").expect("GEN003 for /apis");
    let (msg, fix) = (discovery["message"].as_str().unwrap(), discovery["remediation"].as_str().unwrap());
    assert!(msg.contains("non-resource URL `/apis` for user `system:anonymous`"), "{msg}");
    assert!(fix.contains("sent no credentials the server accepted"), "{fix}");
}

/// A user who may read namespaces and pods but not NetworkPolicies or DaemonSets: the pods are
/// audited; GEN003 names the lists it could not read; and no rule claims what those lists would
/// have shown: "no default-deny policy" in a namespace (NET001, NET002), "selected by no network
/// policy" (NET003), "no runtime threat detection" (POD026), "no service mesh" (NET011) were
/// reported on every namespace and pod before.
#[test]
fn cluster_with_partial_rights_claims_nothing_about_what_it_could_not_read() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("partial");
    c.apply(&in_namespace(PRIV, "partial"));
    c.apply(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: read-pods-only}
rules:
  - {apiGroups: [\"\"], resources: [namespaces, pods], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: read-pods-only}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: read-pods-only}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: partial}]
",
    );
    let kc = c.user("partial", None).display().to_string();
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &kc, "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    let all = found(&v);
    assert!(all.iter().any(|f| f == "POD001 Pod/partial/priv"), "{all:#?}");
    for gap in ["list-networkpolicies.networking.k8s.io", "list-daemonsets.apps"] {
        assert!(all.iter().any(|f| f.starts_with("GEN003 ") && f.ends_with(&format!("/{gap}"))), "{gap}: {all:#?}");
    }
    let claims: Vec<&String> = all
        .iter()
        .filter(|f| ["NET001 ", "NET002 ", "NET003 ", "NET011 ", "POD026 "].iter().any(|c| f.starts_with(c)))
        .collect();
    assert!(claims.is_empty(), "claims about lists that could not be read: {claims:#?}");
}

/// A team's identity, bound by a RoleBinding to the read rights of one namespace only (the
/// usual rights of a developer or a namespace's CI): `kubeward cluster --namespace` audits that
/// namespace with them, asks only for that namespace's lists, and claims nothing about the
/// whole cluster, which it did not see (NET011 "no service mesh" and POD026 "no runtime threat
/// detection runs in the cluster" were reported before).
#[test]
fn cluster_namespace_mode_with_a_namespace_role_only() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("team");
    c.apply(&in_namespace(PRIV, "team"));
    c.apply(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team-view, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubeward-audit}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: team-dev}]
",
    );
    let kc = c.user("team-dev", None).display().to_string();
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &kc, "--namespace", "team", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    assert!(v["errors"].as_array().unwrap().is_empty(), "{:#}", v["errors"]);
    let all = found(&v);
    assert!(all.iter().any(|f| f == "POD001 Pod/team/priv"), "{all:#?}");
    assert!(all.iter().any(|f| f == "NET001 Namespace//team"), "its own policies were listed: {all:#?}");
    let outside: Vec<&String> = all.iter().filter(|f| !f.contains("/team/") && !f.ends_with("//team")).collect();
    assert!(outside.is_empty(), "nothing outside the namespace: {outside:#?}");
    let requests = c.requests_of("team-dev");
    let lists: Vec<&String> = requests.iter().filter(|(verb, ..)| verb == "list").map(|(_, uri, _)| uri).collect();
    assert!(!lists.is_empty() && lists.iter().all(|uri| uri.contains("/namespaces/team/")), "{lists:#?}");
    let refused: Vec<_> = requests.iter().filter(|(.., code)| *code == 403).collect();
    assert!(refused.is_empty(), "{refused:#?}");
}
