//! Text edits that keep everything the user wrote: comments, key order, quoting, indentation,
//! blank lines, document separators, line endings. One patch is applied at a time on the
//! current text; the caller re-reads the text between patches.
//!
//! - A value that exists is replaced in place (a scalar by a scalar of the same quoting
//!   style when it can be).
//! - A missing key is added to its mapping: in a block mapping, on a new line after the last
//!   entry, at the indentation of its siblings; in a flow mapping (`{a: 1}`, JSON), before the
//!   closing brace, in flow style (and on its own line when the mapping spans lines).
//! - Missing parent mappings are created with the key (`securityContext: {...}` in block style
//!   in a block mapping). A new list under a block mapping is a block sequence (`- ALL` lines,
//!   indented under the key as the file indents its other lists, or at the key's column when
//!   the file writes them so, as `kubectl` does), unless the mapping's other lists are flow
//!   (`add: [NET_ADMIN]` gets `drop: [ALL]` beside it); inside a flow collection it is flow.
//! - An item is appended to a sequence in the sequence's own style.
//! - Paths that go through an alias, a merge key (`<<`) or an anchored node are refused: the
//!   edit would change other objects too.

use serde_json::Value;

use super::cst::{CKind, CNode};
use saphyr_parser::ScalarStyle;

/// Why a patch could not be applied.
pub type EditError = String;

/// How the file writes things.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// `\r\n` line breaks.
    pub crlf: bool,
    /// The file is JSON: keys and strings are double-quoted in flow style.
    pub json: bool,
    /// Block sequences under a key are written at the key's column (`key:\n- a`, as `kubectl`
    /// writes them), not one step deeper (`key:\n  - a`).
    pub indentless: bool,
    /// New lists are written in flow style (`[ALL]`): set for a block mapping whose other
    /// lists are flow (`add: [NET_ADMIN]`), so that siblings look alike.
    pub flow_lists: bool,
}

impl Style {
    /// The style of a text.
    #[must_use]
    pub fn of(text: &str, json: bool) -> Self {
        Self { crlf: text.contains("\r\n"), json, indentless: indentless_sequences(text), flow_lists: false }
    }
    fn nl(self) -> &'static str {
        if self.crlf {
            "\r\n"
        } else {
            "\n"
        }
    }
}

/// Whether the first block sequence under a key (`key:` alone on its line, then a line
/// starting with `- `) starts at the key's column: how the file indents its lists.
fn indentless_sequences(text: &str) -> bool {
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| {
        let t = l.trim_start();
        !t.is_empty() && !t.starts_with('#')
    });
    let Some(mut prev) = lines.next() else { return false };
    for line in lines {
        let key = prev.trim_start();
        let item = line.trim_start();
        if key.ends_with(':') && !key.starts_with("- ") && (item.starts_with("- ") || item == "-") {
            return line.len() - item.len() == prev.len() - key.len();
        }
        prev = line;
    }
    false
}

