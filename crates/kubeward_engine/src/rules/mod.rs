//! All rules, one file each, grouped by area. Code shared by several rules lives in `crate::analysis`.

pub mod docker;
pub mod dockerfile;
pub mod general;
pub mod image;
pub mod namespace;
pub mod network;
pub mod node;
pub mod pod;
pub mod rbac;

use crate::rule::Rule;

/// The rule lists of every area.
pub(crate) const AREAS: &[&[&dyn Rule]] = &[
    general::RULES,
    pod::RULES,
    image::RULES,
    rbac::RULES,
    network::RULES,
    namespace::RULES,
    node::RULES,
    docker::RULES,
    dockerfile::RULES,
];

#[cfg(test)]
mod tests {
    use crate::checklist;
    use crate::registry::rules;
    use crate::testing::{count_findings, doc_examples, run_fixture};

    /// Codes, names, categories, checklist ids, file names and doc sections follow the conventions.
    #[test]
    fn registry_invariants() {
        let mut problems = Vec::new();
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for r in rules() {
            let m = r.meta();
            if !codes.insert(m.code) {
                problems.push(format!("{}: duplicate code", m.code));
            }
            if !names.insert(m.name) {
                problems.push(format!("{}: duplicate name {}", m.code, m.name));
            }
            let digits = m.code.strip_prefix(m.category.prefix()).unwrap_or("");
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                problems.push(format!("{}: code must be {} + 3 digits", m.code, m.category.prefix()));
            }
            if m.name.starts_with("no-")
                || !m.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                problems.push(format!("{}: name `{}` must be kebab-case and not start with no-", m.code, m.name));
            }
            let file = format!("{}.rs", m.name.replace('-', "_"));
            if !m.file.ends_with(&file) {
                problems.push(format!("{}: file {} should be named {file}", m.code, m.file));
            }
            for id in m.cis {
                if checklist::cis_title(id).is_none() {
                    problems.push(format!("{}: `{id}` is not a CIS Kubernetes Benchmark v1.12 id", m.code));
                }
            }
            for id in m.checklist {
                if checklist::item(id).is_none() {
                    problems.push(format!("{}: unknown checklist id {id}", m.code));
                }
            }
            if m.summary.chars().next().is_some_and(char::is_uppercase) || m.summary.ends_with('.') {
                problems.push(format!("{}: summary must start lowercase without trailing period", m.code));
            }
            let docs = m.docs_markdown();
            let mut at = 0;
            for section in ["## What it does", "## Why is this bad?", "## Example", "Use instead:", "## How to fix"] {
                match docs[at..].find(section) {
                    Some(i) => at += i,
                    None => problems.push(format!("{}: docs lack `{section}` (or it is out of order)", m.code)),
                }
            }
            if m.targets.0 == 0 {
                problems.push(format!("{}: no targets", m.code));
            }
        }
        assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    }

    /// The docs' `## Example` triggers the rule and its `Use instead:` does not.
    #[test]
    fn doc_examples_behave() {
        let mut problems = Vec::new();
        for r in rules() {
            let m = r.meta();
            let (example, instead) = doc_examples(&m.docs_markdown());
            match example {
                Some(e) => match count_findings(*r, &e) {
                    (_, errs) if errs > 0 => problems.push(format!("{}: example does not parse", m.code)),
                    (0, _) => problems.push(format!("{}: example does not trigger the rule", m.code)),
                    _ => {}
                },
                None => problems.push(format!("{}: no ```yaml block under ## Example", m.code)),
            }
            match instead {
                Some(e) => match count_findings(*r, &e) {
                    (_, errs) if errs > 0 => problems.push(format!("{}: `Use instead` does not parse", m.code)),
                    (n, _) if n > 0 => {
                        problems.push(format!("{}: `Use instead` triggers the rule {n} time(s)", m.code))
                    }
                    _ => {}
                },
                None => problems.push(format!("{}: no ```yaml block after `Use instead:`", m.code)),
            }
        }
        assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    }

    /// Every rule's fixture meets its `# fail:`/`# pass:` expectations; its output is snapshotted.
    #[test]
    fn rule_fixtures() {
        let only = std::env::var("KUBEWARD_RULE").ok();
        let mut failures = Vec::new();
        let mut outputs = Vec::new();
        for r in rules() {
            if only.as_deref().is_some_and(|o| !o.eq_ignore_ascii_case(r.meta().code)) {
                continue;
            }
            match run_fixture(*r) {
                Ok(text) => outputs.push((r.meta().code, text)),
                Err(e) => failures.push(e),
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
        for (code, text) in outputs {
            insta::assert_snapshot!(code, text);
        }
    }

    /// Every rule with an automated fix: its fixture, fixed (unsafe fixes included), is
    /// snapshotted as `<CODE>.fixed`; the fixed findings are gone; a second run changes nothing.
    #[test]
    fn rule_fixes() {
        use crate::fix::apply::{fix, Input};
        use crate::rule::FixAvailability;
        let mut with_fix = 0;
        for r in rules() {
            let m = r.meta();
            if m.fix == FixAvailability::None {
                continue;
            }
            with_fix += 1;
            let path = crate::testing::fixture_path(*r);
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let mut settings = crate::testing::fixture_settings_for(*r).unwrap_or_default();
            settings.select = vec![m.code.to_string()];
            let name = format!("{}/{}.yaml", m.category.as_str(), m.code);
            let out = fix(&[Input { path: name.clone(), text: text.clone() }], &settings, true);
            let f = &out.files[&name];
            assert!(!f.applied.is_empty(), "{}: the fixture's findings got no fix", m.code);
            // Every comment is kept, each after its key (issue 15, point 16).
            if let Err(e) = crate::fix::comments::check_kept(&text, &f.text) {
                panic!("{}: {e}", m.code);
            }
            let mut shown = f.text.clone();
            for (_, nf) in &out.new_files {
                shown.push_str(&format!("\n# ---- new file {} ----\n{}", nf.name, nf.content));
            }
            for k in &f.skipped {
                shown.push_str(&format!("\n# ---- not fixed: {} ({}): {}\n", k.code, k.object, k.reason));
            }
            insta::assert_snapshot!(format!("{}.fixed", m.code), shown);
            // The fixed findings are gone (new files aside, which the fixture does not include).
            let mut snap = crate::snapshot::Snapshot::from_text(&name, &f.text);
            for (_, nf) in &out.new_files {
                let (file, _) = crate::snapshot::Snapshot::parse_file(&nf.name, nf.content.clone(), Default::default());
                snap.push(file, None);
            }
            let after = crate::engine::run(&snap, &settings);
            let left: Vec<String> = after
                .findings()
                .filter(|d| d.fix.is_some())
                .map(|d| format!("{}: {}", d.location(), d.message))
                .collect();
            assert!(
                left.len() <= f.skipped.len(),
                "{}: fixable findings left after fixing:\n{}",
                m.code,
                left.join("\n")
            );
            // Idempotent.
            let again = fix(&[Input { path: name.clone(), text: f.text.clone() }], &settings, true);
            assert_eq!(again.files[&name].text, f.text, "{}: a second fix changed the text", m.code);
        }
        assert!(with_fix >= 10, "{with_fix} rules with fixes");
    }
}
