//! Reading an input file as text, with the checks every reader of a user-given path applies
//! (manifests, scanner reports, `--config`, `--baseline`, the excerpts of a report):
//!
//! - regular files only: a FIFO, socket or device is refused from its type before it is opened
//!   (opening a FIFO with no writer blocks; `/dev/zero` never ends), the file is opened without
//!   blocking (`O_NONBLOCK`: a file that would block, like `/proc/kmsg`, fails instead of
//!   hanging) and checked again once open (it may have been swapped in between);
//! - a size limit, checked from the metadata before opening and enforced while reading;
//! - text: UTF-8 (a byte-order mark is dropped), or UTF-16 / UTF-32 with a byte-order mark
//!   (little or big endian), decoded to UTF-8 as kubectl does for UTF-16 (positions are then in
//!   characters of the decoded text). Binary files (a NUL in the first 8 KiB), UTF-16 without a
//!   byte-order mark and invalid text are refused with the position of the first bad byte.

use std::io::Read;
use std::path::Path;

use super::node::Pos;

/// Binary sniffing window (bytes of the file, or characters of decoded UTF-16/32 text).
pub const SNIFF: usize = 8192;

/// What a file type is, for messages about files that are not regular files.
#[must_use]
pub fn type_name(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        } else if t.is_socket() {
            return "a socket";
        } else if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

fn size_error(len: u64, max: u64) -> String {
    format!("{len} bytes, larger than the {max}-byte limit (--max-file-size); skipped")
}

/// Reads at most `max` bytes from `r`; more is an error.
///
/// # Errors
/// Read errors, or more than `max` bytes.
pub fn read_limited(mut r: impl Read, max: u64) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    r.by_ref().take(max.saturating_add(1)).read_to_end(&mut buf).map_err(|e| read_error(&e))?;
    if buf.len() as u64 > max {
        return Err(format!("larger than the {max}-byte limit (--max-file-size); skipped"));
    }
    Ok(buf)
}

fn read_error(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::WouldBlock {
        "cannot read: it would block (a special file, like /proc/kmsg?); skipped".to_string()
    } else {
        format!("cannot read: {e}")
    }
}

/// Reads the bytes of a regular file of at most `max` bytes (following symbolic links).
///
/// # Errors
/// A message for people: not a regular file, too large, unreadable.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return Err(format!("{}, not a regular file; skipped", type_name(&m.file_type())));
        }
        Ok(m) if m.len() > max => return Err(size_error(m.len(), max)),
        Ok(_) => {}
        Err(e) => return Err(format!("cannot read: {e}")),
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(|e| read_error(&e))?;
    // The path may have changed since the check above: check what was opened.
    let m = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if !m.is_file() {
        return Err(format!("{}, not a regular file; skipped", type_name(&m.file_type())));
    }
    if m.len() > max {
        return Err(size_error(m.len(), max));
    }
    read_limited(file, max)
}

/// Reads a regular file of at most `max` bytes as text ([`decode`]).
///
/// # Errors
/// The position (unknown for I/O errors) and a message for people.
pub fn read_text(path: &Path, max: u64) -> Result<String, (Pos, String)> {
    read_regular(path, max).map_err(|m| (Pos::default(), m)).and_then(decode)
}

/// The encodings read besides UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wide {
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

impl Wide {
    fn name(self) -> &'static str {
        match self {
            Self::Utf16Le => "UTF-16LE",
            Self::Utf16Be => "UTF-16BE",
            Self::Utf32Le => "UTF-32LE",
            Self::Utf32Be => "UTF-32BE",
        }
    }

    /// The encoding its byte-order mark announces, and the mark's length.
    fn from_bom(b: &[u8]) -> Option<(Self, usize)> {
        // UTF-32LE's mark starts like UTF-16LE's: test it first.
        if b.starts_with(&[0xFF, 0xFE, 0, 0]) {
            Some((Self::Utf32Le, 4))
        } else if b.starts_with(&[0, 0, 0xFE, 0xFF]) {
            Some((Self::Utf32Be, 4))
        } else if b.starts_with(&[0xFF, 0xFE]) {
            Some((Self::Utf16Le, 2))
        } else if b.starts_with(&[0xFE, 0xFF]) {
            Some((Self::Utf16Be, 2))
        } else {
            None
        }
    }
}

