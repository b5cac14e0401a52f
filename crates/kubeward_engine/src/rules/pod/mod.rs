//! Rules of the `pod` area: pod and container security settings.
//! Add a rule: a file here, a `mod` line and an entry in `RULES`.

use crate::rule::Rule;

mod privileged_container;

// ---- security context rules: mods ----
// ---- end security context rules: mods ----

// (spacer)

// ---- host, resources, accounts and secrets rules: mods ----
// ---- end host, resources, accounts and secrets rules: mods ----

/// The rules of this area.
pub(crate) const RULES: &[&dyn Rule] = &[
    &privileged_container::PrivilegedContainer,
    // ---- security context rules: entries ----
    // ---- end security context rules: entries ----
    //
    // (spacer)
    //
    // ---- host, resources, accounts and secrets rules: entries ----
    // ---- end host, resources, accounts and secrets rules: entries ----
];
