//! `kubeward serve` registered with the real Kubernetes API server (etcd and kube-apiserver
//! v1.37.2, started by the shared harness `k8s_harness`: one instance for this test binary, a
//! namespace per test) by a real `ValidatingWebhookConfiguration` (`url`, `caBundle` from the
//! harness CA, `failurePolicy: Fail` unless a test says otherwise, a `namespaceSelector` that
//! sends it only the test's own namespace, so that a stopped server blocks no other test). Objects are created with the real kubectl and with a Rust client (kube-rs), as
//! users create them.
//!
//! The harness reads `KUBE_APISERVER`, `ETCD` and `KUBECTL`; a test skips with a note when one
//! is missing, unless `KUBEWARD_REQUIRE_APISERVER=1` (CI), where that fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::{text, PRIV};

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_harness::RealCluster;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DynamicObject, PostParams};
use kube::discovery::ApiResource;
use serde_json::{json, Value};

/// `manifest` with its namespace `from` moved to `ns` (tests share one API server).
fn in_namespace(manifest: &str, from: &str, ns: &str) -> String {
    manifest
        .replace(&format!("namespace: {from}"), &format!("namespace: {ns}"))
        .replace(&format!("\n  name: {from}\n"), &format!("\n  name: {ns}\n"))
}

/// Polls `done` until it holds; fails with `what` if it never does (a bound against a hang,
/// not a timing assumption: every wait here ends on behaviour).
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(120), "never happened: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running `kubeward serve`, with its decision log (stdout) and its events (stderr) kept.
/// Killed when dropped.
struct Serve {
    child: Child,
    listen: String,
    decisions: Arc<Mutex<Vec<Value>>>,
    events: Arc<Mutex<Vec<Value>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Serve {
    /// Starts `kubeward serve` on `listen` (`127.0.0.1:0` for any port) with a serving
    /// certificate from the harness CA, and waits for its `serving` line.
    fn start(c: &RealCluster, cert: &str, listen: &str, extra: &[&str]) -> Serve {
        let (crt, key) = (c.path().join(format!("{cert}.crt")), c.path().join(format!("{cert}.key")));
        // A restart uses the same certificate.
        if !crt.exists() {
            let _ = c.serving_cert(cert);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_kubeward"))
            .current_dir(c.path())
            .env_remove("KUBEWARD_CONFIG")
            .args(["serve", "--tls-cert-file"])
            .arg(&crt)
            .arg("--tls-private-key-file")
            .arg(&key)
            .args(["--listen", listen, "--health-listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let collect = |lines: Box<dyn Iterator<Item = std::io::Result<String>> + Send>,
                       into: Arc<Mutex<Vec<Value>>>| {
            std::thread::spawn(move || {
                for line in lines.map_while(Result::ok) {
                    into.lock().unwrap().push(serde_json::from_str(&line).unwrap_or(Value::String(line)));
                }
            })
        };
        let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut seen = Vec::new();
        let bound = loop {
            let Some(Ok(line)) = log.next() else {
                let _ = child.kill();
                panic!("kubeward serve ended before `serving`: {seen:#?}");
            };
            let v: Value = serde_json::from_str(&line).unwrap_or_default();
            if v["msg"] == "serving" {
                break v["listen"].as_str().unwrap().to_string();
            }
            seen.push(line);
        };
        let (decisions, events) = (Arc::default(), Arc::default());
        let readers = vec![
            collect(Box::new(log), Arc::clone(&events)),
            collect(Box::new(BufReader::new(child.stdout.take().unwrap()).lines()), Arc::clone(&decisions)),
        ];
        Serve { child, listen: bound, decisions, events, readers }
    }

    /// Sends SIGTERM.
    fn terminate(&self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    }

    /// SIGTERM, then [`Serve::wait`].
    fn wait_after_term(&mut self) -> ExitStatus {
        self.terminate();
        self.wait()
    }

    /// The exit status once the process has ended, and its logs read to the end.
    fn wait(&mut self) -> ExitStatus {
        let status = self.child.wait().unwrap();
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        status
    }

    /// [`Serve::judged`] once it holds `name` (its decision line is read from the server's
    /// stdout by another thread, a moment after the API server has the answer).
    fn judged_once(&self, ns: &str, allowed: bool, name: &str) -> Vec<String> {
        wait_for(&format!("a decision on `{name}` (allowed: {allowed})"), || {
            self.judged(ns, allowed).iter().any(|n| n == name)
        });
        self.judged(ns, allowed)
    }

    /// The objects of `ns` (and `ns` itself) judged for real (not dry runs), allowed or not, as
    /// `Kind/name`.
    fn judged(&self, ns: &str, allowed: bool) -> Vec<String> {
        let ours = |d: &Value| d["namespace"] == ns || (d["kind"] == "Namespace" && d["name"] == ns);
        self.decisions
            .lock()
            .unwrap()
            .iter()
            .filter(|d| ours(d) && d["dry_run"] == false && d["allowed"] == allowed)
            .map(|d| format!("{}/{}", d["kind"].as_str().unwrap_or(""), d["name"].as_str().unwrap_or("")))
            .collect()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every kind `kubeward serve --print-webhook-config` registers, as webhook rules.
fn all_rules() -> String {
    kubeward_server::webhook::RULES
        .iter()
        .map(|(group, resources)| {
            format!(
                "      - apiGroups: [\"{group}\"]\n        apiVersions: [\"*\"]\n        operations: [CREATE, UPDATE]\n        resources: [{resources}]\n        scope: \"*\"\n"
            )
        })
        .collect()
}

/// Pods only.
const POD_RULES: &str = "      - apiGroups: [\"\"]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [pods]
";

/// Registers `serve` as webhook `validate.kubeward.io` for namespace `ns` alone
/// (configuration `kubeward-NS`), and waits until the API server calls it.
fn register(c: &RealCluster, serve: &Serve, ns: &str, failure_policy: &str, rules: &str) {
    let ca_bundle = kubeward_engine::base64::encode(&std::fs::read(c.ca_file()).unwrap());
    c.apply(&format!(
        "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: kubeward-{ns}
webhooks:
  - name: validate.kubeward.io
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: {failure_policy}
    timeoutSeconds: 10
    clientConfig:
      url: https://{listen}/validate
      caBundle: {ca_bundle}
    namespaceSelector:
      matchLabels: {{kubernetes.io/metadata.name: {ns}}}
    rules:
{rules}",
        listen = serve.listen
    ));
    wait_until_called(c, serve, ns);
}

/// Waits until the API server calls `serve` for namespace `ns`: the configuration takes effect
/// a moment after it is applied, and until then pods are admitted without the webhook. The
/// probe is a dry run (nothing is created) of a pod Pod Security `restricted` admits too.
fn wait_until_called(c: &RealCluster, serve: &Serve, ns: &str) {
    let probe = in_namespace(MEDIUM_POD, "app", ns).replace("name: plain", "name: probe");
    let called = || serve.decisions.lock().unwrap().iter().any(|d| d["namespace"] == ns && d["name"] == "probe");
    wait_for("the webhook takes effect", || {
        let o = c.kubectl(&["create", "--dry-run=server", "-f", "-"], Some(&probe));
        assert!(o.status.success(), "{}", text(&o));
        called()
    });
}

/// A pod whose findings are all below `--deny-at high`.
const MEDIUM_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: plain
  namespace: app
spec:
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: app
      image: registry.example.com/app:1.0
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
";

/// The Deployment of `examples/hardened/web.yaml` (`web`), in namespace `ns`, as JSON.
fn deployments_json(web: &str, ns: &str) -> Value {
    documents(&in_namespace(web, "shop", ns)).into_iter().find(|d| d["kind"] == "Deployment").unwrap()
}

/// A warning of kubeward's (`Warning: POD017 (medium) /path: ...`), not kubectl's or the API
/// server's own.
fn is_kubewards(line: &str) -> bool {
    let code = line.trim_start_matches("Warning: ").split(' ').next().unwrap_or("");
    code.len() == 6
        && code[..3].bytes().all(|b| b.is_ascii_uppercase())
        && code[3..].bytes().all(|b| b.is_ascii_digit())
}

/// The lines kubectl prints as `Warning: ...` (the API server's `Warning` headers).
fn warnings(o: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stderr).lines().filter(|l| l.starts_with("Warning: ")).map(str::to_string).collect()
}

/// kubectl prints kubeward's denial of a privileged pod, for a real create and for
/// `--dry-run=server`, and a pod with only lesser findings is admitted with kubeward's warnings
/// shown by kubectl.
#[test]
fn serve_denies_and_warns_through_the_real_api_server() {
    let Some(c) = k8s_harness::shared() else { return };
    let ns = "webhooked";
    c.namespace(ns);
    let serve = Serve::start(c, "webhooked", "127.0.0.1:0", &[]);
    register(c, &serve, ns, "Fail", POD_RULES);
    let (priv_pod, medium_pod) = (in_namespace(PRIV, "app", ns), in_namespace(MEDIUM_POD, "app", ns));
    for args in [&["apply", "--dry-run=server", "-f", "-"][..], &["apply", "-f", "-"]] {
        let o = c.kubectl(args, Some(&priv_pod));
        assert!(!o.status.success(), "{args:?}: {}", text(&o));
        let o = text(&o);
        assert!(o.contains("Error from server (Forbidden)"), "{args:?}: {o}");
        assert!(o.contains("admission webhook \"validate.kubeward.io\" denied the request"), "{args:?}: {o}");
        assert!(o.contains("kubeward denied Pod webhooked/priv") && o.contains("POD001"), "{args:?}: {o}");
    }
    let o = c.kubectl(&["get", "pod", "priv", "-n", ns], None);
    assert!(!o.status.success(), "the denied pod was not created: {}", text(&o));

    let o = c.kubectl(&["apply", "-f", "-"], Some(&medium_pod));
    assert!(o.status.success(), "a pod with only lesser findings is admitted: {}", text(&o));
    let shown = warnings(&o);
    assert!(shown.iter().any(|l| l.contains("POD017")), "warnings shown: {}", text(&o));
    // The server judged both creates, and the dry run, and says so in its decision log.
    assert_eq!(serve.judged_once(ns, false, "Pod/priv"), ["Pod/priv"]);
    assert_eq!(serve.judged_once(ns, true, "Pod/plain"), ["Pod/plain"]);
}

/// An admin client of the harness cluster (kube-rs, rustls with ring), on `rt`.
fn admin_client(c: &RealCluster, rt: &tokio::runtime::Runtime) -> kube::Client {
    rt.block_on(async {
        let kc = kube::config::Kubeconfig::read_from(c.admin()).unwrap();
        let cfg = kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default()).await.unwrap();
        kube::Client::try_from(cfg).unwrap()
    })
}

/// The documents of a YAML manifest as JSON (kubeward's own loader).
fn documents(yaml: &str) -> Vec<Value> {
    let loaded = kubeward_engine::input::yaml::load(yaml, kubeward_engine::input::yaml::Limits::default());
    assert!(loaded.error.is_none(), "{:?}", loaded.error);
    loaded.documents.iter().map(|d| d.root.to_json()).collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// The Rust client (kube-rs), as a controller or operator creates objects: the API server's
/// error for a privileged pod carries kubeward's denial (code 403, reason `Forbidden`,
/// kubeward's message naming the rule, the field and the fix), for a create and a dry run.
#[test]
fn rust_client_gets_kubewards_denial() {
    let Some(c) = k8s_harness::shared() else { return };
    let ns = "rustclient";
    c.namespace(ns);
    let serve = Serve::start(c, "rustclient", "127.0.0.1:0", &[]);
    register(c, &serve, ns, "Fail", POD_RULES);
    let rt = runtime();
    let pods: Api<Pod> = Api::namespaced(admin_client(c, &rt), ns);
    let privileged: Pod = serde_json::from_value(documents(&in_namespace(PRIV, "app", ns)).remove(0)).unwrap();
    for dry_run in [true, false] {
        let pp = PostParams { dry_run, ..PostParams::default() };
        let err = rt.block_on(pods.create(&pp, &privileged)).expect_err("a privileged pod is denied");
        let kube::Error::Api(status) = err else { panic!("not an API error: {err:?}") };
        assert_eq!((status.code, status.reason.as_str()), (403, "Forbidden"), "dry run {dry_run}: {status:?}");
        let m = &status.message;
        assert!(
            m.starts_with(&format!(
                "admission webhook \"validate.kubeward.io\" denied the request: kubeward denied Pod {ns}/priv: "
            )),
            "dry run {dry_run}: {m}"
        );
        assert!(
            m.contains(
                "POD001 (critical) /spec/containers/0/securityContext/privileged: container `app` runs privileged"
            ),
            "{m}"
        );
        assert!(m.contains("Fix: "), "the remediation: {m}");
    }
    assert!(rt.block_on(pods.get_opt("priv")).unwrap().is_none(), "the denied pod does not exist");
    assert_eq!(serve.judged_once(ns, false, "Pod/priv"), ["Pod/priv"]);
    rt.shutdown_background();
}

/// `examples/hardened` with the webhook registered for every kind `--print-webhook-config`
/// registers, in a namespace with its Pod Security `restricted` labels: the Rust client creates
/// the hardened deployment, then kubectl applies all of the example (the deployment again, as
/// an update): every object is admitted and kubeward judged each, without a warning (the
/// example has no finding one object can show). The same deployment without resource requests
/// and limits is admitted, and kubectl prints kubeward's warnings for it. A privileged pod there
/// is refused by Pod Security, which runs before webhooks: kubeward is not called for it.
#[test]
fn hardened_example_is_admitted_and_a_laxer_deployment_warned() {
    let Some(c) = k8s_harness::shared() else { return };
    let ns = "hardened";
    c.namespace_with(
        ns,
        &[
            ("pod-security.kubernetes.io/enforce", "restricted"),
            ("pod-security.kubernetes.io/enforce-version", "latest"),
        ],
    );
    let serve = Serve::start(c, "hardened", "127.0.0.1:0", &[]);
    register(c, &serve, ns, "Fail", &all_rules());
    let rt = runtime();
    let client = admin_client(c, &rt);

    // The hardened deployment, created by the Rust client.
    let web = std::fs::read_to_string(support::repo().join("examples/hardened/web.yaml")).unwrap();
    let deployment = deployments_json(&web, ns);
    let resource = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk("apps", "v1", "Deployment"));
    let deployments: Api<DynamicObject> = Api::namespaced_with(client, ns, &resource);
    let deployment: DynamicObject = serde_json::from_value(deployment).unwrap();
    let created = rt.block_on(deployments.create(&PostParams::default(), &deployment));
    assert!(created.is_ok(), "the hardened deployment is admitted: {created:?}");
    serve.judged_once(ns, true, "Deployment/web");

    // All of examples/hardened, applied with kubectl (the deployment is now an update).
    let mut shown = Vec::new();
    for file in ["namespace.yaml", "rbac.yaml", "web.yaml", "worker.yaml"] {
        let manifest = std::fs::read_to_string(support::repo().join("examples/hardened").join(file)).unwrap();
        let o = c.kubectl(&["apply", "-f", "-"], Some(&in_namespace(&manifest, "shop", ns)));
        assert!(o.status.success(), "{file} is admitted: {}", text(&o));
        shown.extend(warnings(&o));
    }
    // worker.yaml's CronJob is the last object applied. (The Namespace is unchanged: the
    // harness made it with the same labels, so kubectl sends no request for it.)
    let judged = serve.judged_once(ns, true, "CronJob/report");
    for object in [
        "NetworkPolicy/default-deny",
        "Role/web-config-reader",
        "RoleBinding/web-config-reader",
        "ConfigMap/web-config",
        "ServiceAccount/web",
        "Deployment/web",
        "Service/web",
        "NetworkPolicy/web-from-ingress",
        "Ingress/web",
        "ServiceAccount/report",
    ] {
        assert!(judged.iter().any(|j| j == object), "kubeward judged `{object}`: {judged:#?}");
    }
    let denied = serve.judged(ns, false);
    assert!(denied.is_empty(), "nothing of examples/hardened is denied: {denied:?}");
    // The example has no finding kubeward can make on one object (its two are cross-object
    // NetworkPolicy findings, which `scan` makes): kubectl shows no warning of kubeward's.
    let kubewards: Vec<_> = shown.iter().filter(|w| is_kubewards(w)).collect();
    assert!(kubewards.is_empty(), "{kubewards:#?}");

    // The hardened deployment without resource requests and limits: admitted, and kubectl
    // shows kubeward's warnings for it.
    let mut lax = deployments_json(&web, ns);
    lax["metadata"]["name"] = json!("web-unlimited");
    lax["spec"]["template"]["spec"]["containers"][0].as_object_mut().unwrap().remove("resources");
    let o = c.kubectl(&["apply", "-f", "-"], Some(&lax.to_string()));
    assert!(o.status.success(), "admitted: {}", text(&o));
    let shown: Vec<_> = warnings(&o).into_iter().filter(|w| is_kubewards(w)).collect();
    assert!(
        shown.iter().any(|w| w.starts_with("Warning: POD017 (medium) /spec/template/spec/containers/0/resources")),
        "kubectl shows kubeward's warnings: {}",
        text(&o)
    );
    serve.judged_once(ns, true, "Deployment/web-unlimited");

    let o = c.kubectl(&["create", "-f", "-"], Some(&in_namespace(PRIV, "app", ns)));
    assert!(text(&o).contains("violates PodSecurity \"restricted:latest\""), "{}", text(&o));
    assert!(serve.judged(ns, false).is_empty(), "Pod Security refused it first");
    rt.shutdown_background();
}

/// `kubectl apply --dry-run=server -o json` as the admin: the object as the API server would
/// store it (validated, defaulted), and kubectl's output when it refuses it.
fn dry_run(c: &RealCluster, manifest: &str) -> Value {
    let o = c.kubectl(&["apply", "--dry-run=server", "-o", "json", "-f", "-"], Some(manifest));
    assert!(o.status.success(), "the API server refuses it: {}\n{manifest}", text(&o));
    assert!(warnings(&o).is_empty(), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// What `kubeward serve --print-webhook-config` prints and what `deploy/webhook/` holds are
/// accepted by the real API server (`kubectl apply --dry-run=server`, strict field validation,
/// no warning). The printed `caBundle` is the CA file's, and it works: the printed
/// configuration, with only its `clientConfig` pointed at a local server's URL and its
/// namespace selector narrowed to one namespace, makes the API server call that server (whose
/// certificate the CA signed) and relay its denial.
#[test]
fn webhook_configurations_are_accepted_by_the_real_api_server() {
    let Some(c) = k8s_harness::shared() else { return };
    let ca = c.ca_file().display().to_string();
    support::write(c.path(), "exempt.yaml", "serve:\n  exempt-namespace-labels: {team.example.com/exempt: \"yes\"}\n");
    let o = support::kubeward(
        c.path(),
        &["serve", "--print-webhook-config", "--ca-file", &ca, "--config", "exempt.yaml", "--failure-policy", "Ignore"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let printed = support::stdout(&o);
    let v = dry_run(c, &printed);
    let hook = &v["webhooks"][0];
    let bundle = kubeward_engine::base64::encode(&std::fs::read(c.ca_file()).unwrap());
    assert_eq!(hook["clientConfig"]["caBundle"], json!(bundle), "the CA file's bundle");
    assert_eq!(
        hook["clientConfig"]["service"],
        json!({"namespace": "kubeward", "name": "kubeward", "path": "/validate", "port": 443})
    );
    assert_eq!((&hook["failurePolicy"], &hook["timeoutSeconds"]), (&json!("Ignore"), &json!(10)));
    let selector = hook["namespaceSelector"]["matchExpressions"].as_array().unwrap();
    assert!(
        selector.iter().any(|e| e["key"] == "team.example.com/exempt" && e["operator"] == "NotIn"),
        "{selector:#?}"
    );
    assert_eq!(hook["rules"].as_array().unwrap().len(), kubeward_server::webhook::RULES.len());

    // The printed configuration at work (the API server cannot reach a Service here: no
    // kube-proxy; a `url` instead, the rest as printed).
    let ns = "printed";
    c.namespace(ns);
    let serve = Serve::start(c, "printed", "127.0.0.1:0", &[]);
    let service = "      service:\n        namespace: \"kubeward\"\n        name: \"kubeward\"\n        path: /validate\n        port: 443\n";
    assert!(printed.contains(service), "{printed}");
    let working = printed
        .replace("  name: kubeward\n", "  name: kubeward-printed\n")
        .replace(service, &format!("      url: https://{}/validate\n", serve.listen))
        .replace(
            "      matchExpressions:\n",
            &format!("      matchExpressions:\n        - {{key: kubernetes.io/metadata.name, operator: In, values: [{ns}]}}\n"),
        );
    c.apply(&working);
    wait_until_called(c, &serve, ns);
    let o = c.kubectl(&["create", "-f", "-"], Some(&in_namespace(PRIV, "app", ns)));
    assert!(text(&o).contains("admission webhook \"validate.kubeward.io\" denied the request"), "{}", text(&o));

    // deploy/webhook/: the configuration for cert-manager's CA injector names the Certificate
    // of cert-manager/certificate.yaml; the rest (but cert-manager's own kinds, whose CRDs this
    // cluster lacks) in the `kubeward` namespace.
    let dir = support::repo().join("deploy/webhook");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let v = dry_run(c, &read("webhook.yaml"));
    assert_eq!(v["metadata"]["annotations"]["cert-manager.io/inject-ca-from"], "kubeward/kubeward-serving");
    assert!(read("cert-manager/certificate.yaml")
        .contains("kind: Certificate\nmetadata:\n  name: kubeward-serving\n  namespace: kubeward\n"));
    c.apply(&read("namespace.yaml"));
    for f in ["serviceaccount.yaml", "config.yaml", "deployment.yaml", "service.yaml", "networkpolicy.yaml"] {
        let v = dry_run(c, &read(f));
        assert!(v["kind"] == "List" || v["metadata"]["namespace"] == "kubeward", "{f}: {v:#}");
    }
}

/// What the API server answered a create in the stream.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Answer {
    /// 201: the pod exists.
    Created,
    /// kubeward's denial, relayed by the API server.
    Denied,
    /// The webhook could not be called (`failurePolicy: Fail`): the API server's error.
    Unreachable,
    /// Anything else (a defect): the error.
    Other(String),
}

/// One create of the stream: the pod's name, whether it was privileged, the answer, the
/// error's message, and when the answer came (RFC 3339, milliseconds, like the server's logs).
type Create = (String, bool, Answer, String, String);

/// Now as the server writes it in its logs (RFC 3339 UTC, milliseconds), from `date`'s clock.
fn now_ts() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    ts_of(now.as_millis())
}

/// Milliseconds since the epoch as RFC 3339 UTC with milliseconds.
fn ts_of(ms: u128) -> String {
    let secs = i64::try_from(ms / 1000).unwrap();
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant's algorithm), as the server does it.
    let z = days + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem % 3600 / 60, rem % 60, ms % 1000)
}

/// Parses what [`ts_of`] writes back to milliseconds since the epoch (same day arithmetic).
fn ms_of(ts: &str) -> u128 {
    let n = |a: usize, b: usize| ts[a..b].parse::<i64>().unwrap();
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19);
    u128::try_from(secs).unwrap() * 1000 + u128::try_from(n(20, 23)).unwrap()
}

fn answer(r: &Result<Pod, kube::Error>) -> Answer {
    match r {
        Ok(_) => Answer::Created,
        Err(kube::Error::Api(s))
            if s.code == 403 && s.message.contains("admission webhook \"validate.kubeward.io\" denied the request") =>
        {
            Answer::Denied
        }
        Err(kube::Error::Api(s))
            if s.code == 500 && s.message.contains("failed calling webhook \"validate.kubeward.io\"") =>
        {
            Answer::Unreachable
        }
        Err(e) => Answer::Other(e.to_string()),
    }
}

/// `kubeward serve` stopped with SIGTERM and started again on the same address while a Rust
/// client creates a stream of pods (one in four privileged), three creates at a time, with the
/// webhook's `failurePolicy: Fail`. The server runs with a shutdown delay, as the deployment
/// does. Afterwards:
/// - the pods that exist are exactly those the API server answered 201 (none lost, none
///   created behind a refusal), as the client saw it and as the API server's audit log says,
///   and none of them is privileged;
/// - every refused create was refused by kubeward's denial (privileged pods only) or because
///   the webhook could not be called (the API server's "failed calling webhook"), and kubectl
///   shows the latter as `Error from server (InternalError)` while no server runs;
/// - during the shutdown delay the server still serves: the first server judged creates after
///   SIGTERM, and at most one in twenty of them was refused as unreachable (before the fix,
///   every HTTP/2 connection the API server opened during the delay was closed at once, and
///   every create then failed with `broken pipe`; a rare straggler at the moment of SIGTERM
///   remains, see the assertion);
/// - both servers judged creates (the first before its stop, the second after its start), and
///   every created pod was allowed in one of their decision logs: nothing got in unjudged.
#[test]
fn serve_restarted_during_a_stream_of_creates_loses_none() {
    restart_during_a_stream("stream", "Fail");
}

/// The same restart with `failurePolicy: Ignore`: no create is refused, and while no server
/// runs the API server admits pods unchecked, privileged ones included (the documented
/// trade-off); but none during the shutdown delay, when the server still judges them.
#[test]
fn serve_restarted_with_failure_policy_ignore_admits_unchecked_only_while_down() {
    restart_during_a_stream("stream-ignore", "Ignore");
}

fn restart_during_a_stream(ns: &str, policy: &str) {
    let Some(c) = k8s_harness::shared() else { return };
    let fail = policy == "Fail";
    c.namespace(ns);
    // Restarted on the same address: a port no other listener is given meanwhile.
    let listen = format!("127.0.0.1:{}", k8s_harness::stable_port());
    let delay_ms = 3000;
    let args = ["--shutdown-delay", "3"];
    let mut first = Serve::start(c, ns, &listen, &args);
    register(c, &first, ns, policy, POD_RULES);

    let rt = runtime();
    let pods: Api<Pod> = Api::namespaced(admin_client(c, &rt), ns);
    let creates: Arc<Mutex<Vec<Create>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    let (safe, privileged) =
        (documents(&in_namespace(MEDIUM_POD, "app", ns)), documents(&in_namespace(PRIV, "app", ns)));
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let (pods, creates, stop, next) = (pods.clone(), creates.clone(), stop.clone(), next.clone());
            let (safe, privileged) = (safe[0].clone(), privileged[0].clone());
            rt.spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let is_privileged = i % 4 == 3;
                    let name = format!("s-{i:05}");
                    let mut pod = if is_privileged { privileged.clone() } else { safe.clone() };
                    pod["metadata"]["name"] = json!(name);
                    let pod: Pod = serde_json::from_value(pod).unwrap();
                    let r = pods.create(&PostParams::default(), &pod).await;
                    let message = r.as_ref().err().map(ToString::to_string).unwrap_or_default();
                    creates.lock().unwrap().push((name, is_privileged, answer(&r), message, now_ts()));
                }
            })
        })
        .collect();
    let count = |from: usize, what: &Answer, privileged: bool| {
        creates.lock().unwrap()[from..].iter().filter(|c| &c.2 == what && (c.1 || !privileged)).count()
    };

    wait_for("creates admitted before the restart", || {
        count(0, &Answer::Created, false) >= 20 && count(0, &Answer::Denied, false) >= 3
    });
    first.terminate();
    let status = first.wait();
    assert!(status.success(), "SIGTERM is a clean stop: {status:?}");
    let stopped_at = creates.lock().unwrap().len();
    // No server runs: what kubectl shows.
    let gap = in_namespace(PRIV, "app", ns).replace("name: priv", "name: gap");
    let o = c.kubectl(&["create", "-f", "-"], Some(&gap));
    if fail {
        assert!(!o.status.success(), "{}", text(&o));
        let o = text(&o);
        assert!(o.starts_with("Error from server (InternalError): error when creating \"STDIN\": Internal error occurred: failed calling webhook \"validate.kubeward.io\": failed to call webhook: Post \"https://"), "{o}");
        assert!(o.contains("connect: connection refused"), "{o}");
        wait_for("creates refused while no server runs", || count(stopped_at, &Answer::Unreachable, false) >= 1);
    } else {
        assert!(o.status.success(), "admitted unchecked: {}", text(&o));
        wait_for("privileged creates admitted while no server runs", || count(stopped_at, &Answer::Created, true) >= 1);
    }
    let mut second = Serve::start(c, ns, &listen, &args);
    let restarted_at = creates.lock().unwrap().len();
    wait_for("creates admitted after the restart", || {
        count(restarted_at, &Answer::Created, false) >= 20 && count(restarted_at, &Answer::Denied, false) >= 3
    });
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        rt.block_on(w).unwrap();
    }
    let status = second.wait_after_term();
    assert!(status.success(), "SIGTERM is a clean stop: {status:?}");
    let creates = creates.lock().unwrap().clone();
    let summary = |list: &[&Create]| {
        list.iter().take(5).map(|c| format!("{} {:?} {}: {}", c.4, c.2, c.0, c.3)).collect::<Vec<_>>()
    };

    let other: Vec<_> = creates.iter().filter(|c| matches!(c.2, Answer::Other(_))).collect();
    assert!(other.is_empty(), "every refusal is kubeward's or the unreachable webhook's: {:#?}", summary(&other));
    let denied_safe: Vec<_> = creates.iter().filter(|c| c.2 == Answer::Denied && !c.1).collect();
    assert!(denied_safe.is_empty(), "kubeward denies privileged pods only: {:#?}", summary(&denied_safe));
    let unreachable: Vec<_> = creates.iter().filter(|c| c.2 == Answer::Unreachable).collect();
    assert!(fail || unreachable.is_empty(), "Ignore refuses nothing: {:#?}", summary(&unreachable));

    let mut created: Vec<String> = creates.iter().filter(|c| c.2 == Answer::Created).map(|c| c.0.clone()).collect();
    if !fail {
        created.push("gap".into());
    }
    created.sort();
    let listed = rt.block_on(pods.list(&kube::api::ListParams::default())).unwrap();
    let mut exist: Vec<String> = listed.items.iter().filter_map(|p| p.metadata.name.clone()).collect();
    exist.sort();
    assert_eq!(exist, created, "the pods that exist are exactly those answered 201");
    // The API server's own account: its audit log's 201 creates in this namespace (the dry
    // runs of `register` excepted).
    let audited = c
        .audit_events()
        .iter()
        .filter(|e| {
            e["verb"] == "create"
                && e["objectRef"]["resource"] == "pods"
                && e["objectRef"]["namespace"] == ns
                && e["responseStatus"]["code"] == 201
                && !e["requestURI"].as_str().unwrap().contains("dryRun")
        })
        .count();
    assert_eq!(audited, created.len(), "the audit log's 201 creates");

    // The shutdown delay: from the server's own `shutting down` line for `delay_ms`.
    let sigterm_ts = first
        .events
        .lock()
        .unwrap()
        .iter()
        .find(|e| e["msg"] == "shutting down: /readyz now fails")
        .map(|e| e["ts"].as_str().unwrap().to_string())
        .expect("the server logs its SIGTERM");
    let delay_ends = ts_of(ms_of(&sigterm_ts) + delay_ms);
    let refused_in_delay: Vec<_> =
        unreachable.iter().copied().filter(|c| c.4 > sigterm_ts && c.4 < delay_ends).collect();
    let judged_in_delay =
        first.decisions.lock().unwrap().iter().filter(|d| d["ts"].as_str().unwrap() > sigterm_ts.as_str()).count();
    assert!(judged_in_delay > 0, "the first server judged creates after SIGTERM");
    // During the delay the server goes on serving. Before the fix every create of the delay
    // failed (about 290 refused, none judged). A create on a connection at the very moment of
    // SIGTERM can still fail: in 2 of about 16 runs one or two did, with `broken pipe` or
    // `client connection force closed` (cause not found; docs/serve.md, "Restarting
    // kubeward"). So the test allows one in twenty of the creates judged in the delay.
    let stragglers = |n: usize| n * 20 <= judged_in_delay;
    assert!(
        stragglers(refused_in_delay.len()),
        "refused during the shutdown delay ({} judged then): {:#?}",
        judged_in_delay,
        summary(&refused_in_delay)
    );

    let (by_first, by_second) = (first.judged(ns, true), second.judged(ns, true));
    assert!(!by_first.is_empty() && !by_second.is_empty(), "both servers admitted creates");
    assert!(!first.judged(ns, false).is_empty() && !second.judged(ns, false).is_empty(), "both denied");
    // Admitted without kubeward: only while no server ran (Ignore), never with Fail.
    let unjudged: Vec<&Create> = creates
        .iter()
        .filter(|c| c.2 == Answer::Created)
        .filter(|c| !by_first.contains(&format!("Pod/{}", c.0)) && !by_second.contains(&format!("Pod/{}", c.0)))
        .collect();
    assert!(fail || !unjudged.is_empty(), "Ignore admits unchecked while no server runs");
    // With Fail, nothing is created unjudged; with Ignore, only while no server runs (and the
    // stragglers of the moment of SIGTERM, as above).
    let wrongly: Vec<_> = unjudged.iter().copied().filter(|c| fail || c.4 < delay_ends).collect();
    let tolerated = !fail && stragglers(wrongly.len());
    assert!(wrongly.is_empty() || tolerated, "created without kubeward allowing it: {:#?}", summary(&wrongly));
    let admitted_privileged: Vec<_> = creates.iter().filter(|c| c.2 == Answer::Created && c.1).collect();
    assert!(
        admitted_privileged.iter().all(|c| unjudged.contains(c)),
        "a privileged pod admitted by kubeward: {:#?}",
        summary(&admitted_privileged)
    );
    eprintln!(
        "{policy}: {} creates: {} created ({} unchecked, {} of them privileged), {} denied, {} refused as the webhook was unreachable; the first server judged {} ({judged_in_delay} after SIGTERM), the second {}",
        creates.len(),
        created.len(),
        unjudged.len(),
        admitted_privileged.len(),
        creates.iter().filter(|c| c.2 == Answer::Denied).count(),
        unreachable.len(),
        first.decisions.lock().unwrap().len(),
        second.decisions.lock().unwrap().len(),
    );
    rt.shutdown_background();
}

#[test]
fn timestamps_round_trip() {
    for ms in [0, 951_782_400_123, 1_796_688_000_999, 4_102_444_800_000] {
        assert_eq!(ms_of(&ts_of(ms)), ms);
    }
    assert_eq!(ts_of(951_782_400_123), "2000-02-29T00:00:00.123Z");
}
