//! `kubeward scan`: audit manifests.

use anyhow::{anyhow, Result};
use kubeward_engine::input::yaml::Limits;
use kubeward_engine::report::Sources;

use crate::args::ScanArgs;
use crate::{config, walk};

/// Runs the scan.
///
/// # Errors
/// Usage errors.
pub fn run(args: &ScanArgs) -> Result<u8> {
    let mut settings = config::load(&args.report)?;
    if let Some(s) = &args.max_file_size {
        let raw = kubeward_engine::settings::RawSettings {
            max_file_size: Some(serde_json::Value::String(s.clone())),
            ..Default::default()
        };
        settings.max_file_size =
            kubeward_engine::Settings::compile(raw).map_err(|e| anyhow!("--max-file-size: {e}"))?.max_file_size;
    }
    let mut excludes = settings.exclude.clone();
    excludes.extend(args.exclude.iter().cloned());
    let exclude = walk::exclude_set(&excludes)?;
    let paths = if args.paths.is_empty() { vec![std::path::PathBuf::from(".")] } else { args.paths.clone() };
    let (inputs, mut errors) = walk::collect(&paths, &exclude, !args.no_gitignore);
    let progress = crate::progress::Progress::new(args.report.quiet, inputs.len() as u64, "reading");
    let mut snap = walk::load(&inputs, settings.max_file_size, Limits::default(), &|| progress.inc());
    snap.errors.append(&mut errors);
    // --- images (issue 6) ---
    if !args.image_reports.is_empty() {
        super::images::add_reports(&mut snap, &args.image_reports, &settings);
    }
    snap.mark_kustomize_patches();
    progress.stage("auditing");
    let report = kubeward_engine::run(&snap, &settings);
    progress.finish();
    // --- images (issue 6) --- every vulnerability read is accounted for on stderr.
    if !args.image_reports.is_empty() && !args.report.quiet {
        let reports = kubeward_engine::images::reports_in(&snap, &settings.images, &settings.today);
        let mut a = kubeward_engine::images::Accounting::default();
        for (_, _, r) in &reports {
            a.add(&r.vulns);
        }
        eprintln!("kubeward scan: {}", super::images::summary(reports.len(), &a, &settings));
    }
    let sources = Sources::of(&snap);
    super::output::emit(&args.report, &settings, &report, &sources, "scan")
}
