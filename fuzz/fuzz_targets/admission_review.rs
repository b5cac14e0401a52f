//! The admission webhook's decision (`kubeward serve`): any request body, judged by
//! `Evaluator::review` with the default settings. Never panics; an accepted body gives a
//! response that is JSON, and bounded: the uid it echoes plus at most 128 KiB (the most severe
//! findings listed, clipped lines and names, warnings within the API server's limits; JSON
//! escapes can make a character 6 bytes).
#![no_main]
use kubeward_engine::Settings;
use kubeward_server::review::{Evaluator, Policy};
use libfuzzer_sys::fuzz_target;

static EVALUATOR: std::sync::LazyLock<Option<Evaluator>> = std::sync::LazyLock::new(|| {
    let settings = Settings::default();
    let policy = Policy::from_settings(&settings, "kubeward").ok()?;
    Some(Evaluator::new(&settings, policy))
});

fuzz_target!(|data: &[u8]| {
    let Some(ev) = EVALUATOR.as_ref() else { return };
    if let Ok(d) = ev.review(data) {
        assert!(serde_json::from_slice::<serde_json::Value>(&d.body).is_ok(), "response is not JSON");
        assert!(d.body.len() <= 6 * d.uid.len() + (128 << 10), "response of {} bytes", d.body.len());
    }
});
