//! `run`: every selected rule over a snapshot, once.
//!
//! Rules are bucketed by target once per run; each file's objects are visited once (in
//! parallel across files), their pod specs and containers derived once, and only the matching
//! bucket is called. Cross-object (snapshot) rules run last. The result is sorted, so the same
//! inputs always give the same report.

use std::borrow::Cow;
use std::sync::Arc;

use rayon::prelude::*;

use crate::context::Context;
use crate::diagnostic::{order, Diagnostic, InputError};
use crate::dispatch::Dispatch;
use crate::input::hostfile::HostFile;
use crate::input::object::{objects_in, Origin};
use crate::inventory::Inventory;
pub use crate::packed::Runs;
use crate::packed::{PackedFindings, PackedIter};
use crate::registry::rules;
use crate::rule::{DocumentView, Rule, Targets};
use crate::settings::Settings;
use crate::snapshot::{Snapshot, SourceFile};

/// The outcome of a run.
///
/// Its fields are private: the findings are read through [`Report::findings`] (in report
/// order, the compressed ones decoded as they come) and counted by [`Report::counts`], so no
/// writer can read only the part held in memory. `--baseline` and `--min-severity` hide
/// findings from that view without decoding them into memory ([`Report::hide`],
/// [`Report::hide_below`]).
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Findings held in memory, sorted by file, position and code.
    diagnostics: Vec<Diagnostic>,
    /// Inputs that could not be read or parsed.
    errors: Vec<InputError>,
    /// Files read.
    files: usize,
    /// Kubernetes objects audited.
    objects: usize,
    /// Findings dropped by annotation exemptions.
    exempted: usize,
    /// Rules that ran.
    rules_run: usize,
    /// Findings dropped because the baseline (`--baseline`) records them.
    hidden_by_baseline: usize,
    /// Findings not shown because they are below `--min-severity` (they still count for the
    /// exit code and the score), and that level.
    hidden_below: Option<(crate::rule::Severity, usize)>,
    /// The score of the whole audit, fixed before `--min-severity` hid findings (the score
    /// judges the audit, not the view of it).
    pinned_score: Option<crate::report::score::Score>,
    /// Findings of a streaming scan kept compressed (see [`crate::packed`]); `diagnostics` then
    /// holds the rest. [`Report::findings`] yields both, in order.
    packed: Option<Arc<[PackedFindings]>>,
    /// Findings hidden by the baseline: bit `i` is set when the `i`-th finding in report
    /// order is hidden (see [`Report::hide`]).
    hidden: Option<Arc<[u64]>>,
    /// Findings hidden per severity by the baseline (indexed like [`Severity::ALL`]).
    ///
    /// [`Severity::ALL`]: crate::rule::Severity::ALL
    hidden_counts: [usize; 5],
}

impl Report {
    /// A report of the given findings (in report order) and input errors, counting no file
    /// and no object (see [`Report::with_counts`]).
    #[must_use]
    pub fn new(findings: Vec<Diagnostic>, errors: Vec<InputError>) -> Self {
        Self { diagnostics: findings, errors, ..Self::default() }
    }

    /// The report with the given counts of files read, objects audited and rules run.
    #[must_use]
    pub fn with_counts(self, files: usize, objects: usize, rules_run: usize) -> Self {
        Self { files, objects, rules_run, ..self }
    }

    /// The report with `n` findings exempted by annotation (report writers' tests).
    #[cfg(test)]
    #[must_use]
    pub(crate) fn with_exempted(self, n: usize) -> Self {
        Self { exempted: n, ..self }
    }

    /// Inputs that could not be read or parsed.
    #[must_use]
    pub fn errors(&self) -> &[InputError] {
        &self.errors
    }

    /// Files read.
    #[must_use]
    pub fn files(&self) -> usize {
        self.files
    }

    /// Sets the number of files read (`kubeward cluster` reads no file: its pages are not).
    pub fn set_files(&mut self, files: usize) {
        self.files = files;
    }

    /// Kubernetes objects audited.
    #[must_use]
    pub fn objects(&self) -> usize {
        self.objects
    }

    /// Sets the number of objects audited.
    pub fn set_objects(&mut self, objects: usize) {
        self.objects = objects;
    }

    /// Findings dropped by annotation exemptions.
    #[must_use]
    pub fn exempted(&self) -> usize {
        self.exempted
    }

    /// Rules that ran.
    #[must_use]
    pub fn rules_run(&self) -> usize {
        self.rules_run
    }

    /// Findings hidden because the baseline (`--baseline`) records them.
    #[must_use]
    pub fn hidden_by_baseline(&self) -> usize {
        self.hidden_by_baseline
    }

    /// The level of `--min-severity` and how many findings it hides.
    #[must_use]
    pub fn hidden_below(&self) -> Option<(crate::rule::Severity, usize)> {
        self.hidden_below
    }