/// A scalar as YAML (or JSON) text: plain when that reads back as the same string.
#[must_use]
pub fn scalar_text(v: &Value, style: Style) -> String {
    match v {
        Value::String(s) => {
            let plain_ok = !style.json
                && !s.is_empty()
                && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
                && !s.starts_with(['-', '.'])
                && crate::input::node::parse_bool_11(s).is_none()
                && crate::input::node::parse_int_11(s).is_none()
                && s.parse::<f64>().is_err()
                && !matches!(s.as_str(), "null" | "Null" | "NULL" | "~");
            if plain_ok {
                s.clone()
            } else {
                serde_json::to_string(s).unwrap_or_default()
            }
        }
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

fn key_text(k: &str, style: Style) -> String {
    scalar_text(&Value::String(k.to_string()), style)
}

/// A value in flow style: `{a: b}`, `[x, y]` (JSON-quoted in a JSON file).
#[must_use]
pub fn flow_text(v: &Value, style: Style) -> String {
    match v {
        Value::Object(m) => {
            let inner: Vec<String> =
                m.iter().map(|(k, v)| format!("{}: {}", key_text(k, style), flow_text(v, style))).collect();
            format!("{{{}}}", inner.join(", "))
        }
        Value::Array(a) => format!("[{}]", a.iter().map(|v| flow_text(v, style)).collect::<Vec<_>>().join(", ")),
        other => scalar_text(other, style),
    }
}

/// `key: value` lines in block style at `indent` spaces; nested mappings go `step` deeper,
/// lists are block sequences (see [`block_items`]). Empty collections are `{}` and `[]`.
fn block_entry(key: &str, v: &Value, indent: usize, step: usize, style: Style) -> String {
    let pad = " ".repeat(indent);
    let mut s = format!("{pad}{}:", key_text(key, style));
    s.push_str(&block_value(v, indent, step, style));
    s
}

/// The text after `key:` for `v` in a block mapping whose keys are at `indent`: a line break
/// and the nested block for a non-empty mapping or list, else ` value` (flow for empty ones).
fn block_value(v: &Value, indent: usize, step: usize, style: Style) -> String {
    match v {
        Value::Object(m) if !m.is_empty() && !style.json => m
            .iter()
            .map(|(k, child)| format!("{}{}", style.nl(), block_entry(k, child, indent + step, step, style)))
            .collect(),
        Value::Array(a) if !a.is_empty() && !style.json && !style.flow_lists => {
            let dash = if style.indentless { indent } else { indent + step };
            block_items(a, dash, step, style)
        }
        other => format!(" {}", flow_text(other, style)),
    }
}

/// The items of a block sequence, each on its own line after a line break, `- ` at column
/// `dash`: scalars and lists as they are (lists in flow style), mappings with their first
/// entry after the dash and the rest under it.
fn block_items(items: &[Value], dash: usize, step: usize, style: Style) -> String {
    let pad = " ".repeat(dash);
    let mut s = String::new();
    for item in items {
        s.push_str(style.nl());
        match item {
            Value::Object(m) if !m.is_empty() => {
                for (i, (k, child)) in m.iter().enumerate() {
                    let entry = block_entry(k, child, dash + 2, step, style);
                    if i == 0 {
                        s.push_str(&pad);
                        s.push_str("- ");
                        s.push_str(entry.trim_start_matches(' '));
                    } else {
                        s.push_str(style.nl());
                        s.push_str(&entry);
                    }
                }
            }
            other => {
                s.push_str(&pad);
                s.push_str("- ");
                s.push_str(&flow_text(other, style));
            }
        }
    }
    s
}

/// The offset of the start of the line after the content ending at `end` (after its line
/// break), and whether a line break must be written first (end of a file without one).
fn line_after(text: &str, end: usize) -> (usize, bool) {
    if end > 0 && text.as_bytes().get(end - 1) == Some(&b'\n') {
        return (end, false);
    }
    match text.get(end..).and_then(|r| r.find('\n')) {
        Some(i) => (end + i + 1, false),
        None => (text.len(), true),
    }
}

/// The offset of the end of the line containing `at` (before its `\r\n` or `\n`; the end of
/// the text on the last line).
fn line_end(text: &str, at: usize) -> usize {
    match text.get(at..).and_then(|r| r.find('\n')) {
        Some(i) if i > 0 && text.as_bytes().get(at + i - 1).is_some_and(|b| *b == b'\r') => at + i - 1,
        Some(i) => at + i,
        None => text.len(),
    }
}

/// In a flow collection spread over lines, a comma at `at` (after its last entry) and `line`
/// after the rest of that line, when the rest is a comment (`b: 2 # c`): the comment stays on
/// the entry's line. `None` when no comment follows (the caller writes `, entry` at `at`).
fn after_comment(text: &str, at: usize, line: &str) -> Option<String> {
    let end = line_end(text, at);
    let rest = text.get(at..end)?;
    if !rest.trim_start().starts_with('#') {
        return None;
    }
    let mut s = String::with_capacity(text.len() + line.len() + 1);
    s.push_str(text.get(..at)?);
    s.push(',');
    s.push_str(rest);
    s.push_str(line);
    s.push_str(text.get(end..)?);
    Some(s)
}

fn splice(text: &str, at: usize, remove: usize, insert: &str) -> String {
    let mut s = String::with_capacity(text.len() + insert.len());
    s.push_str(&text[..at]);
    s.push_str(insert);
    s.push_str(&text[at + remove..]);
    s
}

/// The column of the line containing `offset` where the text starts (its indentation).
fn line_col(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..offset].chars().count()
}

/// Inserts `key: value` into the mapping `map`, whose key column is known from its entries
/// (or `parent_col + step` for an empty block mapping).
fn insert_entry(
    text: &str,
    map: &CNode,
    key: &str,
    value: &Value,
    step: usize,
    style: Style,
) -> Result<String, EditError> {
    // `walk` has refused anchored mappings and merge keys on the way here.
    let CKind::Map { entries, flow } = &map.kind else { return Err("not a mapping".into()) };
    if *flow {
        let close = map.end.saturating_sub(1);
        if text.as_bytes().get(close) != Some(&b'}') {
            return Err("unexpected flow mapping end".into());
        }
        let entry = format!("{}: {}", key_text(key, style), flow_text(value, style));
        return Ok(match entries.last() {
            None => splice(text, close, 0, &entry),
            Some((k, v)) => {
                let multiline = text[map.start..k.start].contains('\n');
                if multiline {
                    // One entry a line (pretty JSON): a new line at the last key's column, after
                    // the last entry's comment if it has one (the comma goes before it).
                    let indent = " ".repeat(k.col);
                    after_comment(text, v.end, &format!("{}{indent}{entry}", style.nl()))
                        .unwrap_or_else(|| splice(text, v.end, 0, &format!(",{}{indent}{entry}", style.nl())))
                } else {
                    splice(text, v.end, 0, &format!(", {entry}"))
                }
            }
        });
    }
    let Some((last_key, last_value)) = entries.last() else { return Err("empty block mapping".into()) };
    // A new list looks like its siblings: flow when the mapping's lists are flow.
    let flow_lists = entries.iter().any(|(_, v)| matches!(v.kind, CKind::Seq { flow: true, .. }));
    let style = Style { flow_lists, ..style };
    let indent = last_key.col;
    let (at, need_nl) = line_after(text, last_value.end.max(last_key.end));
    let mut s = String::new();
    if need_nl {
        s.push_str(style.nl());
    }
    s.push_str(&block_entry(key, value, indent, step, style));
    s.push_str(style.nl());
    Ok(splice(text, at, 0, &s))
}

/// Replaces a null value (`key:`, `key: null`) of the entry whose key is `key_node` with
/// `value`, in block style below the key, or in flow style in a flow parent.
fn replace_null(
    text: &str,
    key_node: &CNode,
    null: &CNode,
    value: &Value,
    step: usize,
    in_flow: bool,
    style: Style,
) -> String {
    if !in_flow && null.start == null.end {
        let colon = text[key_node.end..].find(':').map_or(key_node.end, |i| key_node.end + i + 1);
        return match value {
            // `key:` → `key:\n  child: ...` (or `- item` lines) under the key, after the rest
            // of the key's line: a comment there (`key: # c`) stays with `key`.
            Value::Object(m) if !m.is_empty() => {
                splice(text, line_end(text, colon), 0, &block_value(value, key_node.col, step, style))
            }
            Value::Array(a) if !a.is_empty() && !style.json => {
                splice(text, line_end(text, colon), 0, &block_value(value, key_node.col, step, style))
            }
            // `key: # c` → `key: value # c`.
            _ => splice(text, colon, 0, &format!(" {}", flow_text(value, style))),
        };
    }
    splice(text, null.start, null.end - null.start, &flow_text(value, style))
}

/// Whether a text node already holds `value`.
fn equals(node: &CNode, value: &Value) -> bool {
    match (&node.kind, value) {
        (CKind::Scalar { value: s, style }, Value::Bool(b)) => {
            *style == ScalarStyle::Plain && crate::input::node::parse_bool_11(s) == Some(*b)
        }
        (CKind::Scalar { value: s, .. }, Value::String(v)) => s == v,
        (CKind::Scalar { value: s, style }, Value::Number(n)) => *style == ScalarStyle::Plain && s == &n.to_string(),
        (CKind::Map { entries, .. }, Value::Object(m)) => {
            m.iter().all(|(k, v)| entries.iter().any(|(ek, ev)| ek.scalar() == Some(k) && equals(ev, v)))
        }
        (CKind::Seq { items, .. }, Value::Array(a)) => {
            items.len() == a.len() && items.iter().zip(a).all(|(i, v)| equals(i, v))
        }
        _ => false,
    }
}

/// Indentation step of a block mapping nested in another (default 2).
fn step_of(parent_col: Option<usize>, col: usize) -> usize {
    match parent_col {
        Some(p) if col > p => col - p,
        _ => 2,
    }
}

/// The node at `segments` from `root`, with the column of the enclosing block mapping's keys
/// for each step, or the first segment that is missing (with the node that should hold it).
enum Walk<'a> {
    Found { node: &'a CNode, parent_key: Option<&'a CNode>, in_flow: bool, step: usize },
    Missing { at: &'a CNode, rest: usize, parent_key: Option<&'a CNode>, in_flow: bool, step: usize },
}

