//! Rules of the `general` area. Add a rule with `cargo xtask new-rule AREA NAME`: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

mod duplicate_key;
mod resource_not_audited;
mod void_exemption;

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] =
    &[&duplicate_key::DuplicateKey, &void_exemption::VoidExemption, &resource_not_audited::ResourceNotAudited];
