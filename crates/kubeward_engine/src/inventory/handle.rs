//! What a finding needs of an object once its tree is gone: a [`Handle`] (identity, file,
//! exemptions) and an [`Anchor`] or [`Spot`] (a field resolved to its position while the tree
//! was there).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::input::node::Pos;
use crate::input::object::{Object, ObjectRef};
use crate::input::path::FieldPath;
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
    /// Document and List item indexes in the file (for fixes).
    doc: (u32, Option<u32>),
    /// A partial object (a kustomize patch).
    pub partial: bool,
    /// The object's valid `kubeward.io/` exemptions (empty when the settings disallow them).
    pub exemptions: Arc<[Exemption]>,
}

/// A shared [`Handle`]: every inventory entry and finding of one object points to the same one.
pub type ObjectHandle = Arc<Handle>;

impl Handle {
    /// The handle of `obj`.
    #[must_use]
    pub fn of(obj: &Object<'_>, settings: &Settings) -> ObjectHandle {
        let exemptions = shared_exemptions(obj, settings);
        let o = &obj.oref;
        let ns = o.namespace.as_deref().unwrap_or("");
        let ident: Box<str> = [o.api_version.as_str(), &o.kind, ns, &o.name].concat().into();
        let e0 = o.api_version.len();
        let e1 = e0 + o.kind.len();
        let e2 = e1 + ns.len();
        let fit = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Arc::new(Handle {
            ident,
            ends: [fit(e0), fit(e1), fit(e2)],
            has_namespace: o.namespace.is_some(),
            file: obj.origin.file.clone(),
            doc: (fit(obj.origin.doc_index), obj.origin.item.map(fit)),
            partial: obj.origin.partial,
            exemptions,
        })
    }

    /// The document's index in its file, and the item's in a `List`.
    #[must_use]
    pub fn doc(&self) -> (usize, Option<usize>) {
        (self.doc.0 as usize, self.doc.1.map(|i| i as usize))
    }

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

    /// The namespace key: `None` when `metadata.namespace` is unset or empty.
    #[must_use]
    pub fn namespace_key(&self) -> Option<&str> {
        self.namespace().filter(|n| !n.is_empty())
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

/// The position of a field whose path an entry implies: an [`Anchor`] without its path, in
/// 8 bytes (every workload of a run keeps several).
#[derive(Clone, Copy, Debug, Default)]
pub struct Spot {
    line: u32,
    /// The column, and whether the field itself is written in the top bit.
    col_exists: u32,
}

impl Spot {
    const EXISTS: u32 = 1 << 31;

    /// Resolves `path` in `obj`.
    #[must_use]
    pub fn of(obj: &Object<'_>, path: &FieldPath) -> Self {
        let pos = obj.pos(path);
        let exists = if path.lookup(obj.root).is_some() { Self::EXISTS } else { 0 };
        Self { line: pos.line, col_exists: pos.col.min(Self::EXISTS - 1) | exists }
    }

    /// The field's position, or its nearest existing parent's.
    #[must_use]
    pub fn pos(self) -> Pos {
        Pos { line: self.line, col: self.col_exists & !Self::EXISTS }
    }

    /// Whether the field itself is written.
    #[must_use]
    pub fn exists(self) -> bool {
        self.col_exists & Self::EXISTS != 0
    }

    /// The anchor of `path` at this spot.
    #[must_use]
    pub fn anchor(self, path: FieldPath) -> Anchor {
        Anchor { path, pos: self.pos(), exists: self.exists() }
    }
}

/// Interns strings that repeat across objects (images, container names, paths). Shared by every
/// run of the process; past a bound it stops adding (a long-lived process meets new images
/// forever) and hands out fresh copies.
#[must_use]
pub fn intern(s: &str) -> Arc<str> {
    static TABLE: Mutex<Option<HashSet<Arc<str>>>> = Mutex::new(None);
    const MAX: usize = 200_000;
    let Ok(mut guard) = TABLE.lock() else { return Arc::from(s) };
    let table = guard.get_or_insert_with(HashSet::new);
    if let Some(a) = table.get(s) {
        return a.clone();
    }
    let a: Arc<str> = Arc::from(s);
    if table.len() < MAX {
        table.insert(a.clone());
    }
    a
}
