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
//! - Paths: relative input paths give relative URIs (`uriBaseId: %SRCROOT%`); absolute ones
//!   are made relative to the path the user named, declared in `originalUriBaseIds` (see
//!   [`Bases`]); standard input has a logical location only (`<stdin>`, the line and column in
//!   the location's `properties`). Every physical location has a region (line 1 for a finding
//!   about a whole file), as GitHub needs a start line.
//! - GitHub's limits: at most [`MAX_RESULTS`] results per run (the most severe are kept, and a
//!   notification says how many were left out, see [`Cap`]); one run, one location per
//!   result, two tags per rule, one rule per registered rule (GitHub allows 25,000 rules,
//!   1,000 locations per result and 20 tags per rule).

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::Render;
use crate::diagnostic::{Diagnostic, InputError};
use crate::rule::{RuleMeta, Severity};

/// The JSON schema URI written in `$schema`.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

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

/// What a fingerprint covers besides the rule, the object, the container and the field path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fingerprint {
    /// SARIF's `partialFingerprints`: stable when the file moves (not the file or line).
    Object,
    /// A baseline's: also the file, and the message of a finding without a field path.
    Baseline,
}

/// The stable fingerprint of a finding: rule code, [the file,] object identity, container and
/// field path [, and the message when there is no path], separated by NUL so that no two
/// different tuples give the same input; never the line. One function for SARIF and
/// baselines ([`Fingerprint`] says which), so the two cannot drift apart.
#[must_use]
pub fn fingerprint(d: &Diagnostic, what: Fingerprint) -> String {
    let o = &d.object;
    let baseline = what == Fingerprint::Baseline;
    let file = baseline.then(|| d.file.as_deref().unwrap_or(""));
    let message = baseline.then(|| if d.path.as_str().is_empty() { d.message.as_str() } else { "" });
    let parts: Vec<&str> = [Some(d.rule.code), file]
        .into_iter()
        .chain([
            Some(o.api_version.as_str()),
            Some(o.kind.as_str()),
            Some(o.namespace.as_deref().unwrap_or("")),
            Some(o.name.as_str()),
            Some(d.container.as_deref().unwrap_or("")),
            Some(d.path.as_str()),
            message,
        ])
        .flatten()
        .collect();
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

/// The display path of standard input.
pub const STDIN: &str = "<stdin>";

/// `C:/x` (a display path with its backslashes turned to slashes) starts with a drive.
fn has_drive(slashed: &str) -> bool {
    let b = slashed.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/'
}

fn is_absolute(slashed: &str) -> bool {
    slashed.starts_with('/') || has_drive(slashed)
}

/// The `file://` URI of an absolute, slashed path.
fn file_uri(slashed: &str) -> String {
    if has_drive(slashed) {
        let (drive, rest) = slashed.split_at(2);
        format!("file:///{drive}{}", encode_uri_path(rest))
    } else {
        format!("file://{}", encode_uri_path(slashed))
    }
}

/// The base URIs (`originalUriBaseIds`) of the absolute paths the user named. Relative input
/// paths are relative to `%SRCROOT%`, the working directory, which is not written (GitHub
/// resolves relative URIs against the repository root, where the scan runs). When every named
/// path is absolute (`kubeward scan /src` in the container image), the first is `%SRCROOT%`;
/// the others are `ROOT2`, `ROOT3`... (their position among the named paths). Named folders
/// end in `/`; a named file's base is its folder.
#[derive(Debug, Default)]
pub struct Bases {
    /// (id, the folder, ending in `/`, a named file in it or "" for a named folder).
    roots: Vec<(String, String, String)>,
}

impl Bases {
    /// The bases of `roots` (display paths as the user named them, folders ending in `/`;
    /// `-` is standard input).
    #[must_use]
    pub fn of(roots: &[String]) -> Self {
        let slashed: Vec<String> = roots.iter().filter(|r| *r != "-").map(|r| r.replace('\\', "/")).collect();
        let any_relative = slashed.iter().any(|r| !is_absolute(r));
        let mut out: Vec<(String, String, String)> = Vec::new();
        for (i, r) in slashed.iter().enumerate() {
            if !is_absolute(r) {
                continue;
            }
            let (dir, file) = match r.rsplit_once('/') {
                Some((dir, file)) => (format!("{dir}/"), file.to_string()),
                None => continue,
            };
            if out.iter().any(|(_, d, f)| *d == dir && *f == file) {
                continue;
            }
            let id = if out.is_empty() && !any_relative { "%SRCROOT%".to_string() } else { format!("ROOT{}", i + 1) };
            out.push((id, dir, file));
        }
        Self { roots: out }
    }

    /// `originalUriBaseIds`, or `None` when no named path is absolute.
    fn original_uri_base_ids(&self) -> Option<Value> {
        if self.roots.is_empty() {
            return None;
        }
        let mut m = Map::new();
        for (id, dir, file) in &self.roots {
            m.insert(
                id.clone(),
                json!({"uri": file_uri(dir), "description": {"text": format!("the scanned path {dir}{file}")}}),
            );
        }
        Some(Value::Object(m))
    }

    /// The base id of an absolute, slashed path and the path relative to it: the named file
    /// it is, or the deepest named folder that holds it.
    fn base_of<'s>(&'s self, slashed: &'s str) -> Option<(&'s str, &'s str)> {
        let mut best: Option<(&str, &str, usize)> = None;
        for (id, dir, file) in &self.roots {
            let Some(rest) = slashed.strip_prefix(dir.as_str()).filter(|r| !r.is_empty()) else { continue };
            if !file.is_empty() && rest != file {
                continue;
            }
            if best.is_none_or(|(_, _, len)| dir.len() > len) {
                best = Some((id, rest, dir.len()));
            }
        }
        best.map(|(id, rest, _)| (id, rest))
    }
}

