//! Multi-document YAML (and JSON) → [`Node`] trees with positions.
//!
//! Built on `saphyr-parser`'s event stream (vendored with small leniency patches so that it
//! accepts what libyaml and go-yaml, used by kubectl and the API server, accept: see
//! vendor/README.md). The parser is a state machine and caps flow nesting, so deep input cannot
//! overflow the stack. On top of it this loader:
//! - records the line and column of every key and value;
//! - resolves `null`/`~`/empty plain scalars to null, keeps other scalars as text (typed lazily);
//! - expands aliases against a budget (alias bombs end with an error, not an OOM);
//! - applies `<<` merge keys the way go-yaml does (explicit keys win);
//! - records duplicate keys (the last value wins, as on the API server) so a rule can report them;
//! - refuses nesting deeper than a limit.
//!
//! A syntax error ends the file, but the documents read before it are kept and audited.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::node::{Entry, Kind, Node, Pos, Scalar};

/// Limits that bound memory and time on hostile input.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of mappings and sequences accepted.
    pub max_depth: usize,
    /// Nodes that alias expansion may create in one file.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_depth: 256, max_alias_nodes: 1_000_000 }
    }
}

/// A key written twice in one mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct DuplicateKey {
    /// The key.
    pub key: String,
    /// The later occurrence (the one the API server keeps).
    pub pos: Pos,
    /// The first occurrence (silently dropped by the API server).
    pub first: Pos,
}

/// One YAML document.
#[derive(Clone, Debug)]
pub struct Document {
    /// The document's root node.
    pub root: Node,
    /// Duplicate keys found anywhere in the document.
    pub duplicates: Vec<DuplicateKey>,
}

/// A syntax or limit error with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadError {
    /// Where the problem is.
    pub pos: Pos,
    /// What it is.
    pub message: String,
}

/// Everything read from one file.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Documents read before any error.
    pub documents: Vec<Document>,
    /// The error that ended the file, if any.
    pub error: Option<LoadError>,
}

enum Frame {
    Seq { items: Vec<Node>, pos: Pos, anchor: usize },
    Map(MapFrame),
}

struct MapFrame {
    entries: Vec<Entry>,
    pending_key: Option<(Box<str>, Pos, bool)>,
    merges: Vec<Node>,
    index: Option<HashMap<Box<str>, usize>>,
    pos: Pos,
    anchor: usize,
}

fn pos_of(m: saphyr_parser::Marker) -> Pos {
    Pos::new(u32::try_from(m.line()).unwrap_or(u32::MAX), u32::try_from(m.col() + 1).unwrap_or(u32::MAX))
}

fn is_null_plain(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    duplicates: Vec<DuplicateKey>,
    root: Option<Node>,
    limits: Limits,
}

impl Builder {
    fn new(limits: Limits) -> Self {
        Self { stack: Vec::new(), anchors: HashMap::new(), alias_nodes: 0, duplicates: Vec::new(), root: None, limits }
    }

    fn finish_node(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        self.push_value(node);
    }