    /// The score fixed before `--min-severity` hid findings.
    #[must_use]
    pub fn pinned_score(&self) -> Option<crate::report::score::Score> {
        self.pinned_score
    }

    /// Findings per severity, most severe first (the findings shown: those hidden by the
    /// baseline or below `--min-severity` count 0).
    #[must_use]
    pub fn counts(&self) -> [(crate::rule::Severity, usize); 5] {
        let mut packed = [0usize; 5];
        for sp in self.packed.iter().flat_map(|s| s.iter()) {
            for (n, c) in packed.iter_mut().zip(sp.counts()) {
                *n += c;
            }
        }
        let mut i = 0;
        crate::rule::Severity::ALL.map(|s| {
            let n = packed[i] + self.diagnostics.iter().filter(|d| d.severity == s).count() - self.hidden_counts[i];
            i += 1;
            let shown = self.hidden_below.is_none_or(|(min, _)| s >= min);
            (s, if shown { n } else { 0 })
        })
    }

    /// How many findings the report shows.
    #[must_use]
    pub fn finding_count(&self) -> usize {
        self.counts().iter().map(|(_, n)| n).sum()
    }

    /// Every finding shown, in report order (decoding the compressed ones as it goes).
    pub fn findings(&self) -> impl Iterator<Item = Cow<'_, Diagnostic>> + '_ {
        let min = self.hidden_below.map(|(min, _)| min);
        let hidden = self.hidden.as_deref();
        self.all_findings()
            .enumerate()
            .filter(move |(i, d)| !is_set(hidden, *i) && min.is_none_or(|m| d.severity >= m))
            .map(|(_, d)| d)
    }

    /// Every finding shown, in report order, in memory.
    #[must_use]
    pub fn into_findings(self) -> Vec<Diagnostic> {
        self.findings().map(Cow::into_owned).collect()
    }

    /// Every finding, hidden or not, in report order.
    fn all_findings(&self) -> Merge<'_> {
        Merge::new(self.packed.iter().flat_map(|s| s.iter()).map(PackedFindings::iter).collect(), &self.diagnostics)
    }

    /// The findings held in memory (a part of them in a streaming scan: never the report's
    /// findings, see [`Report::findings`]). Compressed findings always name registered rules,
    /// so a writer looks here for rules that are not registered (tests).
    pub(crate) fn in_memory_part(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Hides the findings below `min` (`--min-severity`): the score is pinned first, and the
    /// summary says how many were hidden. Nothing is decoded: [`Report::findings`] and
    /// [`Report::counts`] leave them out.
    pub fn hide_below(&mut self, min: crate::rule::Severity) {
        self.pinned_score = crate::report::score::score(self);
        let below = self.counts().iter().filter(|(s, _)| *s < min).map(|(_, n)| n).sum();
        self.hidden_below = Some((min, below));
    }

    /// Hides the findings for which `hide` says so (called once per finding, in report
    /// order), counting them in [`Report::hidden_by_baseline`]; the findings are decoded one
    /// at a time, and only a bit per finding is kept.
    pub fn hide(&mut self, mut hide: impl FnMut(&Diagnostic) -> bool) {
        let mut bits: Vec<u64> = self.hidden.as_deref().map(<[u64]>::to_vec).unwrap_or_default();
        let mut counts = self.hidden_counts;
        let mut n = 0;
        for (i, d) in self.all_findings().enumerate() {
            if is_set(Some(&bits), i) || !hide(&d) {
                continue;
            }
            if bits.len() <= i / 64 {
                bits.resize(i / 64 + 1, 0);
            }
            bits[i / 64] |= 1 << (i % 64);
            if let Some(k) = crate::rule::Severity::ALL.iter().position(|s| *s == d.severity) {
                counts[k] += 1;
            }
            n += 1;
        }
        self.hidden = Some(bits.into());
        self.hidden_counts = counts;
        self.hidden_by_baseline += n;
    }
}

/// Whether bit `i` is set.
fn is_set(bits: Option<&[u64]>, i: usize) -> bool {
    bits.and_then(|b| b.get(i / 64)).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

/// Merges the compressed findings (the files' and each cross-object rule's, or the sorted runs
/// of an unordered stream) with the ones kept in memory; each is in report order.
struct Merge<'a> {
    packed: Vec<PackedIter<'a>>,
    /// The next finding of each pack, smallest first.
    heads: std::collections::BinaryHeap<Head>,
    kept: std::iter::Peekable<std::slice::Iter<'a, Diagnostic>>,
}

impl<'a> Merge<'a> {
    fn new(packed: Vec<PackedIter<'a>>, kept: &'a [Diagnostic]) -> Self {
        let mut m = Self { packed, heads: std::collections::BinaryHeap::new(), kept: kept.iter().peekable() };
        for i in 0..m.packed.len() {
            m.refill(i);
        }
        m
    }

