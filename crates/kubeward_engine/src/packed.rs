//! Compact storage of findings for streaming scans.
//!
//! A large scan finds millions of findings (about 2.4 per object on real-world manifests); held
//! as `Diagnostic`s they would cost about 600 bytes each. A streaming scan encodes each file's
//! findings, already in report order, into a compact byte form (consecutive findings share the
//! file and object), and compresses it with LZ4 in blocks of about 1 MiB: about 30 bytes a
//! finding. Report writers decode the blocks one at a time while they write.
//!
//! The codec depends only on the findings model (`diagnostic`, `rule`): a finding's rule is
//! written as an index into its block's own table of the rules its findings name, so decoding
//! needs no registry of rules.

use std::borrow::Cow;
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::input::node::Pos;
use crate::input::object::ObjectRef;
use crate::input::path::FieldPath;
use crate::rule::{RuleMeta, Severity};

const BLOCK: usize = 1 << 20;

/// Findings in one sorted run of [`Runs`].
pub const RUN: usize = 1 << 14;

/// Findings encoded in compressed blocks, in report order.
#[derive(Debug, Default)]
pub struct PackedFindings {
    blocks: Vec<Block>,
    current: Vec<u8>,
    current_count: usize,
    /// The rules the block being filled names, by index (see [`RuleTable`]).
    current_rules: RuleTable,
    count: usize,
    counts: [usize; 5],
    last_file: Option<Arc<str>>,
    last_object: Option<ObjectRef>,
}

#[derive(Debug)]
struct Block {
    data: Vec<u8>,
    count: usize,
    /// The rules its findings name: a finding's rule is an index into this table.
    rules: Vec<&'static RuleMeta>,
}

/// The rules of one block: each rule's index, given in the order the rules first occur.
#[derive(Debug, Default)]
struct RuleTable {
    rules: Vec<&'static RuleMeta>,
    index: std::collections::HashMap<usize, u16>,
}

impl RuleTable {
    /// The index of `meta`, added when new; `None` once a block names 65,536 rules.
    fn index(&mut self, meta: &'static RuleMeta) -> Option<u16> {
        let key = std::ptr::from_ref(meta) as usize;
        if let Some(&i) = self.index.get(&key) {
            return Some(i);
        }
        let i = u16::try_from(self.rules.len()).ok()?;
        self.rules.push(meta);
        self.index.insert(key, i);
        Some(i)
    }
}

fn severity_index(s: Severity) -> usize {
    match s {
        Severity::Critical => 0,
        Severity::High => 1,
        Severity::Medium => 2,
        Severity::Low => 3,
        Severity::Info => 4,
    }
}

fn severity_of(i: u8) -> Severity {
    match i {
        0 => Severity::Critical,
        1 => Severity::High,
        2 => Severity::Medium,
        3 => Severity::Low,
        _ => Severity::Info,
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
        None => out.push(0),
    }
}

impl PackedFindings {
    /// Appends findings (which must come after every finding already stored, in report
    /// order). Returns the findings that cannot be encoded (a fix attached, or a block that
    /// names more than 65,536 rules): the caller keeps those in memory.
    pub fn extend(&mut self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let mut kept = Vec::new();
        for d in diagnostics {
            let Some(rule) = d.fix.is_none().then(|| self.current_rules.index(d.rule)).flatten() else {
                kept.push(d);
                continue;
            };
            self.encode(rule, &d);
            self.count += 1;
            self.current_count += 1;
            self.counts[severity_index(d.severity)] += 1;
            if self.current.len() >= BLOCK {
                self.seal();
            }
        }
        kept
    }

