//! The real Kubernetes API server for tests: etcd and kube-apiserver, built from source through
//! the Go module proxy by `.ci/go-tools.sh` (`tests/k8s/go.mod` pins Kubernetes v1.37.2 and
//! etcd v3.7.0), started on free loopback ports with a generated CA, serving certificate and
//! service-account key, RBAC, and an audit log of every request.
//!
//! Users, each with a kubeconfig (client certificates from the cluster's CA):
//! - the admin, in `system:masters` ([`RealCluster::admin`]);
//! - the auditor, bound to `deploy/cluster-audit/`'s ClusterRole `kubeward-audit`, the
//!   documented identity of `kubeward cluster` ([`RealCluster::auditor`]);
//! - an anonymous client, without credentials ([`RealCluster::anonymous`]);
//! - any other user with [`RealCluster::user`].
//!
//! [`shared`] gives one instance per test binary (tests take a namespace each, with
//! [`RealCluster::namespace`]); [`RealCluster::start`] gives a test its own, for a test that
//! needs the whole cluster to itself. A test crate depends on this one as a dev-dependency.
//!
//! Tools come from the environment: `KUBE_APISERVER`, `ETCD` and `KUBECTL` (the real kubectl,
//! from PyPI in CI). When one is missing the harness returns `None` and the test skips with a
//! note, unless `KUBEWARD_REQUIRE_APISERVER` is set (CI), where that fails.
//!
//! The processes are started under a small `sh` watchdog that holds the read end of a pipe whose
//! write end the harness keeps: when the instance is dropped, or when the test binary exits
//! (a shared instance lives in a static, which is never dropped), the pipe closes and the
//! watchdog kills the process and removes the instance's folder.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};

/// The path in `var`, or `None` (skip) when unset and not required.
#[must_use]
pub fn tool(var: &str) -> Option<PathBuf> {
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

/// A free TCP port on 127.0.0.1.
#[must_use]
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A free port for a server that a test stops and starts again on the same address: taken
/// below the kernel's ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`), which no
/// `bind(…:0)` of this or another process is given, so that nothing takes the port while the
/// server is down (a `free_port()` can be handed to another test's listener in between, whose
/// answers then look like the restarted server's). Ports are tried from an offset of the process
/// id, so concurrent test binaries start apart.
#[must_use]
pub fn stable_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next().and_then(|p| p.parse::<u32>().ok()))
        .unwrap_or(32768)
        .clamp(12_000, 65_000);
    let span = 10_000;
    let base = low - span;
    for _ in 0..span {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let port = base + (std::process::id().wrapping_mul(97).wrapping_add(n)) % span;
        let port = u16::try_from(port).unwrap();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in {base}..{low}");
}

/// The repository's root.
#[must_use]
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Standard output, then standard error.
#[must_use]
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// What binds user `auditor` to `deploy/cluster-audit/`'s ClusterRole; every instance holds it
/// (with that folder's namespace and RBAC), and tests that compare what a cluster holds with
/// files list it among the harness's own objects.
pub const AUDITOR_BINDING: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kubeward-audit-auditor
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubeward-audit}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: auditor}
";

/// A process under the watchdog: killed when the pipe closes.
struct Guarded {
    watchdog: Child,
    pipe: Option<ChildStdin>,
}

impl Guarded {
    /// Starts `cmd` (program and arguments) in `dir` under the watchdog; `cleanup` is a folder
    /// the watchdog removes after the process is gone.
    fn spawn(dir: &Path, program: &Path, args: &[String], log: &str, cleanup: Option<&Path>) -> Self {
        let script = r#"prog=$1; shift; log=$1; shift; clean=$1; shift
"$prog" "$@" >"$log.log" 2>"$log.err" </dev/null &
child=$!
read -r _ || true
kill -KILL "$child" 2>/dev/null; wait "$child" 2>/dev/null
[ -z "$clean" ] || rm -rf "$clean""#;
        let mut watchdog = Command::new("sh")
            .current_dir(dir)
            .args(["-c", script, "sh"])
            .arg(program)
            .arg(log)
            .arg(cleanup.map(Path::as_os_str).unwrap_or_default())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pipe = watchdog.stdin.take();
        Guarded { watchdog, pipe }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        drop(self.pipe.take());
        let _ = self.watchdog.wait();
    }
}

/// A real etcd and kube-apiserver with their users; see the crate's documentation.
pub struct RealCluster {
    dir: PathBuf,
    ca: CertificateParams,
    ca_key: KeyPair,
    // Field order is drop order: the API server goes before etcd, whose watchdog removes `dir`.
    _apiserver: Guarded,
    _etcd: Guarded,
    kubectl: PathBuf,
    server: String,
    admin: PathBuf,
    auditor: PathBuf,
    anonymous: PathBuf,
    /// How long the start took, until `/readyz` answered.
    pub started_in: Duration,
}

