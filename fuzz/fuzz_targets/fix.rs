//! The fix pipeline (`kubeward fix --unsafe-fixes`) on arbitrary YAML: never panics; when the
//! input parses, every fixed text parses too (same number of documents, no new error), and the
//! writer's guarantees of issue 15 hold:
//! - every generated file name is a plain DNS-1123-based name (one path component, so it stays
//!   in the output folder), and its content is one NetworkPolicy whose comment lines are the
//!   template's: no line break from the input got into a comment or a value;
//! - every comment of the input is still in the output, in order, and each comment after a key
//!   is still after that key where the key remains (`fix::comments::check_kept`).
#![no_main]
use std::path::{Component, Path};

use kubeward_engine::fix::apply::{fix, Input};
use kubeward_engine::fix::{comments, is_dns1123_label, is_safe_file_name};
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
    for (source, nf) in &out.new_files {
        assert_eq!(source, path);
        assert!(is_safe_file_name(&nf.name), "unsafe new file name {:?}", nf.name);
        let parts: Vec<Component<'_>> = Path::new(&nf.name).components().collect();
        assert!(matches!(parts.as_slice(), [Component::Normal(_)]), "new file name {:?} is not one component", nf.name);
        let lines: Vec<&str> = nf.content.lines().collect();
        assert!(matches!(lines.len(), 10 | 11), "new file has {} lines:\n{}", lines.len(), nf.content);
        let comment_lines = lines.iter().filter(|l| l.trim_start().starts_with('#')).count();
        assert!(lines.iter().take(3).all(|l| l.starts_with("# ")) && comment_lines == 3, "{}", nf.content);
        let doc = load(&nf.content, Limits::default());
        assert!(doc.error.is_none() && doc.documents.len() == 1, "new file does not parse:\n{}", nf.content);
        let root = &doc.documents[0].root;
        assert_eq!(root.get("kind").and_then(|k| k.as_str()), Some("NetworkPolicy"));
        if let Some(ns) = root.get("metadata").and_then(|m| m.get("namespace")) {
            assert!(ns.as_str().is_some_and(is_dns1123_label), "namespace {ns:?} is not a DNS-1123 label");
        }
    }
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
        if let Err(e) = comments::check_kept(text, &f.text) {
            // The text view refuses what the loader accepts only in corner cases; a comment that
            // moved or was lost is a failure.
            assert!(!e.contains("moved") && !e.contains("lost"), "{p}: {e}\n--- input\n{text}\n--- output\n{}", f.text);
        }
    }
});
