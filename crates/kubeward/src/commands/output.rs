//! Writing reports to stdout and `--output FORMAT=FILE` files, and the exit code.

use std::io::{IsTerminal, Write};

use anyhow::{anyhow, Context as _, Result};
use kubeward_engine::report::{self, Format, Render, Sources};
use kubeward_engine::{Report, Settings};

use crate::args::{ColorChoice, ReportArgs};

/// Parses `--output` values.
///
/// # Errors
/// Malformed values and unknown formats.
pub fn parse_outputs(outputs: &[String]) -> Result<Vec<(Format, String)>> {
    outputs
        .iter()
        .map(|o| {
            let (f, file) = o.split_once('=').ok_or_else(|| anyhow!("--output `{o}`: expected FORMAT=FILE"))?;
            Ok((Format::parse(f).map_err(|e| anyhow!("--output: {e}"))?, file.to_string()))
        })
        .collect()
}

/// Writes the report everywhere asked and returns the exit code.
///
/// # Errors
/// I/O errors (a closed stdout pipe is not an error for the caller: main maps it to 0).
pub fn emit(
    args: &ReportArgs,
    settings: &Settings,
    report: &Report,
    sources: &Sources<'_>,
    command: &str,
) -> Result<u8> {
    emit_full(args, settings, report, sources, command, &[], None)
}

/// What a command adds after its text report on stdout (`kubeward node`: the CIS totals),
/// given every finding (before `--min-severity`).
pub type Epilogue<'a> = dyn Fn(&Report, &mut dyn Write) -> std::io::Result<()> + 'a;

/// The paths the user named, as reports show them, folders ending in `/` (`-` for standard
/// input).
#[must_use]
pub fn roots(paths: &[std::path::PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| {
            let s = crate::walk::display(p);
            if p.as_os_str() != "-" && p.is_dir() && !s.ends_with(['/', std::path::MAIN_SEPARATOR]) {
                format!("{s}/")
            } else {
                s
            }
        })
        .collect()
}

/// [`emit`] for input read from the paths the user named (`roots`, display form: SARIF makes
/// absolute paths relative to them, the HTML report lists them), with an `epilogue` after the
/// text report on stdout.
///
/// # Errors
/// As [`emit`].
pub fn emit_full(
    args: &ReportArgs,
    settings: &Settings,
    report: &Report,
    sources: &Sources<'_>,
    command: &str,
    roots: &[String],
    epilogue: Option<&Epilogue<'_>>,
) -> Result<u8> {
    let format = Format::parse(&args.format).map_err(|e| anyhow!("--format: {e}"))?;
    let outputs = parse_outputs(&args.outputs)?;
    if let Some(path) = &args.write_baseline {
        std::fs::write(path, report::baseline::write(report))
            .with_context(|| format!("cannot write the baseline {}", path.display()))?;
    }
    let filtered;
    let report = match &args.baseline {
        Some(path) => {
            let text = crate::walk::read_user_file(path)
                .map_err(|e| anyhow!("cannot read the baseline {}: {e}", path.display()))?;
            let baseline =
                report::baseline::Baseline::parse(&text).map_err(|e| anyhow!("--baseline {}: {e}", path.display()))?;
            let mut r = report.clone();
            baseline.apply(&mut r);
            filtered = r;
            &filtered
        }
        None => report,
    };
    // The exit code judges every finding (the baseline's aside), whatever --min-severity shows.
    let code = exit_code(settings, report);
    let all = report;
    let shown;
    let report = match &args.min_severity {
        Some(level) => {
            let min = level.parse().map_err(|e: String| anyhow!("--min-severity: {e}"))?;
            let mut r = report.clone();
            r.hide_below(min);
            shown = r;
            &shown
        }
        None => report,
    };
    let stdout = std::io::stdout();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    for (f, file) in &outputs {
        let out = std::fs::File::create(file).with_context(|| format!("cannot write {file}"))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
        report::write(*f, &Render { report, sources, color: false, command, roots, date: &settings.today }, &mut out)
            .and_then(|()| out.flush())
            .with_context(|| format!("cannot write {file}"))?;
    }
    if !args.quiet {
        let mut lock = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
        let color = color && matches!(format, Format::Text | Format::Compact);
        report::write(format, &Render { report, sources, color, command, roots, date: &settings.today }, &mut lock)?;
        if let (Format::Text, Some(epilogue)) = (format, epilogue) {
            epilogue(all, &mut lock)?;
        }
        lock.flush()?;
    }
    Ok(code)
}

/// 2 when an input could not be read or parsed, else 1 when a finding is at or above
/// `fail-on`, else 0.
#[must_use]
pub fn exit_code(settings: &Settings, report: &Report) -> u8 {
    if !report.errors().is_empty() {
        2
    } else if report.counts().iter().any(|(s, n)| *n > 0 && *s >= settings.fail_on) {
        1
    } else {
        0
    }
}
