//! Fixes: what a rule proposes to change (patches at JSON paths of the object), and applying
//! them to the text without disturbing anything else (`edit.rs`, over the text view of
//! `cst.rs`).

pub mod apply;
pub mod comments;
pub mod cst;
pub mod edit;
#[cfg(test)]
mod first_contact;

use serde_json::Value;

use crate::input::path::FieldPath;

const PLAIN: edit::Style = edit::Style { crlf: false, json: false, indentless: false, flow_lists: false };

/// A path for people: the last segments after the pod spec or container
/// (`securityContext.allowPrivilegeEscalation`), else the whole path dotted.
fn dotted(path: &FieldPath) -> String {
    let segs: Vec<String> = path.segments().map(std::borrow::Cow::into_owned).collect();
    let start = segs
        .iter()
        .rposition(|s| s.parse::<usize>().is_ok())
        .map(|i| i + 1)
        .or_else(|| segs.iter().rposition(|s| s == "spec").map(|i| i + 1))
        .unwrap_or(0);
    segs[start.min(segs.len())..].join(".")
}

/// Whether `s` is a DNS-1123 label (a namespace name: at most 63 lowercase letters, digits and
/// `-`, starting and ending with a letter or digit), the only object text a generated file
/// name may contain.
#[must_use]
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// Whether `name` may name a file a fix creates: one path component of lowercase letters,
/// digits, `-` and `.` (what DNS-1123 names are made of), starting and ending with a letter or
/// digit before `.yaml`: no `/`, no `..`, no control character, no leading dot.
#[must_use]
pub fn is_safe_file_name(name: &str) -> bool {
    name.len() <= 255
        && name.strip_suffix(".yaml").is_some_and(|stem| {
            let b = stem.as_bytes();
            b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'.'))
                && b.first().is_some_and(u8::is_ascii_alphanumeric)
                && b.last().is_some_and(u8::is_ascii_alphanumeric)
                && !stem.contains("..")
        })
}

/// `s` made safe for a one-line YAML comment: control characters (line breaks, ESC, …) are
/// written as escapes (`\n`, `\u{1b}`), so object text can never start a new line.
#[must_use]
pub fn comment_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// How safe a fix is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Safety {
    /// Cannot break a working workload; applied by default.
    Safe,
    /// Can break a workload that relies on what it changes; needs `--unsafe-fixes`.
    Unsafe,
}

/// One change to an object, at a JSON path relative to the object's root.
#[derive(Clone, Debug, PartialEq)]
pub enum Patch {
    /// Set the value (creating missing parent mappings).
    Set {
        /// Where.
        path: FieldPath,
        /// The value.
        value: Value,
    },
    /// Append an item to a sequence (created when missing) unless an equal item is there.
    Append {
        /// The sequence.
        path: FieldPath,
        /// The item.
        value: Value,
    },
}

/// A new file a fix writes next to the scanned ones (a default-deny NetworkPolicy).
#[derive(Clone, Debug, PartialEq)]
pub struct NewFile {
    /// File name, in the directory of the file the finding is in.
    pub name: String,
    /// Its content.
    pub content: String,
}

/// An automated fix of a finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    /// How safe it is.
    pub safety: Safety,
    /// What it does, for the summary (`set allowPrivilegeEscalation: false`).
    pub title: String,
    /// Changes to the object.
    pub patches: Vec<Patch>,
    /// A file to write instead of (or besides) patching.
    pub new_file: Option<NewFile>,
}

impl Fix {
    /// A fix that sets one value.
    #[must_use]
    pub fn set(safety: Safety, path: FieldPath, value: Value) -> Self {
        let title = format!("set `{}: {}`", dotted(&path), edit::flow_text(&value, PLAIN));
        Self { safety, title, patches: vec![Patch::Set { path, value }], new_file: None }
    }

    /// A fix that appends one item to a sequence.
    #[must_use]
    pub fn append(safety: Safety, path: FieldPath, value: Value) -> Self {
        let title = format!("add `{}` to `{}`", edit::flow_text(&value, PLAIN), dotted(&path));
        Self { safety, title, patches: vec![Patch::Append { path, value }], new_file: None }
    }

    /// A fix that writes a new file.
    #[must_use]
    pub fn new_file(safety: Safety, name: String, content: String, title: String) -> Self {
        Self { safety, title, patches: Vec::new(), new_file: Some(NewFile { name, content }) }
    }
}
