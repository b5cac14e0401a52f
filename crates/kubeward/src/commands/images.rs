//! `kubeward images`: image scanners' vulnerability reports gated by the `images:` policy of
//! `.kubeward.yaml`, and the workloads of `--manifests` that run affected images.
//!
//! Reports are read into the snapshot like manifests (JSON with positions), and only the
//! `vulnerable-image` rule (IMG006) runs, so findings, formats and exit codes are `scan`'s.

use std::path::PathBuf;

use anyhow::Result;
use kubeward_engine::images::{is_report_name, reports_in, Accounting, ReportFormat};
use kubeward_engine::input::yaml::Limits;
use kubeward_engine::report::Sources;
use kubeward_engine::{InputError, Settings, Severity, Snapshot};

use crate::args::ImagesArgs;
use crate::{config, walk};

/// The report files under a directory (`*.json`, `*.json.*`), recursively, sorted. Each real
/// directory is read once (`visited`: device and inode), whatever the links that lead to it;
/// anything named like a report that is not a directory is listed, for the reader to refuse
/// FIFOs, devices and sockets with a message.
fn report_files(
    dir: &std::path::Path,
    depth: usize,
    visited: &mut std::collections::HashSet<(u64, u64)>,
    out: &mut Vec<PathBuf>,
    errors: &mut Vec<InputError>,
) {
    if walk::dir_id(dir).is_some_and(|id| !visited.insert(id)) {
        return;
    }
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            errors.push(InputError {
                file: Some(dir.display().to_string().into()),
                pos: Default::default(),
                message: format!("cannot read directory: {e}"),
            });
            return;
        }
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if depth < 32 && p.file_name().is_some_and(|n| n != ".git") {
                report_files(&p, depth + 1, visited, out, errors);
            }
        } else if is_report_name(&p) {
            out.push(p);
        }
    }
}

/// Report files of the given paths: files as given, directories' `*.json` (recursive). A
/// `FILE=IMAGE` argument (when FILE exists and the whole argument does not) names the image of
/// the report, for reports that do not name it (Clair v4 carries only the manifest digest).
fn report_inputs(paths: &[PathBuf], errors: &mut Vec<InputError>) -> Vec<(walk::Input, Option<String>)> {
    let mut out = Vec::new();
    for p in paths {
        let (p, image) = match p.to_str().and_then(|s| s.rsplit_once('=')) {
            Some((f, i)) if !p.exists() && std::path::Path::new(f).is_file() && !i.is_empty() => {
                (PathBuf::from(f), Some(i.to_string()))
            }
            _ => (p.clone(), None),
        };
        if p.is_dir() {
            let mut files = Vec::new();
            let before = errors.len();
            report_files(&p, 0, &mut std::collections::HashSet::new(), &mut files, errors);
            // A directory without reports is an error: a gate that read nothing must not pass.
            if files.is_empty() && errors.len() == before {
                errors.push(InputError {
                    file: Some(walk::display(&p).into()),
                    pos: Default::default(),
                    message: "nothing to read: no vulnerability report (`*.json`) in this directory".into(),
                });
            }
            out.extend(files.into_iter().map(|f| (walk::Input::File(f), image.clone())));
        } else if p.exists() || p.as_os_str() == "-" {
            let input = if p.as_os_str() == "-" { walk::Input::Stdin } else { walk::Input::File(p.clone()) };
            out.push((input, image));
        } else {
            errors.push(InputError {
                file: Some(p.display().to_string().into()),
                pos: Default::default(),
                message: "no such file or directory".into(),
            });
        }
    }
    out
}

