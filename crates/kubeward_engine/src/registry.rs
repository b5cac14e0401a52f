//! The registry of rules: each area lists its rules in `rules/<area>/mod.rs`; this joins them,
//! sorted by code.

use std::sync::OnceLock;

use crate::diagnostic::InputError;
use crate::rule::Rule;
use crate::rules;
use crate::settings::{selector_matches, RuleNames, Settings};

/// Every rule, sorted by code.
#[must_use]
pub fn rules() -> &'static [&'static dyn Rule] {
    static ALL: OnceLock<Vec<&'static dyn Rule>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static dyn Rule> = Vec::new();
        for area in rules::AREAS {
            v.extend_from_slice(area);
        }
        v.sort_by_key(|r| r.meta().code);
        v
    })
}

/// Finds a rule by code or name (case-insensitive).
#[must_use]
pub fn find(key: &str) -> Option<&'static dyn Rule> {
    rules().iter().copied().find(|r| r.meta().code.eq_ignore_ascii_case(key) || r.meta().name.eq_ignore_ascii_case(key))
}

/// The registry's rules as `.kubeward.yaml` may name them.
struct Registered;

impl RuleNames for Registered {
    fn check_selector(&self, sel: &str) -> Result<(), String> {
        if rules().iter().any(|r| selector_matches(sel, r.meta())) {
            Ok(())
        } else {
            Err(crate::suggest::unknown_selector(sel))
        }
    }

    fn check_rule(&self, key: &str) -> Result<(), String> {
        if find(key).is_some() {
            Ok(())
        } else {
            Err(crate::suggest::did_you_mean(&format!("severity-overrides: `{key}` is no rule code or name"), key))
        }
    }
}

impl Settings {
    /// Parses `.kubeward.yaml` text, checking the rules it names against the registry. Errors
    /// name the file and line.
    ///
    /// # Errors
    /// Syntax errors, unknown keys, unknown rules and bad values.
    pub fn from_yaml(path: &str, text: &str) -> Result<Self, InputError> {
        Self::from_yaml_naming(path, text, &Registered)
    }
}
