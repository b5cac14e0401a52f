//! `kubeward verify` against the real Kubernetes API server and etcd (the shared harness
//! `k8s_harness`: one instance for this test binary, a namespace per test): no enforcement, Pod
//! Security `enforce` labels, `kubeward serve` registered as a validating webhook, the API
//! server's audit log (only dry-run writes), a user without create rights, and the printed RBAC.
//! The harness reads `KUBE_APISERVER`, `ETCD` and `KUBECTL`; a test skips with a note when one
//! is missing, unless `KUBEWARD_REQUIRE_APISERVER=1` (CI), where that fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::{json, stdout, text, PRIV};

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Every probe id with the rule it probes, as the engine's table has them (with an allowed
/// registry configured, so the untrusted-registry probe runs).
const PROBES: &[(&str, &str)] = &[
    ("privileged", "POD001"),
    ("host-path-root", "POD010"),
    ("host-network", "POD006"),
    ("host-pid", "POD007"),
    ("host-ipc", "POD008"),
    ("run-as-root", "POD003"),
    ("add-sys-admin", "POD005"),
    ("privilege-escalation", "POD002"),
    ("seccomp-unconfined", "POD012"),
    ("host-port", "POD009"),
    ("service-account-token", "POD019"),
    ("untrusted-registry", "IMG003"),
    ("bind-cluster-admin", "RBAC002"),
];

/// Probes Pod Security does not cover (not pods, or not a pod property it checks).
const NOT_PSA: &[&str] = &["service-account-token", "untrusted-registry", "bind-cluster-admin"];

/// A configuration with an allowed registry, in its own file (tests share the cluster's folder).
fn config(c: &k8s_harness::RealCluster, name: &str) -> PathBuf {
    let p = c.path().join(format!("{name}.kubeward.yaml"));
    std::fs::write(&p, "rules:\n  image:\n    allowed-registries: [registry.example.com]\n").unwrap();
    p
}

/// `kubeward verify` with `kubeconfig` and the configuration, and `args`.
fn verify(c: &k8s_harness::RealCluster, kubeconfig: &Path, cfg: &Path, args: &[&str]) -> Output {
    let (kc, cfg) = (kubeconfig.display().to_string(), cfg.display().to_string());
    let mut all = vec!["verify", "--kubeconfig", &kc, "--config", &cfg];
    all.extend_from_slice(args);
    support::kubeward(c.path(), &all)
}

/// `probe-id` of each finding on Namespace `ns` (`/probes/ID`), checking its code on the way,
/// in the table's order.
fn admitted(v: &serde_json::Value, ns: &str) -> Vec<String> {
    let mut ids: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["object"]["kind"] == "Namespace" && f["object"]["name"] == ns)
        .map(|f| {
            let id = f["path"].as_str().unwrap().strip_prefix("/probes/").unwrap().to_string();
            let code = PROBES.iter().find(|(p, _)| *p == id).map(|(_, c)| *c);
            assert_eq!(f["code"].as_str(), code, "{f:#}");
            id
        })
        .collect();
    ids.sort_by_key(|id| PROBES.iter().position(|(p, _)| p == id));
    ids
}

/// The text table's outcome of `probe` in `ns` (rows name the namespace on their first line).
fn outcome(table: &str, ns: &str, probe: &str) -> String {
    let mut current = String::new();
    for line in table.lines() {
        let Some(row) = line.strip_prefix("  ") else { continue };
        let cols: Vec<&str> = row.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
        let (first, rest) = match cols.as_slice() {
            [n, p, o] => (Some(*n), (*p, *o)),
            [p, o] => (None, (*p, *o)),
            _ => continue,
        };
        if let Some(n) = first {
            current = n.to_string();
        }
        if current == ns && rest.0.split(' ').next() == Some(probe) {
            return rest.1.to_string();
        }
    }
    panic!("no row for {ns}/{probe} in:\n{table}")
}

fn all_ids() -> Vec<String> {
    PROBES.iter().map(|(p, _)| (*p).to_string()).collect()
}

