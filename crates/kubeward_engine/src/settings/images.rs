//! `images:` in `.kubeward.yaml`: the vulnerability report policy (read by the settings
//! layer; `crate::images` applies it to scanner reports).

use serde::Deserialize;

use crate::rule::Severity;

/// One entry of `images.ignore`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct IgnoredVuln {
    /// Vulnerability id (`CVE-2023-1234`, `GHSA-...`, `RHSA-2022:0892`), matched against the
    /// id and its aliases, case-insensitively.
    pub id: String,
    /// Why (required).
    pub reason: String,
    /// Last day the ignore applies (`YYYY-MM-DD`); after it the vulnerability counts again and
    /// the finding says the ignore expired.
    #[serde(default)]
    pub until: Option<String>,
    /// Only for this image (repository, or repository:tag); every image when absent.
    #[serde(default)]
    pub image: Option<String>,
}

/// The `images:` section of `.kubeward.yaml`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ImagePolicy {
    /// Severities that block (default `[critical, high]`).
    pub block: Vec<String>,
    /// Only vulnerabilities with a fixed version block (default false: all do).
    pub fixable_only: bool,
    /// The severity given to vulnerabilities whose scanner severity is unknown (`UNKNOWN`,
    /// `Unknown`, empty, or a word kubeward does not know); default `medium`.
    pub unknown_severity: String,
    /// Vulnerabilities ignored, with a reason and an optional expiry.
    pub ignore: Vec<IgnoredVuln>,
}

impl Default for ImagePolicy {
    fn default() -> Self {
        Self {
            block: vec!["critical".into(), "high".into()],
            fixable_only: false,
            unknown_severity: "medium".into(),
            ignore: Vec::new(),
        }
    }
}

impl ImagePolicy {
    /// Checks the values; the message names the bad key (`images.block` ...).
    ///
    /// # Errors
    /// Unknown severities, ignores without an id or a reason, bad dates.
    pub fn validate(&self) -> Result<(), String> {
        for s in &self.block {
            s.parse::<Severity>().map_err(|e| format!("images.block: {e}"))?;
        }
        self.unknown_severity.parse::<Severity>().map_err(|e| format!("images.unknown-severity: {e}"))?;
        for ig in &self.ignore {
            if ig.id.trim().is_empty() {
                return Err("images.ignore: an entry has no `id`".into());
            }
            if ig.reason.trim().is_empty() {
                return Err(format!("images.ignore: `{}` has no `reason`", ig.id));
            }
            if let Some(u) = &ig.until {
                if !crate::input::dockerfile::is_date(u) {
                    return Err(format!("images.ignore: `{}`: `until: {u}` is not a date (YYYY-MM-DD)", ig.id));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn blocks(&self, s: Severity) -> bool {
        self.block.iter().any(|b| b.parse::<Severity>() == Ok(s))
    }

    pub(crate) fn unknown(&self) -> Severity {
        self.unknown_severity.parse().unwrap_or(Severity::Medium)
    }
}
