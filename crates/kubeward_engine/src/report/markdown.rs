//! Markdown output, for pull-request comments: a summary table with the score, then the
//! findings grouped by severity in collapsible sections (`<details>`, open for critical and
//! high). GitHub rejects comments over 65,536 characters, so the report stops before
//! [`LIMIT`] and says how many findings it left out.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::score::score;
use super::Render;
use crate::diagnostic::Diagnostic;
use crate::rule::Severity;

/// Largest report written, in bytes: below GitHub's 65,536-character comment limit, with room
/// for the notice and for text a CI step adds around it.
pub const LIMIT: usize = 60_000;

/// Escapes text for a Markdown table cell or list item: pipes, backslashes, HTML and
/// emphasis characters, line breaks (as spaces), other control and bidirectional formatting
/// characters (as visible escapes, [`super::printable`]).
#[must_use]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if super::printable::is_unsafe(c) => {
                out.push_str(&super::printable::printable(c.encode_utf8(&mut [0; 4])))
            }
            _ => out.push(c),
        }
    }
    out
}

/// Inline code that survives backticks in the text.
fn code(s: &str) -> String {
    let s = super::printable::printable(&s.replace(['\n', '\r'], " ")).into_owned();
    let fence = if s.contains('`') { "``" } else { "`" };
    let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Messages use backticks for code; keep them, escape the rest.
fn message(s: &str) -> String {
    s.split('`').enumerate().map(|(i, part)| if i % 2 == 1 { code(part) } else { escape(part) }).collect()
}

fn finding(d: &Diagnostic) -> String {
    let mut obj = d.object.to_string();
    if let Some(c) = &d.container {
        let _ = write!(obj, " (container {c})");
    }
    let mut place = code(&d.location());
    if d.file.is_some() && !d.pos.is_known() && !d.path.as_str().is_empty() {
        // No line: the JSON path says where in the object.
        let _ = write!(place, " {}", code(d.path.as_str()));
    }
    format!(
        "| {place} | [{}]({}) | {} | {} | {} |\n",
        d.rule.code,
        d.rule.docs_url(),
        escape(&obj),
        message(&d.message),
        message(&d.remediation)
    )
}

/// Writes the Markdown report.
///
/// # Errors
/// I/O errors.
pub fn write(r: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(to_string(r).as_bytes())
}

/// The Markdown report as a string, at most [`LIMIT`] bytes.
#[must_use]
pub fn to_string(r: &Render<'_>) -> String {
    let report = r.report;
    let sc = score(report);
    let mut s = String::new();
    match sc {
        Some(sc) => {
            let _ = writeln!(s, "## kubeward {}: score {}/100 (grade {})\n", r.command, sc.value, sc.grade);
        }
        None => {
            let _ = writeln!(s, "## kubeward {}: no score (nothing was read)\n", r.command);
        }
    }
    let _ = writeln!(s, "| | critical | high | medium | low | info | total |");
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|");
    let counts = report.counts();
    let _ = writeln!(
        s,
        "| findings | {} | {} | {} | {} | {} | **{}** |\n",
        counts[0].1,
        counts[1].1,
        counts[2].1,
        counts[3].1,
        counts[4].1,
        report.finding_count()
    );
    let mut facts = vec![
        format!("{} object{}", report.objects(), if report.objects() == 1 { "" } else { "s" }),
        format!("{} file{}", report.files(), if report.files() == 1 { "" } else { "s" }),
    ];
    if report.exempted() > 0 {
        facts.push(format!("{} exempted by annotation", report.exempted()));
    }
    if report.hidden_by_baseline() > 0 {
        facts.push(format!("{} hidden by the baseline", report.hidden_by_baseline()));
    }
    if let Some((min, n)) = report.hidden_below().filter(|(_, n)| *n > 0) {
        facts.push(format!("{n} below {min} not shown (--min-severity)"));
    }
    if !report.errors().is_empty() {
        facts.push(format!(
            "**{} input error{}**",
            report.errors().len(),
            if report.errors().len() == 1 { "" } else { "s" }
        ));
    }
    let _ = writeln!(s, "Audited {}.\n", facts.join(", "));
    for e in report.errors() {
        let _ = writeln!(s, "- :x: {}", message(&e.to_string()));
    }
    if !report.errors().is_empty() {
        s.push('\n');
    }
    let mut shown = 0usize;
    let total = report.finding_count();
    let notice_room = 400;
    'sev: for sev in Severity::ALL {
        let in_group = counts.iter().find(|(s, _)| *s == sev).map_or(0, |(_, n)| *n);
        if in_group == 0 {
            continue;
        }
        let group = report.findings().filter(|d| d.severity == sev);
        let open = if sev >= Severity::High { " open" } else { "" };
        let _ = writeln!(s, "<details{open}><summary><b>{}</b> ({})</summary>\n", sev.as_str(), in_group);
        let _ = writeln!(s, "| where | rule | object | what is wrong | what to do |");
        let _ = writeln!(s, "|---|---|---|---|---|");
        for d in group {
            let row = finding(&d);
            if s.len() + row.len() + notice_room > LIMIT {
                let _ = writeln!(s, "\n</details>\n");
                break 'sev;
            }
            s.push_str(&row);
            shown += 1;
        }
        let _ = writeln!(s, "\n</details>\n");
    }
    if shown < total {
        let _ = writeln!(
            s,
            "> **{} of {total} findings not shown**: the comment would pass GitHub's size limit. The full report: `kubeward {} --format html -o html=report.html` (or `json`, `sarif`).",
            total - shown,
            r.command
        );
    }
    if total == 0 && report.errors().is_empty() {
        let _ = writeln!(s, "No findings. :white_check_mark:");
    }
    s
}