    fn refill(&mut self, source: usize) {
        if let Some(d) = self.packed.get_mut(source).and_then(Iterator::next) {
            self.heads.push(Head { d, source });
        }
    }
}

/// A pack's next finding in [`Merge`]'s heap.
struct Head {
    d: Diagnostic,
    source: usize,
}

impl Ord for Head {
    /// Reversed (the heap is a max-heap): the first in report order, then the first pack.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        order(&other.d, &self.d).then(other.source.cmp(&self.source))
    }
}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Head {}

impl<'a> Iterator for Merge<'a> {
    type Item = Cow<'a, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        // A packed finding goes first when equal to the kept one.
        let take_kept = match (self.heads.peek(), self.kept.peek()) {
            (Some(h), Some(k)) => order(&h.d, k) == std::cmp::Ordering::Greater,
            (None, _) => true,
            (Some(_), None) => false,
        };
        if take_kept {
            return self.kept.next().map(Cow::Borrowed);
        }
        let Head { d, source } = self.heads.pop()?;
        self.refill(source);
        Some(Cow::Owned(d))
    }
}

/// Runs the selected rules.
#[must_use]
pub fn run(snap: &Snapshot, settings: &Settings) -> Report {
    let selected: Vec<&'static dyn Rule> = rules().iter().copied().filter(|r| settings.is_selected(r.meta())).collect();
    run_rules(snap, settings, &selected)
}

/// Runs the given rules (tests run one rule at a time).
#[must_use]
pub fn run_rules(snap: &Snapshot, settings: &Settings, selected: &[&'static dyn Rule]) -> Report {
    let plan = Plan::new(settings, selected);
    let per_file: Vec<FileOut> =
        snap.files.par_iter().enumerate().map(|(i, f)| plan.audit_file(i, f, 0, false)).collect();
    let mut acc = Accumulator::new(&plan);
    for out in per_file {
        acc.absorb(&plan, out);
    }
    let mut report = Report { files: snap.files.len(), errors: snap.errors.clone(), ..Report::default() };
    acc.finish(&plan, &snap.host_files, &mut report, None);
    sort_report(&mut report);
    report
}

/// A streaming run: inputs are audited as they are read and dropped, keeping only what the
/// inventory keeps of them (see [`crate::inventory`]).
///
/// The stream owns the protocol: it audits inputs (in parallel), compresses their findings and
/// absorbs them in report order. Front ends hand it inputs in one of two ways:
///
/// - [`Stream::feed`]: inputs read here (`kubeward scan`'s files), in batches audited in
///   parallel and absorbed in order, one batch absorbed while the next is audited; a large
///   file is audited in [`Parts`];
/// - [`Stream::pages`]: inputs that arrive elsewhere, audited where they arrive and absorbed
///   in the order the source says (`kubeward cluster`'s API pages).
///
/// ```text
/// let mut s = Stream::with_settings(&settings);
/// s.feed(items, |auditor, i, item| (Some(auditor.audit(i, &read(item))), ()), |()| {});
/// let report = s.finish(errors);
/// ```
///
/// `kubeward fix`, `node`, `images` and the snapshot tests call [`run`] on a snapshot: the
/// same plan (the rules bucketed once, visited through `dispatch::Dispatch`) and the same
/// accumulator. Admission ([`crate::admission::Prepared`]) visits its one object through the
/// same dispatch.
pub struct Stream<'s> {
    plan: Plan<'s>,
    acc: Accumulator,
    files: usize,
    pack: PackedFindings,
    /// An unordered stream's findings (see [`Stream::unordered`]).
    runs: Option<Runs>,
}

/// Inputs audited per batch by [`Stream::feed`]: read, parsed and audited in parallel, then
/// absorbed in order.
const BATCH: usize = 512;

