//! The streaming protocol against the snapshot engine: [`Stream::feed`] (batches, files in
//! parts, unreadable inputs), and the views a writer gets of a streamed report (`--baseline`,
//! `--min-severity`, HTML) without its compressed findings being decoded into memory.

use crate::diagnostic::Diagnostic;
use crate::engine::{run, Audited, Report, Stream};
use crate::report::baseline::{self, Baseline};
use crate::report::{html, Render, Sources};
use crate::rule::Severity;
use crate::settings::Settings;
use crate::snapshot::{Snapshot, SourceFile};

type Key = (Option<String>, crate::input::node::Pos, &'static str, String, String, String, Severity);

fn key(d: &Diagnostic) -> Key {
    (
        d.file.as_deref().map(str::to_string),
        d.pos,
        d.rule.code,
        d.object.to_string(),
        d.path.as_str().to_string(),
        d.message.clone(),
        d.severity,
    )
}

fn keys(r: &Report) -> Vec<Key> {
    r.findings().map(|d| key(&d)).collect()
}

/// `n` files, each of a few documents with findings of every severity (a pod, a deployment, a
/// service account binding), named in path order.
fn files(n: usize) -> Snapshot {
    let mut snap = Snapshot::default();
    for i in 0..n {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: ns{m}}}\n\
             spec:\n  hostNetwork: {host}\n  containers:\n    - name: c\n      image: nginx:{tag}\n      securityContext: {{privileged: {privileged}}}\n---\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web{i}, namespace: ns{m}}}\n\
             spec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: nginx\n---\n\
             apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: b{i}}}\n\
             roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}}\n\
             subjects: [{{kind: ServiceAccount, name: default, namespace: ns{m}}}]\n",
            m = i % 7,
            host = i % 3 == 0,
            tag = if i % 2 == 0 { "latest" } else { "1.27" },
            privileged = i % 5 == 0,
        );
        let (f, e) = Snapshot::parse_file(&format!("f{i:04}.yaml"), text, crate::input::yaml::Limits::default());
        snap.push(f, e);
    }
    assert!(snap.errors.is_empty(), "{:?}", snap.errors);
    snap
}

