//! Applying fixes to a set of files: run the rules, apply the fixes allowed, run again (a fix
//! can reveal or settle others), until nothing more applies. Pure: texts in, texts out.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use super::cst::{self, CNode};
use super::edit::{self, Style};
use super::{Fix, NewFile, Patch, Safety};
use crate::diagnostic::Diagnostic;
use crate::engine::run;
use crate::input::yaml::Limits;
use crate::settings::Settings;
use crate::snapshot::Snapshot;

/// Where an object is: the document index in its file and the `List` item.
type DocAt = (usize, Option<usize>);

/// Most rounds of fix-and-rescan (a fix never needs more than a couple).
const MAX_ROUNDS: usize = 4;

/// One input file.
#[derive(Clone, Debug)]
pub struct Input {
    /// Display path (as `scan` shows it).
    pub path: String,
    /// Its text.
    pub text: String,
}

/// A fix that was applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// Rule code.
    pub code: &'static str,
    /// The object (`Deployment/shop/web`) and container.
    pub object: String,
    /// What it did.
    pub title: String,
    /// The patches, in the object.
    pub patches: Vec<Patch>,
    /// Document index in the file and `List` item.
    pub doc: (usize, Option<usize>),
}

/// A fix that could not be applied, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    /// Rule code.
    pub code: &'static str,
    /// The object.
    pub object: String,
    /// Why.
    pub reason: String,
}

/// The outcome for one file.
#[derive(Clone, Debug, Default)]
pub struct FileOutcome {
    /// The fixed text (equal to the input when nothing applied).
    pub text: String,
    /// Fixes applied.
    pub applied: Vec<Applied>,
    /// Fixes that could not be applied.
    pub skipped: Vec<Skipped>,
}

/// The outcome of `fix`.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Per input path.
    pub files: BTreeMap<String, FileOutcome>,
    /// New files to write, by the input file they belong beside.
    pub new_files: Vec<(String, NewFile)>,
    /// Fixes not applied because they are unsafe and `--unsafe-fixes` is off.
    pub unsafe_available: usize,
}

fn object_label(d: &Diagnostic) -> String {
    match &d.container {
        Some(c) => format!("{}, container `{c}`", d.object),
        None => d.object.to_string(),
    }
}

/// Whether a file is JSON (keys and strings are then written JSON-quoted).
#[must_use]
pub fn is_json(path: &str, text: &str) -> bool {
    path.ends_with(".json") || text.trim_start().starts_with(['{', '['])
}

/// The object's node in the file's text view.
fn object_root(docs: &[cst::CDoc], doc: usize, item: Option<usize>) -> Option<&CNode> {
    let root = docs.get(doc)?.root.as_ref()?;
    match item {
        None => Some(root),
        Some(i) => match &root.get("items")?.kind {
            cst::CKind::Seq { items, .. } => items.get(i),
            _ => None,
        },
    }
}

// Counts the bytes `fix` hands to a parser, on this thread (tests only): the work of a fix is
// linear in the file when this is (issue 15, point 13), and the count is exact where a time is not.
#[cfg(test)]
thread_local! {
    static PARSED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn parsing(text: &str) -> &str {
    #[cfg(test)]
    PARSED.with(|c| c.set(c.get() + text.len()));
    text
}

/// Applies one patch to `text`; `Ok(None)` when it changes nothing.
///
/// # Errors
/// Why the patch cannot be applied.
pub fn apply_patch(
    text: &str,
    doc: (usize, Option<usize>),
    patch: &Patch,
    style: Style,
) -> Result<Option<String>, String> {
    let docs = cst::parse(parsing(text))?;
    let root = object_root(&docs, doc.0, doc.1).ok_or("the object is no longer where it was")?;
    let (path, value, append) = match patch {
        Patch::Set { path, value } => (path, value, false),
        Patch::Append { path, value } => (path, value, true),
    };
    let segments: Vec<String> = path.segments().map(std::borrow::Cow::into_owned).collect();
    let out = if append {
        edit::append(text, root, &segments, value, style)?
    } else {
        edit::set(text, root, &segments, value, style)?
    };
    // Safety net: the result must read back as YAML with the same number of documents (the
    // text view above has one per document of the original).
    if let Some(t) = &out {
        let loaded = crate::input::yaml::load(parsing(t), Limits::default());
        if loaded.error.is_some() || loaded.documents.len() != docs.len() {
            return Err("the edited text would not parse; left unchanged".into());
        }
    }
    Ok(out)
}

/// The value of `patch` applied to a JSON value (for checks: the semantic change a fix makes).
pub fn apply_semantic(root: &mut Value, patch: &Patch) {
    let (path, value, append) = match patch {
        Patch::Set { path, value } => (path, value, false),
        Patch::Append { path, value } => (path, value, true),
    };
    let segments: Vec<String> = path.segments().map(std::borrow::Cow::into_owned).collect();
    let mut node = root;
    for seg in &segments {
        if node.is_null() {
            *node = Value::Object(serde_json::Map::new());
        }
        node = match node {
            Value::Object(m) => m.entry(seg.clone()).or_insert(Value::Null),
            Value::Array(a) => match seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(n) => n,
                None => return,
            },
            _ => return,
        };
    }
    if append {
        match node {
            Value::Array(a) => {
                if !a.contains(value) {
                    a.push(value.clone());
                }
            }
            other => *other = Value::Array(vec![value.clone()]),
        }
    } else {
        *node = value.clone();
    }
}

