//! The set of inputs of one run: files (or API objects) parsed into documents.

use std::sync::Arc;

use crate::diagnostic::InputError;
use crate::input::object::{objects_in, Object, Origin};
use crate::input::workload::PodSpecView;
use crate::input::yaml::{load, Document, Limits};

/// One parsed input file (or one batch of API objects, with no path).
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Display path; `None` for API input.
    pub path: Option<Arc<str>>,
    /// The text (for source excerpts); empty for API input.
    pub text: String,
    /// Documents read from it.
    pub documents: Vec<Document>,
    /// A kustomize patch (listed under `patches`/`patchesStrategicMerge` of a scanned
    /// kustomization): its objects are partial.
    pub partial: bool,
}

impl SourceFile {
    /// The source file of a Dockerfile (its text; no YAML documents) and its parse errors.
    #[must_use]
    pub fn dockerfile(path: &str, text: String) -> (Self, Vec<InputError>) {
        let df = crate::input::dockerfile::Dockerfile::parse(Some(path), &text);
        let file: Arc<str> = Arc::from(path);
        let errors = df
            .errors
            .into_iter()
            .map(|e| InputError { file: Some(file.clone()), pos: e.pos, message: e.message })
            .collect();
        (Self { path: Some(file), text, documents: Vec::new(), partial: false }, errors)
    }
}

/// All inputs of a run.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Files in a stable order.
    pub files: Vec<SourceFile>,
    /// Inputs that could not be read or parsed.
    pub errors: Vec<InputError>,
    /// Node files whose permissions and ownership are audited (`kubeward node`).
    pub host_files: Vec<crate::input::hostfile::HostFile>,
}

impl Snapshot {
    /// Parses a YAML/JSON text and returns the file and any error that ended it.
    #[must_use]
    pub fn parse_file(path: &str, text: String, limits: Limits) -> (SourceFile, Option<InputError>) {
        let path: Arc<str> = Arc::from(path);
        let loaded = load(&text, limits);
        let err = loaded.error.map(|e| InputError { file: Some(path.clone()), pos: e.pos, message: e.message });
        (SourceFile { path: Some(path), text, documents: loaded.documents, partial: false }, err)
    }

    /// Adds a file.
    pub fn push(&mut self, file: SourceFile, err: Option<InputError>) {
        self.files.push(file);
        if let Some(e) = err {
            self.errors.push(e);
        }
    }

    /// Marks the files that a scanned kustomization lists as patches (`patchesStrategicMerge`,
    /// `patches[].path`) as partial: a patch holds only the fields it changes, so a field it
    /// lacks is not missing from the workload (peers report every such patch as insecure).
    pub fn mark_kustomize_patches(&mut self) {
        let patches = kustomize_patches(&self.files);
        if patches.is_empty() {
            return;
        }
        for f in &mut self.files {
            if f.path.as_deref().is_some_and(|p| patches.contains(&normalize(p))) {
                f.partial = true;
            }
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
            let origin =
                Origin { file: file.path.clone(), file_index: i, doc_index: d, item: None, partial: file.partial };
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

/// The normalised paths of the files that the kustomizations among `files` list as patches.
#[must_use]
pub fn kustomize_patches(files: &[SourceFile]) -> std::collections::HashSet<String> {
    let mut patches = std::collections::HashSet::new();
    for f in files {
        let Some(path) = f.path.as_deref() else { continue };
        let name = path.rsplit('/').next().unwrap_or(path);
        for doc in &f.documents {
            let r = &doc.root;
            let is_kustomization = matches!(name, "kustomization.yaml" | "kustomization.yml" | "Kustomization")
                || r.get("kind").and_then(crate::input::node::Node::as_str) == Some("Kustomization");
            if !is_kustomization {
                continue;
            }
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            let listed = r
                .get("patchesStrategicMerge")
                .into_iter()
                .flat_map(|p| p.items().iter().filter_map(crate::input::node::Node::as_str))
                .chain(r.get("patches").into_iter().flat_map(|p| {
                    p.items().iter().filter_map(|i| i.get("path").and_then(crate::input::node::Node::as_str))
                }));
            for rel in listed {
                patches.insert(normalize(&if dir.is_empty() { rel.to_string() } else { format!("{dir}/{rel}") }));
            }
        }
    }
    patches
}

/// Whether `path` is one of `patches` (see [`kustomize_patches`]).
#[must_use]
pub fn is_patch(patches: &std::collections::HashSet<String>, path: &str) -> bool {
    !patches.is_empty() && patches.contains(&normalize(path))
}

/// Lexically normalises a `/`-separated path (`a/./b/../c` → `a/c`).
fn normalize(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." if out.last().is_some_and(|l| *l != "..") => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if p.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kustomize_patches_are_partial() {
        let mut s = Snapshot::default();
        for (path, text) in [
            ("app/kustomization.yaml", "resources: [deploy.yaml]\npatches:\n  - path: patches/limits.yaml\npatchesStrategicMerge: [./sm.yaml]\n"),
            ("app/deploy.yaml", "kind: Deployment\n"),
            ("app/patches/limits.yaml", "kind: Deployment\n"),
            ("app/sm.yaml", "kind: Deployment\n"),
        ] {
            let (f, e) = Snapshot::parse_file(path, text.to_string(), Limits::default());
            s.push(f, e);
        }
        s.mark_kustomize_patches();
        let partial: Vec<bool> = s.files.iter().map(|f| f.partial).collect();
        assert_eq!(partial, vec![false, false, true, true]);
        assert_eq!(normalize("a/./b/../c"), "a/c");
    }
}
