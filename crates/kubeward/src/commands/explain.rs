//! `kubeward explain`: a rule's documentation.

use std::io::Write;

use anyhow::{anyhow, Result};

use crate::args::ExplainArgs;

/// Prints the documentation of one rule.
///
/// # Errors
/// Unknown rules.
pub fn run(args: &ExplainArgs) -> Result<u8> {
    let rule = kubeward_engine::find(&args.rule).ok_or_else(|| {
        anyhow!("{}", kubeward_engine::suggest::did_you_mean(&format!("no rule `{}`", args.rule), &args.rule))
    })?;
    let m = rule.meta();
    let mut out = std::io::stdout().lock();
    writeln!(out, "# {} {}: {}\n", m.code, m.name, m.summary)?;
    writeln!(out, "Severity: {}    Category: {}", m.severity, m.category.as_str())?;
    if !m.cis.is_empty() {
        writeln!(out, "CIS: {}", m.cis.join(", "))?;
    }
    if !m.checklist.is_empty() {
        writeln!(out, "Checklist: {}", m.checklist.join(", "))?;
    }
    writeln!(out, "\n{}", m.docs_markdown().trim_end())?;
    Ok(0)
}
