//! `serve:` in `.kubeward.yaml`: the admission policy of `kubeward serve` (read by the
//! settings layer; `crate::admission` applies it).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::rule::Severity;

/// The namespace exempt by default (besides the server's own).
pub const DEFAULT_EXEMPT_NAMESPACES: &[&str] = &["kube-system"];

/// `serve:` in `.kubeward.yaml`: the admission policy of `kubeward serve`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ServeOptions {
    /// Lowest severity that denies a request (default `high`); `--deny-at` overrides it.
    pub deny_at: Option<String>,
    /// `enforce` (default) or `audit`: audit never denies, it warns and adds audit annotations.
    pub mode: Option<String>,
    /// Namespaces whose requests are allowed without a check (default `[kube-system]`; the
    /// server's own namespace is always added).
    pub exempt_namespaces: Option<Vec<String>>,
    /// Namespace labels that exempt a namespace. The API server does not send the labels of an
    /// object's namespace, so these go into the webhook's `namespaceSelector`
    /// (`--print-webhook-config`); the server itself applies them to Namespace objects.
    pub exempt_namespace_labels: BTreeMap<String, String>,
    /// Namespaces where `kubeward.io/ignore` annotations are honoured at admission (`*` for
    /// all). Default: none, since anyone who can create a pod could otherwise exempt it.
    pub annotation_exemptions_in: Vec<String>,
}

/// Whether the server denies or only reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Deny requests with a finding at or above the threshold.
    Enforce,
    /// Never deny: warnings and audit annotations only.
    Audit,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "enforce" => Ok(Self::Enforce),
            "audit" => Ok(Self::Audit),
            _ => Err(format!("serve.mode: unknown mode `{s}` (expected enforce or audit)")),
        }
    }
}

impl ServeOptions {
    /// Checks the values (called by `Settings::compile`).
    ///
    /// # Errors
    /// A message naming the bad value.
    pub fn validate(&self) -> Result<(), String> {
        self.deny_at().map_err(|e| format!("serve.deny-at: {e}"))?;
        self.mode()?;
        Ok(())
    }

    /// The deny threshold.
    ///
    /// # Errors
    /// An unknown severity.
    pub fn deny_at(&self) -> Result<Severity, String> {
        self.deny_at.as_deref().map_or(Ok(Severity::High), str::parse)
    }

    /// The mode.
    ///
    /// # Errors
    /// An unknown mode.
    pub fn mode(&self) -> Result<Mode, String> {
        self.mode.as_deref().map_or(Ok(Mode::Enforce), str::parse)
    }

    /// Exempt namespace names (before the server's own is added).
    #[must_use]
    pub fn exempt_namespaces(&self) -> Vec<String> {
        self.exempt_namespaces
            .clone()
            .unwrap_or_else(|| DEFAULT_EXEMPT_NAMESPACES.iter().map(|s| (*s).to_string()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_options_validate() {
        let o = ServeOptions { mode: Some("audit".into()), ..ServeOptions::default() };
        assert_eq!(o.mode(), Ok(Mode::Audit));
        assert!(ServeOptions { deny_at: Some("bogus".into()), ..ServeOptions::default() }.validate().is_err());
        assert_eq!(ServeOptions::default().exempt_namespaces(), vec!["kube-system".to_string()]);
    }
}
