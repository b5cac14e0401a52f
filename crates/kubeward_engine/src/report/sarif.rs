//! SARIF 2.1.0 output, in the shape GitHub code scanning accepts (`upload-sarif`).
//!
//! - `tool.driver.rules` lists every registered rule (sorted by code), so a rule's index only
//!   moves when rules are added, and rules a finding uses that are not registered are appended.
//! - Each rule carries its documentation as `help`, a `defaultConfiguration.level` and the
//!   `security-severity` property GitHub uses to rank security alerts.
//! - Each result points at the offending field (`region.startLine`/`startColumn`, columns in
//!   Unicode code points) when it comes from a file, and always names the object as a logical
//!   location, so cluster input (no file) still says where the problem is.
//! - `partialFingerprints["kubewardFingerprint/v1"]` hashes the rule, the object, the container
//!   and the field path, but not the line, so an alert survives edits that move lines.
//! - Input errors become `invocations[0].toolExecutionNotifications`.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::Render;
use crate::diagnostic::{Diagnostic, InputError};
use crate::rule::{RuleMeta, Severity};

/// The JSON schema URI written in `$schema`.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool lives (`informationUri`) and the base of `helpUri`s.
pub const INFORMATION_URI: &str = "https://github.com/kubeward/kubeward";

/// The `partialFingerprints` key.
pub const FINGERPRINT_KEY: &str = "kubewardFingerprint/v1";

/// The SARIF `level` of a severity.
#[must_use]
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` score of a severity (above 9.0 critical, 7.0 high, 4.0 medium,
/// 0.1 low).
#[must_use]
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// 64-bit FNV-1a: small, and stable across Rust releases and platforms (unlike `DefaultHasher`).
#[must_use]
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The stable fingerprint of a finding: rule code, object identity, container and field path,
/// separated by NUL so that no two different tuples give the same input. Not the file or line.
#[must_use]
pub fn fingerprint(d: &Diagnostic) -> String {
    let o = &d.object;
    let parts: [&str; 7] = [
        d.rule.code,
        &o.api_version,
        &o.kind,
        o.namespace.as_deref().unwrap_or(""),
        &o.name,
        d.container.as_deref().unwrap_or(""),
        d.path.as_str(),
    ];
    format!("{:016x}", fnv1a64(parts.join("\0").as_bytes()))
}

/// `privileged-container` → `PrivilegedContainer`.
fn camel_case(kebab: &str) -> String {
    kebab
        .split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

/// The first paragraph of the docs' `## What it does` section, or the summary.
fn full_description(meta: &RuleMeta, docs: &str) -> String {
    let mut lines = docs.lines().skip_while(|l| l.trim() != "## What it does").skip(1);
    let para: Vec<&str> = lines
        .by_ref()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    if para.is_empty() || para[0].starts_with('#') {
        let mut s = meta.summary.to_string();
        if let Some(f) = s.get_mut(0..1) {
            f.make_ascii_uppercase();
        }
        s
    } else {
        para.join(" ")
    }
}

/// Percent-encodes what may not stand in a URI path, keeping `/`.
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'@' => out.push(char::from(b)),
            // Everything else, `:` too (in a relative reference's first segment it would read
            // as a scheme), is escaped.
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The `artifactLocation` of a display path: relative paths get `uriBaseId: %SRCROOT%`,
/// absolute ones become `file://` URIs.
fn artifact_location(file: &str) -> Value {
    let slashed = file.replace('\\', "/");
    let bytes = slashed.as_bytes();
    let is_drive = bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if is_drive {
        let (drive, rest) = slashed.split_at(2);
        json!({"uri": format!("file:///{drive}{}", encode_uri_path(rest))})
    } else if slashed.starts_with('/') {
        json!({"uri": format!("file://{}", encode_uri_path(&slashed))})
    } else {
        let mut rel = slashed.as_str();
        while let Some(r) = rel.strip_prefix("./") {
            rel = r;
        }
        json!({"uri": encode_uri_path(rel), "uriBaseId": "%SRCROOT%"})
    }
}

/// `Kind/namespace/name` plus the field path (and container), as a logical location.
fn logical_location(d: &Diagnostic) -> Value {
    json!({
        "fullyQualifiedName": format!("{}{}", d.object, d.path.as_str()),
        "name": d.object.name,
        "kind": "resource",
    })
}

fn location(d: &Diagnostic) -> Value {
    let mut loc = Map::new();
    if let Some(file) = &d.file {
        let mut phys = Map::new();
        phys.insert("artifactLocation".into(), artifact_location(file));
        if d.pos.is_known() {
            phys.insert("region".into(), json!({"startLine": d.pos.line, "startColumn": d.pos.col.max(1)}));
        }
        loc.insert("physicalLocation".into(), Value::Object(phys));
    }
    loc.insert("logicalLocations".into(), json!([logical_location(d)]));
    Value::Object(loc)
}

