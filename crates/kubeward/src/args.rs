//! Command-line arguments. Every option of `scan` has a `KUBEWARD_*` environment twin.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// kubeward: a Kubernetes security auditor.
#[derive(Debug, Parser)]
#[command(name = "kubeward", version, about, propagate_version = true)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit Kubernetes manifests (files, directories, or `-` for stdin).
    Scan(Box<ScanArgs>),
    /// Audit a node's control-plane and kubelet configuration (live, or offline with --root).
    Node(Box<NodeArgs>),
    /// Gate image scanners' vulnerability reports (Trivy, Grype, Clair v4) with the `images:`
    /// policy, and name the workloads that run affected images.
    Images(Box<ImagesArgs>),
    /// Fix manifests in place, keeping comments and formatting (`--diff` to preview).
    Fix(Box<FixArgs>),
    /// Audit a live cluster through the Kubernetes API, read-only (connects like kubectl).
    Cluster(Box<ClusterArgs>),
    /// Run the validating admission webhook (HTTPS), or print its webhook configuration.
    Serve(Box<ServeArgs>),
    /// Prove that security settings are enforced: submit known-unsafe objects with server-side
    /// dry run in each namespace; each one the cluster admits is a finding (nothing is persisted).
    Verify(Box<VerifyArgs>),
    /// List the rules.
    Rules(RulesArgs),
    /// Show a rule's documentation.
    Explain(ExplainArgs),
}

/// When to colour text output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Options shared by commands that produce reports.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format on stdout: text, compact (one line a finding), json, sarif, junit, html,
    /// markdown.
    #[arg(long, short = 'f', default_value = "text", env = "KUBEWARD_FORMAT")]
    pub format: String,
    /// Also write a report to a file, as FORMAT=FILE (repeatable).
    #[arg(long = "output", short = 'o', value_name = "FORMAT=FILE")]
    pub outputs: Vec<String>,
    /// Exit with 1 when a finding is at or above this severity (critical, high, medium, low, info).
    #[arg(long, env = "KUBEWARD_FAIL_ON")]
    pub fail_on: Option<String>,
    /// Show only findings at or above this severity, in every format; the summary says how many
    /// were hidden. The exit code (--fail-on) and the score still count every finding.
    #[arg(long, value_name = "SEVERITY", env = "KUBEWARD_MIN_SEVERITY")]
    pub min_severity: Option<String>,
    /// Configuration file (default: `.kubeward.yaml` found walking up from the working directory).
    #[arg(long, env = "KUBEWARD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Rules to run, comma-separated codes, prefixes, names, categories or CIS ids (`1.2.1`, or a
    /// section: `1.2`) (replaces the config's).
    #[arg(long, value_delimiter = ',', env = "KUBEWARD_SELECT")]
    pub select: Vec<String>,
    /// Rules not to run, in the same forms (added to the config's).
    #[arg(long, value_delimiter = ',', env = "KUBEWARD_IGNORE")]
    pub ignore: Vec<String>,
    /// Colour in text output.
    #[arg(long, value_enum, default_value = "auto", env = "KUBEWARD_COLOR")]
    pub color: ColorChoice,
    /// Print nothing on stdout (reports still go to --output files) and no progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Report only the findings this baseline file does not record (written with
    /// `--write-baseline`); the summary says how many it hid.
    #[arg(long, value_name = "FILE", env = "KUBEWARD_BASELINE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in a baseline file (fingerprints that survive line moves).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

/// `kubeward scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads stdin. Default: the current directory.
    pub paths: Vec<PathBuf>,
    /// Skip paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB", env = "KUBEWARD_EXCLUDE", value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore files.
    #[arg(long)]
    pub no_gitignore: bool,
    /// Largest file read (bytes, or with KiB/MiB/GiB); larger files are an error. Default 64MiB.
    #[arg(long, env = "KUBEWARD_MAX_FILE_SIZE")]
    pub max_file_size: Option<String>,
    /// Also read the vulnerability reports (Trivy JSON, Grype JSON, Clair v4) in DIR, apply
    /// the `images:` policy and name the scanned workloads that run affected images (repeatable).
    #[arg(long, value_name = "DIR", env = "KUBEWARD_IMAGE_REPORTS", value_delimiter = ',')]
    pub image_reports: Vec<PathBuf>,
    /// A values file for the Helm charts found (a folder with Chart.yaml), passed to
    /// `helm template --values` (repeatable).
    #[arg(long, value_name = "FILE")]
    pub helm_values: Vec<PathBuf>,
    /// A value for the Helm charts found, passed to `helm template --set` (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub helm_set: Vec<String>,
    /// Report options.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `kubeward images`.