/// Reads the reports of `paths` into `snap`. A file that is not a report (nor parses) is an
/// input error naming it.
pub fn add_reports(snap: &mut Snapshot, paths: &[PathBuf], settings: &Settings) {
    let mut errors = Vec::new();
    let mut named = report_inputs(paths, &mut errors);
    // A report already read (the reports directory is inside a scanned directory) is read once.
    named.retain(|(i, _)| match i {
        walk::Input::File(p) => {
            let shown = walk::display(p);
            !snap.files.iter().any(|f| f.path.as_deref() == Some(shown.as_str()))
        }
        walk::Input::Stdin => true,
    });
    let inputs: Vec<walk::Input> = named.iter().map(|(i, _)| i.clone()).collect();
    let mut loaded = walk::load(&inputs, settings.max_file_size, Limits::default(), &|| {});
    for f in &mut loaded.files {
        let is_report = f.documents.iter().any(|d| ReportFormat::detect(&d.root).is_some());
        let had_error = loaded.errors.iter().any(|e| e.file == f.path);
        if !is_report && !had_error {
            errors.push(InputError {
                file: f.path.clone(),
                pos: Default::default(),
                message: "not a Trivy JSON, Grype JSON or Clair v4 vulnerability report".into(),
            });
        }
        // `FILE=IMAGE`: the image's name travels in the report document.
        let image = named.iter().find_map(|(i, img)| match (i, img) {
            (walk::Input::File(p), Some(img)) if f.path.as_deref() == Some(walk::display(p).as_str()) => Some(img),
            _ => None,
        });
        if let Some(img) = image {
            for d in &mut f.documents {
                kubeward_engine::images::name_image(&mut d.root, img);
            }
        }
    }
    snap.files.extend(loaded.files);
    snap.errors.extend(loaded.errors);
    snap.errors.extend(errors);
}

/// One line accounting for every vulnerability read.
#[must_use]
pub fn summary(reports: usize, a: &Accounting, settings: &Settings) -> String {
    let mut s = format!(
        "{} vulnerabilit{} in {reports} report{}: {} blocking, {} ignored, {} below the blocking severities ({})",
        a.total,
        if a.total == 1 { "y" } else { "ies" },
        if reports == 1 { "" } else { "s" },
        a.blocking,
        a.ignored,
        a.below_threshold,
        settings.images.block.join(", "),
    );
    if settings.images.fixable_only {
        s.push_str(&format!(", {} without a fix", a.not_fixable));
    }
    if a.unknown_severity > 0 {
        s.push_str(&format!(
            "; {} with an unknown severity, counted as {}",
            a.unknown_severity, settings.images.unknown_severity
        ));
    }
    if a.expired_ignores > 0 {
        s.push_str(&format!("; {} matched an expired `images.ignore` entry", a.expired_ignores));
    }
    s
}

/// Runs `kubeward images`.
///
/// # Errors
/// Usage errors.
pub fn run(args: &ImagesArgs) -> Result<u8> {
    let mut settings = config::load(&args.report)?;
    // Only the vulnerability gate runs; without --fail-on every blocking vulnerability fails.
    settings.select = vec!["IMG006".into()];
    settings.ignore.clear();
    if args.report.fail_on.is_none() {
        settings.fail_on = Severity::Info;
    }
    let mut snap = Snapshot::default();
    add_reports(&mut snap, &args.reports, &settings);
    if !args.manifests.is_empty() {
        let exclude = walk::exclude_set(&settings.exclude)?;
        let (mut inputs, mut errors) = walk::collect(&args.manifests, &exclude, !args.no_gitignore);
        // Charts and kustomizations are rendered, as by `scan`.
        let opts = crate::render::Options { max_size: settings.max_file_size, ..Default::default() };
        let rendered = crate::render::prepare(&mut inputs, &args.manifests, &opts);
        errors.extend(rendered.errors);
        let mut m = walk::load(&inputs, settings.max_file_size, Limits::default(), &|| {});
        snap.files.append(&mut m.files);
        snap.files.extend(rendered.files);
        snap.errors.append(&mut m.errors);
        snap.errors.append(&mut errors);
    }
    let report = kubeward_engine::run(&snap, &settings);
    if !args.report.quiet {
        let reports = reports_in(&snap, &settings.images, &settings.today);
        let mut a = Accounting::default();
        for (_, _, r) in &reports {
            a.add(&r.vulns);
        }
        eprintln!("kubeward images: {}", summary(reports.len(), &a, &settings));
    }
    let sources = Sources::of(&snap);
    super::output::emit(&args.report, &settings, &report, &sources, "images")
}
