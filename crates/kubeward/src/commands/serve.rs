//! `kubeward serve`: the validating admission webhook (`kubeward_server`), or
//! `--print-webhook-config` to print its ValidatingWebhookConfiguration.

use std::time::Duration;

use anyhow::{anyhow, Result};
use kubeward_server::review::Policy;
use kubeward_server::webhook::{render, WebhookOptions};
use kubeward_server::{Config, Server};

use crate::args::{ReportArgs, ServeArgs};
use crate::config;

/// Where Kubernetes mounts the service account's namespace.
const SA_NAMESPACE: &str = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

fn own_namespace(args: &ServeArgs) -> String {
    args.namespace
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| std::fs::read_to_string(SA_NAMESPACE).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "kubeward".to_string())
}

fn seconds(name: &str, v: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(v).map_err(|_| anyhow!("--{name}: `{v}` is not a number of seconds"))
}

/// The shared report options, as if `--config`, `--select` and `--ignore` had been given to
/// `scan` (so that `config::load` applies them the same way).
fn report_args(args: &ServeArgs) -> Result<ReportArgs> {
    #[derive(clap::Parser)]
    struct Wrap {
        #[command(flatten)]
        report: ReportArgs,
    }
    let mut argv: Vec<std::ffi::OsString> = vec!["serve".into(), "--quiet".into()];
    if let Some(c) = &args.config {
        argv.push("--config".into());
        argv.push(c.clone().into_os_string());
    }
    if !args.select.is_empty() {
        argv.push(format!("--select={}", args.select.join(",")).into());
    }
    if !args.ignore.is_empty() {
        argv.push(format!("--ignore={}", args.ignore.join(",")).into());
    }
    Ok(<Wrap as clap::Parser>::try_parse_from(argv).map_err(|e| anyhow!("{e}"))?.report)
}

/// Runs the server until SIGTERM or SIGINT, or prints the webhook configuration.
///
/// # Errors
/// Bad configuration, certificate files, or addresses in use.
pub fn run(args: &ServeArgs) -> Result<u8> {
    let report = report_args(args)?;
    let mut settings = config::load(&report)?;
    if let Some(d) = &args.deny_at {
        d.parse::<kubeward_engine::Severity>().map_err(|e| anyhow!("--deny-at: {e}"))?;
        settings.serve.deny_at = Some(d.clone());
    }
    if args.audit {
        settings.serve.mode = Some("audit".into());
    }
    let namespace = own_namespace(args);
    let policy = Policy::from_settings(&settings, &namespace).map_err(|e| anyhow!("invalid config: {e}"))?;

    if args.print_webhook_config {
        let ca_file = args.ca_file.as_ref().ok_or_else(|| anyhow!("--print-webhook-config needs --ca-file"))?;
        let ca = std::fs::read(ca_file).map_err(|e| anyhow!("cannot read {}: {e}", ca_file.display()))?;
        let opts = WebhookOptions {
            namespace,
            service: args.service_name.clone(),
            port: args.service_port,
            timeout_seconds: args.timeout_seconds,
            failure_policy: args.failure_policy.clone(),
            exempt_namespaces: policy.exempt_namespaces.clone(),
            exempt_namespace_labels: policy.exempt_namespace_labels.clone(),
        };
        let text = render(&opts, &ca).map_err(|e| anyhow!("{}: {e}", ca_file.display()))?;
        let mut out = std::io::stdout().lock();
        std::io::Write::write_all(&mut out, text.as_bytes())?;
        std::io::Write::flush(&mut out)?;
        return Ok(0);
    }

    let (Some(cert), Some(key)) = (&args.tls_cert_file, &args.tls_private_key_file) else {
        return Err(anyhow!("--tls-cert-file and --tls-private-key-file are required"));
    };
    let mut cfg = Config::new(args.listen, args.health_listen, cert.clone(), key.clone(), settings, policy);
    cfg.max_body_bytes = args.max_body_bytes;
    cfg.max_in_flight = args.max_in_flight;
    cfg.request_timeout = seconds("request-timeout", args.request_timeout)?;
    if cfg.request_timeout.is_zero() {
        return Err(anyhow!("--request-timeout must be more than 0 seconds"));
    }
    cfg.on_timeout = args.on_timeout.parse().map_err(|e| anyhow!("--on-timeout: {e}"))?;
    if args.max_connections == 0 {
        return Err(anyhow!("--max-connections must be at least 1"));
    }
    cfg.max_connections = args.max_connections;
    cfg.idle_timeout = seconds("idle-timeout", args.idle_timeout)?;
    cfg.tls_handshake_timeout = seconds("tls-handshake-timeout", args.tls_handshake_timeout)?;
    if cfg.idle_timeout.is_zero() || cfg.tls_handshake_timeout.is_zero() {
        return Err(anyhow!("--idle-timeout and --tls-handshake-timeout must be more than 0 seconds"));
    }
    cfg.cert_reload_interval = seconds("cert-reload-interval", args.cert_reload_interval)?;
    cfg.shutdown_delay = seconds("shutdown-delay", args.shutdown_delay)?;
    cfg.drain_timeout = seconds("drain-timeout", args.drain_timeout)?;
    cfg.log_decisions = !args.no_decision_log;
    cfg.image_reports.clone_from(&args.image_reports);

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = rt.block_on(async move {
        // The handlers are installed before the server says `serving`: a SIGTERM from then on
        // is a graceful stop, never the default action (the process killed at once).
        let shutdown = shutdown_signal();
        let server = Server::bind(cfg).await?;
        server.run(shutdown).await
    });
    // A judging job still running after the drain (its request already answered) is not
    // waited for.
    rt.shutdown_timeout(Duration::from_secs(1));
    result?;
    Ok(0)
}

/// SIGTERM (the kubelet stopping the pod) or SIGINT (Ctrl-C). The handlers are installed
/// now; the future completes on the first signal.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let handlers = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()));
    async move {
        match handlers {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            // No signal handlers: serve until killed.
            _ => std::future::pending::<()>().await,
        }
    }
}
