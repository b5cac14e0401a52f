//! Text output: `file:line:col`, severity, code and message, a source excerpt with a caret,
//! the object and the remediation; then a summary by severity. Colour only when asked (the CLI
//! asks on a TTY without `NO_COLOR`).

use std::io::{self, Write};

use super::printable::{printable, printable_line};
use super::Render;
use crate::rule::Severity;

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn sev(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;36",
            Severity::Info => "1;34",
        };
        self.wrap(code, s.as_str())
    }
}

/// Width of the token at `col` (a key, or a scalar) for the caret.
fn token_width(line: &str, col: usize) -> usize {
    let rest: String = line.chars().skip(col.saturating_sub(1)).collect();
    let w = if rest.starts_with('"') || rest.starts_with('\'') {
        let q = rest.chars().next().unwrap_or('"');
        rest.chars().skip(1).position(|c| c == q).map_or(rest.chars().count(), |p| p + 2)
    } else {
        rest.chars().take_while(|c| *c != ':' && *c != ',' && *c != '}' && *c != ']' && !c.is_whitespace()).count()
    };
    w.max(1)
}

/// Writes the text report.
///
/// # Errors
/// I/O errors.
pub fn write(r: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    let p = Paint { on: r.color };
    for e in &r.report.errors {
        writeln!(out, "{}: {}", p.wrap("1;31", "error"), printable(&e.to_string()))?;
    }
    if !r.report.errors.is_empty() {
        writeln!(out)?;
    }
    for d in r.report.findings() {
        let d = &*d;
        writeln!(
            out,
            "{}: {} {} {}: {}",
            p.wrap("1", &printable(&d.location())),
            p.sev(d.severity),
            p.wrap("1", d.rule.code),
            d.rule.name,
            printable(&d.message)
        )?;
        if let (Some(file), true) = (&d.file, d.pos.is_known()) {
            if let Some(raw) = r.sources.line(file, d.pos.line) {
                let line = printable_line(&raw);
                let col = match line {
                    std::borrow::Cow::Borrowed(_) => d.pos.col as usize,
                    // The caret's column counts the escapes written before it.
                    std::borrow::Cow::Owned(_) => {
                        let before: String = raw.chars().take((d.pos.col as usize).saturating_sub(1)).collect();
                        printable_line(&before).chars().count() + 1
                    }
                };
                let num = d.pos.line.to_string();
                let pad = " ".repeat(num.len());
                let caret_pad: String =
                    line.chars().take(col.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
                writeln!(out, "{pad} |")?;
                writeln!(out, "{num} | {line}")?;
                writeln!(out, "{pad} | {caret_pad}{}", p.wrap("1;31", &"^".repeat(token_width(&line, col))))?;
            }
        }
        let mut obj = printable(&d.object.to_string()).into_owned();
        if let Some(c) = &d.container {
            obj.push_str(&format!(", container `{}`", printable(c)));
        }
        writeln!(out, "  = object: {obj}")?;
        if d.file.is_none() || !d.pos.is_known() {
            writeln!(out, "  = path: {}", printable(&d.path.to_string()))?;
        }
        writeln!(out, "  = fix: {}", printable(&d.remediation))?;
        writeln!(out)?;
    }
    let counts = r.report.counts();
    let total = r.report.finding_count();
    let parts: Vec<String> = counts.iter().filter(|(_, n)| *n > 0).map(|(s, n)| format!("{n} {}", p.sev(*s))).collect();
    write!(out, "{} finding{}", total, if total == 1 { "" } else { "s" })?;
    if !parts.is_empty() {
        write!(out, " ({})", parts.join(", "))?;
    }
    if r.command == "cluster" {
        // API input has no files: the objects came from the cluster.
        write!(
            out,
            " in {} object{} from the cluster",
            r.report.objects,
            if r.report.objects == 1 { "" } else { "s" }
        )?;
    } else {
        write!(
            out,
            " in {} object{} from {} file{}",
            r.report.objects,
            if r.report.objects == 1 { "" } else { "s" },
            r.report.files,
            if r.report.files == 1 { "" } else { "s" }
        )?;
    }
    if r.report.exempted > 0 {
        write!(out, "; {} exempted by annotation", r.report.exempted)?;
    }
    if r.report.hidden_by_baseline > 0 {
        write!(out, "; {} hidden by the baseline", r.report.hidden_by_baseline)?;
    }
    if !r.report.errors.is_empty() {
        write!(out, "; {} input error{}", r.report.errors.len(), if r.report.errors.len() == 1 { "" } else { "s" })?;
    }
    writeln!(out)
}