/// Fixes the inputs: the findings of the selected rules whose fix is safe (and unsafe ones
/// too with `unsafe_fixes`).
#[must_use]
pub fn fix(inputs: &[Input], settings: &Settings, unsafe_fixes: bool) -> Outcome {
    let mut texts: Vec<String> = inputs.iter().map(|i| i.text.clone()).collect();
    let mut out = Outcome::default();
    for i in inputs {
        out.files.insert(i.path.clone(), FileOutcome { text: i.text.clone(), ..FileOutcome::default() });
    }
    // The first input of each path (a scan over many files looks each finding's file up here).
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        index.entry(input.path.as_str()).or_insert(i);
    }
    let mut tried: HashSet<String> = HashSet::new();
    for _ in 0..MAX_ROUNDS {
        let mut snap = Snapshot::default();
        for (i, t) in inputs.iter().zip(&texts) {
            let (f, e) = Snapshot::parse_file(&i.path, parsing(t).to_string(), Limits::default());
            snap.push(f, e);
        }
        snap.mark_kustomize_patches();
        let report = run(&snap, settings);
        let mut progressed = false;
        let mut unsafe_available = 0;
        // Group the fixes by file, in report order.
        let mut by_file: BTreeMap<usize, Vec<&Diagnostic>> = BTreeMap::new();
        // A snapshot run holds its findings in memory: they are borrowed, with their fixes.
        let found: Vec<std::borrow::Cow<'_, Diagnostic>> = report.findings().collect();
        for d in found.iter().map(|d| &**d) {
            let Some(fix) = &d.fix else { continue };
            if fix.safety == Safety::Unsafe && !unsafe_fixes {
                unsafe_available += 1;
                continue;
            }
            let Some(file) = d.file.as_deref() else { continue };
            let Some(&idx) = index.get(file) else { continue };
            by_file.entry(idx).or_default().push(d);
        }
        out.unsafe_available = unsafe_available;
        for (idx, ds) in by_file {
            let path = inputs[idx].path.clone();
            let style = Style::of(&texts[idx], is_json(&path, &texts[idx]));
            let mut todo: Vec<(&Diagnostic, &Fix, DocAt)> = Vec::new();
            for d in ds {
                let Some(fix) = d.fix.as_deref() else { continue };
                let key = format!(
                    "{path}\0{:?}\0{}\0{}\0{}\0{}",
                    d.doc,
                    d.rule.code,
                    d.object,
                    d.container.as_deref().unwrap_or(""),
                    fix.title
                );
                if !tried.insert(key) {
                    continue;
                }
                if let Some(nf) = &fix.new_file {
                    if !super::is_safe_file_name(&nf.name) {
                        // Rules build names from DNS-1123 names only; this is the writer's guard.
                        if let Some(f) = out.files.get_mut(&path) {
                            f.skipped.push(Skipped {
                                code: d.rule.code,
                                object: object_label(d),
                                reason: format!(
                                    "the new file's name `{}` is not a plain file name made of DNS-1123 names; not written",
                                    super::comment_text(&nf.name)
                                ),
                            });
                        }
                        continue;
                    }
                    if !out.new_files.iter().any(|(_, f)| f.name == nf.name) {
                        out.new_files.push((path.clone(), nf.clone()));
                        if let Some(f) = out.files.get_mut(&path) {
                            f.applied.push(applied(d, fix, (0, None)));
                        }
                    }
                    continue;
                }
                let Some(doc) = d.doc else { continue };
                todo.push((d, fix, doc));
            }
            let jobs: Vec<(DocAt, &[Patch])> =
                todo.iter().map(|(_, fix, doc)| (*doc, fix.patches.as_slice())).collect();
            let (text, results) = apply_file(&texts[idx], &jobs, style);
            texts[idx] = text;
            for ((d, fix, doc), result) in todo.iter().zip(results) {
                match result {
                    Ok(true) => {
                        progressed = true;
                        if let Some(f) = out.files.get_mut(&path) {
                            f.applied.push(applied(d, fix, *doc));
                        }
                    }
                    Ok(false) => {}
                    Err(reason) => {
                        if let Some(f) = out.files.get_mut(&path) {
                            f.skipped.push(Skipped { code: d.rule.code, object: object_label(d), reason });
                        }
                    }
                }
            }
        }
        if !progressed {
            break;
        }
    }
    for (i, t) in inputs.iter().zip(texts) {
        if let Some(f) = out.files.get_mut(&i.path) {
            f.text = t;
        }
    }
    out
}

