//! Findings and input errors.

use std::borrow::Cow;
use std::sync::Arc;

use crate::input::node::Pos;
use crate::input::object::ObjectRef;
use crate::input::path::FieldPath;
use crate::rule::{RuleMeta, Severity};

/// One finding.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// The rule that found it.
    pub rule: &'static RuleMeta,
    /// Severity after settings overrides.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// What to do (usually the rule's static default, so not copied per finding).
    pub remediation: Cow<'static, str>,
    /// The object.
    pub object: ObjectRef,
    /// The container, when the finding is about one.
    pub container: Option<String>,
    /// The file (`None` for cluster and admission input).
    pub file: Option<Arc<str>>,
    /// Line and column of the offending field, or of its nearest existing parent.
    pub pos: Pos,
    /// JSON pointer of the offending field in the object.
    pub path: FieldPath,
    /// What `kubeward fix` would change.
    pub fix: Option<Box<crate::fix::Fix>>,
    /// Which document of the file (and which `kind: List` item) the object is, for fixes.
    pub doc: Option<(usize, Option<usize>)>,
}

impl Diagnostic {
    /// Attaches an automated fix.
    pub fn fix(&mut self, fix: crate::fix::Fix) -> &mut Self {
        self.fix = Some(Box::new(fix));
        self
    }

    /// Names the container the finding is about.
    pub fn container(&mut self, name: &str) -> &mut Self {
        self.container = Some(name.to_string());
        self
    }

    /// Replaces the rule's default remediation with a specific one.
    pub fn remediation(&mut self, text: impl Into<Cow<'static, str>>) -> &mut Self {
        self.remediation = text.into();
        self
    }

    /// Overrides the severity for this finding (rules whose severity depends on the value, such
    /// as sensitive host paths). Settings overrides still win.
    pub fn severity(&mut self, s: Severity) -> &mut Self {
        self.severity = s;
        self
    }

    /// `file:line:col`, or the object and path for input without a file.
    #[must_use]
    pub fn location(&self) -> String {
        match &self.file {
            Some(f) if self.pos.is_known() => format!("{f}:{}:{}", self.pos.line, self.pos.col),
            // No line (a process's command line): the object and path lines that follow say where.
            Some(f) => f.to_string(),
            None => format!("{}: {}", self.object, self.path),
        }
    }
}

/// Report order: file, position, code, object, path, message.
pub(crate) fn order(a: &Diagnostic, b: &Diagnostic) -> std::cmp::Ordering {
    (a.file.as_deref(), a.pos, a.rule.code, &a.object, &a.path, &a.message).cmp(&(
        b.file.as_deref(),
        b.pos,
        b.rule.code,
        &b.object,
        &b.path,
        &b.message,
    ))
}

/// An input that could not be read or parsed (exit code 2), or a configuration problem.
#[derive(Clone, Debug, PartialEq)]
pub struct InputError {
    /// The file.
    pub file: Option<Arc<str>>,
    /// Where in it, when known.
    pub pos: Pos,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.file, self.pos.is_known()) {
            (Some(file), true) => write!(f, "{file}:{}:{}: {}", self.pos.line, self.pos.col, self.message),
            (Some(file), false) => write!(f, "{file}: {}", self.message),
            (None, _) => f.write_str(&self.message),
        }
    }
}
