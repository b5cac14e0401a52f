//! Finds the files to scan and reads them, in parallel, into a snapshot.
//!
//! Directories are walked recursively, honouring `.gitignore` (also outside git repositories)
//! and `--exclude`; hidden directories are scanned (peers that skip them miss test manifests),
//! `.git` is not. Explicit file paths are always read. A file that cannot be read, is too large,
//! is binary or is not UTF-8 gives an error for that file; the rest goes on.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use kubeward_engine::input::yaml::Limits;
use kubeward_engine::{InputError, Snapshot};
use rayon::prelude::*;

/// Extensions read when walking directories (plus Dockerfiles by name: `Dockerfile`,
/// `Containerfile`, `*.Dockerfile`, `Dockerfile.*`, `*.containerfile`).
const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Compiles `--exclude` globs; a glob without `/` matches at any depth.
///
/// # Errors
/// Bad globs.
pub fn exclude_set(globs: &[String]) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(Glob::new(g).map_err(|e| anyhow!("--exclude {g}: {e}"))?);
        if !g.starts_with("**/") {
            b.add(Glob::new(&format!("**/{g}")).map_err(|e| anyhow!("--exclude {g}: {e}"))?);
        }
    }
    Ok(b.build()?)
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

/// Lists the inputs; problems with paths (missing, unreadable directories) become errors.
#[must_use]
pub fn collect(paths: &[PathBuf], exclude: &GlobSet, gitignore: bool) -> (Vec<Input>, Vec<InputError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        if p.is_file() {
            inputs.push(Input::File(p.clone()));
            continue;
        }
        if !p.exists() {
            errors.push(InputError {
                file: Some(display(p).into()),
                pos: Default::default(),
                message: "no such file or directory".into(),
            });
            continue;
        }
        let mut files = Vec::new();
        let walker = ignore::WalkBuilder::new(p)
            .hidden(false)
            .git_ignore(gitignore)
            .git_exclude(gitignore)
            .git_global(false)
            .ignore(gitignore)
            .require_git(false)
            .follow_links(true)
            .filter_entry({
                // Prune excluded directories here, so that nothing under them is visited.
                let (ex, root) = (exclude.clone(), p.clone());
                move |e| {
                    let rel = e.path().strip_prefix(&root).unwrap_or(e.path());
                    e.file_name() != ".git" && !ex.is_match(e.path()) && !ex.is_match(rel)
                }
            })
            .build();
        for entry in walker {
            match entry {
                Ok(e) => {
                    let path = e.path();
                    if e.file_type().is_some_and(|t| t.is_file())
                        && (path
                            .extension()
                            .and_then(|x| x.to_str())
                            .is_some_and(|x| EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
                            // --- images (issue 6) ---
                            || path.to_str().is_some_and(kubeward_engine::input::dockerfile::is_dockerfile_path))
                    {
                        files.push(path.to_path_buf());
                    }
                }
                Err(e) => errors.push(InputError {
                    file: Some(display(p).into()),
                    pos: Default::default(),
                    message: e.to_string(),
                }),
            }
        }
        files.sort();
        inputs.extend(files.into_iter().map(Input::File));
    }
    (inputs, errors)
}

/// Reads bytes into text, refusing binary and non-UTF-8 input.
fn to_text(bytes: Vec<u8>) -> Result<String, String> {
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Err("binary file (contains NUL bytes); skipped".into());
    }
    let bytes = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) { bytes[3..].to_vec() } else { bytes };
    String::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 text (invalid byte at offset {}); skipped", e.utf8_error().valid_up_to()))
}

fn read_limited(mut r: impl Read, max: u64) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    r.by_ref().take(max + 1).read_to_end(&mut buf).map_err(|e| format!("cannot read: {e}"))?;
    if buf.len() as u64 > max {
        return Err(format!("larger than the {max}-byte limit (--max-file-size); skipped"));
    }
    Ok(buf)
}

/// Reads and parses the inputs in parallel; `tick` is called once per input read.
#[must_use]
pub fn load(inputs: &[Input], max_size: u64, limits: Limits, tick: &(dyn Fn() + Sync)) -> Snapshot {
    let loaded: Vec<Result<(kubeward_engine::snapshot::SourceFile, Vec<InputError>), InputError>> = inputs
        .par_iter()
        .map(|input| {
            tick();
            let (name, bytes) = match input {
                Input::Stdin => ("<stdin>".to_string(), read_limited(std::io::stdin().lock(), max_size)),
                Input::File(p) => {
                    let name = display(p);
                    let bytes = match std::fs::metadata(p) {
                        Ok(m) if m.len() > max_size => Err(format!(
                            "{} bytes, larger than the {max_size}-byte limit (--max-file-size); skipped",
                            m.len()
                        )),
                        _ => std::fs::File::open(p)
                            .map_err(|e| format!("cannot read: {e}"))
                            .and_then(|f| read_limited(f, max_size)),
                    };
                    (name, bytes)
                }
            };
            let err =
                |message: String| InputError { file: Some(name.as_str().into()), pos: Default::default(), message };
            let text = bytes.and_then(to_text).map_err(err)?;
            // --- images (issue 6) ---
            if kubeward_engine::input::dockerfile::is_dockerfile_path(&name) {
                return Ok(kubeward_engine::input::dockerfile::source_file(&name, text));
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
