//! `kubeward cluster`: audit a live cluster through the Kubernetes API, read-only. The
//! collector (`kubeward_cluster`) lists what the rules need; the engine audits it like files.
//! A progress bar goes to stderr on a terminal only.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{anyhow, Result};
use kubeward_cluster::{Options, Progress};
use kubeward_engine::report::Sources;

use crate::args::ClusterArgs;
use crate::config;

/// Runs the cluster audit.
///
/// # Errors
/// Usage errors and a cluster that cannot be reached.
pub fn run(args: &ClusterArgs) -> Result<u8> {
    let settings = config::load(&args.report)?;
    let opts = Options {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        namespace: args.namespace.clone(),
        page_size: Some(args.chunk_size),
        timeout: Some(Duration::from_secs(args.request_timeout)),
        skip_kubelet_config: args.no_kubelet_config,
    };
    // Like `scan`'s bar (crate::progress): a terminal only, not with --quiet or
    // KUBEWARD_NO_PROGRESS; counted in API resources rather than files.
    let show =
        !args.report.quiet && std::io::stderr().is_terminal() && std::env::var_os("KUBEWARD_NO_PROGRESS").is_none();
    let bar = show.then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.enable_steady_tick(Duration::from_millis(120));
        b
    });
    let objects = std::sync::atomic::AtomicUsize::new(0);
    let progress = |p: Progress| {
        let Some(b) = &bar else { return };
        match p {
            Progress::Listing { what, index, total } => {
                b.set_length(total as u64);
                b.set_position(index as u64);
                b.set_message(format!("{what} ({} objects)", objects.load(std::sync::atomic::Ordering::Relaxed)));
            }
            Progress::Objects(n) => objects.store(n, std::sync::atomic::Ordering::Relaxed),
        }
    };
    let collected = kubeward_cluster::collect_blocking(&opts, &progress);
    if let (Some(b), Ok(c)) = (&bar, &collected) {
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        b.set_message(format!("auditing {} objects", c.received));
    }
    let collected = match collected {
        Ok(c) => c,
        Err(e) => {
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            return Err(anyhow!("{e}"));
        }
    };
    let snap = collected.snapshot;
    let mut report = kubeward_engine::run(&snap, &settings);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    // API input: no file was read (the snapshot's "files" are list pages).
    report.files = 0;
    let sources = Sources::of(&snap);
    super::output::emit(&args.report, &settings, &report, &sources, "cluster")
}
