//! Finds the files to scan and reads them, in parallel, into a snapshot.
//!
//! Directories are walked recursively, honouring `.gitignore` (also outside git repositories)
//! and `--exclude`; hidden directories are scanned (peers that skip them miss test manifests),
//! `.git` is not. Explicit file paths are always read. A file that cannot be read, is too large,
//! is binary or is not UTF-8 gives an error for that file; the rest goes on.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use kubeward_engine::engine::{Audited, Auditor};
use kubeward_engine::input::node::Pos;
use kubeward_engine::input::text;
use kubeward_engine::input::yaml::Limits;
use kubeward_engine::{InputError, Snapshot};
use rayon::prelude::*;

/// Extensions read when walking directories (plus Dockerfiles by name: `Dockerfile`,
/// `Containerfile`, `*.Dockerfile`, `Dockerfile.*`, `*.containerfile`).
const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// The exclude patterns (`--exclude` and the config's `exclude:`), compiled, each glob
/// remembering the pattern it came from (to say which one excluded a path).
#[derive(Clone, Debug, Default)]
pub struct Excludes {
    set: GlobSet,
    /// For each compiled glob, the index of its pattern in `patterns`.
    origin: Vec<usize>,
    patterns: Vec<String>,
}

impl Excludes {
    /// Whether a pattern matches `path`.
    #[must_use]
    pub fn is_match(&self, path: &Path) -> bool {
        self.set.is_match(path)
    }

    /// The first pattern that matches `path`.
    #[must_use]
    pub fn which(&self, path: &Path) -> Option<&str> {
        let i = self.set.matches(path).into_iter().min()?;
        self.origin.get(i).and_then(|o| self.patterns.get(*o)).map(String::as_str)
    }
}

/// Compiles `--exclude` globs; a glob without `/` matches at any depth.
///
/// # Errors
/// Bad globs.
pub fn exclude_set(globs: &[String]) -> Result<Excludes> {
    let mut b = GlobSetBuilder::new();
    let mut origin = Vec::new();
    for (i, g) in globs.iter().enumerate() {
        b.add(Glob::new(g).map_err(|e| anyhow!("--exclude {g}: {e}"))?);
        origin.push(i);
        if !g.starts_with("**/") {
            b.add(Glob::new(&format!("**/{g}")).map_err(|e| anyhow!("--exclude {g}: {e}"))?);
            origin.push(i);
        }
    }
    Ok(Excludes { set: b.build()?, origin, patterns: globs.to_vec() })
}

/// One input: a path or stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