fn walk<'a>(root: &'a CNode, segments: &[String]) -> Result<Walk<'a>, EditError> {
    let mut node = root;
    let mut parent_key: Option<&CNode> = None;
    let mut in_flow = false;
    // The indentation step: how much deeper a mapping directly under a key is (not through a
    // sequence, whose `- ` adds its own).
    let mut last_map_col: Option<usize> = None;
    let mut step = 2;
    let mut through_seq = false;
    for (i, seg) in segments.iter().enumerate() {
        if matches!(node.kind, CKind::Alias) || node.anchored {
            return Err("the path goes through a YAML anchor or alias; editing it would change other objects".into());
        }
        match &node.kind {
            CKind::Map { entries, flow } => {
                if let Some(c) = entries.first().map(|(k, _)| k.col) {
                    if !through_seq && !*flow && last_map_col.is_some() {
                        step = step_of(last_map_col, c);
                    }
                    last_map_col = Some(c);
                    through_seq = false;
                }
                match entries.iter().find(|(k, _)| k.scalar() == Some(seg.as_str())) {
                    Some((k, v)) => {
                        parent_key = Some(k);
                        in_flow = *flow;
                        node = v;
                    }
                    None => {
                        if entries.iter().any(|(k, _)| k.scalar() == Some("<<")) {
                            return Err("the mapping uses a merge key (`<<`)".into());
                        }
                        return Ok(Walk::Missing { at: node, rest: i, parent_key, in_flow: *flow, step });
                    }
                }
            }
            CKind::Seq { items, flow } => {
                let idx: usize = seg.parse().map_err(|_| format!("`{seg}` is not an index"))?;
                through_seq = true;
                in_flow = *flow;
                parent_key = None;
                node = items.get(idx).ok_or_else(|| format!("no item {idx}"))?;
            }
            CKind::Scalar { .. } if node.is_null() => {
                return Ok(Walk::Missing { at: node, rest: i, parent_key, in_flow, step });
            }
            _ => return Err(format!("`{seg}`: the value on the way is not a mapping")),
        }
    }
    if matches!(node.kind, CKind::Alias) || node.anchored {
        return Err("the value is a YAML anchor or alias".into());
    }
    Ok(Walk::Found { node, parent_key, in_flow, step })
}