impl<'s> Stream<'s> {
    /// A stream over the selected rules.
    #[must_use]
    pub fn new(settings: &'s Settings, selected: &[&'static dyn Rule]) -> Self {
        let plan = Plan::new(settings, selected);
        let acc = Accumulator::new(&plan);
        Self { plan, acc, files: 0, pack: PackedFindings::default(), runs: None }
    }

    /// A stream over the rules the settings select whose inputs do not come in report order
    /// (the pages of API lists: no file, so findings sort by code and object). Findings are
    /// gathered in sorted runs, each compressed, and merged when the report is written (an
    /// external sort).
    #[must_use]
    pub fn unordered(settings: &'s Settings) -> Self {
        Self::unordered_with_run_len(settings, crate::packed::RUN)
    }

    /// [`Stream::unordered`] with runs of at most `len` findings (tests and fuzzing use tiny
    /// runs to exercise the merge).
    #[must_use]
    pub fn unordered_with_run_len(settings: &'s Settings, len: usize) -> Self {
        Self { runs: Some(Runs::with_run_len(len)), ..Self::with_settings(settings) }
    }

    /// A stream over the rules the settings select.
    #[must_use]
    pub fn with_settings(settings: &'s Settings) -> Self {
        let selected: Vec<&'static dyn Rule> =
            rules().iter().copied().filter(|r| settings.is_selected(r.meta())).collect();
        Self::new(settings, &selected)
    }

    /// Audits input `index` (one at a time: [`Stream::feed`] audits in parallel).
    #[must_use]
    pub fn audit(&self, index: usize, file: &SourceFile) -> Audited {
        Auditor { plan: &self.plan }.audit(index, file)
    }

    /// Absorbs an input's results, in report order (the order of the files' paths; an
    /// unordered stream sorts them itself).
    pub fn absorb(&mut self, audited: Audited) {
        self.split().1.take(audited);
    }

    /// Reads, audits and absorbs `items`, in report order: `audit` reads and audits one item
    /// on any thread (with the `index` of its position among the items) and returns its
    /// results (none when it could not be read) and what the caller keeps of it; the stream
    /// absorbs the results in the items' order, in batches (the previous batch absorbed
    /// while the next is audited), and hands the caller's part to `done`, in the same order.
    pub fn feed<T, X, A, D>(&mut self, items: impl IntoIterator<Item = T>, audit: A, mut done: D)
    where
        T: Send,
        X: Send,
        A: Fn(&Auditor<'_, 's>, usize, T) -> (Option<Audited>, X) + Sync,
        D: FnMut(X) + Send,
    {
        let mut index = 0usize;
        let mut rest = items.into_iter();
        let mut pending: Vec<(Option<Audited>, X)> = Vec::new();
        loop {
            let batch: Vec<T> = rest.by_ref().take(BATCH).collect();
            if batch.is_empty() && pending.is_empty() {
                break;
            }
            let (auditor, mut sink) = self.split();
            let base = index;
            index += batch.len();
            let (results, ()) = rayon::join(
                || {
                    batch
                        .into_par_iter()
                        .enumerate()
                        .map(|(j, item)| audit(&auditor, base + j, item))
                        .collect::<Vec<_>>()
                },
                || {
                    for (audited, x) in pending.drain(..) {
                        if let Some(a) = audited {
                            sink.take(a);
                        }
                        done(x);
                    }
                },
            );
            pending = results;
        }
    }

    /// Audits and absorbs inputs that arrive elsewhere (the pages of `kubeward cluster`'s API
    /// lists). `source` gets `page`, to call on any thread with each input as it arrives (it
    /// audits the input, compresses its findings and drops its trees), and `take`, to call
    /// with `page`'s results in the order the stream is to absorb them. Returns what `source`
    /// returns.
    pub fn pages<R>(
        &mut self,
        source: impl FnOnce(&(dyn Fn(usize, SourceFile) -> Audited + Sync), &mut dyn FnMut(Audited)) -> R,
    ) -> R {
        let (auditor, mut sink) = self.split();
        let page = |i: usize, file: SourceFile| {
            let mut audited = auditor.audit(i, &file);
            audited.out.pack();
            audited
        };
        let mut take = |a: Audited| sink.take(a);
        source(&page, &mut take)
    }

    /// The stream as an auditor (shared across threads) and a sink (one thread), so that one
    /// batch of inputs can be absorbed while the next is audited.
    fn split(&mut self) -> (Auditor<'_, 's>, Sink<'_, 's>) {
        let Self { plan, acc, files, pack, runs } = self;
        (Auditor { plan }, Sink { plan, acc, files, pack, runs })
    }

    /// Runs the cross-object rules and returns the report (sorted like [`run`]'s).
    #[must_use]
    pub fn finish(mut self, errors: Vec<InputError>) -> Report {
        let mut report = Report { files: self.files, errors, ..Report::default() };
        let mut packs = Vec::new();
        self.acc.finish(&self.plan, &[], &mut report, Some(&mut packs));
        for d in &mut report.diagnostics {
            d.fix = None;
        }
        if let Some(runs) = self.runs {
            runs.finish_into(&mut packs, &mut report.diagnostics);
        }
        sort_report(&mut report);
        self.pack.close();
        packs.push(self.pack);
        report.packed = Some(packs.into());
        report
    }
}

/// One input's results, made by an [`Auditor`] (or [`Parts`]) for a [`Stream`] to absorb.
pub struct Audited {
    out: FileOut,
}

/// Audits inputs for a [`Stream`] (shared across threads; see [`Stream::feed`]).
pub struct Auditor<'a, 's> {
    plan: &'a Plan<'s>,
}