/// How a path is shown in reports.
#[must_use]
pub fn display(p: &Path) -> String {
    let s = p.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Lists the inputs; problems with paths (missing, unreadable directories) become errors. A
/// directory named that yields no file to read is an error too, saying why (see
/// [`no_input`]): a run that read nothing must not pass.
#[must_use]
pub fn collect(paths: &[PathBuf], exclude: &Excludes, gitignore: bool) -> (Vec<Input>, Vec<InputError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(p) {
            Ok(m) if m.is_file() => {
                inputs.push(Input::File(p.clone()));
                continue;
            }
            Ok(m) if m.is_dir() => {}
            Ok(m) => {
                // Opening a FIFO with no writer would block forever; a device never ends.
                errors.push(not_regular(p, &m.file_type()));
                continue;
            }
            Err(e) => {
                let message = if e.kind() == std::io::ErrorKind::NotFound {
                    // A dangling symlink, or a symlink loop.
                    if p.symlink_metadata().is_ok() {
                        "broken symbolic link (dangling or a loop); skipped".to_string()
                    } else {
                        "no such file or directory".to_string()
                    }
                } else {
                    format!("cannot read: {e}")
                };
                errors.push(InputError { file: Some(display(p).into()), pos: Default::default(), message });
                continue;
            }
        }
        let mut files = Vec::new();
        let errors_before = errors.len();
        // Each real directory is walked once (by device and inode), through the first path
        // that reaches it in name order: symbolic links to a directory already walked (a DAG
        // of links, 2^n paths) are not followed again.
        let visited = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
        if let Some(id) = dir_id(p) {
            visited.lock().map(|mut v| v.insert(id)).unwrap_or_default();
        }
        let walker = ignore::WalkBuilder::new(p)
            .hidden(false)
            .git_ignore(gitignore)
            .git_exclude(gitignore)
            .git_global(false)
            .ignore(gitignore)
            .require_git(false)
            .follow_links(true)
            .sort_by_file_name(std::cmp::Ord::cmp)
            .filter_entry({
                // Prune excluded directories here, so that nothing under them is visited.
                let (ex, root) = (exclude.clone(), p.clone());
                move |e| {
                    let rel = e.path().strip_prefix(&root).unwrap_or(e.path());
                    e.file_name() != ".git" && !ex.is_match(e.path()) && !ex.is_match(rel) && first_visit(e, &visited)
                }
            })
            .build();
        for entry in walker {
            match entry {
                Ok(e) => {
                    let path = e.path();
                    let wanted = is_wanted(path);
                    match e.file_type() {
                        Some(t) if t.is_file() && wanted => files.push(path.to_path_buf()),
                        // A FIFO, socket or device named like a manifest: say so, never open it.
                        Some(t) if wanted && !t.is_dir() && !t.is_symlink() => errors.push(not_regular(path, &t)),
                        _ => {}
                    }
                }
                Err(e) => {
                    let (path, message) = walk_error(&e);
                    errors.push(InputError {
                        file: Some(display(path.as_deref().unwrap_or(p)).into()),
                        pos: Default::default(),
                        message,
                    });
                }
            }
        }
        if files.is_empty() && errors.len() == errors_before {
            errors.push(no_input(p, exclude, gitignore));
        }
        files.sort();
        inputs.extend(files.into_iter().map(Input::File));
    }
    (inputs, errors)
}

