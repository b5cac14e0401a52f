//! The registry of rules: each area lists its rules in `rules/<area>/mod.rs`; this joins them,
//! sorted by code.

use std::sync::OnceLock;

use crate::rule::Rule;
use crate::rules;

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
