//! `kubeward cluster` and `kubeward serve` (as a registered validating webhook) against the real
//! Kubernetes API server and etcd (issue 17, first step),
//! built from source through the Go module proxy by `.ci/go-tools.sh` (`tests/k8s/go.mod` pins
//! Kubernetes v1.37.2). The test reads `KUBE_APISERVER`, `ETCD` and `KUBECTL`; it skips with a
//! note when one is missing, unless `KUBEWARD_REQUIRE_APISERVER=1` (CI), where that fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::{json, text, PRIV};

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};

/// The path in `var`, or `None` (skip) when unset and not required.
fn tool(var: &str) -> Option<PathBuf> {
    match std::env::var_os(var).map(PathBuf::from) {
        Some(p) if p.is_file() => Some(p),
        other => {
            assert!(
                std::env::var_os("KUBEWARD_REQUIRE_APISERVER").is_none(),
                "KUBEWARD_REQUIRE_APISERVER is set but {var} is {other:?} (build it with .ci/go-tools.sh)"
            );
            eprintln!("skipped: {var} is not set (`{var}=$(.ci/go-tools.sh ...)`)");
            None
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A real etcd and kube-apiserver on free loopback ports, with a generated CA, serving
/// certificate and service-account key, and an admin user (client certificate in
/// `system:masters`) in `kubeconfig`. Both processes are killed on drop.
struct RealCluster {
    dir: tempfile::TempDir,
    ca: CertificateParams,
    ca_key: KeyPair,
    etcd: Child,
    apiserver: Child,
    kubectl: PathBuf,
    /// The admin's.
    kubeconfig: PathBuf,
    server: String,
}

impl Drop for RealCluster {
    fn drop(&mut self) {
        for c in [&mut self.apiserver, &mut self.etcd] {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl RealCluster {
    fn start() -> Option<Self> {
        let (apiserver_bin, etcd_bin, kubectl) = (tool("KUBE_APISERVER")?, tool("ETCD")?, tool("KUBECTL")?);
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let write = |name: &str, text: &str| std::fs::write(d.join(name), text).unwrap();

        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "kubeward-test-ca");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        write("ca.crt", &ca.self_signed(&ca_key).unwrap().pem());
        let issuer = Issuer::from_params(&ca, &ca_key);

        let serving_key = KeyPair::generate().unwrap();
        let mut serving = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
        serving.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        write("apiserver.crt", &serving.signed_by(&serving_key, &issuer).unwrap().pem());
        write("apiserver.key", &serving_key.serialize_pem());

        let sa_key = KeyPair::generate().unwrap();
        write("sa.key", &sa_key.serialize_pem());
        write("sa.pub", &sa_key.public_key_pem());

        write("audit-policy.yaml", "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n");
        let (client, peer, secure) = (free_port(), free_port(), free_port());
        let log = |name: &str| Stdio::from(std::fs::File::create(d.join(name)).unwrap());
        let etcd = Command::new(etcd_bin)
            .current_dir(d)
            .args(["--data-dir", "etcd-data", "--log-level", "error", "--name", "default"])
            .args(["--listen-client-urls", &format!("http://127.0.0.1:{client}")])
            .args(["--advertise-client-urls", &format!("http://127.0.0.1:{client}")])
            .args(["--listen-peer-urls", &format!("http://127.0.0.1:{peer}")])
            .args(["--initial-advertise-peer-urls", &format!("http://127.0.0.1:{peer}")])
            .args(["--initial-cluster", &format!("default=http://127.0.0.1:{peer}")])
            .stdout(log("etcd.log"))
            .stderr(log("etcd.err"))
            .spawn()
            .unwrap();
        let apiserver = Command::new(apiserver_bin)
            .current_dir(d)
            .args(["--etcd-servers", &format!("http://127.0.0.1:{client}")])
            .args(["--bind-address", "127.0.0.1", "--secure-port", &secure.to_string()])
            .args(["--advertise-address", "127.0.0.1", "--endpoint-reconciler-type", "none"])
            .args(["--tls-cert-file", "apiserver.crt", "--tls-private-key-file", "apiserver.key"])
            .args(["--client-ca-file", "ca.crt", "--authorization-mode", "Node,RBAC"])
            .args(["--service-account-issuer", "https://kubernetes.default.svc"])
            .args(["--service-account-key-file", "sa.pub", "--service-account-signing-key-file", "sa.key"])
            .args(["--service-cluster-ip-range", "10.0.0.0/24", "--allow-privileged=true"])
            .args(["--audit-policy-file", "audit-policy.yaml", "--audit-log-path", "audit.log"])
            .stdout(log("apiserver.log"))
            .stderr(log("apiserver.err"))
            .spawn()
            .unwrap();
        let server = format!("https://127.0.0.1:{secure}");
        let mut cluster = RealCluster { dir, ca, ca_key, etcd, apiserver, kubectl, kubeconfig: PathBuf::new(), server };
        cluster.kubeconfig = cluster.user("admin", Some("system:masters"));
        let started = Instant::now();
        loop {
            let o = cluster.kubectl(&["get", "--raw", "/readyz"], None);
            if o.status.success() {
                break;
            }
            let logs = std::fs::read_to_string(cluster.dir.path().join("apiserver.err")).unwrap_or_default();
            let tail: Vec<&str> = logs.lines().rev().take(20).collect();
            assert!(started.elapsed() < Duration::from_secs(60), "the API server is not ready: {tail:?}");
            std::thread::sleep(Duration::from_millis(250));
        }
        eprintln!("etcd and kube-apiserver ready in {:?}", started.elapsed());
        Some(cluster)
    }

    /// Runs the real kubectl as the admin, with `stdin` applied as input.
    fn kubectl(&self, args: &[&str], stdin: Option<&str>) -> Output {
        use std::io::Write;
        let mut child = Command::new(&self.kubectl)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(text) = stdin {
            child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    fn apply(&self, manifest: &str) {
        let o = self.kubectl(&["apply", "-f", "-"], Some(manifest));
        assert!(o.status.success(), "kubectl apply: {}", text(&o));
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Creates namespace `name` with its `default` ServiceAccount (the controller manager,
    /// which the harness does not run, would create that).
    fn namespace(&self, name: &str) {
        self.apply(&format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n  namespace: {name}\n"
        ));
    }

    /// A kubeconfig for the user `name` (in `group`), authenticated by a client certificate
    /// from the cluster's CA.
    fn user(&self, name: &str, group: Option<&str>) -> PathBuf {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        if let Some(g) = group {
            params.distinguished_name.push(DnType::OrganizationName, g);
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &Issuer::from_params(&self.ca, &self.ca_key)).unwrap();
        let d = self.path();
        std::fs::write(d.join(format!("{name}.crt")), cert.pem()).unwrap();
        std::fs::write(d.join(format!("{name}.key")), key.serialize_pem()).unwrap();
        let kubeconfig = d.join(format!("{name}.kubeconfig"));
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: real\n  cluster:\n    server: {server}\n    certificate-authority: {ca}\nusers:\n- name: {name}\n  user:\n    client-certificate: {crt}\n    client-key: {key}\ncontexts:\n- name: real\n  context: {{cluster: real, user: {name}}}\ncurrent-context: real\n",
                server = self.server,
                ca = d.join("ca.crt").display(),
                crt = d.join(format!("{name}.crt")).display(),
                key = d.join(format!("{name}.key")).display(),
            ),
        )
        .unwrap();
        kubeconfig
    }

    /// The audit log's completed requests of `user`: `(verb, requestURI, response code)`.
    fn requests_of(&self, user: &str) -> Vec<(String, String, u64)> {
        let log = std::fs::read_to_string(self.path().join("audit.log")).unwrap_or_default();
        log.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|e| e["stage"] == "ResponseComplete" && e["user"]["username"] == user)
            .map(|e| {
                (
                    e["verb"].as_str().unwrap_or("").to_string(),
                    e["requestURI"].as_str().unwrap_or("").to_string(),
                    e["responseStatus"]["code"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }

    /// A serving certificate for 127.0.0.1 signed by the cluster's CA: `(cert, key)` files.
    fn serving_cert(&self, name: &str) -> (PathBuf, PathBuf) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &Issuer::from_params(&self.ca, &self.ca_key)).unwrap();
        let (crt_path, key_path) = (self.path().join(format!("{name}.crt")), self.path().join(format!("{name}.key")));
        std::fs::write(&crt_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        (crt_path, key_path)
    }
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
    let Some(c) = RealCluster::start() else { return };
    c.namespace("app");
    c.apply(PRIV);
    let kc = c.kubeconfig.display().to_string();
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &kc, "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    assert!(v["errors"].as_array().unwrap().is_empty(), "{:#}", v["errors"]);
    let all = found(&v);
    let privileged: Vec<&serde_json::Value> =
        v["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "POD001").collect();
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

/// `kubeward serve` registered with the real API server as a validating webhook
/// (`failurePolicy: Fail`): kubectl prints kubeward's denial of a privileged pod, for a real
/// create and for `--dry-run=server`, and a pod with only lesser findings is admitted with
/// kubeward's warnings shown by kubectl.
#[test]
fn serve_denies_and_warns_through_the_real_api_server() {
    let Some(c) = RealCluster::start() else { return };
    c.namespace("app");
    let (crt, key) = c.serving_cert("webhook");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .current_dir(c.path())
        .args(["serve", "--tls-cert-file"])
        .arg(&crt)
        .arg("--tls-private-key-file")
        .arg(&key)
        .args(["--listen", "127.0.0.1:0", "--health-listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    struct Kill(Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
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
    let ca_bundle = kubeward_engine::base64::encode(&std::fs::read(c.path().join("ca.crt")).unwrap());
    c.apply(&format!(
        "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: kubeward
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
      matchLabels: {{kubernetes.io/metadata.name: app}}
    rules:
      - apiGroups: [\"\"]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [pods]
"
    ));
    // The API server picks the configuration up within a moment; until then pods are admitted
    // without the webhook (a dry run changes nothing).
    let started = Instant::now();
    let denied = loop {
        let o = c.kubectl(&["apply", "--dry-run=server", "-f", "-"], Some(PRIV));
        if !o.status.success() {
            break text(&o);
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the webhook never took effect: {}", text(&o));
        std::thread::sleep(Duration::from_millis(200));
    };
    for (what, o) in
        [("--dry-run=server", denied), ("a real create", text(&c.kubectl(&["apply", "-f", "-"], Some(PRIV))))]
    {
        assert!(o.contains("admission webhook \"validate.kubeward.io\" denied the request"), "{what}: {o}");
        assert!(o.contains("POD001") && o.contains("privileged"), "{what}: kubeward's message: {o}");
    }
    let o = c.kubectl(&["get", "pod", "priv", "-n", "app"], None);
    assert!(!o.status.success(), "the denied pod was not created: {}", text(&o));

    let o = c.kubectl(&["apply", "-f", "-"], Some(MEDIUM_POD));
    assert!(o.status.success(), "a pod with only lesser findings is admitted: {}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(stderr.lines().any(|l| l.starts_with("Warning: ") && l.contains("POD017")), "warnings shown: {stderr}");
    drop(serve);
}

/// `kubeward cluster` as a user bound to `deploy/cluster-audit/`'s ClusterRole: it audits with
/// those rights alone, and the API server's audit log shows that every request it made was a
/// read (`get`, `list`), and which reads the role refused.
#[test]
fn cluster_as_the_documented_auditor_only_reads() {
    let Some(c) = RealCluster::start() else { return };
    let repo = support::repo();
    for f in ["deploy/cluster-audit/namespace.yaml", "deploy/cluster-audit/rbac.yaml"] {
        c.apply(&std::fs::read_to_string(repo.join(f)).unwrap());
    }
    c.apply(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kubeward-audit-auditor
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubeward-audit}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: auditor}
",
    );
    c.namespace("app");
    c.apply(PRIV);
    let kc = c.user("auditor", None).display().to_string();
    let o = support::kubeward(c.path(), &["cluster", "--kubeconfig", &kc, "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    assert!(v["errors"].as_array().unwrap().is_empty(), "{:#}", v["errors"]);
    assert!(found(&v).iter().any(|f| f == "POD001 Pod/app/priv"), "{:#?}", found(&v));
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
    let Some(c) = RealCluster::start() else { return };
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