/// Whether a file found walking a directory is read: a manifest by its extension, or a
/// Dockerfile by its name.
fn is_wanted(path: &Path) -> bool {
    path.extension().and_then(|x| x.to_str()).is_some_and(|x| EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
        || path.to_str().is_some_and(kubeward_engine::input::dockerfile::is_dockerfile_path)
}

/// Files looked at, at most, to explain why a directory yielded nothing.
const EXPLAIN_LIMIT: usize = 100_000;

/// The error for a directory the user named that yields no file to read, saying why: every
/// manifest in it is excluded by a pattern (which one) or ignored by an ignore file (which
/// file, which pattern), or it holds no manifest at all, or nothing. The directory is walked
/// again without filters (only on this error path).
fn no_input(root: &Path, exclude: &Excludes, gitignore: bool) -> InputError {
    let (mut excluded, mut ignored, mut others) = (0usize, 0usize, 0usize);
    let mut first_excluded: Option<(PathBuf, String)> = None;
    let mut first_ignored: Option<(PathBuf, Option<IgnoredBy>)> = None;
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .follow_links(true)
        .sort_by_file_name(std::cmp::Ord::cmp)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for e in walker.filter_map(Result::ok).take(EXPLAIN_LIMIT) {
        if !e.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = e.path();
        if !is_wanted(path) {
            others += 1;
            continue;
        }
        // Excluded: the file or one of its directories under the root matches a pattern.
        let rel = path.strip_prefix(root).unwrap_or(path);
        let pattern = rel
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .find_map(|a| exclude.which(&root.join(a)).or_else(|| exclude.which(a)).map(str::to_string));
        if let Some(pattern) = pattern {
            excluded += 1;
            first_excluded.get_or_insert((path.to_path_buf(), pattern));
        } else {
            ignored += 1;
            if first_ignored.is_none() {
                first_ignored = Some((path.to_path_buf(), ignored_by(path)));
            }
        }
    }
    let dir = display(root);
    let mut why = Vec::new();
    if let Some((file, pattern)) = first_excluded {
        why.push(format!(
            "{excluded} excluded by a pattern (`{}` by `{pattern}`, from --exclude or the config's `exclude:`)",
            display(&file)
        ));
    }
    if let Some((file, by)) = first_ignored.filter(|_| gitignore) {
        let by = match by {
            Some((ignore_file, pattern, line)) if line > 0 => {
                format!("by the pattern `{pattern}` of {}:{line}", ignore_file.display())
            }
            Some((ignore_file, pattern, _)) => format!("by the pattern `{pattern}` of {}", ignore_file.display()),
            None => "by an ignore file".to_string(),
        };
        why.push(format!(
            "{ignored} ignored by .gitignore/.ignore rules (`{}` {by}); --no-gitignore reads them",
            display(&file)
        ));
    }
    let message = if !why.is_empty() {
        let total = excluded + ignored;
        format!(
            "nothing to scan: {} skipped: {}; a file named on the command line is read anyway",
            if total == 1 {
                "its only manifest file is".to_string()
            } else {
                format!("all its {total} manifest files are")
            },
            why.join("; ")
        )
    } else if others > 0 {
        format!(
            "nothing to scan: no Kubernetes manifests (*.yaml, *.yml, *.json) or Dockerfiles in this directory ({others} other file{})",
            if others == 1 { "" } else { "s" }
        )
    } else {
        "nothing to scan: the directory holds no files".to_string()
    };
    InputError { file: Some(dir.into()), pos: Default::default(), message }
}

/// An ignore file, its pattern and the pattern's line (1-based; 0 when not found).
type IgnoredBy = (PathBuf, String, usize);

/// The ignore file and pattern that ignore `path` as the walker reads them (`.ignore`,
/// `.gitignore`, `.git/info/exclude`, the deepest directory first): the file, the pattern and
/// its line. `None` when none does (or the path cannot be resolved).
fn ignored_by(path: &Path) -> Option<IgnoredBy> {
    let abs = std::fs::canonicalize(path).ok()?;
    for dir in abs.ancestors().skip(1) {
        let mut candidates = vec![dir.join(".ignore"), dir.join(".gitignore")];
        if dir.join(".git").is_dir() {
            candidates.push(dir.join(".git/info/exclude"));
        }
        for file in candidates {
            if !file.is_file() || abs.strip_prefix(dir).is_err() {
                continue;
            }
            let (gi, _) = ignore::gitignore::Gitignore::new(&file);
            let m = gi.matched_path_or_any_parents(&abs, false);
            if m.is_whitelist() {
                return None;
            }
            if let ignore::Match::Ignore(glob) = m {
                let pattern = glob.original().to_string();
                let line = std::fs::read_to_string(&file)
                    .ok()
                    .and_then(|t| t.lines().position(|l| l.trim_end() == pattern))
                    .map_or(0, |i| i + 1);
                return Some((file, pattern, line));
            }
        }
    }
    None
}

/// A directory's identity (device, inode), following symbolic links.
pub(crate) fn dir_id(p: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(p).ok().filter(std::fs::Metadata::is_dir).map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = p;
        None
    }
}

/// Whether a walked entry is to be visited: anything but a directory already walked through
/// another path. A link to one of its own ancestors is let through, for the walker to report
/// the loop.
fn first_visit(e: &ignore::DirEntry, visited: &std::sync::Mutex<std::collections::HashSet<(u64, u64)>>) -> bool {
    if !e.file_type().is_some_and(|t| t.is_dir()) {
        return true;
    }
    let Some(id) = dir_id(e.path()) else { return true };
    let Ok(mut seen) = visited.lock() else { return true };
    if seen.insert(id) {
        return true;
    }
    // Seen before: a loop (an ancestor, which the walker reports) or another path to it.
    e.path_is_symlink() && e.path().ancestors().skip(1).any(|a| dir_id(a) == Some(id))
}

