//! Cross-object rules that keep compact facts instead of whole documents.
//!
//! A cross-object rule (target `SNAPSHOT`) that implements [`Cross`] sees every object once,
//! while its file is being audited, and keeps only the few fields it needs as a `Fact` (a
//! policy's selector, a role's verbs and resources, a workload's pod labels and the position of
//! the field it would report). The tree is then dropped, so a streaming scan holds one file's
//! tree per thread, not the whole input. Once every file is read, [`Cross::finish`] gets the
//! facts in file order and reports through [`Context::report_at`], with a [`Handle`] (the
//! object's identity, file, exemptions) and an [`Anchor`] (a field resolved to its position)
//! captured when the tree was there.
//!
//! Rules that read whole documents (`check_snapshot`, for node and Docker host input, which is
//! small) still work: in a streaming scan they get the files that [`crate::rule::Rule::retains`]
//! keeps.

use std::any::Any;
use std::cell::RefCell;
use std::sync::Arc;

use crate::context::Context;
use crate::input::node::{Node, Pos};
use crate::input::object::{Object, ObjectRef};
use crate::input::path::FieldPath;
use crate::input::yaml::{Document, DuplicateKey};
use crate::settings::Settings;
use crate::suppression::{shared_exemptions, Exemption};

/// What a finding needs of an object once its tree is gone.
#[derive(Debug)]
pub struct Handle {
    /// Identity: apiVersion, kind, namespace and name in one allocation (`ends` splits it).
    ident: Box<str>,
    ends: [u32; 3],
    has_namespace: bool,
    /// The file (`None` for API input).
    pub file: Option<Arc<str>>,
    /// File, document and List item indexes (for fixes and the exemption cache).
    pub key: ObjectKey,
    /// A partial object (a kustomize patch).
    pub partial: bool,
    /// The object's valid `kubeward.io/` exemptions (empty when the settings disallow them).
    pub exemptions: Arc<[Exemption]>,
}

impl Handle {
    fn part(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends.get(i - 1).map_or(0, |e| *e as usize) };
        let end = self.ends.get(i).map_or(self.ident.len(), |e| *e as usize);
        self.ident.get(start..end).unwrap_or("")
    }

    /// `apiVersion`.
    #[must_use]
    pub fn api_version(&self) -> &str {
        self.part(0)
    }

    /// `kind`.
    #[must_use]
    pub fn kind(&self) -> &str {
        self.part(1)
    }

    /// `metadata.namespace`, when written.
    #[must_use]
    pub fn namespace(&self) -> Option<&str> {
        self.has_namespace.then(|| self.part(2))
    }

    /// `metadata.name`.
    #[must_use]
    pub fn name(&self) -> &str {
        self.part(3)
    }

    /// The object's reference, as findings carry it.
    #[must_use]
    pub fn oref(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version().to_string(),
            kind: self.kind().to_string(),
            namespace: self.namespace().map(str::to_string),
            name: self.name().to_string(),
        }
    }
}

impl std::fmt::Display for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // As `ObjectRef` shows itself.
        match self.namespace() {
            Some(ns) => write!(f, "{}/{}/{}", self.kind(), ns, self.name()),
            None if self.name().is_empty() => f.write_str(self.kind()),
            None => write!(f, "{}/{}", self.kind(), self.name()),
        }
    }
}

/// File, document and List item indexes of an object.
pub type ObjectKey = (usize, usize, Option<usize>);

/// A shared [`Handle`]: every fact and finding of one object points to the same one.
pub type ObjectHandle = Arc<Handle>;

/// A field of an object resolved to a position while the tree was there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// JSON pointer of the field.
    pub path: FieldPath,
    /// Its position, or its nearest existing parent's.
    pub pos: Pos,
    /// Whether the field itself is written (a partial object drops findings about absent fields).
    pub exists: bool,
}

impl Anchor {
    /// Resolves `path` in `obj`.
    #[must_use]
    pub fn of(obj: &Object<'_>, path: FieldPath) -> Self {
        let exists = path.lookup(obj.root).is_some();
        Self { pos: obj.pos(&path), exists, path }
    }
}

/// What a rule sees of the object besides its tree.
pub struct Facts<'s> {
    settings: &'s Settings,
    root: &'s Node,
    duplicates: &'s [DuplicateKey],
    cache: RefCell<Option<(ObjectKey, ObjectHandle)>>,
}

