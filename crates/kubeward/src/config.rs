//! Finds and reads `.kubeward.yaml`, then applies command-line overrides.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use kubeward_engine::settings::{RawSettings, Settings};

use crate::args::ReportArgs;

/// The config file name.
pub const FILE_NAME: &str = ".kubeward.yaml";

/// Walks up from `dir` looking for `.kubeward.yaml`.
#[must_use]
pub fn discover(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file())
}

/// Loads the settings for a command: `--config`, else the discovered file, else defaults; then
/// `--select`, `--ignore` and `--fail-on`. `--format` and `--output` are checked here too.
///
/// # Errors
/// An unreadable or invalid config file, or bad flag values.
pub fn load(args: &ReportArgs) -> Result<Settings> {
    // Output flags are checked before any work: a typo must not cost a whole scan.
    kubeward_engine::report::Format::parse(&args.format).map_err(|e| anyhow!("--format: {e}"))?;
    crate::commands::output::parse_outputs(&args.outputs)?;
    if let Some(m) = &args.min_severity {
        m.parse::<kubeward_engine::rule::Severity>().map_err(|e| anyhow!("--min-severity: {e}"))?;
    }
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => std::env::current_dir().ok().and_then(|d| discover(&d)),
    };
    let mut settings = match &path {
        Some(p) => {
            let text =
                crate::walk::read_user_file(p).map_err(|e| anyhow!("cannot read config {}: {e}", p.display()))?;
            Settings::from_yaml(&p.display().to_string(), &text).map_err(|e| anyhow!("invalid config: {e}"))?
        }
        None => Settings::compile(RawSettings::default()).map_err(|e| anyhow!(e))?,
    };
    if !args.select.is_empty() {
        settings.select.clone_from(&args.select);
    }
    settings.ignore.extend(args.ignore.iter().cloned());
    // Dates (exemption expiry, Kubernetes end of life) are judged as of today, or as of
    // KUBEWARD_TODAY for reproducible CI runs and audits "as of" a date.
    if let Ok(day) = std::env::var("KUBEWARD_TODAY") {
        let b = day.as_bytes();
        let valid = b.len() == 10
            && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
        if !valid {
            return Err(anyhow!("KUBEWARD_TODAY `{day}` is not a date (YYYY-MM-DD)"));
        }
        settings.today = day;
    }
    if let Some(f) = &args.fail_on {
        settings.fail_on = f.parse().map_err(|e: String| anyhow!("--fail-on: {e}"))?;
    }
    for s in settings.select.iter().chain(&settings.ignore) {
        if !kubeward_engine::all_rules().iter().any(|r| kubeward_engine::settings::selector_matches(s, r.meta())) {
            return Err(anyhow!("{}", kubeward_engine::suggest::unknown_selector(s)));
        }
    }
    Ok(settings)
}
