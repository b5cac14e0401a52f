//! A streaming splitter for list answers (`{"metadata": {...}, "items": [{...}, ...]}`): bytes
//! go in as they arrive from the API server, and out come the list's `metadata` and its items,
//! one at a time, each as its own JSON text. Nothing else of the answer is kept, so memory
//! follows the largest item (bounded by [`Limits::object`]) and not the answer; an item larger
//! than the bound is skipped (its `metadata` kept, when small, to name it) and reported as
//! [`Piece::Oversized`]; the answer as a whole is bounded by [`Limits::response`].
//!
//! The splitter checks the structure (brackets, strings, commas and colons) of everything it
//! reads, items or not, without recursion; the items it hands over are parsed by `serde_json`.

/// Bounds of one answer.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest item kept, in bytes of JSON.
    pub object: usize,
    /// Largest answer, in bytes.
    pub response: u64,
    /// Largest `metadata` (the list's, or an oversized item's), in bytes.
    pub metadata: usize,
}

/// What the splitter hands over.
#[derive(Debug)]
pub enum Piece {
    /// The list's `metadata`, as JSON text.
    Metadata(Vec<u8>),
    /// One item (a JSON object), as JSON text, with its index in `items`.
    Item(usize, Vec<u8>),
    /// An item larger than [`Limits::object`]: its index, its size (bytes) and its `metadata`
    /// when it was small enough to keep.
    Oversized {
        /// Index in `items`.
        index: usize,
        /// Size in bytes.
        bytes: u64,
        /// The item's `metadata`, as JSON text.
        metadata: Option<Vec<u8>>,
    },
}

/// Why an answer is not a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SplitError {
    /// The answer is larger than [`Limits::response`] (the limit).
    TooLarge(u64),
    /// The list's `metadata` is larger than [`Limits::metadata`].
    MetadataTooLarge(usize),
    /// Not JSON: what was expected, at which byte.
    Syntax(&'static str, u64),
    /// The answer is JSON but not an object.
    NotObject,
    /// `items` is not an array (what it is).
    ItemsNotArray(&'static str),
    /// Item at this index is not an object.
    ItemNotObject(usize),
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep(u64),
    /// The answer ends before its JSON does.
    Truncated,
    /// The answer has no `items`.
    NoItems,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge(l) => write!(f, "answer larger than {l} bytes (the limit of one answer); stopped reading"),
            Self::MetadataTooLarge(l) => write!(f, "list metadata larger than {l} bytes"),
            Self::Syntax(what, at) => write!(f, "not a JSON list: expected {what} at byte {at}"),
            Self::NotObject => f.write_str("not a JSON list: the answer is not a JSON object"),
            Self::ItemsNotArray(what) => write!(f, "malformed list: `items` is {what}, not an array"),
            Self::ItemNotObject(i) => write!(f, "malformed list: item {i} is not an object"),
            Self::TooDeep(at) => write!(f, "not a JSON list: nesting deeper than {MAX_DEPTH} levels at byte {at}"),
            Self::Truncated => f.write_str("not a JSON list: the answer ends before its JSON does"),
            Self::NoItems => f.write_str("malformed list: no `items`"),
        }
    }
}

/// Deepest nesting read (serde_json parses items to 128 levels; this bounds what is skipped).
pub const MAX_DEPTH: usize = 512;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Object: a key or `}` (after `{`).
    KeyOrEnd,
    /// Object: a key (after `,`).
    Key,
    /// Object: `:` after a key.
    Colon,
    /// A value (after `:` in an object, after `,` in an array, at the top).
    Value,
    /// Array: a value or `]` (after `[`).
    ValueOrEnd,
    /// `,` or the closing bracket.
    CommaOrEnd,
    /// The top-level value is complete: only whitespace.
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    Top,
    Obj,
    Arr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Normal,
    /// In a string; `key` for an object key; `escape` after a backslash.
    Str {
        key: bool,
        escape: bool,
    },
    /// In a number or literal.
    Scalar,
}

/// Which key of an object was last read, for the two objects whose keys matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Metadata,
    Items,
    Other,
}

