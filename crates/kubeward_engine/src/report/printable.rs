//! Control characters out of human-readable reports (issue 15, terminal injection).
//!
//! Object, container and file names, messages built from them, JSON paths built from keys and
//! the source lines themselves come from files kubeward did not write. A raw ESC (CSI and OSC
//! sequences: clear the screen, set the title, hyperlinks), BEL, backspace, a CR or a line
//! break in a name would let a manifest clear the screen or forge report lines in a terminal, a
//! CI log or a pull-request comment. Every human-readable format (text, Markdown, HTML, JUnit)
//! writes such characters as visible escapes instead: `\x1b`, `\r`, `\n`, `\u{202e}`.
//!
//! Escaped: the C0 controls (U+0000 to U+001F), DEL, the C1 controls (U+0080 to U+009F, which
//! some terminals read as CSI and OSC), and the bidirectional formatting characters that can
//! reorder what is shown ("Trojan Source": U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to
//! U+2069). A tab is kept only in source excerpts, where it is the file's own indentation.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is written as an escape in human-readable reports.
#[must_use]
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape_with(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_unsafe(c) || keep(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// `s` with every control and bidirectional formatting character written as a visible escape:
/// for one-line fields (names, paths, messages, errors).
#[must_use]
pub fn printable(s: &str) -> Cow<'_, str> {
    escape_with(s, |_| false)
}

/// A source line for an excerpt: as [`printable`], but tabs are kept (the file's indentation,
/// which the caret line repeats).
#[must_use]
pub fn printable_line(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| c == '\t')
}

/// Text that may span lines (HTML `pre` blocks of documentation): as [`printable`], but tabs
/// and line feeds are kept.
#[must_use]
pub fn printable_block(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| c == '\t' || c == '\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped_and_plain_text_is_borrowed() {
        assert!(matches!(printable("web-1 `ok` é 日本"), Cow::Borrowed(_)));
        assert_eq!(printable("a\x1b[2Jb\x07\r\nc\x7f\u{9b}d"), "a\\x1b[2Jb\\x07\\r\\nc\\x7f\\x9bd");
        assert_eq!(printable("x\u{202e}y\u{2066}"), "x\\u{202e}y\\u{2066}");
        assert_eq!(printable("a\tb"), "a\\tb");
        assert_eq!(printable_line("\tkey: \x1b]0;t\x07"), "\tkey: \\x1b]0;t\\x07");
        assert_eq!(printable_block("a\n\tb\rc"), "a\n\tb\\rc");
    }
}
