//! `run`: every selected rule over a snapshot, once.
//!
//! Rules are bucketed by target once per run; each file's objects are visited once (in
//! parallel across files), their pod specs and containers derived once, and only the matching
//! bucket is called. Cross-object (snapshot) rules run last. The result is sorted, so the same
//! inputs always give the same report.

use rayon::prelude::*;

use crate::context::Context;
use crate::diagnostic::{Diagnostic, InputError};
use crate::input::workload::PodSpecView;
use crate::registry::rules;
use crate::rule::{Rule, Targets};
use crate::settings::Settings;
use crate::snapshot::Snapshot;

/// The outcome of a run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Findings, sorted by file, position and code.
    pub diagnostics: Vec<Diagnostic>,
    /// Inputs that could not be read or parsed.
    pub errors: Vec<InputError>,
    /// Files read.
    pub files: usize,
    /// Kubernetes objects audited.
    pub objects: usize,
    /// Findings dropped by annotation exemptions.
    pub exempted: usize,
    /// Rules that ran.
    pub rules_run: usize,
    /// Findings dropped because the baseline (`--baseline`) records them.
    pub hidden_by_baseline: usize,
}

impl Report {
    /// Findings per severity, most severe first.
    #[must_use]
    pub fn counts(&self) -> [(crate::rule::Severity, usize); 5] {
        crate::rule::Severity::ALL.map(|s| (s, self.diagnostics.iter().filter(|d| d.severity == s).count()))
    }
}

/// Runs the selected rules.
#[must_use]
pub fn run(snap: &Snapshot, settings: &Settings) -> Report {
    let selected: Vec<&'static dyn Rule> = rules().iter().copied().filter(|r| settings.is_selected(r.meta())).collect();
    run_rules(snap, settings, &selected)
}

/// Runs the given rules (tests run one rule at a time).
#[must_use]
pub fn run_rules(snap: &Snapshot, settings: &Settings, selected: &[&'static dyn Rule]) -> Report {
    let bucket = |t: Targets| -> Vec<&'static dyn Rule> {
        selected.iter().copied().filter(|r| r.meta().targets.has(t)).collect()
    };
    let (object_rules, pod_rules, container_rules, snapshot_rules) =
        (bucket(Targets::OBJECT), bucket(Targets::POD_SPEC), bucket(Targets::CONTAINER), bucket(Targets::SNAPSHOT));
    let host_file_rules = bucket(Targets::HOST_FILE);

    let per_file: Vec<(Vec<Diagnostic>, usize, usize)> = (0..snap.files.len())
        .into_par_iter()
        .map(|i| {
            let mut cx_obj: Vec<Context<'_>> = object_rules.iter().map(|r| Context::new(settings, r.meta())).collect();
            let mut cx_pod: Vec<Context<'_>> = pod_rules.iter().map(|r| Context::new(settings, r.meta())).collect();
            let mut cx_ctr: Vec<Context<'_>> =
                container_rules.iter().map(|r| Context::new(settings, r.meta())).collect();
            let mut objects = 0;
            snap.objects_of_file(i, |obj| {
                objects += 1;
                for (r, cx) in object_rules.iter().zip(cx_obj.iter_mut()) {
                    r.check_object(&obj, cx);
                }
                if pod_rules.is_empty() && container_rules.is_empty() {
                    return;
                }
                if let Some(pod) = PodSpecView::of(&obj) {
                    for (r, cx) in pod_rules.iter().zip(cx_pod.iter_mut()) {
                        r.check_pod(&pod, cx);
                    }
                    if !container_rules.is_empty() {
                        for c in pod.containers() {
                            for (r, cx) in container_rules.iter().zip(cx_ctr.iter_mut()) {
                                r.check_container(&pod, &c, cx);
                            }
                        }
                    }
                }
            });
            let mut out = Vec::new();
            let mut exempted = 0;
            for cx in cx_obj.into_iter().chain(cx_pod).chain(cx_ctr) {
                let c = cx.finish();
                exempted += c.exempted;
                out.extend(c.diagnostics);
            }
            (out, objects, exempted)
        })
        .collect();

    let mut report =
        Report { files: snap.files.len(), errors: snap.errors.clone(), rules_run: selected.len(), ..Report::default() };
    for (d, o, e) in per_file {
        report.diagnostics.extend(d);
        report.objects += o;
        report.exempted += e;
    }
    for r in &host_file_rules {
        let mut cx = Context::new(settings, r.meta());
        for f in &snap.host_files {
            r.check_host_file(f, &mut cx);
        }
        report.diagnostics.extend(cx.finish().diagnostics);
    }
    // --- images (issue 6) ---
    let dockerfile_rules = bucket(Targets::DOCKERFILE);
    if !dockerfile_rules.is_empty() {
        let per_df: Vec<(Vec<Diagnostic>, usize)> = snap
            .files
            .par_iter()
            .filter(|f| {
                f.documents.is_empty() && f.path.as_deref().is_some_and(crate::input::dockerfile::is_dockerfile_path)
            })
            .map(|f| {
                let df = crate::input::dockerfile::Dockerfile::parse(f.path.as_deref(), &f.text);
                let mut out = Vec::new();
                let mut exempted = 0;
                for r in &dockerfile_rules {
                    let mut cx = Context::new(settings, r.meta());
                    r.check_dockerfile(&df, &mut cx);
                    let c = cx.finish();
                    exempted += c.exempted;
                    out.extend(c.diagnostics);
                }
                (out, exempted)
            })
            .collect();
        for (d, e) in per_df {
            report.diagnostics.extend(d);
            report.exempted += e;
        }
    }
    // --- end images (issue 6) ---
    for r in &snapshot_rules {
        let mut cx = Context::new(settings, r.meta());
        r.check_snapshot(snap, &mut cx);
        let c = cx.finish();
        report.exempted += c.exempted;
        report.diagnostics.extend(c.diagnostics);
    }
    report.diagnostics.sort_by(|a, b| {
        (a.file.as_deref(), a.pos, a.rule.code, &a.object, &a.path, &a.message).cmp(&(
            b.file.as_deref(),
            b.pos,
            b.rule.code,
            &b.object,
            &b.path,
            &b.message,
        ))
    });
    report.errors.sort_by(|a, b| (a.file.as_deref(), a.pos).cmp(&(b.file.as_deref(), b.pos)));
    report
}