#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// A vulnerability report (Trivy JSON, Grype JSON, Clair v4 VulnerabilityReport; the format
    /// is detected from the content), or a directory of `*.json` reports (repeatable).
    /// `FILE=IMAGE` names the report's image (Clair reports carry only a digest).
    #[arg(long = "report", short = 'r', value_name = "FILE", required = true)]
    pub reports: Vec<PathBuf>,
    /// Manifests (files or directories) whose workloads are matched against the reported
    /// images (repeatable).
    #[arg(long, value_name = "PATH")]
    pub manifests: Vec<PathBuf>,
    /// Do not honour .gitignore files under `--manifests`.
    #[arg(long)]
    pub no_gitignore: bool,
    /// Report options. Without `--fail-on`, any blocking vulnerability exits with 1.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `kubeward fix`.
#[derive(Debug, Args)]
pub struct FixArgs {
    /// Files or directories to fix; `-` reads stdin and writes the fixed stream to stdout.
    /// Default: the current directory.
    pub paths: Vec<PathBuf>,
    /// Print a unified diff of the changes and write nothing.
    #[arg(long)]
    pub diff: bool,
    /// Also apply unsafe fixes (they can break a workload: `runAsNonRoot`,
    /// `readOnlyRootFilesystem`, no host namespaces, no service account token, default-deny
    /// NetworkPolicies).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Skip paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB", value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore files.
    #[arg(long)]
    pub no_gitignore: bool,
    /// Options of the report of what remains after fixing.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `kubeward node`.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// Audit a copy of a node's filesystem (an unpacked tarball, a mounted disk image) instead
    /// of this machine: paths such as `/etc/kubernetes` and `/proc` are read under DIR.
    #[arg(long, value_name = "DIR", env = "KUBEWARD_ROOT")]
    pub root: Option<PathBuf>,
    /// Print the auditd rules (`-w PATH -p wa -k docker`, one a line) for the Docker paths
    /// that the node's `/etc/audit/audit.rules` and `/etc/audit/rules.d/*.rules` do not watch,
    /// and nothing else; exit 0.
    #[arg(long)]
    pub print_auditd_rules: bool,
    /// The cluster's Kubernetes version (`v1.33.4`, `1.33`), checked against the release
    /// table when the node shows none (a kubelet started outside a container, K3s).
    #[arg(long, value_name = "VERSION")]
    pub k8s_version: Option<String>,
    /// Report options (by default only the `node` and `general` rules run).
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `kubeward cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Kubeconfig file (default: `KUBECONFIG`, then `~/.kube/config`, then the in-cluster
    /// service account).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context (default: the current context).
    #[arg(long)]
    pub context: Option<String>,
    /// Audit only this namespace (cluster-scoped objects other than the namespace are not read).
    #[arg(long, short = 'n', env = "KUBEWARD_NAMESPACE")]
    pub namespace: Option<String>,
    /// Objects per list request (pagination with `limit`/`continue`).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk_size: u32,
    /// Timeout of one API request, in seconds (its answer's head, then its body; a credential
    /// plugin's answer too).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Time limit of the whole collection, in seconds: what is not read by then is an input
    /// error (exit code 2) and the rest is reported.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..), env = "KUBEWARD_CLUSTER_TIMEOUT")]
    pub timeout: u64,
    /// Do not read the nodes' kubelet configuration (`nodes/proxy` configz).
    #[arg(long)]
    pub no_kubelet_config: bool,
    /// Report options.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `kubeward rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format: text or json.
    #[arg(long, short = 'f', default_value = "text")]
    pub format: String,
}

/// `kubeward explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (POD001) or name (privileged-container).
    pub rule: String,
}

