//! Baselines: adopt kubeward on a large repository without fixing everything first.
//!
//! `--write-baseline FILE` records the current findings by fingerprint; `--baseline FILE`
//! then reports only the findings the baseline does not record, and says how many it hid.
//!
//! A fingerprint is the rule code, the file, the object (apiVersion, kind, namespace, name),
//! the container and the JSON path of the finding; not the line or column, so moving a
//! document or reordering a file keeps it. Findings with no JSON path (node files, auditd
//! rules) add their message, which names what is wrong (`/usr/bin/docker` is not watched).
//! Fingerprints are counted: a baseline with two identical findings hides two, and a third
//! one is new.
//!
//! The file is JSON: `{"version": 1, "tool": "kubeward", "findings": [{"fingerprint", "code",
//! "file", "object", "message"}]}`; only `fingerprint` is read back, the rest is there for
//! people reviewing the baseline in a pull request.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::sarif::Fingerprint;
use crate::diagnostic::Diagnostic;
use crate::engine::Report;

/// The baseline file format version.
pub const VERSION: u32 = 1;

/// The baseline fingerprint of a finding (see [`super::sarif::fingerprint`]).
#[must_use]
pub fn fingerprint(d: &Diagnostic) -> String {
    super::sarif::fingerprint(d, Fingerprint::Baseline)
}

#[derive(Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    code: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    file: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    object: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    message: String,
}

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    #[serde(default)]
    tool: String,
    findings: Vec<Entry>,
}

/// The baseline of a report, as pretty JSON.
#[must_use]
pub fn write(report: &Report) -> String {
    let findings = report
        .findings()
        .map(|d| Entry {
            fingerprint: fingerprint(&d),
            code: d.rule.code.to_string(),
            file: d.file.as_deref().unwrap_or("").to_string(),
            object: d.object.to_string(),
            message: d.message.clone(),
        })
        .collect();
    let file = File { version: VERSION, tool: "kubeward".to_string(), findings };
    serde_json::to_string_pretty(&file).map(|s| s + "\n").unwrap_or_default()
}

/// A loaded baseline: how many times each fingerprint is recorded.
#[derive(Debug, Default)]
pub struct Baseline(HashMap<String, usize>);

impl Baseline {
    /// Reads a baseline file's text.
    ///
    /// # Errors
    /// Not JSON, not a baseline, or a newer version.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: File = serde_json::from_str(text).map_err(|e| format!("not a kubeward baseline: {e}"))?;
        if file.version > VERSION {
            return Err(format!("baseline version {} is newer than this kubeward reads ({VERSION})", file.version));
        }
        let mut counts = HashMap::new();
        for e in file.findings {
            *counts.entry(e.fingerprint).or_insert(0) += 1;
        }
        Ok(Self(counts))
    }

    /// Number of findings recorded.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.values().sum()
    }

    /// Whether it records nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Hides the findings the baseline records (each recorded fingerprint hides as many
    /// findings as it was recorded) and counts them in the report's `hidden_by_baseline`.
    /// The findings are looked at one at a time, as the report yields them.
    pub fn apply(&self, report: &mut Report) {
        let mut left = self.0.clone();
        report.hide(|d| match left.get_mut(&fingerprint(d)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::run;
    use crate::settings::Settings;
    use crate::snapshot::Snapshot;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: app}\nspec:\n  containers:\n    - name: c\n      image: x:1\n      securityContext: {privileged: true}\n";

    fn report_of(text: &str) -> Report {
        run(&Snapshot::from_text("app.yaml", text), &Settings::default())
    }

    #[test]
    fn survives_moves_and_catches_new_findings() {
        let first = report_of(POD);
        let n = first.finding_count();
        assert!(n > 0);
        let baseline = Baseline::parse(&write(&first)).expect("parse");
        assert_eq!(baseline.len(), n);

        // The same pod moved down the file, after another document: nothing new.
        let moved =
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: app}}\n---\n# moved\n{POD}");
        let mut r = report_of(&moved);
        baseline.apply(&mut r);
        assert_eq!(r.finding_count(), 0, "{:?}", r.findings().map(|d| d.message.clone()).collect::<Vec<_>>());
        assert_eq!(r.hidden_by_baseline(), n);

        // A second privileged container is new.
        let more = POD.replace(
            "      securityContext: {privileged: true}\n",
            "      securityContext: {privileged: true}\n    - name: d\n      image: x:1\n      securityContext: {privileged: true}\n",
        );
        let mut r = report_of(&more);
        baseline.apply(&mut r);
        assert!(r.findings().any(|d| d.container.as_deref() == Some("d")));
        assert!(r.findings().all(|d| d.container.as_deref() != Some("c")));
    }

    #[test]
    fn rejects_what_is_not_a_baseline() {
        assert!(Baseline::parse("[]").is_err());
        assert!(Baseline::parse("{\"version\": 99, \"findings\": []}").is_err());
        assert!(Baseline::parse("{\"version\": 1, \"findings\": []}").is_ok_and(|b| b.is_empty()));
    }
}