/// The encoding a UTF-16 or UTF-32 byte-order mark at the start of `bytes` announces
/// (`"UTF-16LE"`, ...); `None` for UTF-8 and anything else.
#[must_use]
pub fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    Wide::from_bom(bytes).map(|(w, _)| w.name())
}

/// Decodes UTF-16 or UTF-32 (without its byte-order mark) into UTF-8; an error gives the
/// position of the bad unit in the decoded text and its byte offset in the file.
fn decode_wide(bytes: &[u8], enc: Wide, bom: usize) -> Result<String, (Pos, String)> {
    let mut out = String::with_capacity(bytes.len() / 2 + 16);
    let bad = |out: &str, at: usize, what: &str| {
        (text_pos(out), format!("not {} text ({what} at offset {}); skipped", enc.name(), at + bom))
    };
    match enc {
        Wide::Utf16Le | Wide::Utf16Be => {
            let units = bytes.chunks_exact(2).map(|c| match (enc, c) {
                (Wide::Utf16Le, [a, b]) => u16::from_le_bytes([*a, *b]),
                (_, [a, b]) => u16::from_be_bytes([*a, *b]),
                _ => 0,
            });
            let mut at = 0;
            for r in char::decode_utf16(units) {
                match r {
                    Ok(c) => {
                        out.push(c);
                        at += c.len_utf16() * 2;
                    }
                    Err(_) => return Err(bad(&out, at, "an unpaired surrogate")),
                }
            }
            if !bytes.len().is_multiple_of(2) {
                return Err(bad(&out, bytes.len() - 1, "an odd number of bytes"));
            }
        }
        Wide::Utf32Le | Wide::Utf32Be => {
            for (i, c) in bytes.chunks_exact(4).enumerate() {
                let v = match (enc, c) {
                    (Wide::Utf32Le, [a, b, c, d]) => u32::from_le_bytes([*a, *b, *c, *d]),
                    (_, [a, b, c, d]) => u32::from_be_bytes([*a, *b, *c, *d]),
                    _ => 0,
                };
                match char::from_u32(v) {
                    Some(c) => out.push(c),
                    None => return Err(bad(&out, i * 4, "an invalid code point")),
                }
            }
            if !bytes.len().is_multiple_of(4) {
                return Err(bad(&out, bytes.len() - bytes.len() % 4, "a truncated code unit"));
            }
        }
    }
    Ok(out)
}

/// Whether NUL-bearing bytes look like UTF-16 without a byte-order mark: most 2-byte units of
/// the first 8 KiB are ASCII text with a NUL high byte (after the NUL, big endian; before it,
/// little endian); the encoding.
fn utf16_without_bom(bytes: &[u8]) -> Option<Wide> {
    let window = bytes.get(..SNIFF.min(bytes.len())).unwrap_or_default();
    let text = |b: u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7e);
    let (mut le, mut be, mut units) = (0usize, 0usize, 0usize);
    for u in window.chunks_exact(2) {
        if let [a, b] = u {
            units += 1;
            le += usize::from(*b == 0 && text(*a));
            be += usize::from(*a == 0 && text(*b));
        }
    }
    if units >= 4 && le * 4 >= units * 3 {
        Some(Wide::Utf16Le)
    } else if units >= 4 && be * 4 >= units * 3 {
        Some(Wide::Utf16Be)
    } else {
        None
    }
}

