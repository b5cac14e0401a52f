//! `kubeward fix`: apply the rules' automated fixes to manifests, keeping comments and
//! formatting; print what changed (stderr) and report what remains (stdout), or print a
//! unified diff with `--diff`. With `-`, the fixed stream goes to stdout.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Context as _, Result};
use kubeward_engine::fix::apply::{fix, Input, Outcome};
use kubeward_engine::input::yaml::Limits;
use kubeward_engine::report::Sources;
use kubeward_engine::Snapshot;

use crate::args::FixArgs;
use crate::{config, walk};

fn unified(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Where a new file goes: beside the file whose finding asked for it.
fn beside(source: &str, name: &str) -> std::path::PathBuf {
    match Path::new(source).parent() {
        Some(dir) if !source.starts_with('<') => dir.join(name),
        _ => Path::new(name).to_path_buf(),
    }
}

fn summary(outcome: &Outcome, unsafe_fixes: bool) -> String {
    let mut s = String::new();
    let mut fixed = 0;
    for (path, f) in &outcome.files {
        for a in &f.applied {
            fixed += 1;
            let _ = writeln!(s, "fixed {path}: {} {} ({})", a.code, a.title, a.object);
        }
        for k in &f.skipped {
            let _ = writeln!(s, "not fixed {path}: {} ({}): {}", k.code, k.object, k.reason);
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
    let (found, mut errors) = walk::collect(&paths, &exclude, !args.no_gitignore);
    let mut inputs = Vec::new();
    let mut stdin = false;
    // --- images (issue 6) --- Dockerfiles are not fixed; they are audited with what remains.
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
        // --- images (issue 6) --- Dockerfiles are not fixed; they are audited with what remains.
        if matches!(i, walk::Input::File(_)) && kubeward_engine::input::dockerfile::is_dockerfile_path(&shown) {
            dockerfiles.push((shown, text));
            continue;
        }
        stdin |= matches!(i, walk::Input::Stdin);
        inputs.push(Input { path: shown, text });
    }
    let outcome = fix(&inputs, &settings, args.unsafe_fixes);
    let mut out = std::io::stdout().lock();
    for input in &inputs {
        let Some(f) = outcome.files.get(&input.path) else { continue };
        if args.diff {
            if f.text != input.text {
                out.write_all(unified(&input.path, &input.text, &f.text).as_bytes())?;
            }
        } else if input.path == "<stdin>" {
            out.write_all(f.text.as_bytes())?;
        } else if f.text != input.text {
            std::fs::write(&input.path, &f.text).with_context(|| format!("cannot write {}", input.path))?;
        }
    }
    for (source, nf) in &outcome.new_files {
        let target = beside(source, &nf.name);
        let shown = target.display().to_string();
        if args.diff {
            let diff = similar::TextDiff::from_lines("", nf.content.as_str())
                .unified_diff()
                .header("/dev/null", &format!("b/{shown}"))
                .to_string();
            out.write_all(diff.as_bytes())?;
        } else if target.exists() {
            eprintln!("not written: {shown} exists");
        } else {
            std::fs::write(&target, &nf.content).with_context(|| format!("cannot write {shown}"))?;
        }
    }
    out.flush()?;
    drop(out);
    eprint!("{}", summary(&outcome, args.unsafe_fixes));

    // What remains, judged on the fixed texts.
    let mut snap = Snapshot::default();
    for input in &inputs {
        let text = outcome.files.get(&input.path).map_or_else(|| input.text.clone(), |f| f.text.clone());
        let (f, e) = Snapshot::parse_file(&input.path, text, Limits::default());
        snap.push(f, e);
    }
    for (path, text) in dockerfiles {
        let (f, errs) = kubeward_engine::input::dockerfile::source_file(&path, text);
        snap.files.push(f);
        snap.errors.extend(errs);
    }
    snap.errors.append(&mut errors);
    snap.mark_kustomize_patches();
    let report = kubeward_engine::run(&snap, &settings);
    if args.diff || stdin {
        // stdout carries the diff or the fixed stream: the input errors (they make the exit
        // code 2) go to stderr, then the count of what remains.
        for e in &report.errors {
            eprintln!("error: {e}");
        }
        let remaining = report.diagnostics.len();
        eprintln!(
            "{remaining} finding{} remain{}",
            if remaining == 1 { "" } else { "s" },
            if remaining == 1 { "s" } else { "" }
        );
        return Ok(super::output::exit_code(&settings, &report));
    }
    let sources = Sources::of(&snap);
    super::output::emit(&args.report, &settings, &report, &sources, "fix").map_err(|e| anyhow!("{e:#}"))
}
