//! Hostile input (issue 15): node_root. See docs/robustness.md, "Hardening (issue 15)".

#[allow(unused_imports)]
use super::*;
