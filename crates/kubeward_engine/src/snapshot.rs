//! The set of inputs of one run: files (or API objects) parsed into documents.

use std::sync::Arc;

use crate::diagnostic::InputError;
use crate::input::object::{objects_in, Object, Origin};
use crate::input::workload::PodSpecView;
use crate::input::yaml::{load, Document, Limits};

/// One parsed input file (or one batch of API objects, with no path).
#[derive(Debug)]
pub struct SourceFile {
    /// Display path; `None` for API input.
    pub path: Option<Arc<str>>,
    /// The text (for source excerpts); empty for API input.
    pub text: String,
    /// Documents read from it.
    pub documents: Vec<Document>,
}

/// All inputs of a run.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Files in a stable order.
    pub files: Vec<SourceFile>,
    /// Inputs that could not be read or parsed.
    pub errors: Vec<InputError>,
}

impl Snapshot {
    /// Parses a YAML/JSON text and returns the file and any error that ended it.
    #[must_use]
    pub fn parse_file(path: &str, text: String, limits: Limits) -> (SourceFile, Option<InputError>) {
        let path: Arc<str> = Arc::from(path);
        let loaded = load(&text, limits);
        let err = loaded.error.map(|e| InputError { file: Some(path.clone()), pos: e.pos, message: e.message });
        (SourceFile { path: Some(path), text, documents: loaded.documents }, err)
    }

    /// Adds a file.
    pub fn push(&mut self, file: SourceFile, err: Option<InputError>) {
        self.files.push(file);
        if let Some(e) = err {
            self.errors.push(e);
        }
    }

    /// Builds a snapshot from in-memory text (tests, stdin).
    #[must_use]
    pub fn from_text(path: &str, text: &str) -> Self {
        let mut s = Self::default();
        let (f, e) = Self::parse_file(path, text.to_string(), Limits::default());
        s.push(f, e);
        s
    }

    /// Calls `f` for every object of file `i`.
    pub fn objects_of_file<'a>(&'a self, i: usize, mut f: impl FnMut(Object<'a>)) {
        let file = &self.files[i];
        for (d, doc) in file.documents.iter().enumerate() {
            let origin = Origin { file: file.path.clone(), file_index: i, doc_index: d, item: None };
            objects_in(&doc.root, &origin, &mut f);
        }
    }

    /// Every object, in file order.
    #[must_use]
    pub fn objects(&self) -> Vec<Object<'_>> {
        let mut out = Vec::new();
        for i in 0..self.files.len() {
            self.objects_of_file(i, |o| out.push(o));
        }
        out
    }

    /// Every workload object with its pod spec (for cross-object rules).
    pub fn for_each_workload<'a>(&'a self, objects: &'a [Object<'a>], mut f: impl FnMut(&PodSpecView<'a>)) {
        for o in objects {
            if let Some(p) = PodSpecView::of(o) {
                f(&p);
            }
        }
    }
}