/// The path a walking error is about, and a message for people.
fn walk_error(e: &ignore::Error) -> (Option<PathBuf>, String) {
    match e {
        ignore::Error::Loop { ancestor, child } => (
            Some(child.clone()),
            format!(
                "symbolic link loop (File system loop found): points to its ancestor {}; not followed",
                display(ancestor)
            ),
        ),
        ignore::Error::WithPath { path, err } => {
            let (_, message) = walk_error(err);
            let is_link = path.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink());
            let message = match std::fs::metadata(path) {
                Err(io) if is_link && io.kind() == std::io::ErrorKind::NotFound => {
                    "broken symbolic link (its target does not exist); skipped".to_string()
                }
                Err(io) if is_link => format!("symbolic link that cannot be followed ({io}); skipped"),
                _ => message,
            };
            (Some(path.clone()), message)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => walk_error(err),
        ignore::Error::Io(io) => (None, format!("cannot read: {io}")),
        other => (None, other.to_string()),
    }
}

/// The error for a path that is neither a regular file nor a directory.
fn not_regular(p: &Path, t: &std::fs::FileType) -> InputError {
    InputError {
        file: Some(display(p).into()),
        pos: Default::default(),
        message: format!("{}, not a regular file; skipped (pipe it to `-` to scan it)", text::type_name(t)),
    }
}

/// Reads one input as text (display name, text), with the checks every command applies (see
/// [`kubeward_engine::input::text`]): the size limit (checked from metadata before opening,
/// and while reading), regular files only (opened without blocking), no binary, UTF-8 or
/// UTF-16/32 with a byte-order mark (decoded).
///
/// # Errors
/// An input error naming the file, with the position of the bad byte when there is one.
pub fn read_input(input: &Input, max_size: u64) -> Result<(String, String), InputError> {
    let (name, bytes) = match input {
        Input::Stdin => {
            // Zero bytes is a producer that failed (`helm template … | kubeward scan -`), not
            // an empty manifest: a run that read nothing must not pass.
            let bytes = text::read_limited(std::io::stdin().lock(), max_size).and_then(|b| {
                if b.is_empty() {
                    Err("nothing to scan: standard input is empty (0 bytes)".to_string())
                } else {
                    Ok(b)
                }
            });
            ("<stdin>".to_string(), bytes)
        }
        Input::File(p) => {
            let name = display(p);
            (name, text::read_regular(p, max_size))
        }
    };
    let err = |(pos, message): (Pos, String)| InputError { file: Some(name.as_str().into()), pos, message };
    let text = bytes.map_err(|m| (Pos::default(), m)).and_then(text::decode).map_err(err)?;
    Ok((name, text))
}

/// Size limit of the files named by flags (`--config`, `--baseline`): the default file limit.
const USER_FILE_LIMIT: u64 = 64 << 20;

/// Reads a file named by a flag (`--config`, `--baseline`) with the checks of every input: a
/// regular file (`/dev/null` reads as empty, the usual way to say "none") of at most 64 MiB,
/// text (UTF-8, or UTF-16/32 with a byte-order mark).
///
/// # Errors
/// A message naming the position when there is one.
pub fn read_user_file(p: &Path) -> Result<String, String> {
    if p == Path::new("/dev/null") {
        return Ok(String::new());
    }
    text::read_text(p, USER_FILE_LIMIT).map_err(|(pos, m)| {
        if pos.is_known() {
            format!("{}:{}: {m}", pos.line, pos.col)
        } else {
            m
        }
    })
}

/// The encoding of a file read as UTF-16 or UTF-32 (from its byte-order mark), for `fix`,
/// which writes UTF-8 only; `None` for UTF-8, stdin and unreadable files.
#[must_use]
pub fn wide_encoding(input: &Input) -> Option<&'static str> {
    let Input::File(p) = input else { return None };
    let mut head = Vec::with_capacity(4);
    let f = std::fs::File::open(p).ok()?;
    std::io::Read::read_to_end(&mut std::io::Read::take(f, 4), &mut head).ok()?;
    text::wide_encoding(&head)
}

