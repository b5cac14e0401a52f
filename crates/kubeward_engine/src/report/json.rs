//! JSON output, version 1 (documented in docs/json-output.md). Fields are only ever added
//! within a version; a removal or change of meaning bumps `version`.
//!
//! The document is serialized straight from the report through borrowed views, streaming:
//! no intermediate `serde_json::Value`, so memory does not grow with the number of findings
//! beyond the report itself.

use std::collections::BTreeMap;
use std::io::{self, Write};

use rayon::prelude::*;
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
    /// Only with `--min-severity`: the findings below it, not listed (docs/json-output.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    hidden_below_min_severity: Option<usize>,
    errors: usize,
    /// `null` when the run read nothing (docs/score.md).
    score: Option<u8>,
    grade: Option<String>,
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
    docs: DocsPath,
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

/// `docs/rules/CODE-name.md`, written without building a string per finding.
struct DocsPath(&'static crate::rule::RuleMeta);

impl Serialize for DocsPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("docs/rules/{}-{}.md", self.0.code, self.0.name))
    }
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
        docs: DocsPath(d.rule),
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
            files: r.report.files(),
            objects: r.report.objects(),
            findings: r.report.finding_count(),
            by_severity: r.report.counts().iter().map(|(s, n)| (s.as_str(), *n)).collect(),
            exempted: r.report.exempted(),
            hidden_by_baseline: r.report.hidden_by_baseline(),
            hidden_below_min_severity: r.report.hidden_below().map(|(_, n)| n),
            errors: r.report.errors().len(),
            score: score.map(|s| s.value),
            grade: score.map(|s| s.grade.to_string()),
        },
        findings: r.report,
        errors: r.report.errors(),
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
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    if r.report.finding_count() < PARALLEL_FROM {
        serde_json::to_writer_pretty(&mut w, &document(r))?;
        writeln!(w)?;
        return w.flush();
    }
    // Many findings: the same bytes, with the findings serialized in parallel, a batch at a time.
    let doc = document(r);
    let head = serde_json::to_string_pretty(&Head { version: doc.version, tool: &doc.tool, summary: &doc.summary })?;
    w.write_all(head.strip_suffix("\n}").unwrap_or(&head).as_bytes())?;
    w.write_all(b",\n  \"findings\": [")?;
    let mut first = true;
    let mut all = r.report.findings();
    loop {
        let batch: Vec<std::borrow::Cow<'_, Diagnostic>> = all.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            break;
        }
        let parts: Vec<io::Result<Vec<u8>>> = batch
            .par_chunks(BATCH / 16)
            .map(|chunk| {
                let mut buf = Vec::with_capacity(chunk.len() * 1024);
                for (j, d) in chunk.iter().enumerate() {
                    let one = serde_json::to_vec_pretty(&finding(d))?;
                    if j > 0 {
                        buf.push(b',');
                    }
                    buf.extend_from_slice(b"\n    ");
                    indent_into(&one, b"\n    ", &mut buf);
                }
                Ok(buf)
            })
            .collect();
        for part in parts {
            let part = part?;
            if !first {
                w.write_all(b",")?;
            }
            w.write_all(&part)?;
            first = false;
        }
    }
    w.write_all(if first { b"]" } else { b"\n  ]" })?;
    w.write_all(b",\n  \"errors\": ")?;
    let errors = serde_json::to_vec_pretty(&ErrorsView(r.report.errors()))?;
    let mut e = Vec::with_capacity(errors.len() + 64);
    indent_into(&errors, b"\n  ", &mut e);
    w.write_all(&e)?;
    w.write_all(b"\n}\n")?;
    w.flush()
}

/// From this many findings on, [`write`] serializes them in parallel.
const PARALLEL_FROM: usize = 4096;
/// Findings decoded and serialized per round.
const BATCH: usize = 16_384;

/// `text` with `sep` in place of each line break.
fn indent_into(text: &[u8], sep: &[u8], out: &mut Vec<u8>) {
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.extend_from_slice(sep);
        }
        out.extend_from_slice(line);
    }
}

#[derive(Serialize)]
struct Head<'a> {
    version: u32,
    tool: &'a Tool<'a>,
    summary: &'a Summary,
}

struct ErrorsView<'a>(&'a [InputError]);

impl Serialize for ErrorsView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        errors(&self.0, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parallel writer gives the same bytes as serializing the document in one go.
    #[test]
    fn parallel_writer_gives_the_same_bytes() {
        let pod =
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: nginx\n";
        let text: String = std::iter::repeat_n(pod, 1700).collect::<Vec<_>>().join("---\n");
        let mut snap = crate::Snapshot::from_text("many.yaml", &text);
        snap.errors.push(InputError {
            file: Some("bad.yaml".into()),
            pos: crate::input::node::Pos::new(3, 4),
            message: "broken".into(),
        });
        let report = crate::run(&snap, &crate::Settings::default());
        assert!(report.finding_count() > PARALLEL_FROM + BATCH, "{}", report.finding_count());
        let sources = super::super::Sources::default();
        let r = Render::new(&report, &sources, "scan");
        let mut parallel = Vec::new();
        write(&r, &mut parallel).expect("write");
        let mut whole = serde_json::to_vec_pretty(&document(&r)).expect("serialize");
        whole.push(b'\n');
        assert_eq!(String::from_utf8_lossy(&parallel), String::from_utf8_lossy(&whole));
        // No findings, no errors: the small path, the same shape.
        let empty = crate::engine::Report::default();
        let r = Render::new(&empty, &sources, "scan");
        let v: serde_json::Value = serde_json::from_slice(&{
            let mut b = Vec::new();
            write(&r, &mut b).expect("write");
            b
        })
        .expect("json");
        assert_eq!(v["findings"], serde_json::json!([]));
    }
}
