//! Helpers of the resource rules: which of `cpu`/`memory` a `resources` section sets.

use crate::input::workload::ContainerView;

/// Whether `resources.<section>` of a container sets `cpu` and `memory`.
#[must_use]
pub(crate) fn sets(c: &ContainerView<'_>, section: &str) -> (bool, bool) {
    let s = c.get("resources").and_then(|r| r.get(section));
    let has = |k: &str| s.and_then(|s| s.get(k)).is_some_and(|v| !v.is_null() && v.as_str() != Some(""));
    (has("cpu"), has("memory"))
}

/// Names what is missing: `CPU limit`, `memory request`, `CPU or memory limit`.
#[must_use]
pub(crate) fn describe_missing(cpu: bool, memory: bool, noun: &str) -> Option<String> {
    match (cpu, memory) {
        (true, true) => None,
        (false, true) => Some(format!("CPU {noun}")),
        (true, false) => Some(format!("memory {noun}")),
        (false, false) => Some(format!("CPU or memory {noun}")),
    }
}
