//! Helpers shared by rules of several areas.

use crate::input::node::Node;

/// The strings of a sequence node (non-strings skipped).
#[must_use]
pub fn strings(n: Option<&Node>) -> Vec<&str> {
    n.map(|n| n.items().iter().filter_map(Node::as_str).collect()).unwrap_or_default()
}
