//! The fix pipeline (`kubeward fix --unsafe-fixes`) on arbitrary YAML: never panics, and when
//! the input parses, every fixed text parses too (same number of documents, no new error).
#![no_main]
use kubeward_engine::fix::apply::{fix, Input};
use kubeward_engine::input::yaml::{load, Limits};
use kubeward_engine::Settings;
use libfuzzer_sys::fuzz_target;

/// Built once: compiling the settings' regexes dominated each run (about 60% of the time).
static SETTINGS: std::sync::LazyLock<Settings> = std::sync::LazyLock::new(Settings::default);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let before = load(text, Limits::default());
    let path = if text.trim_start().starts_with(['{', '[']) { "f.json" } else { "f.yaml" };
    let out = fix(&[Input { path: path.into(), text: text.to_string() }], &SETTINGS, true);
    if before.error.is_some() {
        return;
    }
    for (p, f) in &out.files {
        if f.text == text {
            continue;
        }
        let after = load(&f.text, Limits::default());
        assert!(
            after.error.is_none(),
            "fixed text of {p} does not parse: {:?}\n--- input\n{text}\n--- output\n{}",
            after.error,
            f.text
        );
        assert_eq!(after.documents.len(), before.documents.len(), "fix changed the number of documents of {p}");
    }
});