fn applied(d: &Diagnostic, fix: &Fix, doc: (usize, Option<usize>)) -> Applied {
    Applied { code: d.rule.code, object: object_label(d), title: fix.title.clone(), patches: fix.patches.clone(), doc }
}

/// Applies the fixes (document, patches) of one round to one file, in order; for each, whether
/// it changed the text, or why it could not be applied.
///
/// A patch edits and re-reads only its own document when the file can be cut into documents
/// that each read alone as themselves ([`cut`]): the time is then linear in the number of
/// documents, where re-reading the whole file for each patch was quadratic. The joined result
/// is checked once; when it is not what the documents promised, or the file cannot be cut
/// (`%TAG` directives shared across documents, a syntax error), the fixes are applied to the
/// whole text, one re-read per patch, as before.
fn apply_file(text: &str, jobs: &[(DocAt, &[Patch])], style: Style) -> (String, Vec<Result<bool, String>>) {
    if jobs.len() > 1 {
        if let Some((mut pieces, count)) = cut(text) {
            let results: Vec<Result<bool, String>> = jobs
                .iter()
                .map(|((doc, item), patches)| {
                    let piece = pieces.get_mut(*doc).ok_or("the object is no longer where it was")?;
                    let next = apply_all(piece, (0, *item), patches, style)?;
                    Ok(next.map(|t| *piece = t).is_some())
                })
                .collect();
            let joined = pieces.concat();
            let loaded = crate::input::yaml::load(parsing(&joined), Limits::default());
            if loaded.error.is_none() && loaded.documents.len() == count {
                return (joined, results);
            }
        }
    }
    let mut t = text.to_string();
    let results = jobs
        .iter()
        .map(|(doc, patches)| {
            let next = apply_all(&t, *doc, patches, style)?;
            Ok(next.map(|n| t = n).is_some())
        })
        .collect();
    (t, results)
}

/// `text` cut into one piece per document (each from the start of its line, so that columns
/// stay right), with the number of documents; `None` unless every piece reads alone as
/// exactly one document without error and the whole text reads without error (a `%TAG`
/// directive or an alias across documents, a syntax error: the pieces would not be the
/// documents).
fn cut(text: &str) -> Option<(Vec<String>, usize)> {
    let loaded = crate::input::yaml::load(parsing(text), Limits::default());
    let docs = cst::parse(parsing(text)).ok()?;
    if loaded.error.is_some() || loaded.documents.len() != docs.len() || docs.len() < 2 {
        return None;
    }
    let mut starts = vec![0];
    for d in docs.iter().skip(1) {
        let line = text.get(..d.start)?.rfind('\n').map_or(0, |i| i + 1);
        let indent_only = text.get(line..d.start)?.bytes().all(|b| b == b' ' || b == b'\t');
        if !indent_only || line <= starts.last().copied().unwrap_or(0) {
            return None;
        }
        starts.push(line);
    }
    let mut pieces = Vec::with_capacity(starts.len());
    for (i, &s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        let piece = text.get(s..e)?;
        let alone = crate::input::yaml::load(parsing(piece), Limits::default());
        if alone.error.is_some() || alone.documents.len() != 1 || cst::parse(parsing(piece)).ok()?.len() != 1 {
            return None;
        }
        pieces.push(piece.to_string());
    }
    Some((pieces, docs.len()))
}

