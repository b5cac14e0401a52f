//! The engine's layers (docs/architecture.md, "Layers"): a module may name modules of its own
//! layer and of lower layers, never of a higher one. This reads every source file of the crate,
//! takes its `crate::...` (and `$crate::`, `super::`) paths outside comments, strings and
//! `#[cfg(test)]` items, and checks each against the order below. A new upward import fails
//! here with the file, the path and both layers.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module belongs to the layer of the longest prefix of its path
/// listed here (`fix::apply` is above `fix`).
const LAYERS: &[(&str, &[&str])] = &[
    // Facts about the project, and helpers with no dependency.
    ("base", &["lib", "project", "base64", "checklist"]),
    // What rules look at: the YAML tree with positions, objects, workload views, parsers.
    ("input", &["input", "rootfs"]),
    // The fix model (edits, the comment-keeping YAML writer), named by findings.
    ("fix model", &["fix"]),
    // The findings model: rules' metadata and trait, findings, input errors, the snapshot,
    // settings, exemptions, the per-rule context, the handles and anchors findings of
    // cross-object rules carry, and the findings codec. One layer: the `Rule` trait names
    // `Context`, which names `RuleMeta`.
    ("model", &["rule", "diagnostic", "snapshot", "settings", "suppression", "context", "inventory::handle", "packed"]),
    // What several rules work out from the input the same way; scanner reports.
    ("analysis", &["analysis", "images"]),
    // What the engine gathers of every object for the cross-object rules.
    ("inventory", &["inventory"]),
    // The rules.
    ("rules", &["rules"]),
    // The set of rules, and lookups by (approximate) name.
    ("registry", &["registry", "suggest"]),
    // Running the rules: the engine, its report and score.
    ("engine", &["engine", "dispatch", "report::score"]),
    // What is made of a run: report writers, fixes, admission, the PSS mapping.
    ("output", &["report", "fix::apply", "fix::first_contact", "admission", "pss"]),
    // Live verification and generated docs (they describe everything below).
    ("top", &["verify", "docs"]),
];

/// Items the crate root re-exports (`crate::run`, `$crate::declare_rule!`), by module.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("VERSION", "lib"),
    ("run", "engine"),
    ("Report", "engine"),
    ("Settings", "settings"),
    ("Snapshot", "snapshot"),
    ("Diagnostic", "diagnostic"),
    ("InputError", "diagnostic"),
    ("Rule", "rule"),
    ("RuleMeta", "rule"),
    ("Severity", "rule"),
    ("Category", "rule"),
    ("declare_rule", "rule"),
    ("kubelet_rule", "rules::node"),
    ("find", "registry"),
    ("all_rules", "registry"),
];

/// The upward imports allowed, each with its reason: (module, module it names).
const ALLOWED: &[(&str, &str, &str)] = &[
    (
        "rules::general::void_exemption",
        "registry",
        "GEN003 reports exemptions that name no rule, so it reads the registry of every rule \
         (built lazily on first use: no initialisation cycle)",
    ),
    ("rules::general::void_exemption", "suggest", "GEN003 suggests the nearest rule name (same reason)"),
    (
        "rule",
        "inventory",
        "the `Rule` trait's `check_inventory` takes the `Inventory` cross-object rules read: the trait \
         names the type; the inventory never names a rule",
    ),
];

/// Files that are tests only (their module is `#[cfg(test)]`).
const TEST_ONLY: &[&str] =
    &["testing", "report::tests", "images::tests", "verify::tests", "inventory::tests", "stream_tests"];