/// (a) No enforcement: every probe is admitted, a finding each, with the probed rule's code,
/// the Namespace and the probe's path; the message says nothing enforces it. The exit code is
/// 1 (findings), as for `scan`. JSON and SARIF carry the same findings.
#[test]
fn without_enforcement_every_probe_is_admitted() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("open");
    let cfg = config(c, "open");
    // Named twice, verified once.
    let o = verify(c, c.admin(), &cfg, &["-n", "open", "-n", "open", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    assert!(v["errors"].as_array().unwrap().is_empty(), "{:#}", v["errors"]);
    assert_eq!(admitted(&v, "open"), all_ids());
    let privileged = v["findings"].as_array().unwrap().iter().find(|f| f["path"] == "/probes/privileged").unwrap();
    assert_eq!(privileged["code"], "POD001");
    assert_eq!(privileged["severity"], "critical");
    assert_eq!(
        privileged["message"],
        "namespace `open` admits privileged pods: nothing enforces POD001 there; Pod Security `enforce` label is \
         absent, and no admission webhook or policy denied it"
    );
    assert_eq!(v["tool"]["command"], "verify");

    let o = verify(c, c.admin(), &cfg, &["-n", "open", "-f", "sarif"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let sarif = json(&o);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rules: Vec<&str> = results.iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    let mut expected: Vec<&str> = PROBES.iter().map(|(_, c)| *c).collect();
    let mut sorted = rules.clone();
    sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(sorted, expected);
    assert!(results.iter().all(|r| r["message"]["text"].as_str().unwrap().starts_with("namespace `open` admits")));
}

/// (b) Pod Security: in a namespace labelled `enforce: restricted` every probe Pod Security
/// covers is denied, naming Pod Security `restricted`, and only the others are findings; a
/// namespace without the label still admits everything; under `enforce: baseline` with
/// `warn: restricted`, the two restricted-only probes are admitted, and the finding says that
/// baseline allows them and quotes the API server's Pod Security warning.
#[test]
fn pod_security_enforce_denies_what_it_covers() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace_with("psa-restricted", &[("pod-security.kubernetes.io/enforce", "restricted")]);
    c.namespace_with(
        "psa-baseline",
        &[("pod-security.kubernetes.io/enforce", "baseline"), ("pod-security.kubernetes.io/warn", "restricted")],
    );
    c.namespace("psa-none");
    let cfg = config(c, "psa");
    let ns = ["-n", "psa-restricted", "-n", "psa-baseline", "-n", "psa-none"];
    let o = verify(c, c.admin(), &cfg, &[&ns[..], &["-f", "json"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    assert!(v["errors"].as_array().unwrap().is_empty(), "{:#}", v["errors"]);
    assert_eq!(admitted(&v, "psa-restricted"), NOT_PSA);
    assert_eq!(admitted(&v, "psa-none"), all_ids());
    let baseline = admitted(&v, "psa-baseline");
    assert_eq!(baseline, [&["run-as-root", "privilege-escalation"][..], NOT_PSA].concat());
    let root = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["object"]["name"] == "psa-baseline" && f["path"] == "/probes/run-as-root")
        .unwrap();
    let m = root["message"].as_str().unwrap();
    assert!(m.contains("Pod Security enforces `baseline`, which allows it (`restricted` denies it)"), "{m}");
    assert!(m.contains("`warn: restricted` only warns"), "{m}");
    assert!(m.contains("the API server warned: \"would violate PodSecurity \"restricted:latest\""), "{m}");

    let o = verify(c, c.admin(), &cfg, &ns);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let table = stdout(&o);
    for (id, _) in PROBES {
        let got = outcome(&table, "psa-restricted", id);
        if NOT_PSA.contains(id) {
            assert_eq!(got, "admitted", "{id}");
        } else {
            assert_eq!(got, "denied by Pod Security `restricted`", "{id}");
        }
        assert_eq!(outcome(&table, "psa-none", id), "admitted", "{id}");
    }
    assert_eq!(outcome(&table, "psa-restricted", "control"), "admitted");
    assert_eq!(outcome(&table, "psa-baseline", "privileged"), "denied by Pod Security `baseline`");
}

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// (c) `kubeward serve` registered as a validating webhook (`failurePolicy: Fail`) on one
/// namespace: the probes it denies (findings at or above its `--deny-at high`) name webhook
/// `validate.kubeward.io`; those it only warns about are admitted, and the finding quotes its
/// warning as the API server returned it.
#[test]
fn a_registered_kubeward_serve_denies_and_is_named() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("hooked");
    let (crt, key) = c.serving_cert("verify-webhook");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .current_dir(c.path())
        .args(["serve", "--tls-cert-file"])
        .arg(&crt)
        .arg("--tls-private-key-file")
        .arg(&key)
        .args(["--listen", "127.0.0.1:0", "--health-listen", "127.0.0.1:0", "--no-decision-log"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(serve.stderr.take().unwrap()).lines();
    let serve = Kill(serve);
    let listen = loop {
        let line = log.next().expect("kubeward serve logs `serving`").unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if v["msg"] == "serving" {
            break v["listen"].as_str().unwrap().to_string();
        }
    };
    std::thread::spawn(move || log.for_each(drop));
    let ca_bundle = kubeward_engine::base64::encode(&std::fs::read(c.ca_file()).unwrap());
    c.apply(&format!(
        "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: kubeward-verify-test
webhooks:
  - name: validate.kubeward.io
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Fail
    timeoutSeconds: 10
    clientConfig:
      url: https://{listen}/validate
      caBundle: {ca_bundle}
    namespaceSelector:
      matchLabels: {{kubernetes.io/metadata.name: hooked}}
    rules:
      - apiGroups: [\"\"]
        apiVersions: [v1]
        operations: [CREATE]
        resources: [pods]
"
    ));
    // The API server picks the configuration up within a moment: wait until it denies.
    let priv_pod = PRIV.replace("namespace: app", "namespace: hooked");
    let started = Instant::now();
    while c.kubectl(&["apply", "--dry-run=server", "-f", "-"], Some(&priv_pod)).status.success() {
        assert!(started.elapsed() < Duration::from_secs(30), "the webhook never took effect");
        std::thread::sleep(Duration::from_millis(200));
    }
    let cfg = config(c, "hooked");
    let o = verify(c, c.admin(), &cfg, &["-n", "hooked"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let table = stdout(&o);
    assert_eq!(outcome(&table, "hooked", "control"), "admitted");
    for id in ["privileged", "host-path-root", "host-network", "host-pid", "host-ipc", "add-sys-admin"] {
        assert_eq!(outcome(&table, "hooked", id), "denied by admission webhook `validate.kubeward.io`", "{id}");
    }
    // Below --deny-at: warned about, admitted.
    assert_eq!(outcome(&table, "hooked", "host-port"), "admitted", "{table}");
    let o = verify(c, c.admin(), &cfg, &["-n", "hooked", "-f", "json"]);
    let v = json(&o);
    let ids = admitted(&v, "hooked");
    assert!(!ids.iter().any(|i| i == "privileged" || i == "host-network"), "{ids:?}");
    let seccomp = v["findings"].as_array().unwrap().iter().find(|f| f["path"] == "/probes/host-port").unwrap();
    let m = seccomp["message"].as_str().unwrap();
    assert!(m.contains("the API server warned: \"") && m.contains("POD009"), "kubeward serve's warning quoted: {m}");
    drop(serve);
}

/// Binds `user` to ClusterRole `role`.
fn bind(c: &k8s_harness::RealCluster, user: &str, role: &str) {
    c.apply(&format!(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {role}-{user}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}
subjects:
  - {{apiGroup: rbac.authorization.k8s.io, kind: User, name: {user}}}
"
    ));
}

/// (d) and (f): the RBAC `kubeward verify --print-rbac` prints (deploy/verify/rbac.yaml),
/// applied to the real API server and bound to a user, suffices: the API server's audit log
/// shows that every write of that user was a dry-run create (`dryRun=All`), one per probe and
/// the control pod, that nothing was refused but the RoleBinding to `cluster-admin` (RBAC
/// escalation prevention, the probed outcome), and no probe object exists afterwards.
#[test]
fn the_printed_rbac_suffices_and_only_dry_runs_are_sent() {
    let Some(c) = k8s_harness::shared() else { return };
    let o = support::kubeward(c.path(), &["verify", "--print-rbac"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let rbac = stdout(&o);
    assert_eq!(rbac, std::fs::read_to_string(support::repo().join("deploy/verify/rbac.yaml")).unwrap());
    c.apply(&rbac);
    bind(c, "verifier", "kubeward-verify");
    let kc = c.user("verifier", None);
    c.namespace("dry");
    let cfg = config(c, "dry");
    let o = verify(c, &kc, &cfg, &["-n", "dry"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let table = stdout(&o);
    assert_eq!(outcome(&table, "dry", "bind-cluster-admin"), "denied by RBAC escalation prevention");
    assert_eq!(outcome(&table, "dry", "privileged"), "admitted");

    let requests = c.requests_of("verifier");
    let writes: Vec<_> = requests.iter().filter(|(verb, _, _)| !matches!(verb.as_str(), "get" | "list")).collect();
    assert_eq!(writes.len(), PROBES.len() + 1, "a create per probe and the control pod: {writes:#?}");
    for (verb, uri, _) in &writes {
        assert_eq!(verb, "create", "{uri}");
        let query = uri.split_once('?').map(|(_, q)| q).unwrap_or("");
        assert!(query.split('&').any(|kv| kv == "dryRun=All"), "not a dry run: {uri}");
    }
    let refused: Vec<_> = requests.iter().filter(|(_, _, code)| *code == 401 || *code == 403).collect();
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert!(
        refused[0].1.starts_with("/apis/rbac.authorization.k8s.io/v1/namespaces/dry/rolebindings?"),
        "{refused:#?}"
    );
    for kind in ["pods", "rolebindings"] {
        let o = c.kubectl(&["get", kind, "-n", "dry", "-l", "kubeward.io/verify-probe", "-o", "name"], None);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(stdout(&o), "", "no {kind} persisted");
    }
}

/// (e) A user who may read namespaces but not create anything: every probe is inconclusive,
/// an error naming the missing right, exit code 2, no finding and no score: not a pass.
#[test]
fn a_user_without_create_rights_is_inconclusive_not_a_pass() {
    let Some(c) = k8s_harness::shared() else { return };
    c.apply(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: namespace-reader
rules:
  - {apiGroups: [\"\"], resources: [namespaces], verbs: [get, list]}
",
    );
    bind(c, "reader", "namespace-reader");
    let kc = c.user("reader", None);
    c.namespace("readonly");
    let cfg = config(c, "readonly");
    let o = verify(c, &kc, &cfg, &["-n", "readonly", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let v = json(&o);
    assert!(v["findings"].as_array().unwrap().is_empty(), "{:#}", v["findings"]);
    let errors: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert!(errors.iter().any(|e| e.contains("namespace `readonly`") && e.contains("may not create")), "{errors:#?}");
    assert!(errors.iter().any(|e| e.contains("nothing was proven")), "{errors:#?}");
    assert_eq!(v["summary"]["score"], serde_json::Value::Null, "{:#}", v["summary"]);
}

/// A server too old for server-side dry run (before v1.18 it may ignore `dryRun` and create
/// the object): `kubeward verify` refuses before sending anything, exit code 2. The fake API
/// server stands in for the real one here, because a real v1.37 API server cannot be made to
/// report an old version.
#[test]
fn an_api_server_without_dry_run_is_refused() {
    let server = fake_apiserver::FakeApiServer::start(
        fake_apiserver::Cluster::new("v1.17.3"),
        fake_apiserver::Options::default(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kubeconfig"), server.kubeconfig()).unwrap();
    let o = support::kubeward(dir.path(), &["verify", "--kubeconfig", "kubeconfig"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = support::stderr(&o);
    assert!(err.contains("refusing to verify") && err.contains("v1.17.3") && err.contains("dry run"), "{err}");
    let log = server.requests();
    assert!(log.iter().all(|r| r.method == "GET"), "{log:#?}");
    assert!(log.iter().any(|r| r.uri == "/version"), "{log:#?}");
}

/// ValidatingAdmissionPolicies: one that denies `hostNetwork` in a namespace is named as the
/// denier of that probe only; one that denies every pod in another namespace denies the control
/// pod too, so that namespace's pod probes prove nothing: they are not sent, an input error
/// says why (exit code 2), and its RoleBinding probe, which does not depend on the control pod,
/// is still judged.
#[test]
fn validating_admission_policies_are_named_and_a_denied_control_pod_is_inconclusive() {
    let Some(c) = k8s_harness::shared() else { return };
    c.namespace("vap");
    c.namespace("vap-closed");
    let policy = |name: &str, expression: &str, message: &str, ns: &str| {
        format!(
            "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {{name: {name}}}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - {{apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE], resources: [pods]}}
  validations:
    - {{expression: \"{expression}\", message: \"{message}\"}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {{name: {name}}}
spec:
  policyName: {name}
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels: {{kubernetes.io/metadata.name: {ns}}}
"
        )
    };
    c.apply(&policy(
        "no-host-network",
        "!has(object.spec.hostNetwork) || !object.spec.hostNetwork",
        "pods may not use the host network",
        "vap",
    ));
    c.apply(&policy("no-pods", "false", "no pods here", "vap-closed"));
    // Policies take effect within a moment: wait until both deny.
    let host_pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: h, namespace: vap}\nspec:\n  hostNetwork: true\n  containers: [{name: a, image: registry.example.com/a:1}]\n";
    let closed_pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: vap-closed}\nspec:\n  containers: [{name: a, image: registry.example.com/a:1}]\n";
    let started = Instant::now();
    for pod in [host_pod, closed_pod] {
        while c.kubectl(&["apply", "--dry-run=server", "-f", "-"], Some(pod)).status.success() {
            assert!(started.elapsed() < Duration::from_secs(30), "the policy never took effect: {pod}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let cfg = config(c, "vap");
    let o = verify(c, c.admin(), &cfg, &["-n", "vap", "-n", "vap-closed"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let table = stdout(&o);
    assert_eq!(outcome(&table, "vap", "host-network"), "denied by ValidatingAdmissionPolicy `no-host-network`");
    assert_eq!(outcome(&table, "vap", "privileged"), "admitted");
    assert_eq!(outcome(&table, "vap-closed", "control"), "denied by ValidatingAdmissionPolicy `no-pods`");
    assert_eq!(outcome(&table, "vap-closed", "privileged"), "not sent (control pod not admitted)");
    assert_eq!(outcome(&table, "vap-closed", "bind-cluster-admin"), "admitted");

    let o = verify(c, c.admin(), &cfg, &["-n", "vap", "-n", "vap-closed", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let v = json(&o);
    assert_eq!(admitted(&v, "vap-closed"), ["bind-cluster-admin"]);
    assert!(!admitted(&v, "vap").contains(&"host-network".to_string()));
    let errors: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("namespace `vap-closed`: probes `privileged`, ")
            && errors[0].contains("the control pod (which Pod Security `restricted` admits) was denied too")
            && errors[0].contains("no pods here"),
        "{}",
        errors[0]
    );
}

/// A server that answers every probe with something that is not a verdict (405: the fake API
/// server takes GET only, which no real API server does for pods): every probe is
/// inconclusive, exit code 2, no finding and no "denied" either. The fake stands in because a
/// real API server cannot be made to answer so. `--exclude-namespace` leaves a listed
/// namespace out.
#[test]
fn answers_that_are_not_verdicts_are_inconclusive() {
    let mut cluster = fake_apiserver::Cluster::new("v1.37.2");
    for name in ["kube-system", "shop"] {
        cluster.add(serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}));
    }
    let server = fake_apiserver::FakeApiServer::start(cluster, fake_apiserver::Options::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kubeconfig"), server.kubeconfig()).unwrap();
    let o =
        support::kubeward(dir.path(), &["verify", "--kubeconfig", "kubeconfig", "--exclude-namespace", "kube-system"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let out = stdout(&o);
    assert!(!out.contains("kube-system"), "{out}");
    assert_eq!(outcome(&out, "shop", "control"), "inconclusive", "{out}");
    assert_eq!(outcome(&out, "shop", "privileged"), "not sent (control pod not admitted)");
    assert_eq!(outcome(&out, "shop", "bind-cluster-admin"), "inconclusive");
    assert!(!out.contains("denied by"), "{out}");
    let posts: Vec<_> = server.requests().into_iter().filter(|r| r.method == "POST").collect();
    assert_eq!(posts.len(), 2, "the control pod and the RoleBinding: {posts:#?}");
    assert!(posts.iter().all(|r| r.uri.contains("?dryRun=All&")), "{posts:#?}");
}