static SHARED: OnceLock<Option<RealCluster>> = OnceLock::new();

/// The instance of this test binary, started on first use; `None` when the tools are missing
/// (the test skips). Its processes end with the test binary.
#[must_use]
pub fn shared() -> Option<&'static RealCluster> {
    SHARED.get_or_init(RealCluster::start).as_ref()
}

impl RealCluster {
    /// Starts a new instance, which the caller owns: its processes are killed and its folder
    /// removed when it is dropped. `None` when the tools are missing (the test skips).
    #[must_use]
    pub fn start() -> Option<Self> {
        let (apiserver_bin, etcd_bin, kubectl) = (tool("KUBE_APISERVER")?, tool("ETCD")?, tool("KUBECTL")?);
        // Kept (not a TempDir): the etcd watchdog removes it, also when the test binary exits.
        let dir = tempfile::Builder::new().prefix("kubeward-k8s-").tempdir().unwrap().keep();
        let d = dir.as_path();
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

        // Metadata level: who did what, with the request URI (query included: `dryRun=All`).
        write("audit-policy.yaml", "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n");
        let (client, peer, secure) = (free_port(), free_port(), free_port());
        let args = |list: &[&str]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
        let etcd = Guarded::spawn(
            d,
            &etcd_bin,
            &args(&[
                "--data-dir",
                "etcd-data",
                "--log-level",
                "error",
                "--name",
                "default",
                "--unsafe-no-fsync",
                "--listen-client-urls",
                &format!("http://127.0.0.1:{client}"),
                "--advertise-client-urls",
                &format!("http://127.0.0.1:{client}"),
                "--listen-peer-urls",
                &format!("http://127.0.0.1:{peer}"),
                "--initial-advertise-peer-urls",
                &format!("http://127.0.0.1:{peer}"),
                "--initial-cluster",
                &format!("default=http://127.0.0.1:{peer}"),
            ]),
            "etcd",
            Some(d),
        );
        let apiserver = Guarded::spawn(
            d,
            &apiserver_bin,
            &args(&[
                "--etcd-servers",
                &format!("http://127.0.0.1:{client}"),
                "--bind-address",
                "127.0.0.1",
                "--secure-port",
                &secure.to_string(),
                // No controller manager or kubelet runs: the endpoints of Service `kubernetes`
                // are not kept, and nodes never register.
                "--advertise-address",
                "127.0.0.1",
                "--endpoint-reconciler-type",
                "none",
                "--tls-cert-file",
                "apiserver.crt",
                "--tls-private-key-file",
                "apiserver.key",
                "--client-ca-file",
                "ca.crt",
                "--authorization-mode",
                "Node,RBAC",
                "--service-account-issuer",
                "https://kubernetes.default.svc",
                "--service-account-key-file",
                "sa.pub",
                "--service-account-signing-key-file",
                "sa.key",
                "--service-cluster-ip-range",
                "10.0.0.0/24",
                "--allow-privileged=true",
                "--audit-policy-file",
                "audit-policy.yaml",
                "--audit-log-path",
                "audit.log",
            ]),
            "apiserver",
            None,
        );
        let server = format!("https://127.0.0.1:{secure}");
        let mut cluster = RealCluster {
            dir: dir.clone(),
            ca,
            ca_key,
            _apiserver: apiserver,
            _etcd: etcd,
            kubectl,
            server,
            admin: PathBuf::new(),
            auditor: PathBuf::new(),
            anonymous: PathBuf::new(),
            started_in: Duration::ZERO,
        };
        cluster.admin = cluster.user("admin", Some("system:masters"));
        cluster.anonymous = cluster.kubeconfig("anonymous", "{}");
        let started = Instant::now();
        loop {
            let o = cluster.kubectl(&["get", "--raw", "/readyz"], None);
            if o.status.success() {
                break;
            }
            let logs = std::fs::read_to_string(d.join("apiserver.err")).unwrap_or_default();
            let tail: Vec<&str> = logs.lines().rev().take(20).collect();
            assert!(started.elapsed() < Duration::from_secs(90), "the API server is not ready: {tail:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
        cluster.started_in = started.elapsed();
        eprintln!("etcd and kube-apiserver ready in {:?} ({})", cluster.started_in, cluster.server);
        // The documented auditor of `kubeward cluster`.
        let repo = repo();
        for f in ["deploy/cluster-audit/namespace.yaml", "deploy/cluster-audit/rbac.yaml"] {
            cluster.apply(&std::fs::read_to_string(repo.join(f)).unwrap());
        }
        cluster.apply(AUDITOR_BINDING);
        cluster.auditor = cluster.user("auditor", None);
        Some(cluster)
    }

    /// The instance's folder: certificates, kubeconfigs, logs, the audit log.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The API server's URL (`https://127.0.0.1:PORT`).
    #[must_use]
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The CA's certificate (PEM file): it signs the API server's and every user's certificate.
    #[must_use]
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// The admin's kubeconfig (`system:masters`).
    #[must_use]
    pub fn admin(&self) -> &Path {
        &self.admin
    }

    /// The kubeconfig of user `auditor`, bound to ClusterRole `kubeward-audit`
    /// (`deploy/cluster-audit/rbac.yaml`).
    #[must_use]
    pub fn auditor(&self) -> &Path {
        &self.auditor
    }

    /// A kubeconfig without credentials: the API server's `system:anonymous`.
    #[must_use]
    pub fn anonymous(&self) -> &Path {
        &self.anonymous
    }

    /// The real kubectl's path.
    #[must_use]
    pub fn kubectl_bin(&self) -> &Path {
        &self.kubectl
    }

    /// Runs the real kubectl as the admin, with `stdin` as input.
    #[must_use]
    pub fn kubectl(&self, args: &[&str], stdin: Option<&str>) -> Output {
        self.kubectl_as(&self.admin, args, stdin)
    }

    /// Runs the real kubectl with `kubeconfig`, with `stdin` as input.
    #[must_use]
    pub fn kubectl_as(&self, kubeconfig: &Path, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new(&self.kubectl)
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(args)
            .env_remove("KUBECONFIG")
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

    /// `kubectl apply -f -` as the admin; panics with kubectl's words when it fails.
    pub fn apply(&self, manifest: &str) {
        let o = self.kubectl(&["apply", "-f", "-"], Some(manifest));
        assert!(o.status.success(), "kubectl apply: {}", text(&o));
    }

    /// Creates namespace `name` with its `default` ServiceAccount (the controller manager,
    /// which the harness does not run, would create that), and `labels` on the namespace.
    pub fn namespace_with(&self, name: &str, labels: &[(&str, &str)]) {
        let labels: String = labels.iter().map(|(k, v)| format!("\n    {k}: \"{v}\"")).collect();
        let labels = if labels.is_empty() { String::new() } else { format!("\n  labels:{labels}") };
        self.apply(&format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}{labels}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n  namespace: {name}\n"
        ));
    }

    /// [`RealCluster::namespace_with`] without labels.
    pub fn namespace(&self, name: &str) {
        self.namespace_with(name, &[]);
    }

    fn kubeconfig(&self, name: &str, user: &str) -> PathBuf {
        let kubeconfig = self.dir.join(format!("{name}.kubeconfig"));
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: real\n  cluster:\n    server: {server}\n    certificate-authority: {ca}\nusers:\n- name: {name}\n  user: {user}\ncontexts:\n- name: real\n  context: {{cluster: real, user: {name}}}\ncurrent-context: real\n",
                server = self.server,
                ca = self.ca_file().display(),
            ),
        )
        .unwrap();
        kubeconfig
    }

    /// A kubeconfig for the user `name` (in `group`), authenticated by a client certificate
    /// from the cluster's CA.
    #[must_use]
    pub fn user(&self, name: &str, group: Option<&str>) -> PathBuf {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        if let Some(g) = group {
            params.distinguished_name.push(DnType::OrganizationName, g);
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &Issuer::from_params(&self.ca, &self.ca_key)).unwrap();
        let (crt, key_file) = (self.dir.join(format!("{name}.crt")), self.dir.join(format!("{name}.key")));
        std::fs::write(&crt, cert.pem()).unwrap();
        std::fs::write(&key_file, key.serialize_pem()).unwrap();
        self.kubeconfig(name, &format!("{{client-certificate: {}, client-key: {}}}", crt.display(), key_file.display()))
    }

    /// Every completed request in the API server's audit log (JSON events, stage
    /// `ResponseComplete`), oldest first.
    #[must_use]
    pub fn audit_events(&self) -> Vec<serde_json::Value> {
        let log = std::fs::read_to_string(self.dir.join("audit.log")).unwrap_or_default();
        log.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|e| e["stage"] == "ResponseComplete")
            .collect()
    }

    /// The audit log's completed requests of `user`: `(verb, requestURI, response code)`.
    #[must_use]
    pub fn requests_of(&self, user: &str) -> Vec<(String, String, u64)> {
        self.audit_events()
            .into_iter()
            .filter(|e| e["user"]["username"] == user)
            .map(|e| {
                (
                    e["verb"].as_str().unwrap_or("").to_string(),
                    e["requestURI"].as_str().unwrap_or("").to_string(),
                    e["responseStatus"]["code"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }

    /// A serving certificate for 127.0.0.1 and localhost signed by the cluster's CA:
    /// `(cert, key)` files.
    #[must_use]
    pub fn serving_cert(&self, name: &str) -> (PathBuf, PathBuf) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &Issuer::from_params(&self.ca, &self.ca_key)).unwrap();
        let (crt_path, key_path) = (self.dir.join(format!("{name}.crt")), self.dir.join(format!("{name}.key")));
        std::fs::write(&crt_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        (crt_path, key_path)
    }
}
