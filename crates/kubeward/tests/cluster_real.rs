//! `kubeward cluster` against the real Kubernetes API server (`k8s_harness`), compared with
//! `kubeward scan` over the same files: `examples/insecure` and `examples/hardened`, each on a
//! private instance (both use namespace `shop` and the same names), applied document by document
//! with the real kubectl as the admin, then audited as the auditor of `deploy/cluster-audit/`.
//!
//! Every difference between the two reports is listed in [`EXPECTED`] with its reason (what the
//! API server does to what it is given), and every document the API server refuses is listed in
//! [`REFUSED`]: a new difference, or one that went away, fails the test.
//!
//! The harness reads `KUBE_APISERVER`, `ETCD` and `KUBECTL`; a test skips with a note when one is
//! missing, unless `KUBEWARD_REQUIRE_APISERVER=1` (CI), where that fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::{json, text};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use k8s_harness::RealCluster;

/// What the test applies besides the examples, and scans with them: the namespaces the examples
/// use without creating them, the `default` ServiceAccounts the controller manager (which the
/// harness does not run) would create, and the Argo Rollout CRD (an open schema) with the
/// ClusterRole `deploy/cluster-audit/rbac.yaml`'s comment tells users to add for it.
const EXTRAS: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: kube-flannel
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: rollouts.argoproj.io
spec:
  group: argoproj.io
  scope: Namespaced
  names: {plural: rollouts, singular: rollout, kind: Rollout, listKind: RolloutList}
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kubeward-audit-rollouts
rules:
  - apiGroups: [argoproj.io]
    resources: [rollouts]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kubeward-audit-rollouts
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubeward-audit-rollouts}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: auditor}
";

/// The objects the harness itself applies to every instance (its auditor's identity).
const HARNESS: &str = k8s_harness::AUDITOR_BINDING;

/// The namespaces that get a `default` ServiceAccount (see [`EXTRAS`]).
const SA_NAMESPACES: &[&str] = &["default", "kube-system", "kube-flannel", "shop"];

/// A document the real API server (or kubectl's schema validation, which asks it for the
/// OpenAPI schema) refuses: (example file, `Kind/namespace/name`, words of the refusal, why).
type Refusal = (&'static str, &'static str, &'static str, &'static str);