/// Reads and parses the inputs in parallel; `tick` is called once per input read.
#[must_use]
pub fn load(inputs: &[Input], max_size: u64, limits: Limits, tick: &(dyn Fn() + Sync)) -> Snapshot {
    let loaded: Vec<Result<(kubeward_engine::snapshot::SourceFile, Vec<InputError>), InputError>> = inputs
        .par_iter()
        .map(|input| {
            tick();
            let (name, text) = read_input(input, max_size)?;
            if kubeward_engine::input::dockerfile::is_dockerfile_path(&name) {
                return Ok(kubeward_engine::snapshot::SourceFile::dockerfile(&name, text));
            }
            let (f, e) = Snapshot::parse_file(&name, text, limits);
            Ok((f, e.into_iter().collect()))
        })
        .collect();
    let mut snap = Snapshot::default();
    for r in loaded {
        match r {
            Ok((f, errs)) => {
                snap.files.push(f);
                snap.errors.extend(errs);
            }
            Err(e) => snap.errors.push(e),
        }
    }
    snap
}

/// One input of a streaming scan: to be read, or already read (scanner reports named with
/// `--image-reports`).
pub enum Item {
    /// Read and parsed by the stream.
    Input(Input),
    /// Already loaded.
    Loaded(Box<kubeward_engine::snapshot::SourceFile>),
}

impl Item {
    /// The display path's bytes, without allocating (`display` strips a leading `./`).
    fn name(&self) -> &[u8] {
        match self {
            Self::Input(Input::File(p)) => {
                let b = p.as_os_str().as_encoded_bytes();
                b.strip_prefix(b"./").unwrap_or(b)
            }
            Self::Input(Input::Stdin) => b"<stdin>",
            Self::Loaded(f) => f.path.as_deref().unwrap_or("").as_bytes(),
        }
    }

    fn kustomization(&self) -> Option<Input> {
        match self {
            Self::Input(input @ Input::File(p))
                if matches!(
                    p.file_name().and_then(|n| n.to_str()),
                    Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
                ) =>
            {
                Some(input.clone())
            }
            _ => None,
        }
    }
}

/// What the caller keeps of one item: its input errors and, when handed back, the file
/// (scanner reports, standard input).
type Kept = (Vec<InputError>, Option<kubeward_engine::snapshot::SourceFile>);

/// Reads, parses and audits one item: its results for the stream (none when it could not be
/// read) and what the caller keeps.
#[allow(clippy::too_many_arguments)]
fn audit_item(
    item: Item,
    index: usize,
    auditor: &Auditor<'_, '_>,
    max_size: u64,
    limits: Limits,
    tick: &(dyn Fn() + Sync),
    patches: &std::collections::HashSet<String>,
    keep: &(dyn Fn(&kubeward_engine::snapshot::SourceFile) -> bool + Sync),
) -> (Option<Audited>, Kept) {
    let (mut f, errs) = match item {
        Item::Loaded(f) => (*f, Vec::new()),
        Item::Input(input) => {
            tick();
            let (name, text) = match read_input(&input, max_size) {
                Ok(read) => read,
                Err(e) => return (None, (vec![e], None)),
            };
            if kubeward_engine::input::dockerfile::is_dockerfile_path(&name) {
                kubeward_engine::snapshot::SourceFile::dockerfile(&name, text)
            } else {
                return audit_yaml(name, text, index, auditor, limits, patches, keep);
            }
        }
    };
    if f.path.as_deref().is_some_and(|p| kubeward_engine::snapshot::is_patch(patches, p)) {
        f.partial = true;
    }
    let audited = auditor.audit(index, &f);
    hand_over(audited, f, errs, keep)
}

/// Gives the caller the file when it keeps it (`keep`, or standard input, whose text the
/// report's excerpts need).
fn hand_over(
    audited: Audited,
    f: kubeward_engine::snapshot::SourceFile,
    errs: Vec<InputError>,
    keep: &(dyn Fn(&kubeward_engine::snapshot::SourceFile) -> bool + Sync),
) -> (Option<Audited>, Kept) {
    if keep(&f) || f.path.as_deref() == Some("<stdin>") {
        (Some(audited), (errs, Some(f)))
    } else {
        (Some(audited), (errs, None))
    }
}

/// Documents parsed and audited at a time in a file: a file with more is audited in parts,
/// each part's trees dropped before the next is parsed (memory in proportion to the text, not
/// to the trees of every document).
const PART: usize = 256;

