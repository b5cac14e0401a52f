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
    pub const NAMES: &'static [&'static str] = &["text", "json", "sarif", "junit", "html", "markdown"];

    /// Parses a format name.
    ///
    /// # Errors
    /// Unknown names.
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(match s {
            "text" => Self::Text,
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
/// a file, so an excerpt costs a binary search, not a scan of the file.
#[derive(Default)]
pub struct Sources<'a>(HashMap<&'a str, (&'a str, OnceLock<Vec<usize>>)>);

impl<'a> Sources<'a> {
    /// The texts of a snapshot's files.
    #[must_use]
    pub fn of(snap: &'a Snapshot) -> Self {
        Self(snap.files.iter().filter_map(|f| Some((f.path.as_deref()?, (f.text.as_str(), OnceLock::new())))).collect())
    }

    /// One line (1-based) of a file, without its line break.
    #[must_use]
    pub fn line(&self, file: &str, line: u32) -> Option<&'a str> {
        let (text, index) = self.0.get(file)?;
        let starts = index.get_or_init(|| {
            std::iter::once(0)
                .chain(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1))
                .collect()
        });
        let i = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *starts.get(i)?;
        let end = starts.get(i + 1).map_or(text.len(), |e| e - 1);
        let l = text.get(start..end.max(start))?;
        Some(l.strip_suffix('\r').unwrap_or(l))
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
}

/// Writes `render` in `format`.
///
/// # Errors
/// I/O errors of `out`.
pub fn write(format: Format, render: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text::write(render, out),
        Format::Json => json::write(render, out),
        Format::Sarif => sarif::write(render, out),
        Format::Junit => junit::write(render, out),
        Format::Html => html::write(render, out),
        Format::Markdown => markdown::write(render, out),
    }
}