/// Every document of the examples that `kubectl apply` refuses.
const REFUSED: &[Refusal] = &[
    (
        "examples/insecure/web.yaml",
        "Deployment/shop/web",
        "strict decoding error: unknown field \"spec.template.spec.securityContext.privileged\"",
        "`privileged` belongs to a container's securityContext; the API server decodes strictly and refuses the \
         unknown pod-level field (`scan` reports it as POD001 where it is, a mistake to catch before apply)",
    ),
    (
        "examples/insecure/worker.yaml",
        "CronJob/default/report",
        "may not be specified when 'hostIPC' is true",
        "validation: an IPC-namespace sysctl (`kernel.msgmax`) cannot be set in the host's IPC namespace",
    ),
    (
        "examples/insecure/config.yaml",
        "PodSecurityPolicy//permissive",
        "no matches for kind \"PodSecurityPolicy\" in version \"policy/v1beta1\"",
        "PodSecurityPolicy was removed in Kubernetes 1.25: a current API server does not serve it",
    ),
    (
        "examples/insecure/node-cluster-config.yaml",
        "EncryptionConfiguration//",
        "no matches for kind \"EncryptionConfiguration\"",
        "a file the API server reads (`--encryption-provider-config`), not an API object",
    ),
    (
        "examples/insecure/node-cluster-config.yaml",
        "Policy//",
        "no matches for kind \"Policy\" in version \"audit.k8s.io/v1\"",
        "the audit policy is a file the API server reads (`--audit-policy-file`), not an API object",
    ),
    (
        "examples/insecure/node-cluster-config.yaml",
        "Cluster//shop.example.com",
        "no matches for kind \"Cluster\" in version \"kops.k8s.io/v1alpha2\"",
        "a kOps cluster specification, kept in kOps' state store, not in the cluster",
    ),
    (
        "examples/insecure/node-cluster-config.yaml",
        "InstanceGroup//nodes-eu-west-1a",
        "no matches for kind \"InstanceGroup\"",
        "a kOps instance group, kept in kOps' state store, not in the cluster",
    ),
    (
        "examples/insecure/node-kubelet.yaml",
        "KubeletConfiguration//",
        "no matches for kind \"KubeletConfiguration\"",
        "the kubelet's configuration file: `cluster` reads it from each node (`nodes/proxy` configz), not as an object",
    ),
    (
        "examples/insecure/node-kubelet.yaml",
        "Config//",
        "no matches for kind \"Config\" in version \"v1\"",
        "a kubeconfig file, not an API object",
    ),
    (
        "examples/hardened/control-plane/cluster-config.yaml",
        "EncryptionConfiguration//",
        "no matches for kind \"EncryptionConfiguration\"",
        "a file the API server reads, not an API object",
    ),
    (
        "examples/hardened/control-plane/cluster-config.yaml",
        "Policy//",
        "no matches for kind \"Policy\" in version \"audit.k8s.io/v1\"",
        "the audit policy is a file the API server reads, not an API object",
    ),
    (
        "examples/hardened/control-plane/cluster-config.yaml",
        "Cluster//shop.example.com",
        "no matches for kind \"Cluster\" in version \"kops.k8s.io/v1alpha2\"",
        "a kOps cluster specification, not in the cluster",
    ),
    (
        "examples/hardened/control-plane/cluster-config.yaml",
        "InstanceGroup//nodes-eu-west-1a",
        "no matches for kind \"InstanceGroup\"",
        "a kOps instance group, not in the cluster",
    ),
    (
        "examples/hardened/control-plane/kubelet.yaml",
        "KubeletConfiguration//",
        "no matches for kind \"KubeletConfiguration\"",
        "the kubelet's configuration file, read from each node, not an object",
    ),
];

/// Which report a difference is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    /// Only `scan` reports it.
    Scan,
    /// Only `cluster` reports it.
    Cluster,
    /// Both report it (same code, object, container and path) with different messages.
    Message,
}

/// An expected difference: (example set, `*` for both, side, code, `Kind/namespace/name` with
/// an optional trailing `*`, why).
type Difference = (&'static str, Side, &'static str, &'static str, &'static str);

/// Every difference between `scan` of the files and `cluster` of the applied objects, besides
/// the findings of refused documents (which only `scan` can report).
const EXPECTED: &[Difference] = &[
    // Defaulting: fields the API server fills in.
    (
        "insecure",
        Side::Message,
        "IMG004",
        "*",
        "the API server sets `imagePullPolicy: IfNotPresent` on every container of a tagged image that sets \
         none: `scan` says the field is unset and defaults to it, `cluster` reads the value",
    ),
    (
        "insecure",
        Side::Message,
        "POD020",
        "Pod/*",
        "ServiceAccount admission sets `serviceAccountName: default` on every Pod that names none: `cluster` \
         cannot tell it from a written one, and says so",
    ),
    // What the API server keeps of what it is given.
    (
        "insecure",
        Side::Scan,
        "GEN001",
        "ConfigMap/shop/feature-flags",
        "a key written twice: the API server keeps the last value silently, only the file shows both",
    ),
    // The API server's own objects, which no file holds.
    (
        "*",
        Side::Cluster,
        "NET001",
        "Namespace//*",
        "namespaces the API server creates (`default`, `kube-public`, `kube-node-lease`)",
    ),
    ("*", Side::Cluster, "NET002", "Namespace//*", "namespaces the API server creates"),
    ("*", Side::Cluster, "NS002", "Namespace//*", "namespaces the API server creates"),
    ("*", Side::Cluster, "RBAC001", "ClusterRole//*", "the API server's bootstrap ClusterRoles (reported as built-in)"),
    // What runs (or does not) in the cluster.
    (
        "hardened",
        Side::Cluster,
        "NET011",
        "Namespace//kube-system",
        "whole-cluster rules judge input that holds Namespace `kube-system`: the API server creates it, the \
         hardened files do not hold it (the insecure ones do, so both report it there)",
    ),
    ("hardened", Side::Cluster, "POD026", "Namespace//kube-system", "as NET011: a whole-cluster rule"),
    (
        "insecure",
        Side::Cluster,
        "GEN003",
        "AuditGap//get-nodes-proxy",
        "the auditor's role leaves `nodes/proxy` out on purpose (deploy/cluster-audit/rbac.yaml): the kubelet \
         configuration of Node `worker-1` is not read",
    ),
    (
        "insecure",
        Side::Scan,
        "NODE087",
        "Pod/kube-system/*",
        "`scan` takes static pods in one folder for one node's; in the cluster pods share a node by \
         `spec.nodeName`, which no scheduler set here",
    ),
    (
        "insecure",
        Side::Scan,
        "RBAC014",
        "ClusterRoleBinding//ci-edit",
        "ClusterRole `edit` is aggregated by the controller manager, which the harness does not run: here it has \
         no rules, while `scan` knows what it grants",
    ),
];

