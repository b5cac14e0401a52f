//! The streaming engine against the snapshot engine (a differential target): the input's
//! documents become separate files, audited by `engine::run` over one snapshot, by an ordered
//! `Stream` (files with paths, as `kubeward scan` streams them) and by an unordered one (files
//! without paths, findings packed, runs of 3, as `kubeward cluster` streams API pages). Both
//! streams must give the same findings as the snapshot, in report order, and the same counts.
#![no_main]
use kubeward_engine::engine::Stream;
use kubeward_engine::input::yaml::Limits;
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
    let mut want: Vec<Key> = expected.diagnostics.iter().map(key).collect();
    let mut got_sorted = got_keys;
    want.sort();
    got_sorted.sort();
    assert_eq!(got_sorted, want, "{name}: findings");
    assert_eq!((got.objects, got.exempted), (expected.objects, expected.exempted), "{name}: counts");
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
        stream.absorb(out, Some(f.clone()));
    }
    check("ordered", &expected, &stream.finish(named.errors.clone()));

    let mut pages = named;
    for f in &mut pages.files {
        f.path = None;
        f.text = String::new();
    }
    let expected = run(&pages, &SETTINGS);
    let mut stream = Stream::unordered_with_run_len(&SETTINGS, 3);
    // Audited last to first, absorbed in order (as the cluster collector does).
    let mut outs: Vec<_> = pages.files.iter().enumerate().rev().map(|(i, f)| (i, stream.audit(i, f))).collect();
    outs.reverse();
    for (i, mut out) in outs {
        if i % 2 == 0 {
            out.pack();
        }
        stream.absorb(out, pages.files.get(i).cloned());
    }
    check("unordered", &expected, &stream.finish(Vec::new()));
});