/// Applies every patch of a fix, or none.
fn apply_all(
    text: &str,
    doc: (usize, Option<usize>),
    patches: &[Patch],
    style: Style,
) -> Result<Option<String>, String> {
    let mut t = text.to_string();
    let mut changed = false;
    for p in patches {
        if let Some(next) = apply_patch(&t, doc, p, style)? {
            t = next;
            changed = true;
        }
    }
    Ok(changed.then_some(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::default()
    }

    const DEPLOY: &str = "# The web tier.\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web   # keep this comment\n  namespace: shop\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: app\n          image: \"registry.example.com/web:1.2\"   # pinned by CI\n          imagePullPolicy: IfNotPresent\n\n          ports: [{containerPort: 8080}]\n---\n# untouched\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\ndata: {a: b}\n";

    #[test]
    fn safe_fixes_keep_everything_else_and_are_idempotent() {
        let inputs = vec![Input { path: "web.yaml".into(), text: DEPLOY.into() }];
        let out = fix(&inputs, &settings(), false);
        let f = &out.files["web.yaml"];
        let codes: Vec<&str> = f.applied.iter().map(|a| a.code).collect();
        for c in ["POD002", "POD012"] {
            assert!(codes.contains(&c), "{c} not fixed: {codes:?}\n{}", f.text);
        }
        assert!(!codes.contains(&"POD003"), "runAsNonRoot is an unsafe fix");
        // Issue 16: dropping every capability of a container that may run as root, and forcing
        // pulls, can break the workload: unsafe.
        assert!(!codes.contains(&"POD004"), "drop: [ALL] on a container that may run as root is unsafe");
        assert!(!codes.contains(&"IMG004"), "imagePullPolicy: Always is unsafe");
        assert!(out.unsafe_available > 0);
        // Comments, the blank line, quoting, flow style and the second document are kept.
        for kept in [
            "# The web tier.",
            "name: web   # keep this comment",
            "\"registry.example.com/web:1.2\"   # pinned by CI",
            "\n\n          ports: [{containerPort: 8080}]",
            "---\n# untouched\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\ndata: {a: b}\n",
        ] {
            assert!(f.text.contains(kept), "lost `{kept}`:\n{}", f.text);
        }
        assert!(f.text.contains("          imagePullPolicy: IfNotPresent\n"), "{}", f.text);
        assert!(
            f.text.contains("          securityContext:\n            allowPrivilegeEscalation: false\n"),
            "{}",
            f.text
        );
        // A second run changes nothing.
        let again = fix(&[Input { path: "web.yaml".into(), text: f.text.clone() }], &settings(), false);
        assert_eq!(again.files["web.yaml"].text, f.text);
        assert!(again.files["web.yaml"].applied.is_empty());
        // The fixed findings are gone.
        let report = run(&Snapshot::from_text("web.yaml", &f.text), &settings());
        for c in ["POD002", "POD012"] {
            assert!(report.findings().all(|d| d.rule.code != c), "{c} still reported");
        }
    }

    #[test]
    fn unsafe_fixes_on_request_and_new_network_policy_file() {
        let inputs = vec![Input { path: "web.yaml".into(), text: DEPLOY.into() }];
        let out = fix(&inputs, &settings(), true);
        let f = &out.files["web.yaml"];
        assert!(f.text.contains("runAsNonRoot: true"), "{}", f.text);
        assert!(f.text.contains("readOnlyRootFilesystem: true"), "{}", f.text);
        assert!(f.text.contains("automountServiceAccountToken: false"), "{}", f.text);
        assert!(
            f.text.contains("            capabilities:\n              drop:\n                - ALL\n"),
            "{}",
            f.text
        );
        assert!(f.text.contains("          imagePullPolicy: Always\n"), "{}", f.text);
        let names: Vec<&str> = out.new_files.iter().map(|(_, n)| n.name.as_str()).collect();
        assert!(names.contains(&"kubeward-default-deny-ingress-shop.yaml"), "{names:?}");
        let (_, nf) = out.new_files.iter().find(|(_, n)| n.name.contains("ingress")).expect("ingress policy");
        let report = run(&Snapshot::from_text("x.yaml", &format!("{}---\n{}", f.text, nf.content)), &settings());
        assert!(report.findings().all(|d| d.rule.code != "NET001"), "the new policy satisfies NET001");
    }

    /// Issue 15, point 13: the work of fixing a file is linear in its documents. The bytes
    /// handed to a parser are counted (exact, unlike a time): ten times the documents must cost
    /// about ten times as much (before the fix every patch re-read the whole file: 100 times).
    /// The output is the same as fixing each document alone.
    #[test]
    fn fix_work_is_linear_in_documents_per_file() {
        let doc = |i: usize| {
            format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: a\nspec:\n  containers:\n    - name: c\n      image: r.example.com/x:1\n      securityContext: # why\n        privileged: true\n")
        };
        let file = |n: usize| (0..n).map(doc).collect::<Vec<_>>().join("---\n");
        let work = |n: usize| {
            let inputs = vec![Input { path: "f.yaml".into(), text: file(n) }];
            PARSED.with(|c| c.set(0));
            let out = fix(&inputs, &settings(), false);
            (PARSED.with(std::cell::Cell::get), out)
        };
        let (small, _) = work(100);
        let (large, out) = work(1000);
        let f = &out.files["f.yaml"];
        let alone = fix(&[Input { path: "f.yaml".into(), text: doc(999) }], &settings(), false);
        assert!(f.text.ends_with(&alone.files["f.yaml"].text), "{}", &f.text[f.text.len().saturating_sub(600)..]);
        assert_eq!(f.applied.len(), 1000 * alone.files["f.yaml"].applied.len());
        assert!(small > 0, "the parsers are counted");
        assert!(large < 12 * small, "1,000 documents parsed {large} bytes, 100 parsed {small}: not linear");
    }

    #[test]
    fn json_stays_json_and_crlf_stays_crlf() {
        let json = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"p\", \"namespace\": \"a\"},\n  \"spec\": {\n    \"containers\": [\n      {\"name\": \"c\", \"image\": \"r.example.com/x:1\"}\n    ]\n  }\n}\n";
        let out = fix(&[Input { path: "p.json".into(), text: json.into() }], &settings(), false);
        let t = &out.files["p.json"].text;
        let v: Value = serde_json::from_str(t).unwrap_or_else(|e| panic!("not JSON any more ({e}):\n{t}"));
        assert_eq!(v["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"], Value::Bool(false));
        let crlf = DEPLOY.split("---").next().unwrap_or_default().replace('\n', "\r\n");
        let out = fix(&[Input { path: "c.yaml".into(), text: crlf }], &settings(), false);
        let t = &out.files["c.yaml"].text;
        assert!(!t.replace("\r\n", "").contains('\n'), "a bare LF in a CRLF file:\n{t:?}");
    }

    #[test]
    fn tricky_yaml() {
        // A comment-only document first, an anchor shared by two containers (refused), a tab
        // in a string, a block scalar, comments between keys, a List.
        let text = "# only a comment\n---\n# header\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: a, namespace: n}\n    spec:\n      containers:\n        - name: c\n          image: r.example.com/x:1\n          # a comment between keys\n          command: [\"sh\", \"-c\", \"echo\\tdone\"]\n          args:\n            - |\n              multi\n              line\n        - &shared\n          name: d\n          image: r.example.com/y:1\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: b, namespace: n}\n    spec:\n      containers:\n        - *shared\n";
        let inputs = vec![Input { path: "t.yaml".into(), text: text.into() }];
        let out = fix(&inputs, &settings(), false);
        let f = &out.files["t.yaml"];
        assert!(f.text.starts_with("# only a comment\n---\n# header\n"), "{}", f.text);
        assert!(f.text.contains("          # a comment between keys\n"), "{}", f.text);
        assert!(f.text.contains("\"echo\\tdone\""), "{}", f.text);
        assert!(f.text.contains("            - |\n              multi\n              line\n"), "{}", f.text);
        // Container `c` of pod `a` is fixed; the shared anchor `d` is refused with a reason.
        assert!(f.applied.iter().any(|a| a.object.contains("Pod/n/a") && a.object.contains("`c`")), "{:?}", f.applied);
        assert!(f.skipped.iter().any(|k| k.object.contains("`d`") && k.reason.contains("anchor")), "{:?}", f.skipped);
        let before = crate::input::yaml::load(text, Limits::default());
        let after = crate::input::yaml::load(&f.text, Limits::default());
        assert!(after.error.is_none());
        assert_eq!(before.documents.len(), after.documents.len());
        // The anchored container is unchanged in both pods.
        assert_eq!(
            after.documents[before.documents.len() - 1].root.at(&["items"]).map(|i| i.items()[1]
                .at(&["spec", "containers"])
                .map(|c| c.items()[0].get("securityContext").is_none())),
            Some(Some(true))
        );
    }
}