impl<'s> Facts<'s> {
    /// Facts of the objects of one document.
    #[must_use]
    pub fn new(settings: &'s Settings, doc: &'s Document) -> Self {
        Self { settings, root: &doc.root, duplicates: &doc.duplicates, cache: RefCell::new(None) }
    }

    /// The root of the object's document (the `List` itself for a List item).
    #[must_use]
    pub fn document_root(&self) -> &'s Node {
        self.root
    }

    /// The settings of the run.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        self.settings
    }

    /// Duplicate keys of the object's document.
    #[must_use]
    pub fn duplicates(&self) -> &[DuplicateKey] {
        self.duplicates
    }

    /// The object's handle (one per object, shared by every rule).
    #[must_use]
    pub fn handle(&self, obj: &Object<'_>) -> ObjectHandle {
        let key = (obj.origin.file_index, obj.origin.doc_index, obj.origin.item);
        let mut cache = self.cache.borrow_mut();
        if let Some((k, h)) = cache.as_ref() {
            if *k == key {
                return h.clone();
            }
        }
        let exemptions = shared_exemptions(obj, self.settings);
        let o = &obj.oref;
        let ns = o.namespace.as_deref().unwrap_or("");
        let ident: Box<str> = [o.api_version.as_str(), &o.kind, ns, &o.name].concat().into();
        let e0 = o.api_version.len();
        let e1 = e0 + o.kind.len();
        let e2 = e1 + ns.len();
        let fit = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let h = Arc::new(Handle {
            ident,
            ends: [fit(e0), fit(e1), fit(e2)],
            has_namespace: o.namespace.is_some(),
            file: obj.origin.file.clone(),
            key,
            partial: obj.origin.partial,
            exemptions,
        });
        *cache = Some((key, h.clone()));
        h
    }
}

/// A cross-object rule written as facts plus a final pass.
pub trait Cross: Sync {
    /// What the rule keeps of one object.
    type Fact: Send + Sync + 'static;
    /// Reads one object (called in parallel across files; objects of one file in order).
    fn fact(&self, obj: &Object<'_>, facts: &Facts<'_>, out: &mut Vec<Self::Fact>);
    /// Reads one document, before its objects (a scanner report is a document, not an object).
    fn document(&self, _doc: &DocumentRef<'_>, _facts: &Facts<'_>, _out: &mut Vec<Self::Fact>) {}
    /// Reports, given every fact in file order.
    fn finish(&self, facts: FactList<Self::Fact>, cx: &mut Context<'_>);
}

/// A document of a file, for [`Cross::document`].
pub struct DocumentRef<'a> {
    /// Its file.
    pub file: &'a crate::snapshot::SourceFile,
    /// The file's index in the run.
    pub file_index: usize,
    /// The document's index in the file.
    pub doc_index: usize,
    /// The document.
    pub doc: &'a Document,
}

/// The object-safe form of [`Cross`] the engine calls.
pub trait CrossDyn: Sync {
    /// Collects the facts of `obj` into `acc` (created on the first fact of a file).
    fn collect(&self, obj: &Object<'_>, facts: &Facts<'_>, acc: &mut Option<Box<dyn Any + Send + Sync>>);
    /// Collects the facts of a document (before those of its objects).
    fn collect_document(&self, doc: &DocumentRef<'_>, facts: &Facts<'_>, acc: &mut Option<Box<dyn Any + Send + Sync>>);
    /// Appends a file's facts (`from`, as collected, or as gathered by `append_part`) to the
    /// run's (`into`), in file order.
    fn append(&self, into: &mut Option<Box<dyn Any + Send + Sync>>, from: Box<dyn Any + Send + Sync>);
    /// Appends the facts of a later part of a file (`from`, as collected) to those of its
    /// earlier parts (`into`, as collected): a file audited in parts.
    fn append_part(&self, into: &mut Option<Box<dyn Any + Send + Sync>>, from: Box<dyn Any + Send + Sync>);
    /// Runs the final pass over the accumulated facts, in file order.
    fn finish_all(&self, accs: Vec<Box<dyn Any + Send + Sync>>, cx: &mut Context<'_>);
}

/// Lets `push` add facts to a file's accumulator, which is created on the first fact only.
fn push_into<T: Cross>(acc: &mut Option<Box<dyn Any + Send + Sync>>, push: impl FnOnce(&mut Vec<T::Fact>)) {
    match acc.as_mut().and_then(|a| a.downcast_mut::<Vec<T::Fact>>()) {
        Some(v) => push(v),
        None => {
            let mut v: Vec<T::Fact> = Vec::new();
            push(&mut v);
            if !v.is_empty() {
                *acc = Some(Box::new(v));
            }
        }
    }
}

impl<T: Cross> CrossDyn for T {
    fn collect(&self, obj: &Object<'_>, facts: &Facts<'_>, acc: &mut Option<Box<dyn Any + Send + Sync>>) {
        push_into::<T>(acc, |v| self.fact(obj, facts, v));
    }

