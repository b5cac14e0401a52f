//! The Dockerfile parser and the Dockerfile rules on arbitrary text.
#![no_main]
use kubeward_engine::input::dockerfile::{split_words, substitute, Dockerfile};
use kubeward_engine::snapshot::SourceFile;
use kubeward_engine::{run, Settings, Snapshot};
use libfuzzer_sys::fuzz_target;

/// Built once: compiling the settings' regexes dominated each run (about 60% of the time).
static SETTINGS: std::sync::LazyLock<Settings> = std::sync::LazyLock::new(Settings::default);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let df = Dockerfile::parse(Some("Dockerfile"), text);
    let _ = df.final_stage();
    let _ = split_words(text, '\\');
    let _ = split_words(text, '`');
    let _ = substitute(text, &|k| (k.len() % 2 == 0).then(|| k.to_string()));
    let (f, errs) = SourceFile::dockerfile("Dockerfile", text.to_string());
    let mut snap = Snapshot::default();
    snap.push(f, errs.into_iter().next());
    let _report = run(&snap, &SETTINGS);
});