/// `value` wrapped in the mappings named by `keys` (`[a, b]`, v → `{b: v}` under `a`).
fn nest(keys: &[String], value: &Value) -> Result<Value, EditError> {
    let mut v = value.clone();
    for k in keys.iter().rev() {
        if k.parse::<usize>().is_ok() {
            return Err(format!("cannot create the sequence item `{k}`"));
        }
        let mut m = serde_json::Map::new();
        m.insert(k.clone(), v);
        v = Value::Object(m);
    }
    Ok(v)
}

/// Sets the value at `segments` under `root` (the object's node in `text`). `Ok(None)` when it
/// already holds `value`.
///
/// # Errors
/// The path cannot be edited safely (aliases, merge keys, anchors, a missing sequence item,
/// a scalar on the way).
pub fn set(
    text: &str,
    root: &CNode,
    segments: &[String],
    value: &Value,
    style: Style,
) -> Result<Option<String>, EditError> {
    match walk(root, segments)? {
        Walk::Found { node, parent_key, in_flow, step } => {
            if equals(node, value) {
                return Ok(None);
            }
            if node.is_null() {
                let key = parent_key.ok_or("a null sequence item")?;
                return Ok(Some(replace_null(text, key, node, value, step, in_flow, style)));
            }
            match (&node.kind, value) {
                (CKind::Scalar { .. }, v) if !v.is_object() && !v.is_array() => {
                    Ok(Some(splice(text, node.start, node.end - node.start, &scalar_text(v, style))))
                }
                // Patches set leaves; a mapping that exists is completed key by key by the
                // caller's patches, never replaced wholesale.
                (CKind::Map { .. }, Value::Object(_)) => Err("the mapping exists: set its keys one at a time".into()),
                (CKind::Seq { flow: true, .. }, Value::Array(_)) if !in_flow || node.end > node.start => {
                    Ok(Some(splice(text, node.start, node.end - node.start, &flow_text(value, style))))
                }
                (CKind::Seq { flow: false, items }, Value::Array(_)) => {
                    // Block sequence → the same items in block style, replacing the old ones.
                    let first = items.first().ok_or("empty block sequence")?;
                    let dash = text[..first.start].rfind('-').ok_or("no dash before the first item")?;
                    let indent = line_col(text, dash);
                    let pad = " ".repeat(indent);
                    let body: Vec<String> = value
                        .as_array()
                        .map(|a| a.iter().map(|v| format!("{pad}- {}", flow_text(v, style))).collect())
                        .unwrap_or_default();
                    let line_start = text[..dash].rfind('\n').map_or(0, |i| i + 1);
                    let (end, _) = line_after(text, node.end);
                    let mut s = body.join(style.nl());
                    s.push_str(style.nl());
                    Ok(Some(splice(text, line_start, end - line_start, &s)))
                }
                _ => Err("the existing value has another shape".into()),
            }
        }
        Walk::Missing { at, rest, parent_key, in_flow, step } => {
            let (first, more) = segments[rest..].split_first().ok_or("empty path")?;
            let wanted = nest(more, value)?;
            if at.is_null() {
                let key = parent_key.ok_or("a null sequence item")?;
                let v = nest(&segments[rest..], value)?;
                return Ok(Some(replace_null(text, key, at, &v, step, in_flow, style)));
            }
            insert_entry(text, at, first, &wanted, step, style).map(Some)
        }
    }
}

