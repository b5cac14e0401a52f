//! `kubeward fix`: apply the rules' automated fixes to manifests, keeping comments and
//! formatting; print what changed (stderr) and report what remains (stdout), or print a
//! unified diff with `--diff`. With `-`, the fixed stream goes to stdout.

mod write;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Result};
use kubeward_engine::fix::apply::{fix, Input, Outcome};
use kubeward_engine::fix::comment_text as safe;
use kubeward_engine::input::yaml::Limits;
use kubeward_engine::report::Sources;
use kubeward_engine::{InputError, Snapshot};

use crate::args::FixArgs;
use crate::{config, walk};

/// A unified diff of `old` and `new` (3 lines of context), as `similar` writes it.
///
/// Lines are compared document by document (the texts cut at their `---` lines, which a fix
/// never adds or removes): a diff of the whole file at once costs time in the product of its
/// length and the number of changes, quadratic when every document of a large file is fixed
/// (2,000 fixed documents: most of the run). When the texts do not have the same `---` lines,
/// the whole texts are compared.
fn unified(path: &str, old: &str, new: &str) -> String {
    use similar::{Algorithm, DiffOp};
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let markers = |lines: &[&str]| -> Vec<usize> {
        let mut m = vec![0];
        m.extend(lines.iter().enumerate().filter(|(i, l)| *i > 0 && is_doc_marker(l)).map(|(i, _)| i));
        m.push(lines.len());
        m
    };
    let (om, nm) = (markers(&old_lines), markers(&new_lines));
    let same_docs = om.len() == nm.len()
        && om
            .iter()
            .zip(&nm)
            .all(|(a, b)| old_lines.get(*a).map(|l| is_doc_marker(l)) == new_lines.get(*b).map(|l| is_doc_marker(l)));
    let ops: Vec<DiffOp> = if same_docs {
        let mut ops: Vec<DiffOp> = Vec::new();
        for (w, v) in om.windows(2).zip(nm.windows(2)) {
            let (Some(o), Some(n)) = (old_lines.get(w[0]..w[1]), new_lines.get(v[0]..v[1])) else { continue };
            let (oo, no) = (w[0], v[0]);
            for op in similar::capture_diff_slices(Algorithm::Myers, o, n) {
                let moved = match op {
                    DiffOp::Equal { old_index, new_index, len } => {
                        // Merge with an equal run just before (across the cut), as one diff would.
                        if let Some(DiffOp::Equal { len: prev, .. }) = ops.last_mut() {
                            *prev += len;
                            continue;
                        }
                        DiffOp::Equal { old_index: old_index + oo, new_index: new_index + no, len }
                    }
                    DiffOp::Delete { old_index, old_len, new_index } => {
                        DiffOp::Delete { old_index: old_index + oo, old_len, new_index: new_index + no }
                    }
                    DiffOp::Insert { old_index, new_index, new_len } => {
                        DiffOp::Insert { old_index: old_index + oo, new_index: new_index + no, new_len }
                    }
                    DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                        DiffOp::Replace { old_index: old_index + oo, old_len, new_index: new_index + no, new_len }
                    }
                };
                ops.push(moved);
            }
        }
        ops
    } else {
        similar::capture_diff_slices(Algorithm::Myers, &old_lines, &new_lines)
    };
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    let range = |start: usize, end: usize| {
        let len = end.saturating_sub(start);
        match len {
            1 => format!("{}", start + 1),
            0 => format!("{start},0"),
            _ => format!("{},{len}", start + 1),
        }
    };
    for group in similar::group_diff_ops(ops, 3) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else { continue };
        let _ = writeln!(
            out,
            "@@ -{} +{} @@",
            range(first.old_range().start, last.old_range().end),
            range(first.new_range().start, last.new_range().end)
        );
        for op in &group {
            for (tag, line) in op.iter_changes(&old_lines, &new_lines).map(|c| (c.tag(), c.value())) {
                let sign = match tag {
                    similar::ChangeTag::Equal => ' ',
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                };
                out.push(sign);
                out.push_str(line);
                if !line.ends_with('\n') {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

/// A `---` line (a document start marker).
fn is_doc_marker(line: &str) -> bool {
    line.strip_prefix("---").is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

/// What `fix` did, for stderr. `unwritten`: the files that could not be written, with why
/// (their fixes are not counted). Object text is shown with control characters escaped.
fn summary(outcome: &Outcome, unsafe_fixes: bool, unwritten: &BTreeMap<String, String>) -> String {
    let mut s = String::new();
    let mut fixed = 0;
    for (path, f) in &outcome.files {
        let path = safe(path);
        if let Some(why) = unwritten.get(&path) {
            let n = f.applied.len();
            let _ = writeln!(
                s,
                "not written {path}: {why}; its {n} fix{} not applied",
                if n == 1 { " is" } else { "es are" }
            );
            continue;
        }
        for a in &f.applied {
            fixed += 1;
            let _ = writeln!(s, "fixed {path}: {} {} ({})", a.code, safe(&a.title), safe(&a.object));
        }
        for k in &f.skipped {
            let _ = writeln!(s, "not fixed {path}: {} ({}): {}", k.code, safe(&k.object), safe(&k.reason));
        }
    }
    let _ = write!(s, "{fixed} fix{} applied", if fixed == 1 { "" } else { "es" });
    if !unsafe_fixes && outcome.unsafe_available > 0 {
        let _ = write!(s, "; {} more with --unsafe-fixes", outcome.unsafe_available);
    }
    s.push('\n');
    s
}

/// Runs `kubeward fix`.
///
/// # Errors
/// Usage and I/O errors.
pub fn run(args: &FixArgs) -> Result<u8> {
    let settings = config::load(&args.report)?;
    let mut excludes = settings.exclude.clone();
    excludes.extend(args.exclude.iter().cloned());
    let exclude = walk::exclude_set(&excludes)?;
    let paths = if args.paths.is_empty() { vec![std::path::PathBuf::from(".")] } else { args.paths.clone() };
    let (mut found, mut errors) = walk::collect(&paths, &exclude, !args.no_gitignore);
    // A chart's templates are not YAML: never parsed, never edited.
    errors.extend(crate::render::skip_charts(&mut found, "fix"));
    let mut inputs = Vec::new();
    let mut stdin = false;
    // Dockerfiles are not fixed; they are audited with what remains.
    let mut dockerfiles = Vec::new();
    for i in &found {
        // The same checks as `scan`: size limit, regular files, no binary, UTF-8.
        let (shown, text) = match walk::read_input(i, settings.max_file_size) {
            Ok(x) => x,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        // A UTF-16/32 file (read by `scan`) is not rewritten: `fix` writes UTF-8 only.
        if let Some(enc) = walk::wide_encoding(i) {
            let message = format!("{enc} text: not fixed (kubeward fix writes UTF-8 only); convert it to UTF-8 first");
            errors.push(kubeward_engine::InputError { file: Some(shown.into()), pos: Default::default(), message });
            continue;
        }
        // Dockerfiles are not fixed; they are audited with what remains.
        if matches!(i, walk::Input::File(_)) && kubeward_engine::input::dockerfile::is_dockerfile_path(&shown) {
            dockerfiles.push((shown, text));
            continue;
        }
        stdin |= matches!(i, walk::Input::Stdin);
        inputs.push(Input { path: shown, text });
    }
    let outcome = fix(&inputs, &settings, args.unsafe_fixes);
    let roots = write::Roots::of(&paths);
    // Files that could not be written (unchanged on disk), with why: an input error each, and
    // their original text is what remains to report. The other files are still written.
    let mut unwritten: BTreeMap<String, String> = BTreeMap::new();
    let mut write_errors = Vec::new();
    let mut out = std::io::stdout().lock();
    for input in &inputs {
        let Some(f) = outcome.files.get(&input.path) else { continue };
        if args.diff {
            if f.text != input.text {
                out.write_all(unified(&safe(&input.path), &input.text, &f.text).as_bytes())?;
            }
        } else if input.path == "<stdin>" {
            out.write_all(f.text.as_bytes())?;
        } else if f.text != input.text {
            if let Err(why) = write::replace(Path::new(&input.path), &f.text, &roots) {
                write_errors.push(InputError {
                    file: Some(input.path.as_str().into()),
                    pos: Default::default(),
                    message: format!("cannot write the fixed file ({}); left unchanged", safe(&why)),
                });
                unwritten.insert(safe(&input.path), safe(&why));
            }
        }
    }
    for (source, nf) in &outcome.new_files {
        if args.diff {
            let shown = match Path::new(source).parent() {
                Some(dir) if !source.starts_with('<') => dir.join(&nf.name),
                _ => Path::new(&nf.name).to_path_buf(),
            };
            let diff = similar::TextDiff::from_lines("", nf.content.as_str())
                .unified_diff()
                .header("/dev/null", &format!("b/{}", safe(&shown.display().to_string())))
                .to_string();
            out.write_all(diff.as_bytes())?;
            continue;
        }
        match write::create(source, &nf.name, &nf.content, &roots) {
            Ok(write::Created::Written) => {}
            Ok(write::Created::Exists(p)) => eprintln!("not written: {} exists", safe(&p.display().to_string())),
            Err(why) => write_errors.push(InputError {
                file: Some(source.as_str().into()),
                pos: Default::default(),
                message: format!("new file {} not written: {}", safe(&nf.name), safe(&why)),
            }),
        }
    }
    out.flush()?;
    drop(out);
    eprint!("{}", summary(&outcome, args.unsafe_fixes, &unwritten));

    // What remains, judged on the texts as they now are on disk (the original where the write failed).
    let mut snap = Snapshot::default();
    for input in &inputs {
        let text = match outcome.files.get(&input.path) {
            Some(f) if !unwritten.contains_key(&safe(&input.path)) => f.text.clone(),
            _ => input.text.clone(),
        };
        let (f, e) = Snapshot::parse_file(&input.path, text, Limits::default());
        snap.push(f, e);
    }
    for (path, text) in dockerfiles {
        let (f, errs) = kubeward_engine::snapshot::SourceFile::dockerfile(&path, text);
        snap.files.push(f);
        snap.errors.extend(errs);
    }
    snap.errors.append(&mut errors);
    snap.errors.append(&mut write_errors);
    snap.mark_kustomize_patches();
    let report = kubeward_engine::run(&snap, &settings);
    if args.diff || stdin {
        // stdout carries the diff or the fixed stream: the input errors (they make the exit
        // code 2) go to stderr, then the count of what remains.
        for e in report.errors() {
            eprintln!("error: {e}");
        }
        let remaining = report.finding_count();
        eprintln!(
            "{remaining} finding{} remain{}",
            if remaining == 1 { "" } else { "s" },
            if remaining == 1 { "s" } else { "" }
        );
        return Ok(super::output::exit_code(&settings, &report));
    }
    let sources = Sources::of(&snap);
    super::output::emit_full(&args.report, &settings, &report, &sources, "fix", &super::output::roots(&paths), None)
        .map_err(|e| anyhow!("{e:#}"))
}
