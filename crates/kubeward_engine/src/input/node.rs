//! The document tree every rule reads.
//!
//! Manifests are YAML (or JSON, its subset) read from files, or JSON from the API server. Both
//! become this one tree, which keeps, for every node, where it came from (line and column, or
//! nothing for API input). Scalars keep their text and whether they were plain (unquoted):
//! typing is lazy and follows what the API server does with YAML 1.1 (`yes`/`on` are booleans,
//! `0644` is octal), but only when a rule asks for a boolean or an integer, so a string field
//! holding `on` stays the string `on`.

use std::fmt;

/// A position in a source file: 1-based line and column (in characters). `line == 0` means
/// "no file position" (input from the API server or an AdmissionReview).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// 1-based column in characters; 0 when unknown.
    pub col: u32,
}

impl Pos {
    /// A known position.
    #[must_use]
    pub fn new(line: u32, col: u32) -> Self {
        Self { line, col }
    }
    /// Whether this position points into a file.
    #[must_use]
    pub fn is_known(self) -> bool {
        self.line > 0
    }
}

/// A scalar: its text as written (after YAML unescaping) and whether it was plain.
#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    /// The scalar's text.
    pub text: Box<str>,
    /// Plain (unquoted, untagged) scalars are subject to type resolution; quoted ones are strings.
    pub plain: bool,
}

/// One key of a mapping with its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key's text (non-scalar keys are rendered as text; Kubernetes never uses them).
    pub key: Box<str>,
    /// Where the key is written.
    pub key_pos: Pos,
    /// The value.
    pub value: Node,
}

/// The shape of a node.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `null`, `~`, or nothing.
    Null,
    /// A scalar (string, number or boolean, resolved lazily).
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order (after merge keys are applied).
    Map(Vec<Entry>),
}

/// A node of the tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the node is.
    pub kind: Kind,
    /// Where its value starts.
    pub pos: Pos,
}

impl Node {
    /// A node without position.
    #[must_use]
    pub fn new(kind: Kind) -> Self {
        Self { kind, pos: Pos::default() }
    }

    /// A quoted string node (test and conversion helper).
    #[must_use]
    pub fn string(s: &str) -> Self {
        Self::new(Kind::Scalar(Scalar { text: s.into(), plain: false }))
    }

    /// The value of `key` when this is a mapping.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry of `key` when this is a mapping.
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|e| &*e.key == key),
            _ => None,
        }
    }

    /// Follows a chain of keys.
    #[must_use]
    pub fn at(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The entries when this is a mapping, else an empty slice.
    #[must_use]
    pub fn entries(&self) -> &[Entry] {
        match &self.kind {
            Kind::Map(e) => e,
            _ => &[],
        }
    }

    /// The items when this is a sequence, else an empty slice.
    #[must_use]
    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(s) => s,
            _ => &[],
        }
    }

    /// Whether this is a mapping.
    #[must_use]
    pub fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }

    /// Whether this is a sequence.
    #[must_use]
    pub fn is_seq(&self) -> bool {
        matches!(self.kind, Kind::Seq(_))
    }

    /// Whether this is null.
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// The scalar text, whatever its type (numbers and booleans too).
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    /// A boolean as the API server reads YAML 1.1: plain `true/false/yes/no/on/off/y/n` in their
    /// usual casings. Quoted strings are not booleans (the server rejects them on bool fields).
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Scalar(Scalar { text, plain: true }) => parse_bool_11(text),
            _ => None,
        }
    }

    /// An integer as YAML 1.1 reads it: decimal, `0x..`, `0o..`, a leading `0` for octal, `_`
    /// separators. Quoted strings are not integers.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match &self.kind {
            Kind::Scalar(Scalar { text, plain: true }) => parse_int_11(text),
            _ => None,
        }
    }

    /// Whether the node is a plain scalar resolving to `true`.
    #[must_use]
    pub fn is_true(&self) -> bool {
        self.as_bool() == Some(true)
    }

    /// Number of nodes in this subtree (used for alias budgets).
    #[must_use]
    pub fn size(&self) -> usize {
        match &self.kind {
            Kind::Null | Kind::Scalar(_) => 1,
            Kind::Seq(s) => 1 + s.iter().map(Node::size).sum::<usize>(),
            Kind::Map(m) => 1 + m.iter().map(|e| 1 + e.value.size()).sum::<usize>(),
        }
    }

    /// Converts to JSON (for cluster input round trips, JSON output of objects, tests).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            Kind::Null => J::Null,
            Kind::Scalar(s) => {
                if s.plain {
                    if let Some(b) = parse_bool_11(&s.text) {
                        return J::Bool(b);
                    }
                    if let Some(i) = parse_int_11(&s.text) {
                        return J::from(i);
                    }
                    if let Ok(f) = s.text.parse::<f64>() {
                        if let Some(n) = serde_json::Number::from_f64(f) {
                            return J::Number(n);
                        }
                    }
                }
                J::String(s.text.to_string())
            }
            Kind::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => J::Object(entries.iter().map(|e| (e.key.to_string(), e.value.to_json())).collect()),
        }
    }

    /// Builds a tree (without positions) from JSON, as received from the API server.
    #[must_use]
    pub fn from_json(v: &serde_json::Value) -> Node {
        use serde_json::Value as J;
        let kind = match v {
            J::Null => Kind::Null,
            J::Bool(b) => Kind::Scalar(Scalar { text: if *b { "true" } else { "false" }.into(), plain: true }),
            J::Number(n) => Kind::Scalar(Scalar { text: n.to_string().into(), plain: true }),
            J::String(s) => Kind::Scalar(Scalar { text: s.as_str().into(), plain: false }),
            J::Array(a) => Kind::Seq(a.iter().map(Node::from_json).collect()),
            J::Object(o) => Kind::Map(
                o.iter()
                    .map(|(k, v)| Entry { key: k.as_str().into(), key_pos: Pos::default(), value: Node::from_json(v) })
                    .collect(),
            ),
        };
        Node::new(kind)
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

/// YAML 1.1 booleans as go-yaml v2 (used by the API server's YAML decoder) resolves them.
#[must_use]
pub fn parse_bool_11(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => Some(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => Some(false),
        _ => None,
    }
}

/// YAML 1.1 integers: `[-+]?` then `0b..`, `0x..`, `0o..`, `0[0-7]+` (octal), or decimal; `_`
/// separators allowed.
#[must_use]
pub fn parse_int_11(s: &str) -> Option<i64> {
    let cleaned: String = s.chars().filter(|c| *c != '_').collect();
    let (neg, digits) = match cleaned.as_bytes().first()? {
        b'-' => (true, &cleaned[1..]),
        b'+' => (false, &cleaned[1..]),
        _ => (false, cleaned.as_str()),
    };
    if digits.is_empty() {
        return None;
    }
    let v = if let Some(h) = digits.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(b) = digits.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if let Some(o) = digits.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_scalars() {
        assert_eq!(parse_int_11("0644"), Some(420));
        assert_eq!(parse_int_11("0o644"), Some(420));
        assert_eq!(parse_int_11("0x1F"), Some(31));
        assert_eq!(parse_int_11("1_000"), Some(1000));
        assert_eq!(parse_int_11("-5"), Some(-5));
        assert_eq!(parse_int_11("0"), Some(0));
        assert_eq!(parse_int_11("09"), None);
        assert_eq!(parse_int_11("1e3"), None);
        assert_eq!(parse_bool_11("yes"), Some(true));
        assert_eq!(parse_bool_11("Off"), Some(false));
        assert_eq!(parse_bool_11("yEs"), None);
    }
}