    fn push_value(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map(m)) => match m.pending_key.take() {
                None => {
                    let plain_merge = matches!(&node.kind, Kind::Scalar(s) if s.plain && &*s.text == "<<");
                    let text: Box<str> = match &node.kind {
                        Kind::Scalar(s) => s.text.clone(),
                        Kind::Null => "null".into(),
                        _ => node.to_json().to_string().into(),
                    };
                    m.pending_key = Some((text, node.pos, plain_merge));
                }
                Some((key, key_pos, is_merge)) => {
                    if is_merge {
                        m.merges.push(node);
                        return;
                    }
                    let existing = if let Some(idx) = &m.index {
                        idx.get(&key).copied()
                    } else {
                        m.entries.iter().position(|e| e.key == key)
                    };
                    if let Some(i) = existing {
                        self.duplicates.push(DuplicateKey {
                            key: key.to_string(),
                            pos: key_pos,
                            first: m.entries[i].key_pos,
                        });
                        m.entries[i] = Entry { key, key_pos, value: node };
                        return;
                    }
                    if let Some(idx) = &mut m.index {
                        idx.insert(key.clone(), m.entries.len());
                    } else if m.entries.len() >= 32 {
                        let mut idx: HashMap<Box<str>, usize> =
                            m.entries.iter().enumerate().map(|(i, e)| (e.key.clone(), i)).collect();
                        idx.insert(key.clone(), m.entries.len());
                        m.index = Some(idx);
                    }
                    m.entries.push(Entry { key, key_pos, value: node });
                }
            },
        }
    }

    fn end_map(&mut self, m: MapFrame) {
        let MapFrame { mut entries, merges, pos, anchor, .. } = m;
        // go-yaml: explicit keys win; among merged maps the first listed wins.
        for src in merges {
            let maps: Vec<Node> = match src.kind {
                Kind::Map(_) => vec![src],
                Kind::Seq(items) => items,
                _ => Vec::new(),
            };
            for mnode in maps {
                if let Kind::Map(src_entries) = mnode.kind {
                    for e in src_entries {
                        if !entries.iter().any(|x| x.key == e.key) {
                            entries.push(e);
                        }
                    }
                }
            }
        }
        self.finish_node(Node { kind: Kind::Map(entries), pos }, anchor);
    }
}

/// Reads every document of `text`.
#[must_use]
pub fn load(text: &str, limits: Limits) -> Loaded {
    let mut docs = Documents::new(text, limits);
    let documents = docs.by_ref().collect();
    Loaded { documents, error: docs.error.take() }
}

/// The documents of a text, one at a time, as they are parsed ([`load`] collects them): a
/// caller that audits each document and drops it holds one document's tree at a time. The
/// limits apply to the whole text (the alias budget is per file). After the last document,
/// [`Documents::error`] tells whether a syntax or limit error ended the text.
pub struct Documents<'t> {
    parser: Parser<'t, saphyr_parser::StrInput<'t>>,
    b: Builder,
    error: Option<LoadError>,
    done: bool,
}

impl<'t> Documents<'t> {
    /// The documents of `text`.
    #[must_use]
    pub fn new(text: &'t str, limits: Limits) -> Self {
        Self { parser: Parser::new_from_str(text), b: Builder::new(limits), error: None, done: false }
    }

    /// The error that ended the text, once the iterator is exhausted (taken).
    pub fn error(&mut self) -> Option<LoadError> {
        self.error.take()
    }

    fn fail(&mut self, pos: Pos, message: String) -> Option<Document> {
        self.error = Some(LoadError { pos, message });
        self.done = true;
        None
    }
}