fn error_notification(e: &InputError) -> Value {
    let mut n = Map::new();
    n.insert("level".into(), json!("error"));
    n.insert("message".into(), json!({"text": e.message}));
    if let Some(file) = &e.file {
        let mut phys = Map::new();
        phys.insert("artifactLocation".into(), artifact_location(file));
        if e.pos.is_known() {
            phys.insert("region".into(), json!({"startLine": e.pos.line, "startColumn": e.pos.col.max(1)}));
        }
        n.insert("locations".into(), json!([{"physicalLocation": Value::Object(phys)}]));
    }
    Value::Object(n)
}

/// The `reportingDescriptor` of a rule.
fn descriptor(meta: &RuleMeta) -> Value {
    let docs = meta.docs_markdown();
    let docs = docs.trim();
    let full = full_description(meta, docs);
    let docs_url = meta.docs_url();
    json!({
        "id": meta.code,
        "name": camel_case(meta.name),
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": full},
        "help": {
            "text": format!("{docs}\n\nRemediation: {}\n\nDocumentation: {docs_url}", meta.remediation),
            "markdown": format!("{docs}\n\n**Remediation:** {}\n\n[Documentation]({docs_url})", meta.remediation),
        },
        "helpUri": docs_url,
        "defaultConfiguration": {"level": level(meta.severity)},
        "properties": {
            "tags": [meta.category.as_str(), "security"],
            "security-severity": security_severity(meta.severity),
            "precision": "high",
            "kebabName": meta.name,
            "severity": meta.severity.as_str(),
            "cis": meta.cis,
            "checklist": meta.checklist,
        },
    })
}

/// The rule table: every registered rule, then rules of findings that are not registered
/// (test rules; compressed findings always name registered rules, so only the in-memory ones
/// are looked at).
fn rule_table(r: &Render<'_>) -> (Vec<&'static RuleMeta>, HashMap<&'static str, usize>) {
    let mut metas: Vec<&'static RuleMeta> = crate::registry::rules().iter().map(|r| r.meta()).collect();
    let mut index: HashMap<&'static str, usize> = metas.iter().enumerate().map(|(i, m)| (m.code, i)).collect();
    for d in &r.report.diagnostics {
        if !index.contains_key(d.rule.code) {
            index.insert(d.rule.code, metas.len());
            metas.push(d.rule);
        }
    }
    (metas, index)
}

/// One finding as a SARIF result.
fn result(d: &Diagnostic, index: &HashMap<&'static str, usize>) -> Value {
    let mut props = Map::new();
    props.insert("severity".into(), json!(d.severity.as_str()));
    props.insert("object".into(), json!(d.object.to_string()));
    props.insert("path".into(), json!(d.path.as_str()));
    if let Some(c) = &d.container {
        props.insert("container".into(), json!(c));
    }
    json!({
        "ruleId": d.rule.code,
        "ruleIndex": index.get(d.rule.code).copied().unwrap_or_default(),
        "level": level(d.severity),
        "message": {"text": format!("{} Fix: {}", d.message, d.remediation)},
        "locations": [location(d)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(d)},
        "properties": Value::Object(props),
    })
}

/// The SARIF document around `results`.
fn document(r: &Render<'_>, metas: &[&'static RuleMeta], results: Vec<Value>) -> Value {
    let rules: Vec<Value> = metas.iter().map(|m| descriptor(m)).collect();
    let notifications: Vec<Value> = r.report.errors.iter().map(error_notification).collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "kubeward",
                    "version": crate::VERSION,
                    "semanticVersion": crate::VERSION,
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": r.report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

/// The SARIF document as a value (every finding in memory; [`write`] streams them).
#[must_use]
pub fn to_value(r: &Render<'_>) -> Value {
    let (metas, index) = rule_table(r);
    let results: Vec<Value> = r.report.findings().map(|d| result(&d, &index)).collect();
    document(r, &metas, results)
}

/// Where the results array sits in the pretty-printed document (`runs[0].results`, indented
/// by three levels; a string value cannot hold it unescaped).
const RESULTS_SLOT: &str = "\n      \"results\": []";

/// Writes the SARIF report, the same bytes as pretty-printing [`to_value`], one result at a
/// time: the document around the results is printed with an empty array, and each result is
/// printed and indented into it (a million objects give millions of results).
///
/// # Errors
/// I/O errors.
pub fn write(r: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    let (metas, index) = rule_table(r);
    let frame = serde_json::to_string_pretty(&document(r, &metas, Vec::new()))?;
    let Some(at) = frame.find(RESULTS_SLOT) else {
        serde_json::to_writer_pretty(&mut *out, &to_value(r))?;
        return writeln!(out);
    };
    out.write_all(&frame.as_bytes()[..at])?;
    out.write_all(b"\n      \"results\": [")?;
    let mut any = false;
    for d in r.report.findings() {
        let text = serde_json::to_string_pretty(&result(&d, &index))?;
        out.write_all(if any { b",\n" } else { b"\n" })?;
        any = true;
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(b"        ")?;
            out.write_all(line.as_bytes())?;
        }
    }
    out.write_all(if any { b"\n      ]" } else { b"]" })?;
    out.write_all(&frame.as_bytes()[at + RESULTS_SLOT.len()..])?;
    writeln!(out)
}
