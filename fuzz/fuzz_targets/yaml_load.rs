//! The YAML/JSON loader on arbitrary text: never panics, never exceeds its limits.
#![no_main]
use kubeward_engine::input::yaml::{load, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let loaded = load(text, Limits::default());
    for d in &loaded.documents {
        // Paths and positions of every node must be computable.
        let _ = d.root.size();
    }
});