/// The `artifactLocation` of a display path: relative paths get `uriBaseId: %SRCROOT%`;
/// absolute ones are made relative to the named path that holds them (see [`Bases`]), and
/// other absolute paths (a node's host files) are `file://` URIs. Standard input has none.
fn artifact_location(file: &str, bases: &Bases) -> Option<Value> {
    if file == STDIN {
        return None;
    }
    let slashed = file.replace('\\', "/");
    if is_absolute(&slashed) {
        if let Some((id, rest)) = bases.base_of(&slashed) {
            return Some(json!({"uri": encode_uri_path(rest), "uriBaseId": id}));
        }
        return Some(json!({"uri": file_uri(&slashed)}));
    }
    let mut rel = slashed.as_str();
    while let Some(r) = rel.strip_prefix("./") {
        rel = r;
    }
    Some(json!({"uri": encode_uri_path(rel), "uriBaseId": "%SRCROOT%"}))
}

/// `Kind/namespace/name` plus the field path (and container), as a logical location.
fn logical_location(d: &Diagnostic) -> Value {
    json!({
        "fullyQualifiedName": format!("{}{}", d.object, d.path.as_str()),
        "name": d.object.name,
        "kind": "resource",
    })
}

/// A `location` in `file` at `pos`, with `logical` as its logical locations. Standard input has
/// no artifact to point at: its location is logical (`<stdin>`), the line and column are in
/// the location's `properties`.
fn file_location(file: Option<&str>, pos: crate::input::node::Pos, bases: &Bases, mut logical: Vec<Value>) -> Value {
    let mut loc = Map::new();
    match file.map(|f| (f, artifact_location(f, bases))) {
        Some((_, Some(artifact))) => {
            // GitHub needs a start line: a finding about a whole file (a host file's mode or
            // owner, a setting it lacks) points at its first line.
            let region = if pos.is_known() {
                json!({"startLine": pos.line, "startColumn": pos.col.max(1)})
            } else {
                json!({"startLine": 1})
            };
            loc.insert("physicalLocation".into(), json!({"artifactLocation": artifact, "region": region}));
        }
        Some((stdin, None)) => {
            logical.push(json!({"name": stdin, "fullyQualifiedName": stdin, "kind": "resource"}));
            if pos.is_known() {
                loc.insert("properties".into(), json!({"line": pos.line, "column": pos.col.max(1)}));
            }
        }
        None => {}
    }
    if !logical.is_empty() {
        loc.insert("logicalLocations".into(), Value::Array(logical));
    }
    Value::Object(loc)
}

fn location(d: &Diagnostic, bases: &Bases) -> Value {
    file_location(d.file.as_deref(), d.pos, bases, vec![logical_location(d)])
}

fn error_notification(e: &InputError, bases: &Bases) -> Value {
    let mut n = Map::new();
    n.insert("level".into(), json!("error"));
    n.insert("message".into(), json!({"text": e.message}));
    if let Some(file) = &e.file {
        n.insert("locations".into(), json!([file_location(Some(file), e.pos, bases, Vec::new())]));
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
    for d in r.report.in_memory_part() {
        if !index.contains_key(d.rule.code) {
            index.insert(d.rule.code, metas.len());
            metas.push(d.rule);
        }
    }
    (metas, index)
}

/// GitHub code scanning rejects a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;

/// Which findings a run keeps when there are more than the limit: every finding of the
/// severities above `last`, and the first `last_kept` (in report order: file, line) of `last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cap {
    /// Findings in the report.
    pub total: usize,
    /// The least severe severity kept (in part), or `None` when everything is kept.
    pub last: Option<Severity>,
    /// How many findings of `last` are kept.
    pub last_kept: usize,
    /// Findings left out.
    pub omitted: usize,
}

impl Cap {
    /// The cap of a report with these counts (most severe first) at `max` results.
    #[must_use]
    pub fn of(counts: &[(Severity, usize)], max: usize) -> Self {
        let total = counts.iter().map(|(_, n)| n).sum();
        let mut room = max;
        for (s, n) in counts {
            if *n > room {
                return Self { total, last: Some(*s), last_kept: room, omitted: total - max };
            }
            room -= n;
        }
        Self { total, last: None, last_kept: 0, omitted: 0 }
    }

