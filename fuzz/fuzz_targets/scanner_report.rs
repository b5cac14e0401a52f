//! The scanner-report readers (Trivy, Grype, Clair v4 JSON) on arbitrary text.
#![no_main]
use kubeward_engine::images::VulnIndex;
use kubeward_engine::Settings;
use libfuzzer_sys::fuzz_target;

/// Built once: compiling the settings' regexes dominated each run (about 60% of the time).
static SETTINGS: std::sync::LazyLock<Settings> = std::sync::LazyLock::new(Settings::default);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let settings = &*SETTINGS;
    let idx = VulnIndex::from_texts([("report.json", text)], settings);
    let _ = idx.accounting();
    for r in &idx.reports {
        let _ = idx.blocking_for_image(&r.image);
    }
});
