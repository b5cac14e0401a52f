//! `kubeward cluster`: audit a live cluster through the Kubernetes API, read-only. The
//! collector (`kubeward_cluster`) lists what the rules need, page by page; each page is
//! audited as it comes and dropped (an unordered [`kubeward_engine::engine::Stream`]: findings
//! packed, then sorted in compressed runs), so memory follows the findings and the
//! cross-object facts, not the cluster's size. A progress bar goes to stderr on a terminal only.

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
        overall_timeout: Some(Duration::from_secs(args.timeout)),
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
    // Each page is audited as it is read and its trees dropped; its findings are packed, its
    // cross-object facts kept, until its list is taken in discovery order (the report is the
    // one `engine::run` gives over the whole snapshot; a test checks this).
    let mut stream = kubeward_engine::engine::Stream::unordered(&settings);
    let listed = stream.pages(|page, take| kubeward_cluster::collect_pages_blocking(&opts, &progress, page, take));
    if let (Some(b), Ok(l)) = (&bar, &listed) {
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        // Objects were audited as their pages came; the cross-object rules remain.
        b.set_message(format!("cross-object rules over {} objects", l.received));
    }
    let listed = match listed {
        Ok(l) => l,
        Err(e) => {
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            return Err(anyhow!("{e}"));
        }
    };
    let mut listed = listed;
    // A cluster always holds objects (namespaces at least): a run that could list none read
    // nothing it was asked to read, and must not pass (issue 16: runs that read nothing).
    let nothing_read = listed.received == 0;
    if nothing_read {
        listed.errors.push(kubeward_engine::diagnostic::InputError {
            file: None,
            pos: kubeward_engine::input::node::Pos::default(),
            message: "no object could be read from the cluster: every list was refused or failed (see the \
                      GEN003 findings); `kubeward cluster` needs the read rights of deploy/cluster-audit/"
                .into(),
        });
    }
    let mut report = stream.finish(listed.errors);
    if nothing_read {
        // The only objects are kubeward's own records of what it could not read.
        report.set_objects(0);
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    // API input: no file was read (the stream's "files" are list pages).
    report.set_files(0);
    let sources = Sources::default();
    super::output::emit(&args.report, &settings, &report, &sources, "cluster")
}
