//! Fixes: what a rule proposes to change (patches at JSON paths of the object), and applying
//! them to the text without disturbing anything else (`edit.rs`, over the text view of
//! `cst.rs`).

pub mod apply;
pub mod cst;
pub mod edit;

use serde_json::Value;

use crate::input::path::FieldPath;

const PLAIN: edit::Style = edit::Style { crlf: false, json: false };

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
