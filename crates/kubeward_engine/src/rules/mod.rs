//! All rules, one file each, grouped by area. Shared helpers live in `helpers.rs`.

pub mod general;
pub mod helpers;
pub mod image;
pub mod namespace;
pub mod network;
pub mod pod;
pub mod rbac;

use crate::rule::Rule;

/// The rule lists of every area.
pub(crate) const AREAS: &[&[&dyn Rule]] =
    &[general::RULES, pod::RULES, image::RULES, rbac::RULES, network::RULES, namespace::RULES];

#[cfg(test)]
mod tests {
    use crate::registry::rules;
    use crate::testing::run_fixture;

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
}
