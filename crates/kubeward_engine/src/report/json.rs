//! JSON output, version 1 (documented in docs/json-output.md). Fields are only ever added
//! within a version; a removal or change of meaning bumps `version`.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::Render;

/// The JSON document as a value.
#[must_use]
pub fn to_value(r: &Render<'_>) -> Value {
    let findings: Vec<Value> = r
        .report
        .diagnostics
        .iter()
        .map(|d| {
            json!({
                "code": d.rule.code,
                "rule": d.rule.name,
                "severity": d.severity.as_str(),
                "category": d.rule.category.as_str(),
                "message": d.message,
                "remediation": d.remediation,
                "object": {
                    "apiVersion": d.object.api_version,
                    "kind": d.object.kind,
                    "namespace": d.object.namespace,
                    "name": d.object.name,
                },
                "container": d.container,
                "file": d.file.as_deref(),
                "line": d.pos.is_known().then_some(d.pos.line),
                "column": d.pos.is_known().then_some(d.pos.col),
                "path": d.path.as_str(),
                "checklist": d.rule.checklist,
                "cis": d.rule.cis,
                "docs": d.rule.docs_path(),
            })
        })
        .collect();
    let errors: Vec<Value> = r
        .report
        .errors
        .iter()
        .map(|e| {
            json!({
                "file": e.file.as_deref(),
                "line": e.pos.is_known().then_some(e.pos.line),
                "column": e.pos.is_known().then_some(e.pos.col),
                "message": e.message,
            })
        })
        .collect();
    let by_severity: serde_json::Map<String, Value> =
        r.report.counts().iter().map(|(s, n)| (s.as_str().to_string(), json!(n))).collect();
    json!({
        "version": 1,
        "tool": {"name": "kubeward", "version": crate::VERSION, "command": r.command},
        "summary": {
            "files": r.report.files,
            "objects": r.report.objects,
            "findings": r.report.diagnostics.len(),
            "bySeverity": by_severity,
            "exempted": r.report.exempted,
            "errors": r.report.errors.len(),
        },
        "findings": findings,
        "errors": errors,
    })
}

/// Writes the JSON report.
///
/// # Errors
/// I/O errors.
pub fn write(r: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(r))?;
    writeln!(out)
}