/// A document of an example file: its text, and `Kind/namespace/name` as the engine reads it.
struct Doc {
    file: String,
    id: String,
    kind: String,
    text: String,
}

/// The documents of `text` (split at `---` lines), without empty ones.
fn documents(file: &str, text: &str) -> Vec<Doc> {
    let mut docs = Vec::new();
    let mut cur = String::new();
    let mut flush = |cur: &mut String| {
        let snap = kubeward_engine::Snapshot::from_text(file, cur);
        if let Some(o) = snap.objects().first() {
            docs.push(Doc {
                file: file.to_string(),
                id: format!("{}/{}/{}", o.kind(), o.namespace().unwrap_or(""), o.name()),
                kind: o.kind().to_string(),
                text: cur.clone(),
            });
        }
        cur.clear();
    };
    for line in text.lines() {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            flush(&mut cur);
        } else {
            cur.push_str(line);
            cur.push('\n');
        }
    }
    flush(&mut cur);
    docs
}

/// The YAML files under `dir` (`examples/X`), relative to the repository, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            // `insecure/node/` is a node tree, not manifests; `scans/` holds Trivy reports.
            if !matches!(p.file_name().and_then(|n| n.to_str()), Some("node" | "scans")) {
                out.extend(yaml_files(&p));
            }
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Each finding's identity (code, object, container, path) with its messages: a rule may
/// report one path more than once (one message per flag of a command line).
fn findings(v: &serde_json::Value) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in v["findings"].as_array().unwrap() {
        let o = &f["object"];
        let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
        let key = format!(
            "{} {}/{}/{} [{}] {}",
            s(&f["code"]),
            s(&o["kind"]),
            s(&o["namespace"]),
            s(&o["name"]),
            s(&f["container"]),
            s(&f["path"])
        );
        out.entry(key).or_default().push(s(&f["message"]));
    }
    for m in out.values_mut() {
        m.sort();
    }
    out
}

/// The messages of `a` not in `b` (as multisets).
fn minus(a: &[String], b: &[String]) -> Vec<String> {
    let mut left = b.to_vec();
    a.iter()
        .filter(|m| match left.iter().position(|x| x == *m) {
            Some(i) => {
                left.remove(i);
                false
            }
            None => true,
        })
        .cloned()
        .collect()
}

/// Whether `object` matches `pattern` (`Kind/namespace/name`, a trailing `*` matches any rest).
fn matches(pattern: &str, object: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => object.starts_with(prefix),
        None => pattern == object,
    }
}

/// `code Kind/ns/name` of a finding key.
fn code_and_object(key: &str) -> (String, String) {
    let mut it = key.split(' ');
    (it.next().unwrap().to_string(), it.next().unwrap().to_string())
}

