//! The whole `scan` pipeline on one arbitrary file: load, then every rule (object, pod spec,
//! container and snapshot rules), then the report writers.
#![no_main]
use kubeward_engine::input::yaml::Limits;
use kubeward_engine::{run, Settings, Snapshot};
use libfuzzer_sys::fuzz_target;

/// Built once: compiling the settings' regexes dominated each run (about 60% of the time).
static SETTINGS: std::sync::LazyLock<Settings> = std::sync::LazyLock::new(Settings::default);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut snap = Snapshot::default();
    let (f, e) = Snapshot::parse_file("fuzz.yaml", text.to_string(), Limits::default());
    snap.push(f, e);
    snap.mark_kustomize_patches();
    let _report = run(&snap, &SETTINGS);
});