    fn encode(&mut self, rule: u16, d: &Diagnostic) {
        let out = &mut self.current;
        out.extend_from_slice(&rule.to_le_bytes());
        out.push(severity_index(d.severity) as u8);
        let same_file = match (&self.last_file, &d.file) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
            (None, None) => true,
            _ => false,
        };
        let same_object = same_file && self.last_object.as_ref() == Some(&d.object);
        let default_remediation = match &d.remediation {
            Cow::Borrowed(r) => std::ptr::eq(*r, d.rule.remediation) || *r == d.rule.remediation,
            Cow::Owned(_) => false,
        };
        let flags: u8 = u8::from(same_file)
            | (u8::from(same_object) << 1)
            | (u8::from(default_remediation) << 2)
            | (u8::from(d.container.is_some()) << 3)
            | (u8::from(d.doc.is_some()) << 4)
            | (u8::from(d.doc.is_some_and(|(_, i)| i.is_some())) << 5);
        out.push(flags);
        put_str(out, &d.message);
        if !default_remediation {
            put_str(out, &d.remediation);
        }
        if !same_file {
            put_opt_str(out, d.file.as_deref());
            self.last_file = d.file.clone();
        }
        if !same_object {
            put_str(out, &d.object.api_version);
            put_str(out, &d.object.kind);
            put_opt_str(out, d.object.namespace.as_deref());
            put_str(out, &d.object.name);
            self.last_object = Some(d.object.clone());
        }
        if let Some(c) = &d.container {
            put_str(out, c);
        }
        put_varint(out, u64::from(d.pos.line));
        put_varint(out, u64::from(d.pos.col));
        put_str(out, d.path.as_str());
        if let Some((doc, item)) = d.doc {
            put_varint(out, doc as u64);
            if let Some(i) = item {
                put_varint(out, i as u64);
            }
        }
    }

    /// Compresses the block being filled.
    fn seal(&mut self) {
        if self.current_count == 0 {
            return;
        }
        let data = lz4_flex::compress_prepend_size(&self.current);
        let rules = std::mem::take(&mut self.current_rules).rules;
        self.blocks.push(Block { data, count: self.current_count, rules });
        self.current.clear();
        self.current_count = 0;
        // A block decodes on its own.
        self.last_file = None;
        self.last_object = None;
    }

    /// Appends the findings of `other` (closed), which come after every finding stored here
    /// in report order, without decoding them: its blocks are moved (each decodes on its own).
    pub fn append(&mut self, mut other: PackedFindings) {
        self.seal();
        other.close();
        self.blocks.append(&mut other.blocks);
        self.count += other.count;
        for (n, c) in self.counts.iter_mut().zip(other.counts) {
            *n += c;
        }
    }

    /// Seals the last block (call once every finding is stored).
    pub fn close(&mut self) {
        self.seal();
        self.current = Vec::new();
    }

    /// How many findings are stored.
    #[must_use]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether none is.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Findings per severity, most severe first (the order of [`Severity::ALL`]).
    #[must_use]
    pub fn counts(&self) -> [usize; 5] {
        self.counts
    }

    /// Compressed bytes held.
    #[must_use]
    pub fn compressed_bytes(&self) -> usize {
        self.blocks.iter().map(|b| b.data.len()).sum()
    }

    /// Decodes the findings in order.
    #[must_use]
    pub fn iter(&self) -> PackedIter<'_> {
        PackedIter { pack: self, block: 0, rules: &[], raw: Vec::new(), at: 0, left: 0, file: None, object: None }
    }
}

/// The findings of an unordered stream: sorted runs of at most `len` findings, each compressed
/// on its own once full. Memory stays at one run plus about 30 bytes a finding.
#[derive(Debug)]
pub struct Runs {
    len: usize,
    pending: Vec<Diagnostic>,
    runs: Vec<PackedFindings>,
    /// Findings a pack cannot encode (kept in memory).
    kept: Vec<Diagnostic>,
}

impl Default for Runs {
    fn default() -> Self {
        // About 10 MB of findings in memory at most; 100,000 pods give some 15 runs, which
        // `Report::findings` merges with a heap.
        Self::with_run_len(RUN)
    }
}

impl Runs {
    /// Runs of at most `len` findings (tests use small runs).
    #[must_use]
    pub fn with_run_len(len: usize) -> Self {
        Self { len: len.max(1), pending: Vec::new(), runs: Vec::new(), kept: Vec::new() }
    }

    /// Adds findings, in any order (their fixes are dropped).
    pub fn push(&mut self, found: impl IntoIterator<Item = Diagnostic>) {
        for mut d in found {
            d.fix = None;
            self.pending.push(d);
            if self.pending.len() >= self.len {
                self.seal();
            }
        }
    }

    fn seal(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut run = std::mem::take(&mut self.pending);
        run.sort_by(crate::diagnostic::order);
        let mut pack = PackedFindings::default();
        self.kept.extend(pack.extend(run));
        pack.close();
        self.runs.push(pack);
    }

    /// Hands the runs to `packs` and the findings a pack cannot encode to `kept`.
    pub fn finish_into(mut self, packs: &mut Vec<PackedFindings>, kept: &mut Vec<Diagnostic>) {
        self.seal();
        packs.append(&mut self.runs);
        kept.append(&mut self.kept);
    }
}