impl<'a, 's> Auditor<'a, 's> {
    /// Audits input `index`, a whole file (or page).
    #[must_use]
    pub fn audit(&self, index: usize, file: &SourceFile) -> Audited {
        Audited { out: self.plan.audit_file(index, file, 0, true) }
    }

    /// Starts auditing file `index` in parts, with its first part (a large file is parsed
    /// and audited in parts, so that one part's trees are held at a time): add the next
    /// parts in order with [`Parts::add`], then [`Parts::finish`].
    #[must_use]
    pub fn parts(&self, index: usize, first: &SourceFile) -> Parts<'a, 's> {
        let out = self.plan.audit_file(index, first, 0, true);
        Parts { plan: self.plan, index, next: first.documents.len(), out }
    }
}

/// A file audited in parts (see [`Auditor::parts`]): the parts' counts and inventories
/// are appended, their findings compressed as they come (fixes dropped).
pub struct Parts<'a, 's> {
    plan: &'a Plan<'s>,
    index: usize,
    /// The index of the next part's first document.
    next: usize,
    out: FileOut,
}

impl Parts<'_, '_> {
    /// Audits the next part: its documents follow the previous part's.
    pub fn add(&mut self, part: &SourceFile) {
        let o = self.plan.audit_file(self.index, part, self.next, true);
        self.next += part.documents.len();
        let into = &mut self.out;
        into.objects += o.objects;
        into.exempted += o.exempted;
        match (into.inventory.as_mut(), o.inventory) {
            (Some(all), Some(later)) => all.append(later),
            (None, later) => into.inventory = later,
            (Some(_), None) => {}
        }
        into.pack_in_order();
        let mut found = o.diagnostics;
        found.extend(o.packed.iter().flat_map(PackedFindings::iter));
        into.push_in_order(found);
    }

    /// Ends the file.
    #[must_use]
    pub fn finish(mut self) -> Audited {
        if let Some(p) = self.out.packed.as_mut() {
            p.close();
        }
        Audited { out: self.out }
    }
}

/// Takes audited inputs for a [`Stream`], in order (one thread).
struct Sink<'a, 's> {
    plan: &'a Plan<'s>,
    acc: &'a mut Accumulator,
    files: &'a mut usize,
    pack: &'a mut PackedFindings,
    runs: &'a mut Option<Runs>,
}

impl Sink<'_, '_> {
    /// Takes an input's results: the file's findings are compressed (their fixes dropped: a
    /// scan reports, `kubeward fix` runs without streaming), or sorted into runs by an
    /// unordered stream; the file is kept when a whole-snapshot rule needs it.
    fn take(&mut self, audited: Audited) {
        let Audited { mut out } = audited;
        *self.files += 1;
        let mut diagnostics = std::mem::take(&mut out.diagnostics);
        if let Some(runs) = self.runs.as_mut() {
            if let Some(packed) = out.packed.take() {
                runs.push(packed.iter());
            }
            runs.push(diagnostics);
            self.acc.absorb(self.plan, out);
            return;
        }
        if let Some(packed) = out.packed.take() {
            if diagnostics.is_empty() {
                // Already compressed in report order (a file audited in parts): its blocks
                // are taken as they are.
                self.pack.append(packed);
                self.acc.absorb(self.plan, out);
                return;
            }
            diagnostics.extend(packed.iter());
            diagnostics.sort_by(order);
        }
        for d in &mut diagnostics {
            d.fix = None;
        }
        out.diagnostics = self.pack.extend(diagnostics);
        self.acc.absorb(self.plan, out);
    }
}

/// One file's results (inside [`Audited`]).
pub(crate) struct FileOut {
    diagnostics: Vec<Diagnostic>,
    objects: usize,
    exempted: usize,
    /// What the file adds to the inventory (when an inventory rule runs).
    inventory: Option<Inventory>,
    /// The findings, compressed by [`FileOut::pack`] (or by [`Parts::add`]).
    packed: Option<PackedFindings>,
    /// The last finding compressed by [`Parts::add`] (the next part's must not sort
    /// before it).
    last_packed: Option<Diagnostic>,
}

impl FileOut {
    /// Compresses the file's findings (about 30 bytes each; their fixes are dropped), for a
    /// caller that holds results a while before absorbing them (an API list is absorbed once
    /// all its pages are read, in the order of the lists).
    pub(crate) fn pack(&mut self) {
        let mut found = std::mem::take(&mut self.diagnostics);
        for d in &mut found {
            d.fix = None;
        }
        let mut pack = self.packed.take().unwrap_or_default();
        self.diagnostics = pack.extend(found);
        pack.close();
        self.packed = Some(pack);
    }

    /// Compresses the findings held in memory when they continue the compressed ones in
    /// report order (a part's first findings before [`Parts::add`] adds the next part).
    fn pack_in_order(&mut self) {
        if self.packed.is_none() && self.last_packed.is_none() {
            let found = std::mem::take(&mut self.diagnostics);
            self.push_in_order(found);
        }
    }