    /// A filter over the findings in report order: `true` for those kept.
    fn keep(self) -> impl FnMut(Severity) -> bool {
        let mut taken = 0usize;
        move |s| match self.last {
            None => true,
            Some(last) if s > last => true,
            Some(last) if s == last && taken < self.last_kept => {
                taken += 1;
                true
            }
            Some(_) => false,
        }
    }

    /// The notification that says what was left out, and how to see everything.
    fn notification(self, max: usize) -> Option<Value> {
        let last = self.last?;
        let text = format!(
            "{} of {} findings are not in this SARIF file: GitHub code scanning rejects a run with more than {max} results. \
             It keeps the most severe: every finding more severe than {last}, and {} of the {last} findings (by file and line). \
             Run kubeward with `--format json` (or `-o json=FILE`) to see every finding.",
            self.omitted,
            self.total,
            self.last_kept,
            last = last.as_str(),
        );
        Some(json!({
            "level": "warning",
            "descriptor": {"id": "results-capped"},
            "message": {"text": text},
        }))
    }
}

/// One finding as a SARIF result.
fn result(d: &Diagnostic, index: &HashMap<&'static str, usize>, bases: &Bases) -> Value {
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
        "locations": [location(d, bases)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(d, Fingerprint::Object)},
        "properties": Value::Object(props),
    })
}

/// The SARIF document around `results`.
fn document(r: &Render<'_>, metas: &[&'static RuleMeta], cap: Cap, max: usize, results: Vec<Value>) -> Value {
    let bases = Bases::of(r.roots);
    let rules: Vec<Value> = metas.iter().map(|m| descriptor(m)).collect();
    let mut notifications: Vec<Value> = r.report.errors().iter().map(|e| error_notification(e, &bases)).collect();
    notifications.extend(cap.notification(max));
    let mut run = Map::new();
    run.insert(
        "tool".into(),
        json!({
            "driver": {
                "name": "kubeward",
                "version": crate::VERSION,
                "semanticVersion": crate::VERSION,
                "informationUri": crate::project::HOME,
                "rules": rules,
            }
        }),
    );
    if let Some(ids) = bases.original_uri_base_ids() {
        run.insert("originalUriBaseIds".into(), ids);
    }
    run.insert("columnKind".into(), json!("unicodeCodePoints"));
    run.insert(
        "invocations".into(),
        json!([{
            "executionSuccessful": r.report.errors().is_empty(),
            "toolExecutionNotifications": notifications,
        }]),
    );
    if cap.last.is_some() {
        run.insert(
            "properties".into(),
            json!({"findings": cap.total, "resultsOmitted": cap.omitted, "resultsLimit": max}),
        );
    }
    run.insert("results".into(), Value::Array(results));
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [Value::Object(run)],
    })
}

/// The SARIF document as a value (every finding in memory; [`write`] streams them).
#[must_use]
pub fn to_value(r: &Render<'_>) -> Value {
    to_value_at_most(r, MAX_RESULTS)
}

/// [`to_value`] with at most `max` results.
#[must_use]
pub fn to_value_at_most(r: &Render<'_>, max: usize) -> Value {
    let (metas, index) = rule_table(r);
    let bases = Bases::of(r.roots);
    let cap = Cap::of(&r.report.counts(), max);
    let mut keep = cap.keep();
    let results: Vec<Value> =
        r.report.findings().filter(|d| keep(d.severity)).map(|d| result(&d, &index, &bases)).collect();
    document(r, &metas, cap, max, results)
}

/// Where the results array sits in the pretty-printed document (`runs[0].results`, indented
/// by three levels; a string value cannot hold it unescaped).
const RESULTS_SLOT: &str = "\n      \"results\": []";

/// Writes the SARIF report, the same bytes as pretty-printing [`to_value`], one result at a
/// time: the document around the results is printed with an empty array, and each result is
/// printed and indented into it (a million objects give millions of results). At most
/// [`MAX_RESULTS`] results, the most severe; a notification says how many were left out.
///
/// # Errors
/// I/O errors.
pub fn write(r: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    write_at_most(r, out, MAX_RESULTS)
}

/// [`write`] with at most `max` results.
///
/// # Errors
/// I/O errors.
pub fn write_at_most(r: &Render<'_>, out: &mut dyn Write, max: usize) -> io::Result<()> {
    let (metas, index) = rule_table(r);
    let bases = Bases::of(r.roots);
    let cap = Cap::of(&r.report.counts(), max);
    let frame = serde_json::to_string_pretty(&document(r, &metas, cap, max, Vec::new()))?;
    let Some(at) = frame.find(RESULTS_SLOT) else {
        serde_json::to_writer_pretty(&mut *out, &to_value_at_most(r, max))?;
        return writeln!(out);
    };
    out.write_all(&frame.as_bytes()[..at])?;
    out.write_all(b"\n      \"results\": [")?;
    let mut any = false;
    let mut keep = cap.keep();
    for d in r.report.findings().filter(|d| keep(d.severity)) {
        let text = serde_json::to_string_pretty(&result(&d, &index, &bases))?;
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