/// Parses and audits a YAML/JSON file, in parts of [`PART`] documents when it has more.
fn audit_yaml(
    name: String,
    text: String,
    index: usize,
    auditor: &Auditor<'_, '_>,
    limits: Limits,
    patches: &std::collections::HashSet<String>,
    keep: &(dyn Fn(&kubeward_engine::snapshot::SourceFile) -> bool + Sync),
) -> (Option<Audited>, Kept) {
    use kubeward_engine::snapshot::SourceFile;
    let path: std::sync::Arc<str> = std::sync::Arc::from(name.as_str());
    let partial = kubeward_engine::snapshot::is_patch(patches, &name);
    let stdin = name == "<stdin>";
    let error = |e: Option<kubeward_engine::input::yaml::LoadError>| -> Vec<InputError> {
        e.map(|e| InputError { file: Some(path.clone()), pos: e.pos, message: e.message }).into_iter().collect()
    };
    let mut docs = kubeward_engine::input::yaml::Documents::new(&text, limits);
    let first: Vec<_> = docs.by_ref().take(PART).collect();
    if first.len() < PART {
        // One part: the file is audited whole.
        let errs = error(docs.error());
        drop(docs);
        let f = SourceFile { path: Some(path.clone()), text, documents: first, partial };
        let audited = auditor.audit(index, &f);
        return hand_over(audited, f, errs, keep);
    }
    let part = |documents| SourceFile { path: Some(path.clone()), text: String::new(), documents, partial };
    let first = part(first);
    let mut whole = keep(&first);
    let mut parts = auditor.parts(index, &first);
    drop(first);
    loop {
        let p = part(docs.by_ref().take(PART).collect());
        if p.documents.is_empty() {
            break;
        }
        whole |= keep(&p);
        parts.add(&p);
    }
    let errs = error(docs.error());
    drop(docs);
    let audited = parts.finish();
    // A file the caller keeps (a scanner report) is parsed again, whole.
    if whole {
        let (f, _) = Snapshot::parse_file(&name, text, limits);
        let f = SourceFile { partial, ..f };
        return hand_over(audited, f, errs, keep);
    }
    // Standard input's text is kept for the report's excerpts (files are read again).
    let f = stdin.then(|| SourceFile { path: Some(path.clone()), text, documents: Vec::new(), partial });
    (Some(audited), (errs, f))
}

/// What a streaming read kept besides the findings.
#[derive(Default)]
pub struct Streamed {
    /// Inputs that could not be read or parsed.
    pub errors: Vec<InputError>,
    /// The texts of standard input (a streaming report reads files again for excerpts).
    pub kept: Snapshot,
}

/// Feeds the items to `stream` (which reads, parses and audits them in parallel batches and
/// absorbs them in the order of their display paths, the report's order); each file's tree
/// is dropped once audited. Kustomize patches are marked partial from the kustomization files
/// among the inputs, read first. `keep` says which parsed files to hand back (scanner
/// reports, for the accounting).
pub fn stream(
    mut items: Vec<Item>,
    max_size: u64,
    limits: Limits,
    tick: &(dyn Fn() + Sync),
    stream: &mut kubeward_engine::engine::Stream<'_>,
    keep: &(dyn Fn(&kubeward_engine::snapshot::SourceFile) -> bool + Sync),
) -> Streamed {
    items.sort_by(|a, b| a.name().cmp(b.name()));
    let kustomizations: Vec<Input> = items.iter().filter_map(Item::kustomization).collect();
    let patches = if kustomizations.is_empty() {
        std::collections::HashSet::new()
    } else {
        kubeward_engine::snapshot::kustomize_patches(&load(&kustomizations, max_size, limits, &|| {}).files)
    };
    let mut out = Streamed::default();
    stream.feed(
        items,
        |auditor, index, item| audit_item(item, index, auditor, max_size, limits, tick, &patches, keep),
        |(errors, file): Kept| {
            out.errors.extend(errors);
            out.kept.files.extend(file);
        },
    );
    out
}