/// One input of a fed stream.
enum Item<'a> {
    Whole(&'a SourceFile),
    /// A file audited in parts of this many documents.
    Parts(&'a SourceFile, usize),
    /// An input that cannot be read: no results, the index is used up all the same.
    Unreadable,
}

fn parts_of(f: &SourceFile, n: usize) -> Vec<SourceFile> {
    f.documents
        .chunks(n)
        .map(|c| SourceFile { path: f.path.clone(), text: String::new(), documents: c.to_vec(), partial: f.partial })
        .collect()
}

/// Feeds `snap`'s files, with every third audited in parts and an unreadable input every
/// seventh place: `done` sees every item once, in order.
fn fed(snap: &Snapshot, settings: &Settings) -> Report {
    let mut items = Vec::new();
    for (i, f) in snap.files.iter().enumerate() {
        if i % 7 == 3 {
            items.push((items.len(), Item::Unreadable));
        }
        items.push((items.len(), if i % 3 == 1 { Item::Parts(f, 1 + i % 2) } else { Item::Whole(f) }));
    }
    let total = items.len();
    let mut stream = Stream::with_settings(settings);
    let mut seen = Vec::new();
    stream.feed(
        items,
        |auditor, index, (at, item): (usize, Item<'_>)| {
            assert_eq!(index, at, "an item's index is its position");
            let audited: Option<Audited> = match item {
                Item::Whole(f) => Some(auditor.audit(index, f)),
                Item::Parts(f, n) => {
                    let parts = parts_of(f, n);
                    let mut p = auditor.parts(index, &parts[0]);
                    for part in &parts[1..] {
                        p.add(part);
                    }
                    Some(p.finish())
                }
                Item::Unreadable => None,
            };
            (audited, at)
        },
        |at| seen.push(at),
    );
    assert_eq!(seen, (0..total).collect::<Vec<_>>(), "done gets every item, in order");
    stream.finish(snap.errors.clone())
}

/// More files than a batch: the same findings and counts as the snapshot engine, the files
/// that could not be read not counted.
#[test]
fn a_fed_stream_reports_like_the_snapshot_engine() {
    let settings = Settings::default();
    let snap = files(700);
    let expected = run(&snap, &settings);
    let got = fed(&snap, &settings);
    assert!(expected.finding_count() > 5000, "{}", expected.finding_count());
    assert_eq!(keys(&got), keys(&expected));
    assert_eq!(got.counts(), expected.counts());
    assert_eq!(
        (got.files(), got.objects(), got.exempted()),
        (snap.files.len(), expected.objects(), expected.exempted())
    );
    assert!(got.in_memory_part().is_empty(), "a fed stream's file findings are compressed");
}

/// The findings `baseline` hides, counted down fingerprint by fingerprint in report order
/// (what `--baseline` did on a report in memory).
fn without(report: &Report, baseline_text: &str) -> Vec<Key> {
    let mut left: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let v: serde_json::Value = serde_json::from_str(baseline_text).expect("baseline");
    for e in v["findings"].as_array().expect("findings") {
        *left.entry(e["fingerprint"].as_str().expect("fingerprint").to_string()).or_default() += 1;
    }
    report
        .findings()
        .filter(|d| match left.get_mut(&baseline::fingerprint(d)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .map(|d| key(&d))
        .collect()
}

/// `--baseline` and `--min-severity` on a streaming scan's report: the findings and counts of
/// the report in memory, while its findings stay compressed (before, both decoded every
/// finding into memory first).
#[test]
fn baseline_and_min_severity_hide_streamed_findings_without_decoding_them() {
    let settings = Settings::default();
    let snap = files(60);
    let expected = run(&snap, &settings);
    let streamed = fed(&snap, &settings);
    assert!(streamed.in_memory_part().is_empty());
    // The baseline of the first half of the files, twice over for one file (counted).
    let mut half = Snapshot { files: snap.files[..30].to_vec(), ..Snapshot::default() };
    half.files.push(snap.files[0].clone());
    let text = baseline::write(&run(&half, &settings));
    let baseline = Baseline::parse(&text).expect("parse");
    let want = without(&expected, &text);
    assert!(
        !want.is_empty() && want.len() < expected.finding_count(),
        "{} of {}",
        want.len(),
        expected.finding_count()
    );
    for (name, mut r) in [("snapshot", expected.clone()), ("streamed", streamed)] {
        baseline.apply(&mut r);
        assert_eq!(keys(&r), want, "{name}");
        assert_eq!(r.finding_count(), want.len(), "{name}");
        assert_eq!(r.hidden_by_baseline(), expected.finding_count() - want.len(), "{name}");
        let mut counts = [0usize; 5];
        for k in &want {
            counts[Severity::ALL.iter().position(|s| *s == k.6).expect("severity")] += 1;
        }
        assert_eq!(r.counts().map(|(_, n)| n), counts, "{name}");
        let score = crate::report::score::score(&r);
        // --min-severity high: the rest hidden and counted, the score pinned before.
        r.hide_below(Severity::High);
        let shown: Vec<Key> = want.iter().filter(|k| k.6 >= Severity::High).cloned().collect();
        assert_eq!(keys(&r), shown, "{name}");
        assert_eq!(r.hidden_below(), Some((Severity::High, want.len() - shown.len())), "{name}");
        assert_eq!(r.pinned_score(), score, "{name}");
        assert_eq!(r.counts().iter().filter(|(s, _)| *s < Severity::High).map(|(_, n)| n).sum::<usize>(), 0);
        if name == "streamed" {
            assert!(r.in_memory_part().is_empty(), "still compressed");
        }
    }
}

/// The HTML report of a streaming scan (read from its compressed findings in one pass) is the
/// snapshot report's, also with a baseline and `--min-severity` applied.
#[test]
fn html_of_a_streamed_report_is_the_snapshot_reports() {
    let settings = Settings::default();
    let snap = files(40);
    let mut expected = run(&snap, &settings);
    let mut streamed = fed(&snap, &settings);
    let sources = Sources::default();
    let page = |r: &Report| html::to_string(&Render::new(r, &sources, "scan"));
    assert_eq!(page(&streamed), page(&expected));
    let half = Snapshot { files: snap.files[..20].to_vec(), ..Snapshot::default() };
    let baseline = Baseline::parse(&baseline::write(&run(&half, &settings))).expect("parse");
    for r in [&mut expected, &mut streamed] {
        baseline.apply(r);
        r.hide_below(Severity::Medium);
    }
    let html = page(&streamed);
    assert_eq!(html, page(&expected));
    assert!(html.contains("hidden by the baseline"));
    assert!(streamed.in_memory_part().is_empty());
}