/// The outcome of applying one example set and auditing it.
struct Outcome {
    cluster: RealCluster,
    /// `(file, id, kubectl's words)` of each refused document.
    refused: Vec<(String, String, String)>,
    scan: serde_json::Value,
    audit: serde_json::Value,
    /// The folder of the files `scan` read.
    _scanned: tempfile::TempDir,
}

/// Starts a private instance, applies `examples/{set}` and the extras document by document,
/// scans the same files and audits the cluster as the auditor.
fn apply_and_audit(set: &str) -> Option<Outcome> {
    let cluster = RealCluster::start()?;
    let repo = k8s_harness::repo();
    let scanned = tempfile::tempdir().unwrap();
    let mut docs = Vec::new();
    for f in yaml_files(&repo.join("examples").join(set)) {
        let rel = f.strip_prefix(&repo).unwrap().display().to_string();
        let text = std::fs::read_to_string(&f).unwrap();
        support::write(scanned.path(), &rel, &text);
        docs.extend(documents(&rel, &text));
    }
    let mut sas = String::new();
    for ns in SA_NAMESPACES {
        sas.push_str(&format!(
            "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n  namespace: {ns}\n"
        ));
    }
    let extras = format!("{EXTRAS}{sas}");
    support::write(scanned.path(), "extras.yaml", &extras);
    support::write(scanned.path(), "harness.yaml", HARNESS);
    for f in ["deploy/cluster-audit/namespace.yaml", "deploy/cluster-audit/rbac.yaml"] {
        support::write(scanned.path(), f, &std::fs::read_to_string(repo.join(f)).unwrap());
    }
    // Namespaces first, then the extras (ServiceAccounts in them, the CRD), then the rest.
    let extras = documents("extras.yaml", &extras);
    let (namespaces, rest): (Vec<Doc>, Vec<Doc>) = docs.into_iter().partition(|d| d.kind == "Namespace");
    let mut refused = Vec::new();
    for d in namespaces.iter().chain(&extras).chain(&rest) {
        let o = cluster.kubectl(&["apply", "-f", "-"], Some(&d.text));
        if !o.status.success() {
            refused.push((d.file.clone(), d.id.clone(), text(&o)));
        }
        if d.kind == "CustomResourceDefinition" {
            let o = cluster.kubectl(
                &["wait", "--for", "condition=Established", "--timeout=60s", "crd/rollouts.argoproj.io"],
                None,
            );
            assert!(o.status.success(), "{}", text(&o));
        }
    }
    let o = support::kubeward(scanned.path(), &["scan", ".", "-f", "json"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
    let scan = json(&o);
    let kc = cluster.auditor().display().to_string();
    let o = support::kubeward(cluster.path(), &["cluster", "--kubeconfig", &kc, "-f", "json"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
    let audit = json(&o);
    assert!(audit["errors"].as_array().unwrap().is_empty(), "{:#}", audit["errors"]);
    Some(Outcome { cluster, refused, scan, audit, _scanned: scanned })
}

/// Compares the two reports of `set`: refusals with [`REFUSED`], differences with [`EXPECTED`].
fn compare(set: &str, out: &Outcome) {
    let mut problems = Vec::new();
    // Refusals.
    let mut refused_ids = BTreeSet::new();
    for (file, id, words) in &out.refused {
        refused_ids.insert(id.clone());
        match REFUSED.iter().find(|(f, i, _, _)| f == file && i == id) {
            Some((_, _, expected, _)) if words.contains(expected) => {}
            Some((_, _, expected, _)) => {
                problems.push(format!("refused for another reason: {file} {id}: {words} (expected `{expected}`)"))
            }
            None => problems.push(format!("refused, not in REFUSED: {file} {id}: {words}")),
        }
    }
    for (file, id, _, _) in REFUSED.iter().filter(|(f, ..)| f.starts_with(&format!("examples/{set}/"))) {
        if !out.refused.iter().any(|(f, i, _)| f == file && i == id) {
            problems.push(format!("in REFUSED but applied: {file} {id}"));
        }
    }
    // Differences.
    let (s, c) = (findings(&out.scan), findings(&out.audit));
    let mut seen = BTreeSet::new();
    let mut check = |side: Side, key: &str, detail: String| {
        let (code, object) = code_and_object(key);
        if side == Side::Scan && refused_ids.contains(&object) {
            return;
        }
        match EXPECTED.iter().position(|(st, sd, cd, ob, _)| {
            (*st == set || *st == "*") && *sd == side && *cd == code && matches(ob, &object)
        }) {
            Some(i) => {
                seen.insert(i);
            }
            None => problems.push(format!("unexpected {side:?}: {key} {detail}")),
        }
    };
    let none = Vec::new();
    let mut same = 0;
    for k in s.keys().chain(c.keys().filter(|k| !s.contains_key(*k))) {
        let (sm, cm) = (s.get(k).unwrap_or(&none), c.get(k).unwrap_or(&none));
        let (only_s, only_c) = (minus(sm, cm), minus(cm, sm));
        same += sm.len() - only_s.len();
        for pair in 0..only_s.len().max(only_c.len()) {
            match (only_s.get(pair), only_c.get(pair)) {
                (Some(a), Some(b)) => check(Side::Message, k, format!(":: scan: {a} // cluster: {b}")),
                (Some(a), None) => check(Side::Scan, k, format!(":: {a}")),
                (None, Some(b)) => check(Side::Cluster, k, format!(":: {b}")),
                (None, None) => {}
            }
        }
    }
    for (i, d) in EXPECTED.iter().enumerate() {
        if (d.0 == set || d.0 == "*") && !seen.contains(&i) {
            problems.push(format!("expected but not seen: {d:?}"));
        }
    }
    let count = |m: &BTreeMap<String, Vec<String>>| m.values().map(Vec::len).sum::<usize>();
    eprintln!("{set}: {} findings in scan, {} in cluster, {same} the same", count(&s), count(&c));
    assert!(problems.is_empty(), "{set}:\n{}", problems.join("\n"));
}

/// `examples/insecure` (with the Argo Rollout and its CRD): `cluster` as the auditor finds what
/// `scan` finds in the same files, but for the listed differences.
#[test]
fn cluster_of_the_insecure_example_matches_scan_but_for_what_the_api_server_changes() {
    let Some(out) = apply_and_audit("insecure") else { return };
    compare("insecure", &out);
    // The one defaulted field whose message was untrue: ServiceAccount admission set
    // `serviceAccountName: default` on Pod `debug`, which names no ServiceAccount.
    let c = findings(&out.audit);
    assert_eq!(
        c["POD020 Pod/shop/debug [] /spec/serviceAccountName"],
        ["pod runs as the `default` ServiceAccount (`serviceAccountName: default`, which the API server also sets on a pod that names none)"]
    );
    audit_log_and_pagination(&out);
}

/// The API server's audit log of the auditor's run: reads only, and no read refused but
/// `nodes/proxy`, which `deploy/cluster-audit/rbac.yaml` leaves out on purpose (docs/cluster.md,
/// "RBAC it needs"). Then `--chunk-size 2`: the lists go in pages of 2 with `continue` tokens,
/// and the report is the same, finding for finding and in the same order.
fn audit_log_and_pagination(out: &Outcome) {
    let c = &out.cluster;
    let requests = c.requests_of("auditor");
    assert!(requests.len() > 20, "{requests:#?}");
    let writes: Vec<_> = requests.iter().filter(|(verb, _, _)| !matches!(verb.as_str(), "get" | "list")).collect();
    assert!(writes.is_empty(), "not one write: {writes:#?}");
    let refused: Vec<&str> =
        requests.iter().filter(|(_, _, code)| *code >= 400).map(|(_, uri, _)| uri.as_str()).collect();
    assert_eq!(refused, ["/api/v1/nodes/worker-1/proxy/configz"], "only the documented refusal");
    let lists: Vec<&str> =
        requests.iter().filter(|(verb, _, _)| verb == "list").map(|(_, uri, _)| uri.as_str()).collect();
    // Pages of 500 by default (the CRDs, read to choose which custom resources to list, in 50s):
    // this cluster fits in one page of each.
    assert!(
        lists.iter().all(|u| u.contains("limit=500") || u.contains("customresourcedefinitions?limit=50")),
        "{lists:#?}"
    );
    assert!(!lists.iter().any(|u| u.contains("continue=")), "{lists:#?}");

    let kc = c.auditor().display().to_string();
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &kc, "-f", "json", "--chunk-size", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let chunked = json(&o);
    let after = c.requests_of("auditor");
    let second = &after[requests.len()..];
    let lists: Vec<&str> =
        second.iter().filter(|(verb, _, _)| verb == "list").map(|(_, uri, _)| uri.as_str()).collect();
    assert!(lists.len() > 20, "{second:#?}");
    assert!(
        lists.iter().all(|u| u.contains("limit=2") || u.contains("customresourcedefinitions?limit=50")),
        "{lists:#?}"
    );
    // The API server's bootstrap ClusterRoles alone take dozens of pages.
    let continued = lists.iter().filter(|u| u.contains("continue=")).count();
    let roles = lists.iter().filter(|u| u.starts_with("/apis/rbac.authorization.k8s.io/v1/clusterroles?")).count();
    assert!(roles > 20 && continued > roles, "{continued} continued lists, {roles} of ClusterRoles: {lists:#?}");
    assert!(second.iter().all(|(verb, _, _)| verb == "get" || verb == "list"), "{second:#?}");
    assert_eq!(chunked["findings"], out.audit["findings"], "the same report in pages of 2");
    assert_eq!(chunked["summary"], out.audit["summary"]);
}

/// `examples/hardened`: the same comparison (`scan` reports nothing there).
#[test]
fn cluster_of_the_hardened_example_matches_scan_but_for_what_the_api_server_changes() {
    let Some(out) = apply_and_audit("hardened") else { return };
    compare("hardened", &out);
    drop(out.cluster);
}

/// Objects that leave out every field the API server defaults on what kubeward reads:
/// `serviceAccountName` (ServiceAccount admission, Pods only), `imagePullPolicy` (by tag),
/// `protocol` of ports, NetworkPolicy `policyTypes` (from `egress`), `restartPolicy`,
/// `dnsPolicy`, `schedulerName`, `terminationMessagePolicy`, an empty pod `securityContext`,
/// Service `type`, `sessionAffinity` and `clusterIP`.
const UNDEFAULTED: &str = "apiVersion: v1
kind: Namespace
metadata: {name: defaults}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: defaults}
---
apiVersion: v1
kind: Pod
metadata: {name: bare, namespace: defaults, labels: {app: bare}}
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      ports: [{containerPort: 8080, hostPort: 8080}]
    - name: latest
      image: registry.example.com/side
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: defaults}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: registry.example.com/web:2.0
          ports: [{containerPort: 53, hostPort: 53}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: defaults}
spec:
  template:
    spec:
      restartPolicy: Never
      hostNetwork: true
      containers:
        - name: job
          image: registry.example.com/job:1.0
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open-egress, namespace: defaults}
spec:
  podSelector: {}
  egress: [{}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: defaults}
spec:
  selector: {app: web}
  ports: [{port: 80}]
";

/// The class of the POD020 defect: on objects that leave every defaulted field out, `cluster`
/// (which reads them defaulted) reports what `scan` reports, but for the two differences of
/// [`EXPECTED`] that defaulting makes, each with a true message. In `--namespace` mode.
#[test]
fn defaulted_fields_change_no_finding_but_the_listed_messages() {
    let Some(c) = k8s_harness::shared() else { return };
    for d in documents("undefaulted.yaml", UNDEFAULTED) {
        let o = c.kubectl(&["apply", "-f", "-"], Some(&d.text));
        assert!(o.status.success(), "{}: {}", d.id, text(&o));
    }
    let dir = tempfile::tempdir().unwrap();
    support::write(dir.path(), "undefaulted.yaml", UNDEFAULTED);
    let scan = json(&support::kubeward(dir.path(), &["scan", ".", "-f", "json"]));
    let kc = c.admin().display().to_string();
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &kc, "--namespace", "defaults", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let audit = json(&o);
    let (s, a) = (findings(&scan), findings(&audit));
    assert!(s.len() > 10, "{s:#?}");
    let mut differences = Vec::new();
    for k in s.keys().chain(a.keys().filter(|k| !s.contains_key(*k))) {
        if s.get(k) != a.get(k) {
            differences.push(format!("{k}: scan {:?} // cluster {:?}", s.get(k), a.get(k)));
        }
    }
    let expected = [
        "IMG004 Deployment/defaults/web [app] /spec/template/spec/containers/0/imagePullPolicy",
        "IMG004 Job/defaults/once [job] /spec/template/spec/containers/0/imagePullPolicy",
        "IMG004 Pod/defaults/bare [app] /spec/containers/0/imagePullPolicy",
        "POD020 Pod/defaults/bare [] /spec/serviceAccountName",
    ];
    let keys: Vec<&str> = differences.iter().map(|d| d.split(": scan").next().unwrap()).collect();
    assert_eq!(keys, expected, "{differences:#?}");
    // A `--namespace` run sees one namespace: the rules about what the whole cluster lacks
    // (a service mesh, runtime threat detection) do not judge it (they did, on the API server's
    // version, claiming that nothing ran in a cluster they had not read).
    let whole_cluster: Vec<&String> = a.keys().filter(|k| k.starts_with("NET011") || k.starts_with("POD026")).collect();
    assert!(whole_cluster.is_empty(), "{whole_cluster:#?}");
}

/// A Deployment with a privileged container, in namespace `ns`.
fn privileged_deployment(ns: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {ns}}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: app
          image: registry.example.com/web:1.0
          securityContext: {{privileged: true}}
"
    )
}

