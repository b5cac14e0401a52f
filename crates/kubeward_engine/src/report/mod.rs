//! Report writers. Each format is one file with one function taking a [`Render`].

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::OnceLock;

use crate::engine::Report;
use crate::snapshot::Snapshot;

pub mod baseline;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod printable;
pub mod sarif;
pub mod score;
pub mod text;

#[cfg(test)]
mod tests;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Human-readable text with source excerpts.
    Text,
    /// One line a finding: `path:line:col: severity CODE name: message [object]`.
    Compact,
    /// Versioned JSON (docs/json-output.md).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// JUnit XML (CI test reports).
    Junit,
    /// One self-contained HTML page.
    Html,
    /// Markdown for pull-request comments.
    Markdown,
}

impl Format {
    /// Names accepted by `--format`.
    pub const NAMES: &'static [&'static str] = &["text", "compact", "json", "sarif", "junit", "html", "markdown"];

    /// Parses a format name.
    ///
    /// # Errors
    /// Unknown names.
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(match s {
            "text" => Self::Text,
            "compact" | "concise" => Self::Compact,
            "json" => Self::Json,
            "sarif" => Self::Sarif,
            "junit" => Self::Junit,
            "html" => Self::Html,
            "markdown" | "md" => Self::Markdown,
            _ => return Err(format!("unknown format `{s}` (expected one of: {})", Self::NAMES.join(", "))),
        })
    }
}

/// The source texts, by display path, for excerpts. Line starts are indexed on first use of
/// a file, so an excerpt costs a binary search, not a scan of the file. A streaming scan keeps
/// no text: its sources read a file again, by its display path, when an excerpt is asked for
/// (one file at a time: findings come file by file).
#[derive(Default)]
pub struct Sources<'a> {
    texts: HashMap<&'a str, (&'a str, OnceLock<Vec<usize>>)>,
    from_disk: bool,
    last: std::sync::Mutex<Option<(String, String, Vec<usize>)>>,
    /// The size limit of files read again (0: the default file limit, 64 MiB).
    max_size: u64,
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0).chain(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1)).collect()
}

fn line_of(text: &str, starts: &[usize], line: u32) -> Option<String> {
    let i = usize::try_from(line).ok()?.checked_sub(1)?;
    let start = *starts.get(i)?;
    let end = starts.get(i + 1).map_or(text.len(), |e| e - 1);
    let l = text.get(start..end.max(start))?;
    Some(l.strip_suffix('\r').unwrap_or(l).to_string())
}

impl<'a> Sources<'a> {
    /// The texts of a snapshot's files.
    #[must_use]
    pub fn of(snap: &'a Snapshot) -> Self {
        Self {
            texts: snap
                .files
                .iter()
                .filter_map(|f| Some((f.path.as_deref()?, (f.text.as_str(), OnceLock::new()))))
                .collect(),
            ..Self::default()
        }
    }

    /// Texts read again from disk by display path (a streaming scan), plus the given in-memory
    /// texts (standard input).
    #[must_use]
    pub fn from_disk(snap: &'a Snapshot) -> Self {
        Self { from_disk: true, ..Self::of(snap) }
    }

    /// The size limit of files read again from disk (the scan's `--max-file-size`).
    #[must_use]
    pub fn with_max_size(self, max_size: u64) -> Self {
        Self { max_size, ..self }
    }

    /// One line (1-based) of a file, without its line break.
    #[must_use]
    pub fn line(&self, file: &str, line: u32) -> Option<String> {
        if let Some((text, index)) = self.texts.get(file) {
            return line_of(text, index.get_or_init(|| line_starts(text)), line);
        }
        if !self.from_disk {
            return None;
        }
        let mut last = self.last.lock().ok()?;
        if last.as_ref().is_none_or(|(f, _, _)| f != file) {
            // A file that changed since the scan shows its current line, or none. It is read
            // with the scan's checks (a regular file, the size limit, decoded like the scan).
            let max = if self.max_size == 0 { 64 << 20 } else { self.max_size };
            let text = crate::input::text::read_text(std::path::Path::new(file), max).unwrap_or_default();
            let starts = line_starts(&text);
            *last = Some((file.to_string(), text, starts));
        }
        let (_, text, starts) = last.as_ref()?;
        line_of(text, starts, line)
    }
}

/// Everything a writer needs.
pub struct Render<'a> {
    /// The findings and errors.
    pub report: &'a Report,
    /// Source texts for excerpts.
    pub sources: &'a Sources<'a>,
    /// ANSI colours (text only).
    pub color: bool,
    /// What was audited, for titles ("scan", "cluster", ...).
    pub command: &'a str,
    /// The paths the user named, as given (`-` for standard input); empty when the input is
    /// not files (a cluster). SARIF makes absolute paths relative to them; HTML shows them.
    pub roots: &'a [String],
    /// The date of the run (YYYY-MM-DD, UTC; `KUBEWARD_TODAY` pins it), shown in the HTML;
    /// empty: not shown.
    pub date: &'a str,
}

impl<'a> Render<'a> {
    /// A render of `report` with no roots and no date (tests, library use).
    #[must_use]
    pub fn new(report: &'a Report, sources: &'a Sources<'a>, command: &'a str) -> Self {
        Self { report, sources, color: false, command, roots: &[], date: "" }
    }
}

/// Writes `render` in `format`.
///
/// # Errors
/// I/O errors of `out`.
pub fn write(format: Format, render: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text::write(render, out),
        Format::Compact => text::write_compact(render, out),
        Format::Json => json::write(render, out),
        Format::Sarif => sarif::write(render, out),
        Format::Junit => junit::write(render, out),
        Format::Html => html::write(render, out),
        Format::Markdown => markdown::write(render, out),
    }
}
