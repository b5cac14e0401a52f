//! Rules of the `rbac` area. Add a rule: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[];
