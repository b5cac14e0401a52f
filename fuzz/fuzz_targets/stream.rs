//! The streaming engine against the snapshot engine (a differential target): the input's
//! documents become separate files, audited by `engine::run` over one snapshot, by an ordered
//! `Stream` (files with paths, as `kubeward scan` streams them) and by an unordered one (files
//! without paths, findings packed, runs of 3, as `kubeward cluster` streams API pages). Both
//! streams must give the same findings as the snapshot, in report order, and the same counts.
//! The whole input is also audited as one file in parts of 2 documents (as `kubeward scan`
//! audits a file of many documents), against the snapshot engine over that file.
#![no_main]
use kubeward_engine::engine::Stream;
use kubeward_engine::input::yaml::Limits;
use kubeward_engine::snapshot::SourceFile;
use kubeward_engine::{run, Diagnostic, Report, Settings, Snapshot};
use libfuzzer_sys::fuzz_target;

static SETTINGS: std::sync::LazyLock<Settings> = std::sync::LazyLock::new(Settings::default);

use kubeward_engine::input::node::Pos;
use kubeward_engine::input::object::ObjectRef;

/// Report order's key (file, position, code, object, path, message; `engine::order`), then
/// the rest of what a finding shows.
type Key = ((Option<String>, Pos, &'static str, ObjectRef, String, String), (Option<String>, String));

fn key(d: &Diagnostic) -> Key {
    (
        (
            d.file.as_deref().map(str::to_string),
            d.pos,
            d.rule.code,
            d.object.clone(),
            d.path.as_str().to_string(),
            d.message.clone(),
        ),
        (d.container.clone(), format!("{:?} {}", d.severity, d.remediation)),
    )
}

fn check(name: &str, expected: &Report, got: &Report) {
    let got_keys: Vec<Key> = got.findings().map(|d| key(&d)).collect();
    assert_eq!(got_keys.len(), got.finding_count(), "{name}: count");
    assert!(got_keys.windows(2).all(|w| w[0].0 <= w[1].0), "{name}: not in report order");
    let mut want: Vec<Key> = expected.findings().map(|d| key(&d)).collect();
    let mut got_sorted = got_keys;
    want.sort();
    got_sorted.sort();
    assert_eq!(got_sorted, want, "{name}: findings");
    assert_eq!((got.objects(), got.exempted()), (expected.objects(), expected.exempted()), "{name}: counts");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // One file per document (at most 16), so that cross-object facts come from several files.
    let parts: Vec<&str> = text.split("\n---").take(16).collect();
    let mut named = Snapshot::default();
    for (i, part) in parts.iter().enumerate() {
        let (f, e) = Snapshot::parse_file(&format!("f{i:02}.yaml"), part.to_string(), Limits::default());
        named.push(f, e);
    }
    let expected = run(&named, &SETTINGS);
    let mut stream = Stream::with_settings(&SETTINGS);
    for (i, f) in named.files.iter().enumerate() {
        let out = stream.audit(i, f);
        stream.absorb(out);
    }
    check("ordered", &expected, &stream.finish(named.errors.clone()));

    // The whole input as one file, audited in parts of 2 documents (as `kubeward scan` audits
    // a file of many documents: walk.rs `audit_yaml`).
    let (whole, e) = Snapshot::parse_file("one.yaml", text.to_string(), Limits::default());
    let mut one = Snapshot::default();
    one.push(whole, e);
    let expected = run(&one, &SETTINGS);
    let mut stream = Stream::with_settings(&SETTINGS);
    if let Some(f) = one.files.first() {
        let part = |documents: &[kubeward_engine::input::yaml::Document]| SourceFile {
            path: f.path.clone(),
            text: String::new(),
            documents: documents.to_vec(),
            partial: false,
        };
        stream.feed(
            [f],
            |auditor, i, f| {
                let mut chunks = f.documents.chunks(2);
                let first = part(chunks.next().unwrap_or_default());
                let mut parts = auditor.parts(i, &first);
                for c in chunks {
                    parts.add(&part(c));
                }
                (Some(parts.finish()), ())
            },
            |()| {},
        );
    }
    check("parts", &expected, &stream.finish(one.errors.clone()));

    let mut pages = named;
    for f in &mut pages.files {
        f.path = None;
        f.text = String::new();
    }
    let expected = run(&pages, &SETTINGS);
    let mut stream = Stream::unordered_with_run_len(&SETTINGS, 3);
    // Audited last to first, absorbed in order (as the cluster collector does).
    stream.pages(|page, take| {
        let mut outs: Vec<_> = pages.files.iter().enumerate().rev().map(|(i, f)| page(i, f.clone())).collect();
        outs.reverse();
        for out in outs {
            take(out);
        }
    });
    check("unordered", &expected, &stream.finish(Vec::new()));
});
