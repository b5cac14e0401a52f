//! `kubeward rules`: the rule table.

use std::io::Write;

use anyhow::{anyhow, Result};
use kubeward_engine::all_rules;
use kubeward_engine::rule::Targets;

fn targets(t: Targets) -> Vec<&'static str> {
    [
        (Targets::OBJECT, "object"),
        (Targets::POD_SPEC, "pod-spec"),
        (Targets::CONTAINER, "container"),
        (Targets::INVENTORY, "snapshot"),
        (Targets::DOCUMENT, "document"),
        (Targets::HOST_FILE, "host-file"),
        (Targets::DOCKERFILE, "dockerfile"),
        (Targets::CLUSTER, "cluster"),
    ]
    .into_iter()
    .filter(|(b, _)| t.has(*b))
    .map(|(_, n)| n)
    .collect()
}

use crate::args::RulesArgs;

/// Prints every rule.
///
/// # Errors
/// Unknown formats and I/O errors.
pub fn run(args: &RulesArgs) -> Result<u8> {
    let mut out = std::io::stdout().lock();
    match args.format.as_str() {
        "text" => {
            // Columns as wide as their longest entry (NODE125 is wider than POD001).
            let metas: Vec<_> = all_rules().iter().map(|r| r.meta()).collect();
            let width = |head: &str, f: &dyn Fn(&kubeward_engine::RuleMeta) -> usize| {
                metas.iter().map(|m| f(m)).max().unwrap_or(0).max(head.len())
            };
            let cw = width("CODE", &|m| m.code.len());
            let nw = width("NAME", &|m| m.name.len());
            let sw = width("SEVERITY", &|m| m.severity.as_str().len());
            let kw = width("CATEGORY", &|m| m.category.as_str().len());
            writeln!(out, "{:<cw$} {:<nw$} {:<sw$} {:<kw$} SUMMARY", "CODE", "NAME", "SEVERITY", "CATEGORY")?;
            for m in metas {
                writeln!(
                    out,
                    "{:<cw$} {:<nw$} {:<sw$} {:<kw$} {}",
                    m.code,
                    m.name,
                    m.severity.as_str(),
                    m.category.as_str(),
                    m.summary
                )?;
            }
        }
        "json" => {
            let v: Vec<serde_json::Value> = all_rules()
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({
                        "code": m.code, "name": m.name, "summary": m.summary, "severity": m.severity.as_str(),
                        "category": m.category.as_str(), "checklist": m.checklist, "cis": m.cis,
                        "remediation": m.remediation, "docs": m.docs_path(), "since": m.since,
                        "targets": targets(m.targets),
                        // What the rule reads: manifests and config documents (`scan`, and
                        // `kubeward node`), or node file metadata (`kubeward node` only).
                        "input": if m.targets.has(Targets::HOST_FILE) {
                            "node"
                        } else if m.targets.has(Targets::CLUSTER) {
                            "cluster"
                        } else {
                            "manifests"
                        },
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        f => return Err(anyhow!("--format: unknown format `{f}` (expected text or json)")),
    }
    Ok(0)
}
