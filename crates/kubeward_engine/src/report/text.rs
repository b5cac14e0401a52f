//! Text output: `file:line:col`, severity, code and message, a source excerpt with a caret,
//! the object and the remediation; then the findings by rule (most severe first), the totals by
//! severity and the score. Colour only when asked (the CLI asks on a TTY without `NO_COLOR`).
//!
//! The compact format ([`write_compact`]) is the first line of each finding with its object,
//! `path:line:col: severity CODE name: message [object]` (like ruff's and kube-linter's concise
//! output: one finding a line, for grep and editors), then the same totals and score.
//!
//! `kubeward node` findings name their CIS Benchmark ids (`[CIS 1.2.1]`) after the rule name.

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

/// ` [CIS 1.2.1, 1.2.2]` after a rule's name in `kubeward node` output; nothing elsewhere.
fn cis(r: &Render<'_>, d: &crate::diagnostic::Diagnostic) -> String {
    if r.command == "node" && !d.rule.cis.is_empty() {
        format!(" [CIS {}]", d.rule.cis.join(", "))
    } else {
        String::new()
    }
}

/// The first line of a finding: `location: severity CODE name: message`.
fn headline(r: &Render<'_>, p: &Paint, d: &crate::diagnostic::Diagnostic) -> String {
    format!(
        "{}: {} {} {}{}: {}",
        p.wrap("1", &printable(&d.location())),
        p.sev(d.severity),
        p.wrap("1", d.rule.code),
        d.rule.name,
        cis(r, d),
        printable(&d.message)
    )
}

fn object(d: &crate::diagnostic::Diagnostic) -> String {
    let mut obj = printable(&d.object.to_string()).into_owned();
    if let Some(c) = &d.container {
        obj.push_str(&format!(", container `{}`", printable(c)));
    }
    obj
}

fn errors(r: &Render<'_>, p: &Paint, out: &mut dyn Write) -> io::Result<()> {
    for e in r.report.errors() {
        writeln!(out, "{}: {}", p.wrap("1;31", "error"), printable(&e.to_string()))?;
    }
    if !r.report.errors().is_empty() {
        writeln!(out)?;
    }
    Ok(())
}

/// Writes the compact report: one line a finding, then the totals and the score.
///
/// # Errors
/// I/O errors.
pub fn write_compact(r: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    let p = Paint { on: r.color };
    errors(r, &p, out)?;
    let mut any = false;
    for d in r.report.findings() {
        writeln!(out, "{} [{}]", headline(r, &p, &d), object(&d))?;
        any = true;
    }
    if any {
        writeln!(out)?;
    }
    totals(r, &p, out)?;
    score_line(r, out)
}

/// Writes the text report.
///
/// # Errors
/// I/O errors.
pub fn write(r: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    write_text(r, out, true)
}

/// Writes the text report without the summary by rule and the score: the findings and the
/// totals line (the rule fixtures' snapshots, which are about the findings).
///
/// # Errors
/// I/O errors.
pub fn write_findings(r: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    write_text(r, out, false)
}

fn write_text(r: &Render<'_>, out: &mut dyn Write, summary: bool) -> io::Result<()> {
    let p = Paint { on: r.color };
    errors(r, &p, out)?;
    // (severity, code) → (count, rule), for the summary by rule.
    let mut by_rule: std::collections::HashMap<(Severity, &'static str), (usize, &'static crate::rule::RuleMeta)> =
        std::collections::HashMap::new();
    for d in r.report.findings() {
        let d = &*d;
        by_rule.entry((d.severity, d.rule.code)).or_insert((0, d.rule)).0 += 1;
        writeln!(out, "{}", headline(r, &p, d))?;
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
        writeln!(out, "  = object: {}", object(d))?;
        if d.file.is_none() || !d.pos.is_known() {
            writeln!(out, "  = path: {}", printable(&d.path.to_string()))?;
        }
        writeln!(out, "  = fix: {}", printable(&d.remediation))?;
        writeln!(out)?;
    }
    if summary {
        by_rule_summary(&p, by_rule, out)?;
    }
    totals(r, &p, out)?;
    if summary {
        score_line(r, out)?;
    }
    Ok(())
}

fn score_line(r: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    match super::score::score(r.report) {
        Some(sc) => writeln!(out, "Score: {}/100, grade {} (docs/score.md)", sc.value, sc.grade),
        None => writeln!(out, "No score: nothing was read (docs/score.md)"),
    }
}

/// `Findings by rule:`, one line a rule (and severity): count, severity, code, name; most
/// severe first, then most frequent. Nothing when there are no findings.
fn by_rule_summary(
    p: &Paint,
    by_rule: std::collections::HashMap<(Severity, &'static str), (usize, &'static crate::rule::RuleMeta)>,
    out: &mut dyn Write,
) -> io::Result<()> {
    if by_rule.is_empty() {
        return Ok(());
    }
    let mut rows: Vec<(Severity, usize, &crate::rule::RuleMeta)> =
        by_rule.into_iter().map(|((s, _), (n, m))| (s, n, m)).collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.code.cmp(b.2.code)));
    let count_w = rows.iter().map(|r| r.1.to_string().len()).max().unwrap_or(1);
    let code_w = rows.iter().map(|r| r.2.code.len()).max().unwrap_or(1);
    writeln!(out, "Findings by rule:")?;
    for (s, n, m) in rows {
        // Padding outside the colour codes, so columns stay aligned with colour on.
        let sev_pad = " ".repeat(8usize.saturating_sub(s.as_str().len()));
        let code_pad = " ".repeat(code_w.saturating_sub(m.code.len()));
        writeln!(out, "  {n:>count_w$}  {}{sev_pad}  {}{code_pad}  {}", p.sev(s), m.code, m.name)?;
    }
    writeln!(out)
}

/// The totals line (`N findings (by severity) in M objects from K files; ...`) and the score.
fn totals(r: &Render<'_>, p: &Paint, out: &mut dyn Write) -> io::Result<()> {
    let counts = r.report.counts();
    let total = r.report.finding_count();
    let parts: Vec<String> = counts.iter().filter(|(_, n)| *n > 0).map(|(s, n)| format!("{n} {}", p.sev(*s))).collect();
    write!(out, "{} finding{}", total, if total == 1 { "" } else { "s" })?;
    if !parts.is_empty() {
        write!(out, " ({})", parts.join(", "))?;
    }
    if r.command == "cluster" || r.command == "verify" {
        // API input has no files: the objects came from the cluster (verify: its namespaces).
        write!(
            out,
            " in {} object{} from the cluster",
            r.report.objects(),
            if r.report.objects() == 1 { "" } else { "s" }
        )?;
    } else {
        write!(
            out,
            " in {} object{} from {} file{}",
            r.report.objects(),
            if r.report.objects() == 1 { "" } else { "s" },
            r.report.files(),
            if r.report.files() == 1 { "" } else { "s" }
        )?;
    }
    if r.report.exempted() > 0 {
        write!(out, "; {} exempted by annotation", r.report.exempted())?;
    }
    if r.report.hidden_by_baseline() > 0 {
        write!(out, "; {} hidden by the baseline", r.report.hidden_by_baseline())?;
    }
    if let Some((min, n)) = r.report.hidden_below() {
        if n > 0 {
            write!(out, "; {n} below {min} not shown (--min-severity)")?;
        }
    }
    if !r.report.errors().is_empty() {
        write!(
            out,
            "; {} input error{}",
            r.report.errors().len(),
            if r.report.errors().len() == 1 { "" } else { "s" }
        )?;
    }
    writeln!(out)
}