/// Appends `item` to the sequence at `segments` (created as `[item]` when missing); `Ok(None)`
/// when an equal item is there.
///
/// # Errors
/// As [`set`].
pub fn append(
    text: &str,
    root: &CNode,
    segments: &[String],
    item: &Value,
    style: Style,
) -> Result<Option<String>, EditError> {
    match walk(root, segments)? {
        Walk::Found { node, .. } if !node.is_null() => {
            let CKind::Seq { items, flow } = &node.kind else { return Err("not a sequence".into()) };
            if items.iter().any(|i| equals(i, item)) {
                return Ok(None);
            }
            if *flow {
                return Ok(Some(match items.last() {
                    // `[\n  A # c\n]`: the new item on its own line, the comment kept with `A`.
                    Some(last) if text[node.start..last.start].contains('\n') => {
                        let line = format!("{}{}{}", style.nl(), " ".repeat(last.col), flow_text(item, style));
                        after_comment(text, last.end, &line)
                            .unwrap_or_else(|| splice(text, last.end, 0, &format!(", {}", flow_text(item, style))))
                    }
                    Some(last) => splice(text, last.end, 0, &format!(", {}", flow_text(item, style))),
                    None => splice(text, node.end.saturating_sub(1), 0, &flow_text(item, style)),
                }));
            }
            let last = items.last().ok_or("empty block sequence")?;
            let first = items.first().ok_or("empty block sequence")?;
            let dash = text[..first.start].rfind('-').ok_or("no dash before the first item")?;
            let indent = " ".repeat(line_col(text, dash));
            let (at, need_nl) = line_after(text, last.end);
            let mut s = String::new();
            if need_nl {
                s.push_str(style.nl());
            }
            s.push_str(&format!("{indent}- {}{}", flow_text(item, style), style.nl()));
            Ok(Some(splice(text, at, 0, &s)))
        }
        _ => set(text, root, segments, &Value::Array(vec![item.clone()]), style),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::cst::parse;
    use serde_json::json;

    fn segs(p: &str) -> Vec<String> {
        p.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect()
    }

    fn run_set(text: &str, path: &str, v: Value) -> String {
        let docs = parse(text).expect("parse");
        let root = docs[0].root.as_ref().expect("root");
        set(text, root, &segs(path), &v, Style::of(text, text.trim_start().starts_with('{')))
            .expect("edit")
            .unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn adds_a_key_at_the_siblings_indentation() {
        let text = "spec:\n  containers:\n    - name: c   # the app\n      image: x\n# trailing comment\n";
        let out = run_set(text, "/spec/containers/0/securityContext/allowPrivilegeEscalation", json!(false));
        assert_eq!(
            out,
            "spec:\n  containers:\n    - name: c   # the app\n      image: x\n      securityContext:\n        allowPrivilegeEscalation: false\n# trailing comment\n"
        );
        // Idempotent.
        assert_eq!(run_set(&out, "/spec/containers/0/securityContext/allowPrivilegeEscalation", json!(false)), out);
    }

    #[test]
    fn replaces_in_place_and_keeps_comments() {
        let text = "a:\n  privileged: true # needed?\n  b: 1\n";
        assert_eq!(run_set(text, "/a/privileged", json!(false)), "a:\n  privileged: false # needed?\n  b: 1\n");
        let text = "a:\n  policy: \"IfNotPresent\"\n";
        assert_eq!(run_set(text, "/a/policy", json!("Always")), "a:\n  policy: Always\n");
    }

    #[test]
    fn flow_maps_and_json() {
        assert_eq!(run_set("a: {b: 1}\n", "/a/c", json!(true)), "a: {b: 1, c: true}\n");
        assert_eq!(run_set("a: {}\n", "/a/c/d", json!("x")), "a: {c: {d: x}}\n");
        let json_text = "{\n  \"spec\": {\n    \"x\": 1\n  }\n}\n";
        assert_eq!(
            run_set(json_text, "/spec/sc/runAsNonRoot", json!(true)),
            "{\n  \"spec\": {\n    \"x\": 1,\n    \"sc\": {\"runAsNonRoot\": true}\n  }\n}\n"
        );
    }

    #[test]
    fn null_values_crlf_and_eof_without_newline() {
        assert_eq!(run_set("a:\n  sc:\n  b: 1\n", "/a/sc/x", json!(true)), "a:\n  sc:\n    x: true\n  b: 1\n");
        assert_eq!(run_set("a:\r\n  b: 1\r\n", "/a/c", json!(false)), "a:\r\n  b: 1\r\n  c: false\r\n");
        assert_eq!(run_set("a:\n  b: 1", "/a/c", json!(false)), "a:\n  b: 1\n  c: false\n");
        assert_eq!(run_set("a:\n  b: |\n    text\n  # c\n", "/a/c", json!(1)), "a:\n  b: |\n    text\n  c: 1\n  # c\n");
    }

    /// Issue 15, point 16: a comment after a key stays with that key, whatever the fix adds.
    #[test]
    fn comments_stay_with_their_keys() {
        let cases: &[(&str, &str, Value, &str)] = &[
            // `key: # c` with nothing below: the new block goes after the comment.
            (
                "c:\n  securityContext: # c13\n  image: x\n",
                "/c/securityContext/allowPrivilegeEscalation",
                json!(false),
                "c:\n  securityContext: # c13\n    allowPrivilegeEscalation: false\n  image: x\n",
            ),
            // The same at the end of a file without a final newline, and with CRLF.
            (
                "c:\n  securityContext: # c13",
                "/c/securityContext/privileged",
                json!(false),
                "c:\n  securityContext: # c13\n    privileged: false",
            ),
            ("c:\r\n  sc:  # c\r\n  b: 1\r\n", "/c/sc/x", json!(true), "c:\r\n  sc:  # c\r\n    x: true\r\n  b: 1\r\n"),
            // A scalar goes before the comment, on the key's line.
            ("c:\n  x: # c\n", "/c/x", json!(false), "c:\n  x: false # c\n"),
            // `key: # c` with a nested block: the new key goes into the block.
            ("sc: # c\n  a: 1\n", "/sc/b", json!(true), "sc: # c\n  a: 1\n  b: true\n"),
            // After a sequence item `- name: x # c`.
            ("cs:\n  - name: x # c\n", "/cs/0/sc/p", json!(false), "cs:\n  - name: x # c\n    sc:\n      p: false\n"),
            // A quoted value replaced in place keeps its comment.
            ("a:\n  p: \"IfNotPresent\"   # pinned\n", "/a/p", json!("Always"), "a:\n  p: Always   # pinned\n"),
            // Flow values, on one line and spread over lines.
            ("a: {b: 1} # c\n", "/a/d", json!(true), "a: {b: 1, d: true} # c\n"),
            (
                "a: {\n  b: 1, # c1\n  c: 2 # c2\n}\n",
                "/a/d",
                json!(true),
                "a: {\n  b: 1, # c1\n  c: 2, # c2\n  d: true\n}\n",
            ),
        ];
        for (text, path, value, want) in cases {
            let out = run_set(text, path, value.clone());
            assert_eq!(&out, want, "{text:?}");
            crate::fix::comments::check_kept(text, &out).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        }
        // Appending to a flow sequence spread over lines.
        let text = "d: [\n  NET_RAW # why\n]\n";
        let docs = parse(text).expect("parse");
        let out =
            append(text, docs[0].root.as_ref().expect("root"), &segs("/d"), &json!("ALL"), Style::of(text, false))
                .expect("ok")
                .expect("changed");
        assert_eq!(out, "d: [\n  NET_RAW, # why\n  ALL\n]\n");
        crate::fix::comments::check_kept(text, &out).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn refuses_aliases_and_merge_keys() {
        let text = "base: &b {x: 1}\nuse: *b\nm:\n  <<: *b\n  y: 2\n";
        let docs = parse(text).expect("parse");
        let root = docs[0].root.as_ref().expect("root");
        let st = Style::of(text, false);
        assert!(set(text, root, &segs("/use/z"), &json!(1), st).is_err());
        assert!(set(text, root, &segs("/base/z"), &json!(1), st).is_err());
        assert!(set(text, root, &segs("/m/z"), &json!(1), st).is_err());
    }

    #[test]
    fn appends_in_the_sequence_style() {
        let docs_text = "d: [NET_RAW]\ne:\n  - A\n";
        let docs = parse(docs_text).expect("parse");
        let root = docs[0].root.as_ref().expect("root");
        let st = Style::of(docs_text, false);
        let out = append(docs_text, root, &segs("/d"), &json!("ALL"), st).expect("ok").expect("changed");
        assert_eq!(out, "d: [NET_RAW, ALL]\ne:\n  - A\n");
        let docs = parse(&out).expect("parse");
        let out2 = append(&out, docs[0].root.as_ref().expect("root"), &segs("/e"), &json!("ALL"), st)
            .expect("ok")
            .expect("changed");
        assert_eq!(out2, "d: [NET_RAW, ALL]\ne:\n  - A\n  - ALL\n");
        let docs = parse(&out2).expect("parse");
        assert!(append(&out2, docs[0].root.as_ref().expect("root"), &segs("/e"), &json!("ALL"), st)
            .expect("ok")
            .is_none());
    }
}
#[cfg(test)]
mod blank_line {
    #[test]
    fn keeps_blank_lines() {
        let text = "spec:\n  containers:\n    - name: app\n      imagePullPolicy: IfNotPresent\n\n      ports: [{containerPort: 8080}]\n      sc: {privileged: true}\n";
        let docs = crate::fix::cst::parse(text).expect("parse");
        let root = docs[0].root.as_ref().expect("root");
        let out = super::set(
            text,
            root,
            &["spec".into(), "auto".into()],
            &serde_json::json!(false),
            super::Style::of(text, false),
        )
        .expect("ok")
        .expect("changed");
        assert_eq!(out, format!("{text}  auto: false\n"));
    }
}