/// The splitter (see the module documentation).
pub struct Splitter {
    limits: Limits,
    /// Bytes read.
    total: u64,
    frames: Vec<(Frame, Expect)>,
    mode: Mode,
    /// Last key of the top-level object, and of the current item.
    top_key: Key,
    item_key: Key,
    /// Raw bytes of the key being read (top level and item level only; bounded).
    key: Option<Vec<u8>>,
    key_long: bool,
    /// The list's metadata being captured.
    meta: Option<Vec<u8>>,
    /// Depth (frames) of the items array, when inside it.
    items_depth: Option<usize>,
    items_seen: bool,
    /// `items: null`, being read as a scalar.
    items_null: bool,
    item_index: usize,
    /// The current item: its bytes (None once oversized), its size so far, its metadata's range.
    item: Option<Vec<u8>>,
    in_item: bool,
    item_len: u64,
    item_meta: (Option<u64>, Option<u64>),
    /// An oversized item's metadata, captured after the item stopped being kept.
    item_meta_buf: Option<Vec<u8>>,
    item_meta_capturing: bool,
    item_meta_lost: bool,
}

impl Splitter {
    /// A splitter for one answer.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            total: 0,
            frames: vec![(Frame::Top, Expect::Value)],
            mode: Mode::Normal,
            top_key: Key::Other,
            item_key: Key::Other,
            key: None,
            key_long: false,
            meta: None,
            items_depth: None,
            items_seen: false,
            items_null: false,
            item_index: 0,
            item: None,
            in_item: false,
            item_len: 0,
            item_meta: (None, None),
            item_meta_buf: None,
            item_meta_capturing: false,
            item_meta_lost: false,
        }
    }

    /// Bytes read so far.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.total
    }

    /// Items completed so far (kept or oversized).
    #[must_use]
    pub fn items(&self) -> usize {
        self.item_index
    }

    /// Reads the next bytes of the answer, handing over each piece as it is complete.
    ///
    /// # Errors
    /// The answer is not a list, or is over a limit; nothing more should be fed.
    pub fn feed(&mut self, chunk: &[u8], out: &mut dyn FnMut(Piece)) -> Result<(), SplitError> {
        self.total += chunk.len() as u64;
        if self.total > self.limits.response {
            return Err(SplitError::TooLarge(self.limits.response));
        }
        let base = self.total - chunk.len() as u64;
        let mut i = 0;
        while i < chunk.len() {
            match self.mode {
                Mode::Str { key, escape } => {
                    // Fast path: up to the next quote or backslash.
                    let rest = &chunk[i..];
                    let (n, end) = if escape {
                        (1, None)
                    } else {
                        match rest.iter().position(|b| *b == b'"' || *b == b'\\') {
                            Some(p) => (p + 1, rest.get(p).copied()),
                            None => (rest.len(), None),
                        }
                    };
                    self.capture(&rest[..n])?;
                    if key {
                        self.capture_key(&rest[..n]);
                    }
                    i += n;
                    self.mode = match end {
                        _ if escape => Mode::Str { key, escape: false },
                        Some(b'\\') => Mode::Str { key, escape: true },
                        Some(_) => {
                            // Closing quote.
                            self.mode = Mode::Normal;
                            if key {
                                self.key_done();
                            } else {
                                self.value_done(out)?;
                            }
                            continue;
                        }
                        None => Mode::Str { key, escape: false },
                    };
                }
                Mode::Scalar => {
                    let b = chunk[i];
                    if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.') {
                        self.capture(&chunk[i..=i])?;
                        i += 1;
                    } else {
                        self.mode = Mode::Normal;
                        self.value_done(out)?;
                    }
                }
                Mode::Normal => {
                    let b = chunk[i];
                    let at = base + i as u64;
                    i += 1;
                    if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                        self.capture(&[b])?;
                        continue;
                    }
                    let Some(&(frame, expect)) = self.frames.last() else {
                        return Err(SplitError::Syntax("nothing", at));
                    };
                    match expect {
                        Expect::Done => return Err(SplitError::Syntax("the end of the answer", at)),
                        Expect::KeyOrEnd | Expect::Key => match b {
                            b'"' => {
                                self.capture(&[b])?;
                                self.key = self.key_level().then(Vec::new);
                                self.key_long = false;
                                self.mode = Mode::Str { key: true, escape: false };
                            }
                            b'}' if expect == Expect::KeyOrEnd => self.close(b, out)?,
                            _ => return Err(SplitError::Syntax("a key", at)),
                        },
                        Expect::Colon => {
                            if b != b':' {
                                return Err(SplitError::Syntax("`:`", at));
                            }
                            self.capture(&[b])?;
                            self.set_expect(Expect::Value);
                        }
                        Expect::Value | Expect::ValueOrEnd => {
                            if b == b']' && expect == Expect::ValueOrEnd {
                                self.close(b, out)?;
                                continue;
                            }
                            if !matches!(b, b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') {
                                return Err(SplitError::Syntax("a value", at));
                            }
                            self.value_start(b)?;
                            self.capture(&[b])?;
                            match b {
                                b'{' | b'[' => {
                                    if self.frames.len() > MAX_DEPTH {
                                        return Err(SplitError::TooDeep(at));
                                    }
                                    let f = if b == b'{' {
                                        (Frame::Obj, Expect::KeyOrEnd)
                                    } else {
                                        (Frame::Arr, Expect::ValueOrEnd)
                                    };
                                    self.frames.push(f);
                                }
                                b'"' => self.mode = Mode::Str { key: false, escape: false },
                                b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => self.mode = Mode::Scalar,
                                _ => return Err(SplitError::Syntax("a value", at)),
                            }
                        }
                        Expect::CommaOrEnd => match (frame, b) {
                            (Frame::Obj, b',') => {
                                self.capture(&[b])?;
                                self.set_expect(Expect::Key);
                            }
                            (Frame::Arr, b',') => {
                                self.capture(&[b])?;
                                self.set_expect(Expect::Value);
                            }
                            (Frame::Obj, b'}') | (Frame::Arr, b']') => self.close(b, out)?,
                            _ => return Err(SplitError::Syntax("`,` or a closing bracket", at)),
                        },
                    }
                }
            }
        }
        Ok(())
    }

    /// The answer has ended.
    ///
    /// # Errors
    /// It ended before its JSON did, or it has no `items`.
    pub fn finish(&mut self) -> Result<(), SplitError> {
        if self.mode == Mode::Scalar && self.frames.len() == 1 {
            // A top-level scalar is not a list anyway.
            return Err(SplitError::NotObject);
        }
        if self.frames.last().map(|f| f.1) != Some(Expect::Done) {
            return Err(SplitError::Truncated);
        }
        if !self.items_seen {
            return Err(SplitError::NoItems);
        }
        Ok(())
    }

    fn set_expect(&mut self, e: Expect) {
        if let Some(f) = self.frames.last_mut() {
            f.1 = e;
        }
    }

    /// Keys are read at the top level (depth 2: inside the top object) and at the items' level.
    fn key_level(&self) -> bool {
        let d = self.frames.len();
        d == 2 || (self.in_item && self.items_depth.is_some_and(|id| d == id + 1))
    }

    fn capture_key(&mut self, bytes: &[u8]) {
        if let Some(k) = &mut self.key {
            if k.len() + bytes.len() > 64 {
                self.key_long = true;
                self.key = None;
            } else {
                k.extend_from_slice(bytes);
            }
        }
    }

    fn key_done(&mut self) {
        self.set_expect(Expect::Colon);
        if !self.key_level() {
            return;
        }
        let key = match self.key.take() {
            Some(mut raw) if !self.key_long => {
                raw.pop(); // the closing quote
                if raw.contains(&b'\\') {
                    let mut quoted = Vec::with_capacity(raw.len() + 2);
                    quoted.push(b'"');
                    quoted.extend_from_slice(&raw);
                    quoted.push(b'"');
                    serde_json::from_slice::<String>(&quoted).ok().map(String::into_bytes).unwrap_or_default()
                } else {
                    raw
                }
            }
            _ => Vec::new(),
        };
        let k = match key.as_slice() {
            b"metadata" => Key::Metadata,
            b"items" => Key::Items,
            _ => Key::Other,
        };
        if self.frames.len() == 2 {
            self.top_key = k;
        } else if self.in_item {
            self.item_key = k;
        }
    }

    /// A value starts with byte `b`: starts the captures it begins.
    fn value_start(&mut self, b: u8) -> Result<(), SplitError> {
        let d = self.frames.len();
        if d == 1 && b != b'{' {
            return Err(SplitError::NotObject);
        }
        if d == 2 && self.frames.last().map(|f| f.0) == Some(Frame::Obj) {
            match self.top_key {
                Key::Metadata => self.meta = Some(Vec::new()),
                Key::Items => {
                    self.items_seen = true;
                    match b {
                        b'[' => self.items_depth = Some(d + 1),
                        b'n' => self.items_null = true,
                        b'{' => return Err(SplitError::ItemsNotArray("an object")),
                        b'"' => return Err(SplitError::ItemsNotArray("a string")),
                        b't' | b'f' => return Err(SplitError::ItemsNotArray("a boolean")),
                        _ => return Err(SplitError::ItemsNotArray("a number")),
                    }
                }
                Key::Other => {}
            }
        } else if self.items_depth == Some(d) && !self.in_item {
            if b != b'{' {
                return Err(SplitError::ItemNotObject(self.item_index));
            }
            self.in_item = true;
            self.item = Some(Vec::new());
            self.item_len = 0;
            self.item_key = Key::Other;
            self.item_meta = (None, None);
            self.item_meta_buf = None;
            self.item_meta_capturing = false;
            self.item_meta_lost = false;
        } else if self.in_item && self.items_depth.is_some_and(|id| d == id + 1) && self.item_key == Key::Metadata {
            if self.item.is_some() {
                self.item_meta.0 = Some(self.item_len);
            } else if self.item_meta_buf.is_none() {
                self.item_meta_buf = Some(Vec::new());
                self.item_meta_capturing = true;
            }
        }
        Ok(())
    }

    /// Closes the innermost container with `b`.
    fn close(&mut self, b: u8, out: &mut dyn FnMut(Piece)) -> Result<(), SplitError> {
        self.capture(&[b])?;
        let d = self.frames.len();
        self.frames.pop();
        if self.items_depth == Some(d) {
            self.items_depth = None;
        }
        self.value_done(out)
    }

    /// The value in the innermost frame is complete (its last byte captured, or for a scalar
    /// the byte after it not yet read).
    fn value_done(&mut self, out: &mut dyn FnMut(Piece)) -> Result<(), SplitError> {
        let d = self.frames.len();
        let frame = self.frames.last().map(|f| f.0);
        if d == 1 {
            self.set_expect(Expect::Done);
            return Ok(());
        }
        self.set_expect(Expect::CommaOrEnd);
        if d == 2 && frame == Some(Frame::Obj) {
            if self.top_key == Key::Metadata {
                if let Some(m) = self.meta.take() {
                    out(Piece::Metadata(m));
                }
            }
            if self.items_null {
                self.items_null = false;
            }
        } else if self.in_item && self.items_depth == Some(d) {
            // An item ends.
            self.in_item = false;
            let index = self.item_index;
            self.item_index += 1;
            match self.item.take() {
                Some(bytes) => out(Piece::Item(index, bytes)),
                None => {
                    let metadata = if self.item_meta_lost { None } else { self.item_meta_buf.take() };
                    self.item_meta_capturing = false;
                    out(Piece::Oversized { index, bytes: self.item_len, metadata });
                }
            }
        } else if self.in_item && self.items_depth.is_some_and(|id| d == id + 1) && self.item_key == Key::Metadata {
            if self.item.is_some() {
                self.item_meta.1 = Some(self.item_len);
            } else {
                self.item_meta_capturing = false;
            }
        }
        Ok(())
    }

    /// Appends bytes of the answer to what is being captured.
    fn capture(&mut self, bytes: &[u8]) -> Result<(), SplitError> {
        if let Some(m) = &mut self.meta {
            if m.len() + bytes.len() > self.limits.metadata {
                return Err(SplitError::MetadataTooLarge(self.limits.metadata));
            }
            m.extend_from_slice(bytes);
        }
        if !self.in_item {
            return Ok(());
        }
        if let Some(buf) = &mut self.item {
            if buf.len() + bytes.len() > self.limits.object {
                // Over the bound: keep only the item's metadata (when it fits).
                let buf = std::mem::take(buf);
                self.item = None;
                #[allow(clippy::cast_possible_truncation)]
                match self.item_meta {
                    (Some(s), Some(e)) => self.item_meta_buf = buf.get(s as usize..e as usize).map(<[u8]>::to_vec),
                    (Some(s), None) => {
                        self.item_meta_buf = buf.get(s as usize..).map(<[u8]>::to_vec);
                        self.item_meta_capturing = true;
                    }
                    _ => {}
                }
            } else {
                buf.extend_from_slice(bytes);
            }
        }
        if self.item.is_none() && self.item_meta_capturing {
            if let Some(m) = &mut self.item_meta_buf {
                if m.len() + bytes.len() > self.limits.metadata {
                    self.item_meta_lost = true;
                    self.item_meta_buf = None;
                    self.item_meta_capturing = false;
                } else {
                    m.extend_from_slice(bytes);
                }
            }
        }
        self.item_len += bytes.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn limits(object: usize) -> Limits {
        Limits { object, response: 1 << 30, metadata: 1 << 20 }
    }

    /// Splits `text` fed in chunks of `n` bytes.
    fn split(text: &str, n: usize, object: usize) -> Result<Vec<String>, SplitError> {
        let mut s = Splitter::new(limits(object));
        let mut got = Vec::new();
        let mut push = |p: Piece| {
            got.push(match p {
                Piece::Metadata(m) => format!("meta {}", String::from_utf8_lossy(&m)),
                Piece::Item(i, b) => format!("item {i} {}", String::from_utf8_lossy(&b)),
                Piece::Oversized { index, bytes, metadata } => format!(
                    "oversized {index} {bytes} {}",
                    metadata.map(|m| String::from_utf8_lossy(&m).into_owned()).unwrap_or_default()
                ),
            });
        };
        for c in text.as_bytes().chunks(n.max(1)) {
            s.feed(c, &mut push)?;
        }
        s.finish()?;
        Ok(got)
    }

    #[test]
    fn splits_metadata_and_items_whatever_the_chunks() {
        let text = r#" {"kind": "PodList", "metadata": {"continue": "a\"b", "n": [1, 2.5e3, true, null]},
            "items": [{"metadata": {"name": "x"}, "s": "}]\\\"{"}, {"a": -1}, {}], "x": {"items": 5}} "#;
        let want = vec![
            r#"meta {"continue": "a\"b", "n": [1, 2.5e3, true, null]}"#.to_string(),
            r#"item 0 {"metadata": {"name": "x"}, "s": "}]\\\"{"}"#.to_string(),
            r#"item 1 {"a": -1}"#.to_string(),
            "item 2 {}".to_string(),
        ];
        for n in [1, 2, 3, 7, 1000] {
            assert_eq!(split(text, n, 1000).unwrap(), want, "chunks of {n}");
        }
        // Every item is valid JSON that serde_json reads.
        for w in &want[1..] {
            let json = w.splitn(3, ' ').nth(2).unwrap();
            serde_json::from_str::<serde_json::Value>(json).unwrap();
        }
    }

    #[test]
    fn an_oversized_item_is_skipped_and_named_by_its_metadata() {
        let big = "x".repeat(500);
        let text = format!(
            r#"{{"metadata": {{}}, "items": [{{"metadata": {{"name": "big"}}, "data": "{big}"}}, {{"data": "{big}", "metadata": {{"name": "late"}}}}, {{"metadata": {{"name": "small"}}}}]}}"#
        );
        for n in [1, 5, 4096] {
            let got = split(&text, n, 100).unwrap();
            assert_eq!(got.len(), 4, "{got:?}");
            assert_eq!(got[1], r#"oversized 0 541 {"name": "big"}"#);
            assert_eq!(got[2], r#"oversized 1 542 {"name": "late"}"#);
            assert_eq!(got[3], r#"item 2 {"metadata": {"name": "small"}}"#);
        }
    }

    #[test]
    fn malformed_lists_are_errors() {
        let cases: &[(&str, SplitError)] = &[
            (r#"{"items": {"a": 1}}"#, SplitError::ItemsNotArray("an object")),
            (r#"{"items": "x"}"#, SplitError::ItemsNotArray("a string")),
            (r#"{"items": 3}"#, SplitError::ItemsNotArray("a number")),
            (r#"{"items": [1]}"#, SplitError::ItemNotObject(0)),
            (r#"{"items": [{}, []]}"#, SplitError::ItemNotObject(1)),
            (r#"{"metadata": {}}"#, SplitError::NoItems),
            (r#"{"items": [{}"#, SplitError::Truncated),
            ("[]", SplitError::NotObject),
            (r#"{"items": [] } x"#, SplitError::Syntax("the end of the answer", 15)),
            (r#"{"items" [] }"#, SplitError::Syntax("`:`", 9)),
            (r#"{"items": [{"a" 1}]}"#, SplitError::Syntax("`:`", 16)),
            (r#"{"items": [{},]}"#, SplitError::Syntax("a value", 14)),
            ("<html>", SplitError::Syntax("a value", 0)),
        ];
        for (text, want) in cases {
            assert_eq!(split(text, 3, 100).as_ref().err(), Some(want), "{text}");
        }
        assert_eq!(split(r#"{"items": null, "metadata": {}}"#, 2, 100).unwrap(), vec!["meta {}".to_string()]);
    }

    /// A small deterministic generator (xorshift) for the differential tests.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n.max(1)
        }
    }

    fn random_value(r: &mut Rng, depth: u32) -> serde_json::Value {
        use serde_json::{json, Value};
        let strings = ["", "a", "x\"y", "}]{[,:", "\\", "é ✓", "\u{1}\n", "metadata", "items"];
        match if depth > 3 { r.next(5) } else { r.next(7) } {
            0 => Value::Null,
            1 => json!(r.next(2) == 0),
            2 => json!(r.next(1_000_000) as i64 - 500_000),
            3 => json!(r.next(1000) as f64 / 7.0),
            4 => json!(strings[r.next(strings.len() as u64) as usize]),
            5 => Value::Array((0..r.next(4)).map(|_| random_value(r, depth + 1)).collect()),
            _ => Value::Object(
                (0..r.next(4))
                    .map(|i| {
                        (format!("{}{i}", strings[r.next(strings.len() as u64) as usize]), random_value(r, depth + 1))
                    })
                    .collect(),
            ),
        }
    }

    #[test]
    fn random_lists_split_into_the_items_serde_json_reads() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..400 {
            let items: Vec<serde_json::Value> = (0..r.next(5))
                .map(|_| {
                    let mut o = serde_json::Map::new();
                    o.insert("metadata".into(), serde_json::json!({"name": format!("o{}", r.next(100))}));
                    if let serde_json::Value::Object(extra) = random_value(&mut r, 1) {
                        o.extend(extra);
                    }
                    serde_json::Value::Object(o)
                })
                .collect();
            let mut list = serde_json::json!({"kind": "List", "metadata": {"continue": "c"}, "items": items});
            if r.next(2) == 0 {
                list["zzz"] = random_value(&mut r, 0);
            }
            let text = if r.next(2) == 0 { list.to_string() } else { serde_json::to_string_pretty(&list).unwrap() };
            let mut s = Splitter::new(limits(1 << 20));
            let mut got = Vec::new();
            let mut i = 0;
            while i < text.len() {
                let n = 1 + r.next(40) as usize;
                let end = (i + n).min(text.len());
                s.feed(&text.as_bytes()[i..end], &mut |p| {
                    if let Piece::Item(_, b) = p {
                        got.push(serde_json::from_slice::<serde_json::Value>(&b).unwrap());
                    }
                })
                .unwrap_or_else(|e| panic!("round {round}: {e}: {text}"));
                i = end;
            }
            s.finish().unwrap();
            // What serde_json reads from the whole text (floats as it reads them).
            let whole: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(Some(&serde_json::Value::Array(got)), whole.get("items"), "round {round}: {text}");
            assert_eq!(whole["items"].as_array().map(Vec::len), Some(items.len()));
            // Any mutation of it: no panic, and an accepted answer's items are JSON objects.
            let mut bytes = text.into_bytes();
            for _ in 0..3 {
                let at = r.next(bytes.len() as u64) as usize;
                let set = b"{}[]\",:ax 0\\";
                bytes[at] = set[r.next(set.len() as u64) as usize];
            }
            let mut s = Splitter::new(limits(64));
            let fed = s.feed(&bytes, &mut |p| {
                if let Piece::Item(_, b) = p {
                    assert!(b.first() == Some(&b'{') && b.last() == Some(&b'}'));
                }
            });
            if fed.is_ok() {
                let _ = s.finish();
            }
        }
    }

    #[test]
    fn the_answer_and_the_nesting_are_bounded() {
        let mut s = Splitter::new(Limits { object: 100, response: 10, metadata: 100 });
        assert_eq!(s.feed(br#"{"items": [{}]}"#, &mut |_| {}), Err(SplitError::TooLarge(10)));
        let deep = format!(r#"{{"items": [{{"a": {}}}]}}"#, "[".repeat(10_000));
        assert!(matches!(split(&deep, 4096, 1 << 20), Err(SplitError::TooDeep(_))));
        let mut s = Splitter::new(Limits { object: 100, response: 1000, metadata: 4 });
        assert_eq!(s.feed(br#"{"metadata": {"a": 1}}"#, &mut |_| {}), Err(SplitError::MetadataTooLarge(4)));
    }
}