/// Text and SARIF name the object and the JSON path, never a file; JSON has no file or line.
#[test]
fn cluster_text_sarif_and_json_name_objects_and_paths() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("texts");
    c.apply(&privileged_deployment("texts"));
    let kc = c.admin().display().to_string();
    let run = |extra: &[&str]| {
        let mut args = vec!["cluster", "--kubeconfig", &kc, "--namespace", "texts"];
        args.extend_from_slice(extra);
        support::kubeward(c.path(), &args)
    };
    let o = run(&[]);
    let out = support::stdout(&o);
    assert!(
        out.contains(
            "Deployment/texts/web: /spec/template/spec/containers/0/securityContext/privileged: critical POD001"
        ),
        "{out}"
    );
    assert!(out.contains("  = path: /spec/template/spec/containers/0/securityContext/privileged"), "{out}");
    assert!(out.contains(" objects from the cluster"), "{out}");
    let v = json(&run(&["--format", "sarif"]));
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let loc = &r["locations"][0];
        assert!(loc.get("physicalLocation").is_none(), "no file for cluster input: {loc}");
        assert!(loc["logicalLocations"][0]["fullyQualifiedName"].as_str().is_some_and(|n| !n.is_empty()), "{loc}");
    }
    let v = json(&run(&["--format", "json"]));
    assert_eq!(v["summary"]["files"], 0, "{}", v["summary"]);
    for f in v["findings"].as_array().unwrap() {
        assert!(f["file"].is_null() && f["line"].is_null(), "{f}");
        assert!(f["path"].as_str().is_some_and(|p| p.starts_with('/') || p.is_empty()), "{f}");
    }
}

