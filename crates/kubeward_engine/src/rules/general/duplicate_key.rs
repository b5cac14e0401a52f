use crate::context::Context;
use crate::input::path::FieldPath;
use crate::inventory::{Anchor, Handle};
use crate::rule::{DocumentView, Rule};

crate::declare_rule! {
    /// ## What it does
    /// Flags every key written twice in one YAML mapping of a Kubernetes object, at the second
    /// occurrence.
    ///
    /// ## Why is this bad?
    /// YAML forbids duplicate keys, but `kubectl` and the API server accept them and silently
    /// keep the last value. A reviewer reads the first one: a `securityContext` that looks
    /// hardened can be overridden twenty lines below, by mistake in a merge or on purpose.
    /// Other tools (linters, policy engines, Helm) may keep the first value instead and see a
    /// different object than the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       securityContext:
    ///         privileged: false
    ///         privileged: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       securityContext:
    ///         privileged: false
    /// ```
    ///
    /// ## How to fix
    /// Keep one occurrence of the key, with the value you mean.
    pub DuplicateKey {
        code: "GEN001",
        name: "duplicate-key",
        summary: "mapping key written twice; the last value wins silently",
        severity: Medium,
        category: General,
        targets: DOCUMENT,
        remediation: "keep one occurrence of the key, with the intended value",
        checklist: [],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for DuplicateKey {
    fn check_document(&self, doc: &DocumentView<'_>, cx: &mut Context<'_>) {
        if doc.duplicates.is_empty() {
            return;
        }
        let Some(object) = doc.object() else { return };
        let handle = Handle::of(&object, cx.settings);
        for dup in doc.duplicates {
            let msg = if dup.first.line == dup.pos.line {
                format!(
                    "key `{}` is written twice on line {}; the API server keeps the last one silently",
                    dup.key, dup.pos.line
                )
            } else {
                format!(
                    "key `{}` is written twice (line {} and line {}); the API server keeps the last one silently",
                    dup.key, dup.first.line, dup.pos.line
                )
            };
            let at = Anchor { path: FieldPath::root(), pos: dup.pos, exists: true };
            cx.report_at(&handle, &at, msg);
        }
    }
}
