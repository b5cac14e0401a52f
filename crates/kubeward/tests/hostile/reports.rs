//! Hostile input (issue 15): reports. See docs/robustness.md, "Hardening (issue 15)".

#[allow(unused_imports)]
use super::*;