    /// Appends findings sorted in report order: compressed when they come after every finding
    /// compressed so far, else kept in memory (the stream then sorts them in).
    fn push_in_order(&mut self, mut found: Vec<Diagnostic>) {
        let Some(first) = found.first() else { return };
        if self.last_packed.as_ref().is_some_and(|l| order(l, first) == std::cmp::Ordering::Greater) {
            self.diagnostics.append(&mut found);
            return;
        }
        for d in &mut found {
            d.fix = None;
        }
        self.last_packed = found.last().cloned();
        let pack = self.packed.get_or_insert_with(PackedFindings::default);
        let mut kept = pack.extend(found);
        self.diagnostics.append(&mut kept);
    }
}

/// The selected rules, bucketed by target once per run.
struct Plan<'s> {
    settings: &'s Settings,
    rules_run: usize,
    /// The per-object rules (object, pod spec, container): the dispatch admission uses too.
    dispatch: Dispatch,
    dockerfile_rules: Vec<&'static dyn Rule>,
    host_file_rules: Vec<&'static dyn Rule>,
    document_rules: Vec<&'static dyn Rule>,
    inventory_rules: Vec<&'static dyn Rule>,
}

impl<'s> Plan<'s> {
    fn new(settings: &'s Settings, selected: &[&'static dyn Rule]) -> Self {
        let bucket = |t: Targets| -> Vec<&'static dyn Rule> {
            selected.iter().copied().filter(|r| r.meta().targets.has(t)).collect()
        };
        Self {
            settings,
            rules_run: selected.len(),
            dispatch: Dispatch::new(selected, false),
            dockerfile_rules: bucket(Targets::DOCKERFILE),
            host_file_rules: bucket(Targets::HOST_FILE),
            document_rules: bucket(Targets::DOCUMENT),
            inventory_rules: bucket(Targets::INVENTORY),
        }
    }

    /// Runs the per-document, per-object, pod, container and Dockerfile rules on one file and
    /// fills the file's part of the inventory.
    fn audit_file(&self, i: usize, file: &SourceFile, first_doc: usize, streaming: bool) -> FileOut {
        let settings = self.settings;
        let mut cx = self.dispatch.contexts(settings);
        let mut cx_doc: Vec<Context<'_>> =
            self.document_rules.iter().map(|r| Context::new(settings, r.meta())).collect();
        let mut inventory = (!self.inventory_rules.is_empty()).then(Inventory::default);
        if let Some(inv) = inventory.as_mut() {
            inv.add_file(file);
        }
        let mut objects = 0;
        for (d, doc) in file.documents.iter().enumerate() {
            let d = first_doc + d;
            let origin =
                Origin { file: file.path.clone(), file_index: i, doc_index: d, item: None, partial: file.partial };
            if let Some(inv) = inventory.as_mut() {
                inv.add_document(file, i, d, doc, settings);
            }
            objects_in(&doc.root, &origin, |obj| {
                objects += 1;
                // The document's rules, on its first object (a List's first item stands for it).
                if !self.document_rules.is_empty() && obj.origin.item.unwrap_or(0) == 0 {
                    let view = DocumentView {
                        root: &doc.root,
                        origin: Origin { item: None, ..obj.origin.clone() },
                        duplicates: &doc.duplicates,
                    };
                    for (r, cx) in self.document_rules.iter().zip(cx_doc.iter_mut()) {
                        r.check_document(&view, cx);
                    }
                }
                if let Some(inv) = inventory.as_mut() {
                    inv.add_object(&obj, settings);
                }
                self.dispatch.visit(&obj, &mut cx);
            });
        }
        let mut diagnostics = Vec::new();
        let mut exempted = 0;
        for cx in cx_doc.into_iter().chain(cx.0) {
            let c = cx.finish();
            exempted += c.exempted;
            diagnostics.extend(c.diagnostics);
        }
        if !self.dockerfile_rules.is_empty()
            && file.documents.is_empty()
            && file.path.as_deref().is_some_and(crate::input::dockerfile::is_dockerfile_path)
        {
            let df = crate::input::dockerfile::Dockerfile::parse(file.path.as_deref(), &file.text);
            for r in &self.dockerfile_rules {
                let mut cx = Context::new(settings, r.meta());
                r.check_dockerfile(&df, &mut cx);
                let c = cx.finish();
                exempted += c.exempted;
                diagnostics.extend(c.diagnostics);
            }
        }
        if streaming {
            diagnostics.sort_by(order);
        }
        FileOut { diagnostics, objects, exempted, inventory, packed: None, last_packed: None }
    }
}

/// What the files gave so far.
struct Accumulator {
    diagnostics: Vec<Diagnostic>,
    objects: usize,
    exempted: usize,
    /// The inventory of the files so far, in file order.
    inventory: Inventory,
}

