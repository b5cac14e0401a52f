//! A concrete view of YAML text for editing: every node with its byte span, its column, and
//! its style (block or flow collections; scalar quoting), read from the parser's events.
//! Unlike [`crate::input::node::Node`], aliases are not expanded and merge keys are not
//! applied: an edit must land in the text the user wrote, never in an anchor shared with other
//! objects.

use saphyr_parser::{Event, Parser, ScalarStyle};

/// A node of the text.
#[derive(Clone, Debug)]
pub struct CNode {
    /// What it is.
    pub kind: CKind,
    /// Byte offset where it starts.
    pub start: usize,
    /// Byte offset where its content ends (block collections: the end of their last child;
    /// block scalars: after their last content line's line break).
    pub end: usize,
    /// 0-based column (in characters) of its first character.
    pub col: usize,
    /// Whether it carries an anchor (`&a`): editing it would change every alias too.
    pub anchored: bool,
}

/// The shape of a node.
#[derive(Clone, Debug)]
pub enum CKind {
    /// A mapping.
    Map {
        /// (key, value) pairs in order.
        entries: Vec<(CNode, CNode)>,
        /// Flow style (`{a: 1}`, JSON).
        flow: bool,
    },
    /// A sequence.
    Seq {
        /// The items.
        items: Vec<CNode>,
        /// Flow style (`[a, b]`).
        flow: bool,
    },
    /// A scalar.
    Scalar {
        /// Its value.
        value: String,
        /// Plain, quoted, literal or folded.
        style: ScalarStyle,
    },
    /// An alias (`*a`).
    Alias,
}