/// Exit codes as for `scan`: 0 without a finding (no progress bar without a terminal), 1 with
/// one (configuration and `--select` work as for `scan`: a Node past end of life, only NODE084
/// selected), 2 for credentials the API server refuses (the error names the path and the
/// answer), an unknown context or a malformed namespace. `KUBECONFIG` from the environment.
#[test]
fn cluster_exit_codes_follow_scan() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("clean");
    c.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: clean}\ndata: {a: b}\n");
    let kc = c.admin().display().to_string();
    let o = support::kubeward(
        c.path(),
        &["cluster", "--kubeconfig", &kc, "--namespace", "clean", "--no-kubelet-config", "--select", "POD001"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(o.stderr.is_empty(), "no progress bar without a terminal: {}", support::stderr(&o));

    // A Node whose kubelet is past end of life: its status is the kubelet's to write.
    c.apply("apiVersion: v1\nkind: Node\nmetadata: {name: old-node}\n");
    let o = c.kubectl(
        &[
            "patch",
            "node",
            "old-node",
            "--subresource=status",
            "--type=merge",
            "-p",
            r#"{"status":{"nodeInfo":{"kubeletVersion":"v1.29.1"}}}"#,
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let dir = tempfile::tempdir().unwrap();
    support::write(dir.path(), ".kubeward.yaml", "select: [NODE084]\n");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["cluster", "--format", "json", "--no-kubelet-config"])
        .current_dir(dir.path())
        .env("KUBECONFIG", c.admin())
        .env("KUBEWARD_TODAY", "2026-11-22")
        .env_remove("KUBEWARD_CONFIG")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    let found: BTreeSet<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["code"].as_str().unwrap(), f["object"]["name"].as_str().unwrap()))
        .collect();
    assert_eq!(found, BTreeSet::from(["NODE084 old-node".to_string()]));

    // A token the API server does not know.
    let wrong = dir.path().join("wrong.kubeconfig");
    std::fs::write(
        &wrong,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: real\n  cluster:\n    server: {}\n    certificate-authority: {}\nusers:\n- name: wrong\n  user: {{token: not-a-token}}\ncontexts:\n- name: real\n  context: {{cluster: real, user: wrong}}\ncurrent-context: real\n",
            c.server(),
            c.ca_file().display()
        ),
    )
    .unwrap();
    let wrong = wrong.display().to_string();
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &wrong]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(support::stderr(&o).contains("GET /version: 401"), "{}", text(&o));
    // An unknown context and a malformed namespace are usage errors.
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &kc, "--context", "nope"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &kc, "--namespace", "../secrets"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(support::stderr(&o).contains("not a namespace name"), "{}", text(&o));
}

