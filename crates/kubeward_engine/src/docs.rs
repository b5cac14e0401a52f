//! Documentation generated from the rules: docs/rules.md, docs/rules/<CODE>-<name>.md and
//! docs/checklist-coverage.md. `cargo xtask docs` writes them; a test fails when the files on
//! disk differ from what the code generates.

use std::fmt::Write as _;

use crate::checklist::ITEMS;
use crate::project::GENERATED_HEADER;
use crate::registry::rules;
use crate::rule::{Category, RuleMeta, Targets};

fn targets(t: Targets) -> String {
    let mut v = Vec::new();
    for (bit, name) in [
        (Targets::OBJECT, "objects"),
        (Targets::POD_SPEC, "pod specs"),
        (Targets::CONTAINER, "containers"),
        (Targets::INVENTORY, "all scanned objects (cross-object)"),
        (Targets::DOCUMENT, "each YAML document"),
        (Targets::HOST_FILE, "node files (`kubeward node`)"),
        (Targets::CLUSTER, "what `kubeward cluster` reads from the API"),
    ] {
        if t.has(bit) {
            v.push(name);
        }
    }
    v.join(", ")
}

/// The page of one rule.
#[must_use]
pub fn rule_page(m: &RuleMeta) -> String {
    let mut s = String::from(GENERATED_HEADER);
    let _ = writeln!(s, "# {} `{}`\n", m.code, m.name);
    let _ = writeln!(s, "{}\n", capitalize(m.summary));
    let _ = writeln!(s, "| | |\n|---|---|");
    let _ = writeln!(s, "| Severity | {} |", m.severity);
    let _ = writeln!(s, "| Category | {} (`{}`) |", m.category.title(), m.category.as_str());
    let _ = writeln!(s, "| Applies to | {} |", targets(m.targets));
    let _ = writeln!(s, "| Since | {} |", m.since);
    let _ = writeln!(s, "| Automated fix | {} |", m.fix.describe());
    let cis: Vec<String> = m
        .cis
        .iter()
        .map(|id| crate::checklist::cis_title(id).map_or_else(|| format!("`{id}`"), |t| format!("`{id}` {t}")))
        .collect();
    let _ = writeln!(
        s,
        "| CIS Kubernetes Benchmark v1.12 | {} |",
        if cis.is_empty() { "none".into() } else { cis.join("<br>") }
    );
    let items: Vec<String> = m
        .checklist
        .iter()
        .map(|id| match crate::checklist::item(id) {
            Some(i) => format!("`{id}` {}", i.text),
            None => format!("`{id}`"),
        })
        .collect();
    let _ = writeln!(s, "| Seed checklist | {} |", if items.is_empty() { "none".into() } else { items.join("<br>") });
    let _ = writeln!(s, "| Source | `{}` |", m.file.replace('\\', "/"));
    let _ = writeln!(s, "\nRemediation: {}\n", m.remediation);
    if m.targets.has(Targets::HOST_FILE) {
        let _ = writeln!(s, "Read by `kubeward node`. Silence it for a run with `ignore: [{}]` in `.kubeward.yaml`, or for some files with `per-path-ignores`.\n", m.code);
    } else {
        let _ = writeln!(s, "Silence it for one object with the annotations `kubeward.io/ignore: {}` and `kubeward.io/ignore-reason: \"...\"`, or for the whole run with `ignore: [{}]` in `.kubeward.yaml`.\n", m.code, m.code);
    }
    s.push_str(m.docs_markdown().trim());
    s.push('\n');
    s
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().collect::<String>() + c.as_str())
}