fn layer_of(module: &str) -> Option<(usize, &'static str)> {
    let mut best: Option<(usize, usize, &'static str)> = None;
    for (i, (name, prefixes)) in LAYERS.iter().enumerate() {
        for p in *prefixes {
            let matches = module == *p || module.starts_with(&format!("{p}::"));
            if matches && best.is_none_or(|(len, _, _)| p.len() > len) {
                best = Some((p.len(), i, name));
            }
        }
    }
    best.map(|(_, i, name)| (i, name))
}

/// The module path of a source file (`src/input/yaml.rs` is `input::yaml`, `src/lib.rs` is
/// `lib`, `src/fix/mod.rs` is `fix`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") && parts.len() > 1 {
        parts.pop();
    }
    parts.join("::")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("read src").map(|e| e.expect("dir entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The code with comments, string and char literals blanked (newlines kept).
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if (c == 'r' || (c == 'b' && next == Some('r')))
            && !b.get(i.wrapping_sub(1)).is_some_and(|p| p.is_alphanumeric() || *p == '_')
            && {
                let start = if c == 'b' { i + 2 } else { i + 1 };
                let mut j = start;
                while b.get(j) == Some(&'#') {
                    j += 1;
                }
                b.get(j) == Some(&'"')
            }
        {
            // A raw string: r#"..."#.
            let start = if c == 'b' { i + 2 } else { i + 1 };
            let mut j = start;
            while b.get(j) == Some(&'#') {
                j += 1;
            }
            let hashes = j - start;
            out.extend(std::iter::repeat_n(' ', j + 1 - i));
            i = j + 1;
            while i < b.len() {
                if b[i] == '"' && (0..hashes).all(|k| b.get(i + 1 + k) == Some(&'#')) {
                    out.extend(std::iter::repeat_n(' ', hashes + 1));
                    i += hashes + 1;
                    break;
                }
                out.push(blank(b[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'), not a lifetime ('a).
            let close = if next == Some('\\') {
                (i + 2..b.len().min(i + 12)).find(|&j| b[j] == '\'')
            } else {
                (b.get(i + 2) == Some(&'\'')).then_some(i + 2)
            };
            if let Some(j) = close {
                out.extend(std::iter::repeat_n(' ', j + 1 - i));
                i = j + 1;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The code without `#[cfg(test)]` items (the attribute and the item after it, to its closing
/// brace or semicolon).
fn without_test_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at + "#[cfg(test)]".len()..];
        let mut depth = 0usize;
        let mut end = item.len();
        for (k, ch) in item.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = k + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = k + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

fn ident_at(s: &[u8], mut i: usize) -> (String, usize) {
    let start = i;
    while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_') {
        i += 1;
    }
    (String::from_utf8_lossy(&s[start..i]).into_owned(), i)
}

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The paths of a use tree starting at `i` (after `prefix::`), expanded (`a::{b, c::d}` gives
/// `a::b`, `a::c::d`); returns them and where the tree ends.
fn paths_at(s: &[u8], i: usize, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let mut i = skip_ws(s, i);
    if s.get(i) == Some(&b'{') {
        i += 1;
        loop {
            i = skip_ws(s, i);
            match s.get(i) {
                Some(b'}') => return i + 1,
                Some(b',') => i += 1,
                None => return i,
                _ => {
                    let before = i;
                    i = paths_at(s, i, prefix, out);
                    if i == before {
                        i += 1;
                    }
                }
            }
        }
    }
    let (id, j) = ident_at(s, i);
    if id.is_empty() {
        return i;
    }
    let mut path = prefix.to_vec();
    path.push(id);
    let k = skip_ws(s, j);
    if s.get(k..k + 2) == Some(b"::") {
        paths_at(s, k + 2, &path, out)
    } else {
        out.push(path);
        j
    }
}

/// Every module-rooted path the code names: `crate::a::b`, `$crate::a`, `super::x`.
fn referenced_paths(code: &str, module: &str) -> Vec<Vec<String>> {
    let s = code.as_bytes();
    let own: Vec<String> = if module == "lib" { Vec::new() } else { module.split("::").map(String::from).collect() };
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let boundary = i == 0 || !(s[i - 1].is_ascii_alphanumeric() || s[i - 1] == b'_' || s[i - 1] == b':');
        if boundary && s[i..].starts_with(b"crate::") {
            i = paths_at(s, i + "crate::".len(), &[], &mut out);
        } else if boundary && s[i..].starts_with(b"super::") {
            // `super::super::x` goes up twice.
            let mut base = own.clone();
            let mut j = i;
            while s[j..].starts_with(b"super::") {
                base.pop();
                j += "super::".len();
            }
            i = paths_at(s, j, &base, &mut out);
        } else {
            i += 1;
        }
    }
    out
}

/// The module a path names: the longest prefix that is a module of the crate (a root item
/// maps to the module it is re-exported from).
fn target_module(path: &[String], modules: &BTreeSet<String>) -> Option<String> {
    for n in (1..=path.len()).rev() {
        let m = path[..n].join("::");
        if modules.contains(&m) {
            return Some(m);
        }
    }
    let first = path.first()?;
    ROOT_ITEMS.iter().find(|(item, _)| item == first).map(|(_, m)| (*m).to_string())
}

#[test]
fn no_module_imports_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in &files {
        let module = module_of(&src, file);
        if TEST_ONLY.iter().any(|t| module == *t) {
            continue;
        }
        let Some((from, from_name)) = layer_of(&module) else {
            problems.push(format!("{}: module `{module}` is in no layer (add it to LAYERS)", file.display()));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read source");
        let code = without_test_items(&code_only(&text));
        for path in referenced_paths(&code, &module) {
            checked += 1;
            let Some(target) = target_module(&path, &modules) else {
                problems.push(format!("{}: `crate::{}` names no module of the crate", file.display(), path.join("::")));
                continue;
            };
            let Some((to, to_name)) = layer_of(&target) else {
                problems.push(format!("{}: `{target}` is in no layer (add it to LAYERS)", file.display()));
                continue;
            };
            if to > from && !ALLOWED.iter().any(|(m, t, _)| *m == module && *t == target) {
                problems.push(format!(
                    "{}: `{module}` ({from_name}) names `{}` ({to_name}), a higher layer",
                    file.display(),
                    path.join("::")
                ));
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(checked > 1000, "only {checked} paths read: the scan is broken");
    assert!(problems.is_empty(), "{} upward imports:\n{}", problems.len(), problems.join("\n"));
}

/// The scanner itself: it finds paths in use trees, skips comments, strings and test items,
/// and the order catches an upward path.
#[test]
fn the_scan_finds_what_it_must() {
    let code = code_only(
        "use crate::{a::b, c::{d, e::f}};\n// crate::hidden\nlet s = \"crate::hidden\";\nlet c = '{';\n\
         super::g::h();\n#[cfg(test)]\nmod tests { use crate::hidden; }\n$crate::i!();\n",
    );
    let code = without_test_items(&code);
    let got: Vec<String> = referenced_paths(&code, "x::y").iter().map(|p| p.join("::")).collect();
    assert_eq!(got, ["a::b", "c::d", "c::e::f", "x::g::h", "i"]);
    assert_eq!(layer_of("fix::apply").map(|l| l.1), Some("output"));
    assert_eq!(layer_of("fix::edit").map(|l| l.1), Some("fix model"));
    assert_eq!(layer_of("input::yaml").map(|l| l.1), Some("input"));
    assert!(layer_of("rule").map(|l| l.0) < layer_of("registry").map(|l| l.0));
}
