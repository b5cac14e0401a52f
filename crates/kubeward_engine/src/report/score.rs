//! The score (0 to 100) and letter grade of a report (documented in docs/score.md).
//!
//! Every audited subject (a Kubernetes object, or a node file or process when it has
//! findings) starts with 10 points. Each finding takes points from its subject by severity:
//! critical 10, high 5, medium 2, low 0.5, info 0; a subject cannot lose more than its 10. The
//! score is the share of points kept, rounded down:
//!
//! `score = floor(100 × (1 − Σ min(10, penalty of subject) / (10 × subjects)))`
//!
//! Why this shape:
//! - per subject, so a repository of 1,000 objects is not graded worse than one of 10 for the
//!   same share of problems, and one object with twenty low findings does not sink the rest;
//! - a critical finding costs its object everything: it is a direct path to the node or the
//!   cluster, whatever else the object does right;
//! - info findings are context, not defects: they never lower the score.
//!
//! The grade follows the score (A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, else F), except that a
//! report with a critical finding gets at most a C: one critical object in a thousand keeps
//! the score above 99, but nobody should read that as an A.
//!
//! A run that read nothing (no file, no object) and has input errors has no score: its
//! errors say why nothing was read (a directory whose files are all ignored, an empty stdin,
//! a node without Kubernetes), and a 100/A there would read as a pass.

use std::collections::HashMap;

use crate::engine::Report;
use crate::rule::Severity;

/// Points each subject starts with.
const SUBJECT_POINTS: f64 = 10.0;

/// A report's score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Score {
    /// 0 to 100.
    pub value: u8,
    /// `A` to `F`.
    pub grade: char,
    /// Subjects counted.
    pub subjects: usize,
    /// Subjects that lost points.
    pub penalized: usize,
}

/// Points a finding of `severity` takes from its subject.
#[must_use]
pub fn weight(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 10.0,
        Severity::High => 5.0,
        Severity::Medium => 2.0,
        Severity::Low => 0.5,
        Severity::Info => 0.0,
    }
}

/// The grade of a score; `critical`: whether the report has a critical finding.
#[must_use]
pub fn grade(value: u8, critical: bool) -> char {
    let g = match value {
        90..=100 => 'A',
        80..=89 => 'B',
        70..=79 => 'C',
        60..=69 => 'D',
        _ => 'F',
    };
    if critical && g < 'C' {
        'C'
    } else {
        g
    }
}

/// A subject: file, kind, namespace, name.
type Subject<'a> = (Option<&'a str>, &'a str, Option<&'a str>, &'a str);

/// Scores a report; `None` when the run read nothing (no file, no object) and has input
/// errors: there is nothing to grade.
#[must_use]
pub fn score(report: &Report) -> Option<Score> {
    if let Some(s) = report.pinned_score() {
        return Some(s);
    }
    if report.files() == 0 && report.objects() == 0 && !report.errors().is_empty() {
        return None;
    }
    Some(graded(report))
}

/// Scores a report, whatever was read.
fn graded(report: &Report) -> Score {
    // Keyed by a hash of the subject, so that a streaming scan's findings need not stay in memory.
    let mut penalties: HashMap<u64, f64> = HashMap::new();
    for d in report.findings() {
        let key: Subject<'_> =
            (d.file.as_deref(), d.object.kind.as_str(), d.object.namespace.as_deref(), d.object.name.as_str());
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(&key, &mut h);
        *penalties.entry(std::hash::Hasher::finish(&h)).or_default() += weight(d.severity);
    }
    let subjects = report.objects().max(penalties.len()).max(1);
    let lost: f64 = penalties.values().map(|p| p.min(SUBJECT_POINTS)).sum();
    let kept = 1.0 - lost / (SUBJECT_POINTS * subjects as f64);
    // Clamped to 0..=100 first, so the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let value = (100.0 * kept).floor().clamp(0.0, 100.0) as u8;
    let critical = report.counts().iter().any(|(s, n)| *s == Severity::Critical && *n > 0);
    Score {
        value,
        grade: grade(value, critical),
        subjects,
        penalized: penalties.values().filter(|p| **p > 0.0).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::run;
    use crate::settings::Settings;
    use crate::snapshot::Snapshot;

    fn scored(text: &str) -> Score {
        score(&run(&Snapshot::from_text("t.yaml", text), &Settings::default())).expect("scored")
    }

    const CLEAN: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: app}\ndata: {k: v}\n";
    const PRIVILEGED: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: app}\nspec:\n  containers:\n    - name: c\n      image: x\n      securityContext: {privileged: true}\n";

    #[test]
    fn grades() {
        assert_eq!(grade(100, false), 'A');
        assert_eq!(grade(90, false), 'A');
        assert_eq!(grade(89, false), 'B');
        assert_eq!(grade(60, false), 'D');
        assert_eq!(grade(59, false), 'F');
        assert_eq!(grade(99, true), 'C', "a critical finding caps the grade");
        assert_eq!(grade(10, true), 'F');
    }

    #[test]
    fn empty_and_clean_reports_score_100() {
        assert_eq!(score(&Report::default()).map(|s| s.value), Some(100));
        let s = scored(CLEAN);
        assert_eq!((s.value, s.grade, s.penalized), (100, 'A', 0));
    }

    #[test]
    fn a_critical_object_loses_all_its_points() {
        let s = scored(PRIVILEGED);
        assert_eq!(s.value, 0, "{s:?}");
        assert_eq!(s.grade, 'F');
        // Nine clean objects beside it: 90 kept, but capped at C.
        let text = std::iter::once(PRIVILEGED.to_string())
            .chain((0..9).map(|i| CLEAN.replace("name: a", &format!("name: a{i}"))))
            .collect::<Vec<_>>()
            .join("---\n");
        let s = scored(&text);
        assert_eq!((s.value, s.grade, s.subjects, s.penalized), (90, 'C', 10, 1), "{s:?}");
    }

    /// Issue 16: a run that read nothing and says why (input errors) has no score, never 100/A.
    #[test]
    fn a_run_that_read_nothing_has_no_score() {
        let error =
            crate::InputError { file: Some("dir".into()), pos: Default::default(), message: "nothing to scan".into() };
        let mut r = Report::new(Vec::new(), vec![error]);
        assert_eq!(score(&r), None);
        // Something read (a file of comments only) is scored.
        r.set_files(1);
        assert_eq!(score(&r).map(|s| (s.value, s.grade)), Some((100, 'A')));
    }
}