    fn collect_document(&self, doc: &DocumentRef<'_>, facts: &Facts<'_>, acc: &mut Option<Box<dyn Any + Send + Sync>>) {
        push_into::<T>(acc, |v| self.document(doc, facts, v));
    }

    fn append(&self, into: &mut Option<Box<dyn Any + Send + Sync>>, from: Box<dyn Any + Send + Sync>) {
        let v = match from.downcast::<Vec<T::Fact>>() {
            Ok(v) => v,
            // A file audited in parts gathered its facts in a `FactList` (`append_part`).
            Err(from) => {
                let Ok(list) = from.downcast::<FactList<T::Fact>>() else { return };
                match into.as_mut().and_then(|a| a.downcast_mut::<FactList<T::Fact>>()) {
                    Some(all) => all.extend(list.into_facts()),
                    None => *into = Some(list),
                }
                return;
            }
        };
        match into.as_mut().and_then(|a| a.downcast_mut::<FactList<T::Fact>>()) {
            Some(all) => all.extend(*v),
            None => {
                let mut all = FactList::default();
                all.extend(*v);
                *into = Some(Box::new(all));
            }
        }
    }

    fn append_part(&self, into: &mut Option<Box<dyn Any + Send + Sync>>, from: Box<dyn Any + Send + Sync>) {
        let Ok(v) = from.downcast::<Vec<T::Fact>>() else { return };
        // Gathered in a `FactList` (chunks: appending never moves what is stored).
        if let Some(all) = into.as_mut().and_then(|a| a.downcast_mut::<FactList<T::Fact>>()) {
            all.extend(*v);
            return;
        }
        let mut all: FactList<T::Fact> = FactList::default();
        if let Some(first) = into.take().and_then(|a| a.downcast::<Vec<T::Fact>>().ok()) {
            all.extend(*first);
        }
        all.extend(*v);
        *into = Some(Box::new(all));
    }

    fn finish_all(&self, accs: Vec<Box<dyn Any + Send + Sync>>, cx: &mut Context<'_>) {
        // `append` made every accumulator a `FactList`.
        let mut all: FactList<T::Fact> = FactList::default();
        for list in accs.into_iter().filter_map(|a| a.downcast::<FactList<T::Fact>>().ok()) {
            if all.is_empty() {
                all = *list;
            } else {
                all.extend(*list);
            }
        }
        self.finish(all, cx);
    }
}

/// Facts of a whole run, in order, kept in chunks of [`FactList::CHUNK`]: appending never moves
/// what is stored (a growing vector would hold its old and new buffers at once, and a quarter of
/// its size unused), and at most one chunk is partly empty.
pub struct FactList<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for FactList<T> {
    fn default() -> Self {
        Self { chunks: Vec::new(), len: 0 }
    }
}

impl<T> FactList<T> {
    /// Facts per chunk.
    pub const CHUNK: usize = 4096;

    /// Appends facts in order.
    pub fn extend(&mut self, facts: impl IntoIterator<Item = T>) {
        for f in facts {
            self.push(f);
        }
    }

    /// The facts, in order, moved out.
    pub fn into_facts(self) -> impl Iterator<Item = T> {
        self.chunks.into_iter().flatten()
    }

    /// Appends one fact.
    pub fn push(&mut self, fact: T) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < Self::CHUNK => c.push(fact),
            _ => {
                let mut c = Vec::with_capacity(Self::CHUNK);
                c.push(fact);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }

    /// How many facts.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The facts in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks.iter().flatten()
    }
}

impl<'a, T> IntoIterator for &'a FactList<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter().flatten()
    }
}

impl<T> IntoIterator for FactList<T> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
    }
}
