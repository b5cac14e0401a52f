//! Hostile input (issue 15): fix_writer. See docs/robustness.md, "Hardening (issue 15)".

#[allow(unused_imports)]
use super::*;
