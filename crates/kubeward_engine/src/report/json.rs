//! JSON output, version 1 (documented in docs/json-output.md). Fields are only ever added
//! within a version; a removal or change of meaning bumps `version`.
//!
//! The document is serialized straight from the report through borrowed views, streaming:
//! no intermediate `serde_json::Value`, so memory does not grow with the number of findings
//! beyond the report itself.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Render;
use crate::diagnostic::{Diagnostic, InputError};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool<'a>,
    summary: Summary,
    #[serde(serialize_with = "findings")]
    findings: &'a crate::engine::Report,
    #[serde(serialize_with = "errors")]
    errors: &'a [InputError],
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'static str,
    command: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    files: usize,
    objects: usize,
    findings: usize,
    by_severity: BTreeMap<&'static str, usize>,
    exempted: usize,
    hidden_by_baseline: usize,
    errors: usize,
    score: u8,
    grade: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ObjectView<'a> {
    api_version: &'a str,
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
}

#[derive(Serialize)]
struct Finding<'a> {
    code: &'static str,
    rule: &'static str,
    severity: &'static str,
    category: &'static str,
    message: &'a str,
    remediation: &'a str,
    object: ObjectView<'a>,
    container: Option<&'a str>,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    path: &'a str,
    checklist: &'static [&'static str],
    cis: &'static [&'static str],
    docs: String,
}

#[derive(Serialize)]
struct ErrorView<'a> {
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

fn findings<S: serde::Serializer>(report: &&crate::engine::Report, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(report.findings().map(Owned))
}

/// A finding decoded for the writer.
struct Owned<'a>(std::borrow::Cow<'a, Diagnostic>);

impl Serialize for Owned<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d: &Diagnostic = &self.0;
        finding(d).serialize(s)
    }
}

fn finding(d: &Diagnostic) -> Finding<'_> {
    Finding {
        code: d.rule.code,
        rule: d.rule.name,
        severity: d.severity.as_str(),
        category: d.rule.category.as_str(),
        message: &d.message,
        remediation: &d.remediation,
        object: ObjectView {
            api_version: &d.object.api_version,
            kind: &d.object.kind,
            namespace: d.object.namespace.as_deref(),
            name: &d.object.name,
        },
        container: d.container.as_deref(),
        file: d.file.as_deref(),
        line: d.pos.is_known().then_some(d.pos.line),
        column: d.pos.is_known().then_some(d.pos.col),
        path: d.path.as_str(),
        checklist: d.rule.checklist,
        cis: d.rule.cis,
        docs: d.rule.docs_path(),
    }
}

fn errors<S: serde::Serializer>(es: &&[InputError], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(es.iter().map(|e| ErrorView {
        file: e.file.as_deref(),
        line: e.pos.is_known().then_some(e.pos.line),
        column: e.pos.is_known().then_some(e.pos.col),
        message: &e.message,
    }))
}

fn document<'a>(r: &'a Render<'_>) -> Document<'a> {
    let score = super::score::score(r.report);
    Document {
        version: 1,
        tool: Tool { name: "kubeward", version: crate::VERSION, command: r.command },
        summary: Summary {
            files: r.report.files,
            objects: r.report.objects,
            findings: r.report.finding_count(),
            by_severity: r.report.counts().iter().map(|(s, n)| (s.as_str(), *n)).collect(),
            exempted: r.report.exempted,
            hidden_by_baseline: r.report.hidden_by_baseline,
            errors: r.report.errors.len(),
            score: score.value,
            grade: score.grade.to_string(),
        },
        findings: r.report,
        errors: &r.report.errors,
    }
}

/// The JSON document as a value (tests and embedding).
#[must_use]
pub fn to_value(r: &Render<'_>) -> serde_json::Value {
    serde_json::to_value(document(r)).unwrap_or(serde_json::Value::Null)
}

/// Writes the JSON report.
///
/// # Errors
/// I/O errors.
pub fn write(r: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut w = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut w, &document(r))?;
    writeln!(w)?;
    w.flush()
}