impl CNode {
    /// The scalar value, if a scalar.
    #[must_use]
    pub fn scalar(&self) -> Option<&str> {
        match &self.kind {
            CKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Whether this is an empty or null scalar (`key:`, `key: null`, `key: ~`).
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, CKind::Scalar { value, style: ScalarStyle::Plain } if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The value of `key` in a mapping.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&CNode> {
        match &self.kind {
            CKind::Map { entries, .. } => entries.iter().find(|(k, _)| k.scalar() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// One document: its root (`None` for an empty document).
#[derive(Debug)]
pub struct CDoc {
    /// The root node.
    pub root: Option<CNode>,
    /// Byte offset where the document starts: its `---`, else its first token.
    pub start: usize,
}

enum Frame {
    Map { entries: Vec<(CNode, CNode)>, key: Option<CNode>, start: usize, col: usize, flow: bool, anchored: bool },
    Seq { items: Vec<CNode>, start: usize, col: usize, flow: bool, anchored: bool },
}

/// Char index → byte offset (identity for ASCII text).
struct Offsets(Option<Vec<usize>>);

impl Offsets {
    fn new(text: &str) -> Self {
        if text.is_ascii() {
            Self(None)
        } else {
            let mut v: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
            v.push(text.len());
            Self(Some(v))
        }
    }
    fn byte(&self, char_index: usize) -> usize {
        match &self.0 {
            None => char_index,
            Some(v) => v.get(char_index).copied().unwrap_or_else(|| v.last().copied().unwrap_or(0)),
        }
    }
}

fn push(stack: &mut [Frame], docs_root: &mut Option<CNode>, node: CNode) {
    match stack.last_mut() {
        Some(Frame::Map { entries, key, .. }) => match key.take() {
            Some(k) => entries.push((k, node)),
            None => *key = Some(node),
        },
        Some(Frame::Seq { items, .. }) => items.push(node),
        None => *docs_root = Some(node),
    }
}

/// The end of a flow collection: after its closing bracket, which the end event's span starts
/// at (the span itself runs over a comment after it).
fn closing(text: &str, start: usize, end: usize, bracket: u8) -> usize {
    if text.as_bytes().get(start) == Some(&bracket) {
        start + 1
    } else {
        end
    }
}

/// The offset after the closing quote of the quoted scalar starting at `start`.
fn quoted_end(text: &str, start: usize, style: ScalarStyle) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = if style == ScalarStyle::DoubleQuoted { b'"' } else { b'\'' };
    if bytes.get(start) != Some(&quote) {
        return None;
    }
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        if quote == b'"' && b == b'\\' {
            i += 2;
        } else if b == quote {
            // `''` inside single quotes is an escaped quote.
            if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
            } else {
                return Some(i + 1);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Reads the documents of `text`.
///
/// # Errors
/// A syntax error, with its line.
pub fn parse(text: &str) -> Result<Vec<CDoc>, String> {
    let off = Offsets::new(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<CNode> = None;
    let mut doc_start = 0;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = ev.map_err(|e| format!("line {}: {}", e.marker().line(), e.info()))?;
        let start = off.byte(span.start.index());
        let end = off.byte(span.end.index());
        let col = span.start.col();
        match ev {
            Event::DocumentStart(_) => {
                stack.clear();
                root = None;
                doc_start = start;
            }
            Event::DocumentEnd => docs.push(CDoc { root: root.take(), start: doc_start }),
            Event::Scalar(value, style, anchor, _) => {
                let mut end = end;
                if matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) {
                    // The span runs over the spaces and the comment after the closing quote:
                    // end after the quote, so that replacing the value keeps the comment.
                    if let Some(e) = quoted_end(text, start, style) {
                        end = end.min(e);
                    }
                }
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    // The span runs into the next line's indentation: end after the last
                    // line break of the content.
                    if let Some(nl) = text.get(start..end).and_then(|s| s.rfind('\n')) {
                        end = start + nl + 1;
                    }
                }
                let node = CNode {
                    kind: CKind::Scalar { value: value.into_owned(), style },
                    start,
                    end,
                    col,
                    anchored: anchor > 0,
                };
                push(&mut stack, &mut root, node);
            }
            Event::Alias(_) => {
                push(&mut stack, &mut root, CNode { kind: CKind::Alias, start, end, col, anchored: false });
            }
            Event::MappingStart(anchor, _) => {
                let flow = text.get(start..end) == Some("{");
                stack.push(Frame::Map { entries: Vec::new(), key: None, start, col, flow, anchored: anchor > 0 });
            }
            Event::SequenceStart(anchor, _) => {
                let flow = text.get(start..end) == Some("[");
                stack.push(Frame::Seq { items: Vec::new(), start, col, flow, anchored: anchor > 0 });
            }
            Event::MappingEnd => {
                if let Some(Frame::Map { entries, start: s, col: c, flow, anchored, .. }) = stack.pop() {
                    let e =
                        if flow { closing(text, start, end, b'}') } else { entries.last().map_or(s, |(_, v)| v.end) };
                    push(
                        &mut stack,
                        &mut root,
                        CNode { kind: CKind::Map { entries, flow }, start: s, end: e, col: c, anchored },
                    );
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { items, start: s, col: c, flow, anchored }) = stack.pop() {
                    let e = if flow { closing(text, start, end, b']') } else { items.last().map_or(s, |v| v.end) };
                    push(
                        &mut stack,
                        &mut root,
                        CNode { kind: CKind::Seq { items, flow }, start: s, end: e, col: c, anchored },
                    );
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_styles() {
        let text = "a: {b: 1}\nc:\n  - d: \"é\"\n    e: |\n      x\n      y\n  # end\nf:\n";
        let docs = parse(text).expect("parse");
        let root = docs[0].root.as_ref().expect("root");
        let a = root.get("a").expect("a");
        assert!(matches!(a.kind, CKind::Map { flow: true, .. }));
        assert_eq!(&text[a.start..a.end], "{b: 1}");
        let item = match &root.get("c").expect("c").kind {
            CKind::Seq { items, flow: false } => items[0].clone(),
            k => panic!("{k:?}"),
        };
        assert_eq!(item.col, 4);
        assert_eq!(&text[item.get("d").expect("d").start..item.get("d").expect("d").end], "\"é\"");
        let e = item.get("e").expect("e");
        assert_eq!(&text[e.start..e.end], "x\n      y\n", "a block scalar's span is its content");
        assert_eq!(item.end, e.end, "a block map ends with its last value");
        assert!(root.get("f").expect("f").is_null());
    }

    #[test]
    fn quoted_scalars_end_at_their_closing_quote() {
        let text = "a: \"x # \\\" not\" # c1\nb: 'it''s' # c2\n";
        let docs = parse(text).expect("parse");
        let root = docs[0].root.as_ref().expect("root");
        let a = root.get("a").expect("a");
        assert_eq!(&text[a.start..a.end], "\"x # \\\" not\"");
        let b = root.get("b").expect("b");
        assert_eq!(&text[b.start..b.end], "'it''s'");
    }
}
