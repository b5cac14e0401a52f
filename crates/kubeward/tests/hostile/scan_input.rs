//! Hostile input (issue 15): scan_input. See docs/robustness.md, "Hardening (issue 15)".

#[allow(unused_imports)]
use super::*;
