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
    let (mut inputs, mut errors) = walk::collect(&paths, &exclude, !args.no_gitignore);
    // Helm charts and kustomizations are rendered and stand for their files.
    let rendered = crate::render::prepare(
        &mut inputs,
        &paths,
        &crate::render::Options {
            values: args.helm_values.clone(),
            sets: args.helm_set.clone(),
            max_size: settings.max_file_size,
            limits: Limits::default(),
        },
    );
    errors.extend(rendered.errors);
    let progress = crate::progress::Progress::new(args.report.quiet, inputs.len() as u64, "scanning");
    // Reports named with --image-reports are read first (a report
    // inside a scanned directory is read once).
    let mut reports = kubeward_engine::Snapshot::default();
    if !args.image_reports.is_empty() {
        super::images::add_reports(&mut reports, &args.image_reports, &settings);
        errors.append(&mut reports.errors);
    }
    let loaded: std::collections::HashSet<&str> = reports.files.iter().filter_map(|f| f.path.as_deref()).collect();
    let mut items: Vec<walk::Item> = inputs
        .into_iter()
        .filter(|i| match i {
            walk::Input::File(p) => !loaded.contains(walk::display(p).as_str()),
            walk::Input::Stdin => true,
        })
        .map(walk::Item::Input)
        .collect();
    drop(loaded);
    items.extend(std::mem::take(&mut reports.files).into_iter().map(|f| walk::Item::Loaded(Box::new(f))));
    items.extend(rendered.files.into_iter().map(|f| walk::Item::Loaded(Box::new(f))));
    let want_reports = !args.image_reports.is_empty();
    let is_report = |f: &kubeward_engine::snapshot::SourceFile| {
        want_reports && f.documents.iter().any(|d| kubeward_engine::images::ReportFormat::detect(&d.root).is_some())
    };
    let mut stream = kubeward_engine::engine::Stream::with_settings(&settings);
    let streamed =
        walk::stream(items, settings.max_file_size, Limits::default(), &|| progress.inc(), &mut stream, &is_report);
    errors.extend(streamed.errors);
    let report = stream.finish(errors);
    progress.finish();
    let kept = streamed.kept;
    // Every vulnerability read is accounted for on stderr.
    if want_reports && !args.report.quiet {
        let reports = kubeward_engine::images::reports_in(&kept, &settings.images, &settings.today);
        let mut a = kubeward_engine::images::Accounting::default();
        for (_, _, r) in &reports {
            a.add(&r.vulns);
        }
        eprintln!("kubeward scan: {}", super::images::summary(reports.len(), &a, &settings));
    }
    let sources = Sources::from_disk(&kept).with_max_size(settings.max_file_size);
    super::output::emit_full(&args.report, &settings, &report, &sources, "scan", &super::output::roots(&paths), None)
}