impl Iterator for Documents<'_> {
    type Item = Document;

    fn next(&mut self) -> Option<Document> {
        while !self.done {
            let Some(ev) = self.parser.next() else {
                self.done = true;
                break;
            };
            let b = &mut self.b;
            let (ev, span) = match ev {
                Ok(x) => x,
                Err(e) => {
                    let message = if e.info().contains("recursion limit") {
                        "nesting too deep for the parser; the rest of the file is skipped".to_string()
                    } else {
                        e.info().to_string()
                    };
                    return self.fail(pos_of(*e.marker()), message);
                }
            };
            let pos = pos_of(span.start);
            let is_seq = matches!(ev, Event::SequenceStart(..));
            match ev {
                Event::DocumentStart(_) => {
                    b.stack.clear();
                    b.anchors.clear();
                    b.root = None;
                    b.duplicates.clear();
                }
                Event::DocumentEnd => {
                    let root = b.root.take().unwrap_or(Node { kind: Kind::Null, pos });
                    return Some(Document { root, duplicates: std::mem::take(&mut b.duplicates) });
                }
                Event::Scalar(value, style, anchor, tag) => {
                    let tagged_str =
                        tag.as_ref().is_some_and(|t| t.suffix == "str" || (t.handle == "!" && t.suffix.is_empty()));
                    let plain = style == ScalarStyle::Plain && !tagged_str;
                    let kind = if plain && is_null_plain(&value) {
                        Kind::Null
                    } else {
                        Kind::Scalar(Scalar { text: value.as_ref().into(), plain })
                    };
                    b.finish_node(Node { kind, pos }, anchor);
                }
                Event::Alias(anchor) => {
                    let Some(node) = b.anchors.get(&anchor) else {
                        return self.fail(pos, "alias to an unknown anchor".to_string());
                    };
                    b.alias_nodes = b.alias_nodes.saturating_add(node.size());
                    if b.alias_nodes > b.limits.max_alias_nodes {
                        let message = format!(
                            "alias expansion exceeds {} nodes (an alias bomb?); the rest of the file is skipped",
                            b.limits.max_alias_nodes
                        );
                        return self.fail(pos, message);
                    }
                    let mut node = node.clone();
                    node.pos = pos;
                    b.push_value(node);
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    if b.stack.len() >= b.limits.max_depth {
                        let message = format!(
                            "nesting deeper than {} levels; the rest of the file is skipped",
                            b.limits.max_depth
                        );
                        return self.fail(pos, message);
                    }
                    if is_seq {
                        b.stack.push(Frame::Seq { items: Vec::new(), pos, anchor });
                    } else {
                        b.stack.push(Frame::Map(MapFrame {
                            entries: Vec::new(),
                            pending_key: None,
                            merges: Vec::new(),
                            index: None,
                            pos,
                            anchor,
                        }));
                    }
                }
                Event::SequenceEnd => {
                    if let Some(Frame::Seq { items, pos, anchor }) = b.stack.pop() {
                        b.finish_node(Node { kind: Kind::Seq(items), pos }, anchor);
                    }
                }
                Event::MappingEnd => {
                    if let Some(Frame::Map(m)) = b.stack.pop() {
                        b.end_map(m);
                    }
                }
                Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let l = load(text, Limits::default());
        assert!(l.error.is_none(), "{:?}", l.error);
        l.documents.into_iter().next().expect("a document").root
    }

    #[test]
    fn positions_and_multi_docs() {
        let l = load("a: 1\n---\nkind: Pod\nspec:\n  x: [1, 2]\n", Limits::default());
        assert_eq!(l.documents.len(), 2);
        let d = &l.documents[1].root;
        let e = d.entry("spec").expect("spec");
        assert_eq!(e.key_pos, Pos::new(4, 1));
        assert_eq!(d.at(&["spec", "x"]).expect("x").items()[1].pos, Pos::new(5, 10));
    }

    #[test]
    fn merge_keys_and_duplicates() {
        let d = load("base: &b {a: 1, b: 2}\nm:\n  <<: *b\n  b: 3\nm2: {x: 1, x: 2}\n", Limits::default());
        let doc = &d.documents[0];
        let m = doc.root.get("m").expect("m");
        assert_eq!(m.get("a").and_then(Node::as_i64), Some(1));
        assert_eq!(m.get("b").and_then(Node::as_i64), Some(3));
        assert_eq!(doc.duplicates.len(), 1);
        assert_eq!(doc.root.at(&["m2", "x"]).and_then(Node::as_i64), Some(2));
    }

    #[test]
    fn typing_is_lazy() {
        let d = one("a: on\nb: \"on\"\nc: 0644\nd: ~\ne: !!str yes\n");
        assert_eq!(d.get("a").and_then(Node::as_bool), Some(true));
        assert_eq!(d.get("b").and_then(Node::as_bool), None);
        assert_eq!(d.get("b").and_then(Node::as_str), Some("on"));
        assert_eq!(d.get("c").and_then(Node::as_i64), Some(0o644));
        assert!(d.get("d").is_some_and(Node::is_null));
        assert_eq!(d.get("e").and_then(Node::as_bool), None);
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let l = load(&s, Limits::default());
        assert!(l.error.expect("error").message.contains("alias"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let l = load(&s, Limits::default());
        assert!(l.error.expect("error").message.contains("nesting"));
        let mut block = String::new();
        for i in 0..400 {
            block.push_str(&" ".repeat(i));
            block.push_str("a:\n");
        }
        let l = load(&block, Limits::default());
        assert!(l.error.expect("error").message.contains("nesting"));
    }

    #[test]
    fn syntax_error_keeps_earlier_documents() {
        let l = load("a: 1\n---\nb: [\n", Limits::default());
        assert_eq!(l.documents.len(), 1);
        assert!(l.error.is_some());
    }

    /// Tabs and byte order marks, as libyaml reads them (PyYAML's `CSafeLoader` was the
    /// oracle; go-yaml, which kubectl uses, is a port of libyaml): `Some(json)` where it reads
    /// the text, `None` where it refuses it. Where saphyr is more lenient than libyaml (a tab
    /// after `- `, a BOM starting a line inside a mapping), kubeward keeps saphyr's reading.
    #[test]
    fn tabs_and_boms_as_go_yaml_reads_them() {
        let cases: &[(&str, Option<&str>)] = &[
            ("a:\tb\n", Some(r#"{"a":"b"}"#)),
            ("spec:\n  privileged:\ttrue\n", Some(r#"{"spec":{"privileged":true}}"#)),
            ("a:\t\tb\n", Some(r#"{"a":"b"}"#)),
            ("a: \tb\n", Some(r#"{"a":"b"}"#)),
            ("a:\t-1\n", Some(r#"{"a":-1}"#)),
            ("a: b\t# c\n", Some(r#"{"a":"b"}"#)),
            ("a: [\tb,\tc\t]\n", Some(r#"{"a":["b","c"]}"#)),
            ("{a:\tb}\n", Some(r#"{"a":"b"}"#)),
            ("a\t: b\n", Some(r#"{"a":"b"}"#)),
            ("a:\n  b:\tc\n  d: e\n", Some(r#"{"a":{"b":"c","d":"e"}}"#)),
            ("a:\t[b]\n", Some(r#"{"a":["b"]}"#)),
            ("a:\t&x b\nc: *x\n", Some(r#"{"a":"b","c":"b"}"#)),
            ("- a:\ttrue\n  b:\t1\n", Some(r#"[{"a":true,"b":1}]"#)),
            ("containers:\n  - name:\tx\n", Some(r#"{"containers":[{"name":"x"}]}"#)),
            ("a:\n\tb: c\n", None),
            ("? a\n:\tb\n", None),
            ("\u{FEFF}a: 1\n", Some(r#"{"a":1}"#)),
            ("a: 1\n---\n\u{FEFF}b: 2\nc: 3\n", Some(r#"{"a":1}|{"b":2,"c":3}"#)),
        ];
        for (text, want) in cases {
            let l = load(text, Limits::default());
            let got = l
                .error
                .is_none()
                .then(|| l.documents.iter().map(|d| d.root.to_json().to_string()).collect::<Vec<_>>().join("|"));
            assert_eq!(got.as_deref(), *want, "{text:?}");
        }
        // The second document's position: the BOM is not a column.
        let l = load("a: 1\n---\n\u{FEFF}b: 2\n", Limits::default());
        assert_eq!(l.documents[1].root.entries()[0].key_pos, Pos::new(3, 1));
    }

    #[test]
    fn documents_stream_like_load() {
        let text = "a: 1\n---\nb: &x [1, 2]\nc: *x\n---\nd: [\n";
        let whole = load(text, Limits::default());
        let mut docs = Documents::new(text, Limits::default());
        let streamed: Vec<Document> = docs.by_ref().collect();
        assert_eq!(streamed.len(), 2);
        assert_eq!(streamed.len(), whole.documents.len());
        for (a, b) in streamed.iter().zip(&whole.documents) {
            assert_eq!(a.root.to_json(), b.root.to_json());
        }
        assert_eq!(docs.error(), whole.error);
        assert!(whole.error.is_some());
    }

    #[test]
    fn json_is_read() {
        let d = one("{\"kind\": \"Pod\", \"spec\": {\"hostPID\": true}}");
        assert!(d.at(&["spec", "hostPID"]).is_some_and(Node::is_true));
    }
}