impl Accumulator {
    fn new(_plan: &Plan<'_>) -> Self {
        Self { diagnostics: Vec::new(), objects: 0, exempted: 0, inventory: Inventory::default() }
    }

    fn absorb(&mut self, _plan: &Plan<'_>, out: FileOut) {
        self.diagnostics.extend(out.diagnostics);
        self.objects += out.objects;
        self.exempted += out.exempted;
        if let Some(inv) = out.inventory {
            self.inventory.append(inv);
        }
    }

    /// Runs the host-file and inventory rules and fills `report` (`host_files`: the node files
    /// whose permissions `kubeward node` read).
    /// With `packs` (a streaming scan), each inventory rule's findings are compressed into a
    /// pack of their own as soon as the rule is done.
    fn finish(
        self,
        plan: &Plan<'_>,
        host_files: &[HostFile],
        report: &mut Report,
        mut packs: Option<&mut Vec<PackedFindings>>,
    ) {
        report.rules_run = plan.rules_run;
        report.diagnostics = self.diagnostics;
        report.objects = self.objects;
        report.exempted = self.exempted;
        for r in &plan.host_file_rules {
            let mut cx = Context::new(plan.settings, r.meta());
            for f in host_files {
                r.check_host_file(f, &mut cx);
            }
            report.diagnostics.extend(cx.finish().diagnostics);
        }
        let mut inventory = self.inventory;
        inventory.add_host_files(host_files);
        inventory.add_input_errors(&report.errors);
        for r in &plan.inventory_rules {
            // A streaming run compresses a rule's findings in sorted runs as they come.
            let mut cx = match packs {
                Some(_) => Context::packing(plan.settings, r.meta()),
                None => Context::new(plan.settings, r.meta()),
            };
            r.check_inventory(&inventory, &mut cx);
            let c = cx.finish();
            report.exempted += c.exempted;
            report.diagnostics.extend(c.diagnostics);
            if let (Some(packs), Some(runs)) = (packs.as_deref_mut(), c.runs) {
                runs.finish_into(packs, &mut report.diagnostics);
            }
        }
    }
}

