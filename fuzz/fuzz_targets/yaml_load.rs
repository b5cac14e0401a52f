//! The YAML/JSON loader on arbitrary bytes, decoded as `kubeward scan` decodes a file (UTF-8,
//! or UTF-16/UTF-32 with a byte-order mark): never panics, never exceeds its limits, and the
//! streaming reader (`Documents`, which audits a large file in parts) reads what `load` reads.
#![no_main]
use kubeward_engine::input::text::decode;
use kubeward_engine::input::yaml::{load, Documents, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = decode(data.to_vec()) else { return };
    let loaded = load(&text, Limits::default());
    for d in &loaded.documents {
        // Paths and positions of every node must be computable.
        let _ = d.root.size();
    }
    let mut docs = Documents::new(&text, Limits::default());
    let mut n = 0;
    for (d, whole) in docs.by_ref().zip(&loaded.documents) {
        assert_eq!(d.root.to_json(), whole.root.to_json());
        n += 1;
    }
    assert_eq!(n, loaded.documents.len());
    assert_eq!(docs.error(), loaded.error);
});