/// `kubeward serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// PEM certificate (chain) served on --listen; reloaded when the file changes.
    #[arg(long, value_name = "FILE", env = "KUBEWARD_TLS_CERT_FILE", required_unless_present = "print_webhook_config")]
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key of the certificate; reloaded when the file changes.
    #[arg(
        long,
        value_name = "FILE",
        env = "KUBEWARD_TLS_PRIVATE_KEY_FILE",
        required_unless_present = "print_webhook_config"
    )]
    pub tls_private_key_file: Option<PathBuf>,
    /// HTTPS address of POST /validate.
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:8443", env = "KUBEWARD_LISTEN")]
    pub listen: std::net::SocketAddr,
    /// Plain-HTTP address of /healthz, /readyz and /metrics.
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:8080", env = "KUBEWARD_HEALTH_LISTEN")]
    pub health_listen: std::net::SocketAddr,
    /// Configuration file (its `serve:` section is the admission policy).
    #[arg(long, env = "KUBEWARD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Rules to run (replaces the config's selection).
    #[arg(long, value_delimiter = ',', env = "KUBEWARD_SELECT")]
    pub select: Vec<String>,
    /// Rules not to run (added to the config's).
    #[arg(long, value_delimiter = ',', env = "KUBEWARD_IGNORE")]
    pub ignore: Vec<String>,
    /// Deny a request with a finding at or above this severity (default: the config's
    /// `serve.deny-at`, else high). Findings below it are returned as warnings.
    #[arg(long, value_name = "SEVERITY", env = "KUBEWARD_DENY_AT")]
    pub deny_at: Option<String>,
    /// Never deny: return warnings and audit annotations only.
    #[arg(long, env = "KUBEWARD_AUDIT")]
    pub audit: bool,
    /// The server's own namespace, always exempt (default: POD_NAMESPACE, else the service
    /// account's namespace, else `kubeward`).
    #[arg(long, env = "POD_NAMESPACE")]
    pub namespace: Option<String>,
    /// Largest request body, in bytes (413 beyond it).
    #[arg(long, default_value_t = 3 << 20, env = "KUBEWARD_MAX_BODY_BYTES")]
    pub max_body_bytes: usize,
    /// Most requests judged at once, counted once their body is read (more wait).
    #[arg(long, default_value_t = 32, env = "KUBEWARD_MAX_IN_FLIGHT")]
    pub max_in_flight: usize,
    /// Seconds to read and judge one request; keep it below the webhook's timeoutSeconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 8.0, env = "KUBEWARD_REQUEST_TIMEOUT")]
    pub request_timeout: f64,
    /// The answer to a request read but not judged within --request-timeout: error (HTTP 503,
    /// the webhook's failurePolicy decides), deny (fail closed) or allow (fail open).
    #[arg(long, value_name = "ANSWER", default_value = "error", env = "KUBEWARD_ON_TIMEOUT")]
    pub on_timeout: String,
    /// Most open connections on --listen; more wait in the listen backlog.
    #[arg(long, default_value_t = 256, env = "KUBEWARD_MAX_CONNECTIONS")]
    pub max_connections: usize,
    /// Seconds after which a connection without requests is closed (HTTP/2: GOAWAY).
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0, env = "KUBEWARD_IDLE_TIMEOUT")]
    pub idle_timeout: f64,
    /// Seconds a client has to complete the TLS handshake.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub tls_handshake_timeout: f64,
    /// Seconds between checks of the certificate files.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub cert_reload_interval: f64,
    /// On SIGTERM, seconds to go on serving while /readyz fails, before draining.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, env = "KUBEWARD_SHUTDOWN_DELAY")]
    pub shutdown_delay: f64,
    /// On SIGTERM, longest wait in seconds for open requests to finish.
    #[arg(long, value_name = "SECONDS", default_value_t = 20.0)]
    pub drain_timeout: f64,
    /// Do not write a JSON line per decision on stdout.
    #[arg(long)]
    pub no_decision_log: bool,
    /// A directory of image scanner reports (Trivy, Grype, Clair v4 JSON): pods whose image
    /// has a blocking vulnerability under the `images:` policy are judged by IMG006 and denied
    /// at or above `--deny-at`. Re-read when its files change.
    #[arg(long, value_name = "DIR", env = "KUBEWARD_IMAGE_REPORTS")]
    pub image_reports: Option<PathBuf>,
    /// Print the ValidatingWebhookConfiguration (with --ca-file as its caBundle) and exit.
    #[arg(long, requires = "ca_file")]
    pub print_webhook_config: bool,
    /// PEM CA certificate that signed the serving certificate (for --print-webhook-config).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Service name in the printed configuration.
    #[arg(long, default_value = "kubeward")]
    pub service_name: String,
    /// Service port in the printed configuration.
    #[arg(long, default_value_t = 443)]
    pub service_port: u16,
    /// timeoutSeconds in the printed configuration (1 to 30).
    #[arg(long, default_value_t = 10)]
    pub timeout_seconds: u8,
    /// failurePolicy in the printed configuration: Fail (fail closed) or Ignore (fail open).
    #[arg(long, default_value = "Fail")]
    pub failure_policy: String,
}

/// `kubeward verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Kubeconfig file (default: `KUBECONFIG`, then `~/.kube/config`, then the in-cluster
    /// service account).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context (default: the current context).
    #[arg(long)]
    pub context: Option<String>,
    /// Verify only this namespace (repeatable; default: every namespace).
    #[arg(long = "namespace", short = 'n', value_name = "NS", env = "KUBEWARD_NAMESPACE", value_delimiter = ',')]
    pub namespaces: Vec<String>,
    /// Do not verify this namespace (repeatable, or comma-separated), such as `kube-system`,
    /// whose system pods need what the probes test.
    #[arg(long, value_name = "NS", value_delimiter = ',')]
    pub exclude_namespace: Vec<String>,
    /// Timeout of one API request, in seconds.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Time limit of the whole run, in seconds: what is not verified by then is inconclusive.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Print the RBAC `kubeward verify` needs (deploy/verify/rbac.yaml) and exit.
    #[arg(long)]
    pub print_rbac: bool,
    /// Report options (`--select`/`--ignore` choose the probes by the rules they probe).
    #[command(flatten)]
    pub report: ReportArgs,
}