/// Sorts findings by file, position and code (and errors by file and position), so the same
/// inputs always give the same report.
fn sort_report(report: &mut Report) {
    report.diagnostics.sort_by(order);
    report.errors.sort_by(|a, b| (a.file.as_deref(), a.pos).cmp(&(b.file.as_deref(), b.pos)));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files without paths (like API pages): findings sort by position, code and object, so
    /// an unordered stream must sort across files.
    fn pages() -> Snapshot {
        let mut snap = Snapshot::default();
        for i in 0..12 {
            let text = format!(
                "apiVersion: v1\nkind: Namespace\nmetadata: {{name: ns{i}}}\n---\n\
                 apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web{i}, namespace: ns{m}}}\n\
                 spec:\n  template:\n    spec:\n      hostNetwork: {host}\n      containers:\n        - name: c\n          image: nginx:{tag}\n---\n\
                 apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: b{i}}}\n\
                 roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}}\n\
                 subjects: [{{kind: ServiceAccount, name: default, namespace: ns{i}}}]\n",
                m = i % 5,
                host = i % 3 == 0,
                tag = if i % 2 == 0 { "latest" } else { "1.27" },
            );
            let mut page = Snapshot::from_text("page.yaml", &text);
            assert!(page.errors.is_empty(), "{:?}", page.errors);
            for f in &mut page.files {
                f.path = None;
            }
            snap.files.append(&mut page.files);
        }
        snap
    }

    fn key(d: &Diagnostic) -> (Option<String>, crate::input::node::Pos, &'static str, String, String, String) {
        (
            d.file.as_deref().map(str::to_string),
            d.pos,
            d.rule.code,
            format!("{:?}", d.object),
            d.path.as_str().to_string(),
            d.message.clone(),
        )
    }

    #[test]
    fn an_unordered_stream_reports_like_the_snapshot_engine() {
        let settings = Settings::default();
        let snap = pages();
        let expected = run(&snap, &settings);
        assert!(expected.finding_count() > 40, "{}", expected.finding_count());
        for (run_len, pack) in [(1, false), (7, true), (1 << 16, false), (5, true)] {
            let mut stream = Stream::unordered_with_run_len(&settings, run_len);
            // Audited out of order and in parallel; absorbed in order (inventories
            // keep the order of the pages).
            let mut outs: Vec<(usize, Audited)> =
                snap.files.par_iter().enumerate().rev().map(|(i, f)| (i, stream.audit(i, f))).collect();
            outs.sort_by_key(|(i, _)| *i);
            for (_, mut out) in outs {
                if pack {
                    out.out.pack();
                }
                stream.absorb(out);
            }
            let got = stream.finish(Vec::new());
            assert_eq!(got.finding_count(), expected.finding_count(), "run length {run_len}");
            let got: Vec<_> = got.findings().map(|d| key(&d)).collect();
            let want: Vec<_> = expected.findings().map(|d| key(&d)).collect();
            assert_eq!(got, want, "run length {run_len}, packed {pack}");
        }
    }

    /// A cross-object rule reporting on more objects than a packing context keeps in memory
    /// (POD019 reports every pod here): the streaming report equals the snapshot one, exempted
    /// findings counted once.
    #[test]
    fn cross_rule_findings_pack_in_runs_like_the_snapshot_engine() {
        let settings = Settings::default();
        let n = crate::packed::RUN + crate::packed::RUN / 2;
        let mut text = String::with_capacity(n * 200);
        for i in 0..n {
            let exempt = if i % 10 == 0 {
                ", annotations: {kubeward.io/ignore: POD019, kubeward.io/ignore-reason: test}"
            } else {
                ""
            };
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: ns{}{exempt}}}\nspec: {{containers: [{{name: c, image: 'nginx:1.27'}}]}}\n",
                n - i
            ));
        }
        let snap = Snapshot::from_text("pods.yaml", &text);
        let pod019: Vec<&'static dyn Rule> = rules().iter().copied().filter(|r| r.meta().code == "POD019").collect();
        let expected = run_rules(&snap, &settings, &pod019);
        assert_eq!(expected.finding_count(), n - n.div_ceil(10));
        assert_eq!(expected.exempted, n.div_ceil(10));
        let mut stream = Stream::new(&settings, &pod019);
        let out = stream.audit(0, &snap.files[0]);
        stream.absorb(out);
        let got = stream.finish(Vec::new());
        assert!(got.packed.as_ref().is_some_and(|s| s.len() > 2), "several runs");
        assert_eq!(got.exempted, expected.exempted);
        let got: Vec<_> = got.findings().map(|d| key(&d)).collect();
        assert_eq!(got, expected.findings().map(|d| key(&d)).collect::<Vec<_>>());
    }

    /// Every rule fixture, each document a page without a path (as `kubeward cluster` gets API
    /// objects), through an unordered stream with tiny runs and packed findings: the same
    /// findings as the snapshot engine, in order. (Found by the `stream` fuzz target: pages
    /// without text were not kept for the etcd rules, which compare pods across pages.)
    #[test]
    fn rule_fixtures_as_api_pages_stream_like_the_snapshot_engine() {
        let settings = crate::testing::fixture_settings();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/test/fixtures");
        let mut files: Vec<std::path::PathBuf> = Vec::new();
        for dir in std::fs::read_dir(&root).expect("fixtures").flatten() {
            for f in std::fs::read_dir(dir.path()).expect("category").flatten() {
                if f.path().extension().is_some_and(|e| e == "yaml") {
                    files.push(f.path());
                }
            }
        }
        files.sort();
        assert!(files.len() > 150, "{} fixtures", files.len());
        let mut checked = 0;
        for f in files {
            let text = std::fs::read_to_string(&f).expect("fixture");
            let mut pages = Snapshot::from_text("fixture.yaml", &text);
            for p in &mut pages.files {
                p.path = None;
                p.text = String::new();
            }
            // One page per document.
            let docs: Vec<_> = pages.files.drain(..).flat_map(|p| p.documents).collect();
            for d in docs {
                pages.files.push(SourceFile { path: None, text: String::new(), documents: vec![d], partial: false });
            }
            let expected = run(&pages, &settings);
            let mut stream = Stream::unordered_with_run_len(&settings, 3);
            for (i, p) in pages.files.iter().enumerate() {
                let mut out = stream.audit(i, p);
                if i % 2 == 0 {
                    out.out.pack();
                }
                stream.absorb(out);
            }
            let got = stream.finish(Vec::new());
            let got: Vec<_> = got.findings().map(|d| key(&d)).collect();
            let want: Vec<_> = expected.findings().map(|d| key(&d)).collect();
            assert_eq!(got, want, "{}", f.display());
            checked += want.len();
        }
        assert!(checked > 1000, "{checked} findings compared");
    }

    #[test]
    fn an_ordered_stream_takes_packed_findings_too() {
        let settings = Settings::default();
        let snap = Snapshot::from_text(
            "a.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  containers:\n    - name: c\n      image: nginx\n",
        );
        let expected = run(&snap, &settings);
        let mut stream = Stream::with_settings(&settings);
        let mut out = stream.audit(0, &snap.files[0]);
        out.out.pack();
        stream.absorb(out);
        let got = stream.finish(Vec::new());
        let got: Vec<_> = got.findings().map(|d| key(&d)).collect();
        assert_eq!(got, expected.findings().map(|d| key(&d)).collect::<Vec<_>>());
    }
}
