//! Rules of the `general` area. Add a rule: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

mod duplicate_key;
mod void_exemption;
// --- cluster (issue 4) ---
mod resource_not_audited;
// --- end cluster (issue 4) ---

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[
    &duplicate_key::DuplicateKey,
    &void_exemption::VoidExemption,
    // --- cluster (issue 4) ---
    &resource_not_audited::ResourceNotAudited,
    // --- end cluster (issue 4) ---
];