/// Decodes a [`PackedFindings`] block by block.
pub struct PackedIter<'a> {
    pack: &'a PackedFindings,
    block: usize,
    /// The rule table of the block being decoded.
    rules: &'a [&'static RuleMeta],
    raw: Vec<u8>,
    at: usize,
    left: usize,
    file: Option<Arc<str>>,
    object: Option<ObjectRef>,
}

impl PackedIter<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.raw.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn string(&mut self) -> Option<String> {
        let n = usize::try_from(self.varint()?).ok()?;
        let bytes = self.raw.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        String::from_utf8(bytes.to_vec()).ok()
    }

    fn opt_string(&mut self) -> Option<Option<String>> {
        match self.byte()? {
            0 => Some(None),
            _ => self.string().map(Some),
        }
    }

    fn decode(&mut self) -> Option<Diagnostic> {
        let rule = u16::from_le_bytes([self.byte()?, self.byte()?]);
        let meta = *self.rules.get(usize::from(rule))?;
        let severity = severity_of(self.byte()?);
        let flags = self.byte()?;
        let message = self.string()?;
        let remediation = if flags & 4 != 0 { Cow::Borrowed(meta.remediation) } else { Cow::Owned(self.string()?) };
        if flags & 1 == 0 {
            self.file = self.opt_string()?.map(Arc::from);
        }
        if flags & 2 == 0 {
            let api_version = self.string()?;
            let kind = self.string()?;
            let namespace = self.opt_string()?;
            let name = self.string()?;
            self.object = Some(ObjectRef { api_version, kind, namespace, name });
        }
        let container = if flags & 8 != 0 { Some(self.string()?) } else { None };
        let line = u32::try_from(self.varint()?).ok()?;
        let col = u32::try_from(self.varint()?).ok()?;
        let path = FieldPath::parse(&self.string()?);
        let doc = if flags & 16 != 0 {
            let d = usize::try_from(self.varint()?).ok()?;
            let item = if flags & 32 != 0 { Some(usize::try_from(self.varint()?).ok()?) } else { None };
            Some((d, item))
        } else {
            None
        };
        Some(Diagnostic {
            rule: meta,
            severity,
            message,
            remediation,
            object: self.object.clone()?,
            container,
            file: self.file.clone(),
            pos: Pos::new(line, col),
            path,
            fix: None,
            doc,
        })
    }
}

impl Iterator for PackedIter<'_> {
    type Item = Diagnostic;

    fn next(&mut self) -> Option<Diagnostic> {
        while self.left == 0 {
            let block = self.pack.blocks.get(self.block)?;
            self.block += 1;
            // The data was compressed by `seal`; a failure would be a bug, and yields nothing.
            self.raw = lz4_flex::decompress_size_prepended(&block.data).ok()?;
            self.rules = &block.rules;
            self.at = 0;
            self.left = block.count;
            self.file = None;
            self.object = None;
        }
        self.left -= 1;
        self.decode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_round_trip_across_blocks() {
        let snap = crate::Snapshot::from_text(
            "a.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  containers:\n    - name: c\n      image: nginx\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: q}\n    spec: {containers: [{name: d, image: 'x:latest'}]}\n",
        );
        let report = crate::run(&snap, &crate::Settings::default());
        let mut findings: Vec<Diagnostic> = report.into_findings();
        for d in &mut findings {
            d.fix = None;
        }
        assert!(findings.len() > 10, "{}", findings.len());
        assert!(findings.iter().any(|d| d.container.is_some()) && findings.iter().any(|d| d.doc.is_some()));
        let mut pack = PackedFindings::default();
        // Many copies, so that several blocks are sealed.
        let copies = 3 * BLOCK / (findings.len() * 100) + 1;
        for _ in 0..copies {
            assert!(pack.extend(findings.clone()).is_empty());
        }
        pack.close();
        assert!(pack.blocks.len() > 1, "{} blocks", pack.blocks.len());
        assert_eq!(pack.len(), findings.len() * copies);
        let back: Vec<Diagnostic> = pack.iter().collect();
        assert_eq!(back.len(), findings.len() * copies);
        for (i, d) in back.iter().enumerate() {
            let e = &findings[i % findings.len()];
            assert_eq!(
                (
                    d.rule.code,
                    d.severity,
                    &d.message,
                    &d.remediation,
                    &d.object,
                    &d.container,
                    &d.file,
                    d.pos,
                    &d.path,
                    d.doc
                ),
                (
                    e.rule.code,
                    e.severity,
                    &e.message,
                    &e.remediation,
                    &e.object,
                    &e.container,
                    &e.file,
                    e.pos,
                    &e.path,
                    e.doc
                )
            );
        }
    }
}