/// Bytes into text: UTF-8 (without its byte-order mark), or UTF-16/UTF-32 with a byte-order
/// mark, decoded. Refuses binary files (a NUL byte in the first 8 KiB, or a NUL character in
/// the first 8 Ki characters of decoded text), UTF-16 without a byte-order mark and invalid
/// text, with the line and column (in characters) of the first bad byte.
///
/// # Errors
/// The position and a message for people.
pub fn decode(bytes: Vec<u8>) -> Result<String, (Pos, String)> {
    if let Some((enc, bom)) = Wide::from_bom(&bytes) {
        let text = decode_wide(bytes.get(bom..).unwrap_or_default(), enc, bom)?;
        if let Some(at) = text.chars().take(SNIFF).position(|c| c == '\0') {
            let before: String = text.chars().take(at).collect();
            return Err((text_pos(&before), format!("binary file (contains NUL characters, {}); skipped", enc.name())));
        }
        return Ok(text);
    }
    if let Some(at) = bytes.iter().take(SNIFF).position(|b| *b == 0) {
        if let Some(enc) = utf16_without_bom(&bytes) {
            return Err((
                Pos::new(1, 1),
                format!(
                    "{} text without a byte-order mark (kubectl cannot read it either); skipped: \
                     save it as UTF-8, or as UTF-16 with a byte-order mark",
                    enc.name()
                ),
            ));
        }
        return Err((pos_at(&bytes, at), "binary file (contains NUL bytes); skipped".into()));
    }
    let bytes = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        (pos_at(e.as_bytes(), at), format!("not UTF-8 text (invalid byte at offset {at}); skipped"))
    })
}

/// The position just after `text` (1-based line and column, in characters).
fn text_pos(text: &str) -> Pos {
    pos_at(text.as_bytes(), text.len())
}

/// The 1-based line and column of byte `at`; the prefix before it is valid UTF-8 or close to it.
#[must_use]
pub fn pos_at(bytes: &[u8], at: usize) -> Pos {
    let before = bytes.get(..at).unwrap_or(bytes);
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = String::from_utf8_lossy(before.get(line_start..).unwrap_or_default()).chars().count() + 1;
    Pos { line: u32::try_from(line).unwrap_or(u32::MAX), col: u32::try_from(col).unwrap_or(u32::MAX) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for u in bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16()) {
            out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    }

    fn utf32(text: &str, le: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for c in std::iter::once('\u{FEFF}').chain(text.chars()) {
            let v = c as u32;
            out.extend_from_slice(&if le { v.to_le_bytes() } else { v.to_be_bytes() });
        }
        out
    }

    #[test]
    fn wide_encodings_with_a_bom_are_decoded() {
        let text = "kind: Pod # é, 😀\nspec: {}\n";
        for le in [true, false] {
            assert_eq!(decode(utf16(text, le, true)).as_deref(), Ok(text));
            assert_eq!(decode(utf32(text, le)).as_deref(), Ok(text));
        }
        let mut bom8 = vec![0xEF, 0xBB, 0xBF];
        bom8.extend_from_slice(text.as_bytes());
        assert_eq!(decode(bom8).as_deref(), Ok(text));
    }

    #[test]
    fn utf16_without_a_bom_is_named() {
        for le in [true, false] {
            let (pos, msg) = decode(utf16("kind: Pod\n", le, false)).expect_err("refused");
            assert_eq!(pos, Pos::new(1, 1));
            assert!(msg.starts_with(if le { "UTF-16LE text without a byte-order mark" } else { "UTF-16BE" }), "{msg}");
        }
        for bin in [&b"kind: Pod\n\0\x01\x02\x03binary"[..], &[0u8, 159, 146, 150, 0, 1][..]] {
            let (_, msg) = decode(bin.to_vec()).expect_err("refused");
            assert!(msg.starts_with("binary file"), "{msg}");
        }
    }

    #[test]
    fn bad_wide_text_has_a_position() {
        // An unpaired high surrogate on line 2, column 3.
        let mut b = utf16("a: 1\nb:", true, true);
        b.extend_from_slice(&0xD800u16.to_le_bytes());
        b.extend_from_slice(&utf16("x", true, false));
        let (pos, msg) = decode(b).expect_err("refused");
        assert_eq!(pos, Pos::new(2, 3));
        assert!(msg.contains("UTF-16LE") && msg.contains("unpaired surrogate"), "{msg}");
        let (_, msg) = decode(utf16("a: 1", false, true).into_iter().chain([0x41]).collect()).expect_err("odd");
        assert!(msg.contains("odd number of bytes"), "{msg}");
        let (_, msg) = decode(utf16("a\0b", true, true)).expect_err("NUL");
        assert!(msg.starts_with("binary file"), "{msg}");
    }
}