/// A user whose role leaves out `clusterrolebindings` (and, as the documented role does,
/// `nodes/proxy`): each refused read is a GEN003 finding naming the permission, a binding to
/// `cluster-admin` it could not read is not reported, and the rest is audited.
#[test]
fn forbidden_resources_are_reported_and_the_rest_audited() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("forbidden");
    c.apply(&privileged_deployment("forbidden"));
    c.apply(
        "apiVersion: v1
kind: Node
metadata: {name: forbidden-node}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: forbidden-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
  - {kind: ServiceAccount, name: default, namespace: forbidden}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: no-bindings}
rules:
  - {apiGroups: [\"\"], resources: [namespaces, nodes, pods, services, serviceaccounts, configmaps], verbs: [get, list]}
  - {apiGroups: [apps], resources: [deployments, statefulsets, daemonsets, replicasets], verbs: [get, list]}
  - {apiGroups: [rbac.authorization.k8s.io], resources: [roles, rolebindings, clusterroles], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: no-bindings}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: no-bindings}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: no-bindings}
",
    );
    let kc = c.user("no-bindings", None).display().to_string();
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &kc, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    assert!(v["errors"].as_array().unwrap().is_empty(), "{:#}", v["errors"]);
    let f = findings(&v);
    let gaps: Vec<&String> = f.values().flatten().filter(|m| m.starts_with("not audited")).collect();
    assert!(gaps.iter().any(|m| m.contains("missing permission `list` on `clusterrolebindings`")), "{gaps:#?}");
    assert!(gaps.iter().any(|m| m.contains("`get` on `nodes/proxy`")), "{gaps:#?}");
    assert!(!f.keys().any(|k| k.starts_with("RBAC002")), "the cluster-admin binding was not readable: {f:#?}");
    assert!(f.keys().any(|k| k.starts_with("POD001 Deployment/forbidden/web")), "the rest is audited: {f:#?}");
}