/// docs/rules.md: tables by category.
#[must_use]
pub fn rules_index() -> String {
    let mut s = String::from(GENERATED_HEADER);
    s.push_str("# Rules\n\n");
    let _ = writeln!(
        s,
        "{} rules. `kubeward rules` lists them; `kubeward explain <code|name>` shows one. Severities are defaults; `.kubeward.yaml` can override them (`severity-overrides`).\n",
        rules().len()
    );
    for cat in Category::ALL {
        let in_cat: Vec<&RuleMeta> = rules().iter().map(|r| r.meta()).filter(|m| m.category == cat).collect();
        if in_cat.is_empty() {
            continue;
        }
        let _ = writeln!(s, "## {} (`{}`)\n", cat.title(), cat.prefix());
        s.push_str("| Code | Name | Severity | Summary | CIS v1.12 |\n|---|---|---|---|---|\n");
        for m in in_cat {
            let _ = writeln!(
                s,
                "| [{}](rules/{}-{}.md) | `{}` | {} | {} | {} |",
                m.code,
                m.code,
                m.name,
                m.name,
                m.severity,
                m.summary,
                m.cis.join(", ")
            );
        }
        s.push('\n');
    }
    s
}

/// docs/checklist-coverage.md: every seed item and the rules (or later command) covering it.
#[must_use]
pub fn checklist_coverage() -> String {
    let mut s = String::from(GENERATED_HEADER);
    s.push_str("# Seed checklist coverage\n\n");
    s.push_str("Every item of the two seed documents (`shared/seeds/`: the hardening checklist `000` and the best-practices guide `002`) and what checks it. Rule links go to the rule pages; items that `kubeward scan` cannot check from manifests name the command that covers them.\n\n");
    let mut covered = 0;
    let mut body = String::new();
    let mut section = String::new();
    for item in ITEMS {
        let heading = format!("{}: {}", item.source, item.section);
        if heading != section {
            let _ = writeln!(body, "\n## {heading}\n\n| Id | Item | Covered by |\n|---|---|---|");
            section = heading;
        }
        let rs: Vec<String> = rules()
            .iter()
            .map(|r| r.meta())
            .filter(|m| m.checklist.contains(&item.id))
            .map(|m| format!("[{}](rules/{}-{}.md) `{}`", m.code, m.code, m.name, m.name))
            .collect();
        let mut by = rs.join(", ");
        if !rs.is_empty() {
            covered += 1;
        }
        if !item.planned.is_empty() {
            if !by.is_empty() {
                by.push_str("; also ");
            }
            by.push_str(item.planned);
        }
        if by.is_empty() {
            by = "**not covered yet**".into();
        }
        let _ = writeln!(body, "| `{}` | {} | {} |", item.id, item.text, by);
    }
    let _ = writeln!(
        s,
        "{covered} of {} items have `scan` rules; the others name the command that covers them.",
        ITEMS.len()
    );
    s.push_str(&body);
    s
}

/// Every generated file: (path relative to the repository root, content).
#[must_use]
pub fn generated() -> Vec<(String, String)> {
    let mut v = vec![
        ("docs/rules.md".to_string(), rules_index()),
        ("docs/checklist-coverage.md".to_string(), checklist_coverage()),
        ("docs/admission-rules.md".to_string(), crate::admission::rules_page()),
        ("docs/pod-security-standards.md".to_string(), crate::pss::docs_page()),
        ("docs/verify-probes.md".to_string(), crate::verify::docs_page()),
    ];
    for r in rules() {
        v.push((r.meta().docs_path(), rule_page(r.meta())));
    }
    v
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// The docs in the repository are what the code generates (`cargo xtask docs` to refresh).
    #[test]
    fn generated_docs_are_fresh() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut stale = Vec::new();
        let gen = generated();
        for (path, content) in &gen {
            if std::fs::read_to_string(root.join(path)).ok().as_deref() != Some(content.as_str()) {
                stale.push(path.clone());
            }
        }
        if let Ok(dir) = std::fs::read_dir(root.join("docs/rules")) {
            for e in dir.flatten() {
                let p = format!("docs/rules/{}", e.file_name().to_string_lossy());
                if !gen.iter().any(|(g, _)| *g == p) {
                    stale.push(format!("{p} (no such rule)"));
                }
            }
        }
        assert!(stale.is_empty(), "stale generated docs, run `cargo xtask docs`: {stale:?}");
    }
}
