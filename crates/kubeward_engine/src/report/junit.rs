//! JUnit XML output for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines).
//!
//! One `<testsuite name="kubeward">` in a `<testsuites>`; each finding is a failed
//! `<testcase>` (classname: the file, or the object for input without a file; name:
//! `CODE rule-name: object`), each input error an errored one. A scan with neither has one
//! passing test case, `kubeward scan`, so CI shows a pass rather than an empty report.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::printable::printable;
use super::Render;
use crate::diagnostic::{Diagnostic, InputError};

/// Whether XML 1.0 allows the character at all (`Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes text for element content and attribute values (both quoted with `"`); drops
/// characters XML 1.0 cannot carry. In attributes, tabs and line breaks are written as
/// character references so parsers do not normalize them to spaces.
#[must_use]
pub fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| xml_char(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

fn object_label(d: &Diagnostic) -> String {
    let object = printable(&d.object.to_string()).into_owned();
    match &d.container {
        Some(c) => format!("{object} container {}", printable(c)),
        None => object,
    }
}

fn finding_case(d: &Diagnostic, out: &mut String) {
    let classname = printable(&d.file.as_deref().map_or_else(|| d.object.to_string(), str::to_string)).into_owned();
    let name = format!("{} {}: {}", d.rule.code, d.rule.name, object_label(d));
    let mut body = String::new();
    // Values from the input are written with control characters escaped, so a name cannot
    // forge lines of the failure text.
    let _ = writeln!(body, "{}", printable(&d.location()));
    let _ = writeln!(body, "{} {} {}: {}", d.severity, d.rule.code, d.rule.name, printable(&d.message));
    let _ = writeln!(body, "object: {}", object_label(d));
    let _ = writeln!(body, "path: {}", printable(&d.path.to_string()));
    let _ = writeln!(body, "fix: {}", printable(&d.remediation));
    let _ = write!(body, "docs: {}", d.rule.docs_path());
    let _ = write!(out, "    <testcase classname=\"{}\" name=\"{}\"", escape(&classname, true), escape(&name, true));
    if let Some(f) = &d.file {
        let _ = write!(out, " file=\"{}\"", escape(f, true));
        if d.pos.is_known() {
            let _ = write!(out, " line=\"{}\"", d.pos.line);
        }
    }
    let _ = writeln!(out, ">");
    let _ = writeln!(
        out,
        "      <failure message=\"{}\" type=\"{}\">{}</failure>",
        escape(&printable(&d.message), true),
        d.severity,
        escape(&body, false)
    );
    let _ = writeln!(out, "    </testcase>");
}

fn error_case(e: &InputError, out: &mut String) {
    let classname = printable(e.file.as_deref().unwrap_or("kubeward"));
    let _ = write!(out, "    <testcase classname=\"{}\" name=\"input error\"", escape(&classname, true));
    if let Some(f) = &e.file {
        let _ = write!(out, " file=\"{}\"", escape(f, true));
        if e.pos.is_known() {
            let _ = write!(out, " line=\"{}\"", e.pos.line);
        }
    }
    let _ = writeln!(out, ">");
    let _ = writeln!(
        out,
        "      <error message=\"{}\" type=\"input-error\">{}</error>",
        escape(&printable(&e.message), true),
        escape(&printable(&e.to_string()), false)
    );
    let _ = writeln!(out, "    </testcase>");
}

/// The JUnit document as a string.
#[must_use]
pub fn to_string(r: &Render<'_>) -> String {
    let failures = r.report.finding_count();
    let errors = r.report.errors().len();
    let pass = failures == 0 && errors == 0;
    let tests = failures + errors + usize::from(pass);
    let suite = escape(&format!("kubeward {}", r.command), true);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"0\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" \
         time=\"0\">"
    );
    let _ = writeln!(out, "    <properties>");
    let _ = writeln!(out, "      <property name=\"kubeward.version\" value=\"{}\"/>", escape(crate::VERSION, true));
    let _ = writeln!(out, "      <property name=\"files\" value=\"{}\"/>", r.report.files());
    let _ = writeln!(out, "      <property name=\"objects\" value=\"{}\"/>", r.report.objects());
    let _ = writeln!(out, "      <property name=\"exempted\" value=\"{}\"/>", r.report.exempted());
    let _ = writeln!(out, "    </properties>");
    for e in r.report.errors() {
        error_case(e, &mut out);
    }
    for d in r.report.findings() {
        finding_case(&d, &mut out);
    }
    if pass {
        let _ = writeln!(out, "    <testcase classname=\"kubeward\" name=\"{suite}\"/>");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Writes the JUnit report.
///
/// # Errors
/// I/O errors.
pub fn write(r: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(to_string(r).as_bytes())
}
