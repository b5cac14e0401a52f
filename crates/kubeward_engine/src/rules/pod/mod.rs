//! Rules of the `pod` area: pod and container security settings.
//! Add a rule: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

mod privileged_container;

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[&privileged_container::PrivilegedContainer];
