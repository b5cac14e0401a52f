//! Property test of `kubeward fix` over the real-world corpus (`../shared/corpus/real`, or
//! `$KUBEWARD_CORPUS`), read at test time when present: for every file, fix (unsafe fixes
//! included), then check that
//! - the fixed text parses, with as many documents;
//! - each document's data equals the original's with exactly the applied patches applied,
//!   and nothing else changed (untouched documents are equal);
//! - every comment line is still there;
//! - no line was deleted except where a value was replaced in place (same key);
//! - a second run changes nothing.
//!
//! By default every 7th file is checked (debug builds are slow); `KUBEWARD_CORPUS_ALL=1`
//! checks them all. Without the corpus the test says so and passes.

use std::path::{Path, PathBuf};

use kubeward_engine::fix::apply::{apply_semantic, fix, Input};
use kubeward_engine::input::yaml::{load, Limits};
use kubeward_engine::Settings;

fn corpus() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KUBEWARD_CORPUS") {
        return Some(PathBuf::from(p));
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/real");
    p.is_dir().then_some(p)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json") {
            out.push(p);
        }
    }
}

/// The key of a YAML line (`  - name: x` → `name`; a JSON line's trailing comma, which an
/// insertion after it adds, is not part of it), for in-place replacement checks.
fn key_of(line: &str) -> &str {
    let t = line.trim().trim_end_matches(',').trim_start_matches("- ").trim_start();
    t.split(':').next().unwrap_or(t).trim()
}

#[test]
fn fixes_change_exactly_what_they_say() {
    let Some(dir) = corpus() else {
        eprintln!("skipped: no corpus (set KUBEWARD_CORPUS or place it at ../shared/corpus/real)");
        return;
    };
    let all = std::env::var("KUBEWARD_CORPUS_ALL").as_deref() == Ok("1");
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    let settings = Settings::default();
    let (mut checked, mut changed, mut patches, mut skipped) = (0usize, 0usize, 0usize, 0usize);
    let mut problems: Vec<String> = Vec::new();
    for (n, p) in paths.iter().enumerate() {
        if !all && n % 7 != 0 {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(p) else { continue };
        if text.len() > 1 << 20 {
            continue;
        }
        let before = load(&text, Limits::default());
        if before.error.is_some() {
            continue;
        }
        checked += 1;
        let name = p.display().to_string();
        let out = fix(&[Input { path: name.clone(), text: text.clone() }], &settings, true);
        let f = &out.files[&name];
        skipped += f.skipped.len();
        if f.text == text {
            if !f.applied.is_empty() && f.applied.iter().any(|a| !a.patches.is_empty()) {
                problems.push(format!("{name}: fixes reported applied but the text did not change"));
            }
            continue;
        }
        changed += 1;
        let after = load(&f.text, Limits::default());
        if after.error.is_some() || after.documents.len() != before.documents.len() {
            problems.push(format!("{name}: the fixed text does not parse the same ({:?})", after.error));
            continue;
        }
        // Semantics: each document is the original with the applied patches.
        for (i, (b, a)) in before.documents.iter().zip(&after.documents).enumerate() {
            let mut expected = b.root.to_json();
            for ap in f.applied.iter().filter(|ap| ap.doc.0 == i) {
                for patch in &ap.patches {
                    patches += 1;
                    match ap.doc.1 {
                        None => apply_semantic(&mut expected, patch),
                        Some(item) => {
                            if let Some(obj) = expected.get_mut("items").and_then(|v| v.get_mut(item)) {
                                apply_semantic(obj, patch);
                            }
                        }
                    }
                }
            }
            if expected != a.root.to_json() {
                problems.push(format!("{name}: document {i} differs from the original plus its patches"));
            }
        }
        // Comments kept.
        let comments = |t: &str| {
            let mut v: Vec<String> =
                t.lines().map(str::trim).filter(|l| l.starts_with('#')).map(str::to_string).collect();
            v.sort();
            v
        };
        if comments(&text) != comments(&f.text) {
            problems.push(format!("{name}: comment lines changed"));
        }
        // Lines only replaced in place.
        let diff = similar::TextDiff::from_lines(text.as_str(), f.text.as_str());
        let mut deleted: Vec<&str> = Vec::new();
        let mut inserted: Vec<&str> = Vec::new();
        for c in diff.iter_all_changes() {
            match c.tag() {
                similar::ChangeTag::Delete => deleted.push(key_of(c.value())),
                similar::ChangeTag::Insert => inserted.push(key_of(c.value())),
                similar::ChangeTag::Equal => {}
            }
        }
        for k in &deleted {
            if !inserted.contains(k) {
                problems.push(format!("{name}: a line with key `{k}` was deleted, not replaced"));
            }
        }
        // Idempotent.
        let again = fix(&[Input { path: name.clone(), text: f.text.clone() }], &settings, true);
        if again.files[&name].text != f.text {
            problems.push(format!("{name}: a second run changed the text again"));
        }
    }
    eprintln!(
        "fix corpus: {checked} files checked, {changed} changed, {patches} patches verified, {skipped} fixes refused"
    );
    assert!(checked > 0);
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}
