//! Helm charts and Kustomize directories (issue 16): found among the scanned files, rendered by
//! the real tools (`helm template`; `kustomize build` or `kubectl kustomize`) and audited as
//! rendered, each object named by the file it came from.
//!
//! - **Charts.** A folder with a `Chart.yaml` is a chart. None of its files is read as a
//!   manifest (templates are not YAML, `values.yaml` is not an object, `charts/` subcharts are
//!   rendered by helm as part of their parent): the outermost chart is rendered once with
//!   `helm template` and the `# Source: NAME/templates/x.yaml` comments name each object's file
//!   (`CHART_DIR/templates/x.yaml`). Positions are mapped back to the template text (see
//!   [`map_template`]). Without helm the chart is an input error (exit 2) that shows the pipe.
//! - **Kustomize.** A folder with `kustomization.yaml`, `kustomization.yml` or `Kustomization`
//!   that no other scanned kustomization uses (a base is audited through its overlays) is built
//!   through a wrapper kustomization that adds `buildMetadata: [originAnnotations]`, so each
//!   object's `config.kubernetes.io/origin` names its resource file; the annotation is removed
//!   and positions come from that file's object. The files of the built folders are then not
//!   read one by one. When no tool is found or the build fails, that is an input error (exit 2)
//!   and the folder is read file by file, as before (patches as partial objects).
//! - **Hostile input.** Each tool runs without standard input, with a clean environment (its
//!   HOME and HELM_* folders in a temporary folder, no KUBECONFIG, proxies pointing nowhere so
//!   nothing is fetched), a timeout, and its output bounded by `--max-file-size`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsString;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kubeward_engine::input::node::{Kind, Node, Pos};
use kubeward_engine::input::yaml::{Document, Documents, Limits};
use kubeward_engine::snapshot::SourceFile;
use kubeward_engine::InputError;
use rayon::prelude::*;

use crate::walk::{display, Input};

/// The names kustomize reads, in its order of preference.
const KUSTOMIZATION: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];
/// The annotation `buildMetadata: [originAnnotations]` adds.
const ORIGIN: &str = "config.kubernetes.io/origin";
/// How long a renderer may run.
const TIMEOUT: Duration = Duration::from_secs(120);
/// The most of a renderer's standard error kept for the message.
const STDERR_LIMIT: u64 = 16 << 10;

/// How to render: the helm values and the output bound.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// `--helm-values FILE` (repeatable).
    pub values: Vec<PathBuf>,
    /// `--helm-set k=v` (repeatable).
    pub sets: Vec<String>,
    /// The largest rendered output accepted (the scan's `--max-file-size`).
    pub max_size: u64,
    /// Standard input's limits for the YAML loader.
    pub limits: Limits,
}

/// What rendering gives the scan: the rendered files (one per source file) and the errors.
#[derive(Default)]
pub struct Rendered {
    /// Rendered objects, grouped by the file they came from.
    pub files: Vec<SourceFile>,
    /// Renderers missing or failing, rendered text that is not YAML.
    pub errors: Vec<InputError>,
}

/// Finds the charts and kustomizations among `inputs` (files listed by `walk::collect` from
/// `roots`, the scan's arguments), renders them, and removes the files they stand for from
/// `inputs`.
pub fn prepare(inputs: &mut Vec<Input>, roots: &[PathBuf], opts: &Options) -> Rendered {
    let mut out = Rendered::default();
    let mut files: BTreeMap<String, SourceFile> = BTreeMap::new();
    let mut is_dir_with = Cache::default();
    let mut outer = take_charts(inputs, &mut is_dir_with);
    // A library chart renders nothing (helm refuses it): its templates are helpers for others.
    outer.retain(|c| !declares(c, &["Chart.yaml"], "type", "library", opts.max_size));
    if !outer.is_empty() {
        let helm = find_tool("helm");
        // One helm process per chart, charts in parallel.
        let parts: Vec<Part> = outer
            .par_iter()
            .map(|chart| {
                let mut part = Part::default();
                match &helm {
                    Some(helm) => render_chart(helm, chart, opts, &mut part.files, &mut part.errors),
                    None => part.errors.push(error(
                        chart,
                        format!(
                            "Helm chart (Chart.yaml): helm is not on PATH, so its templates were not audited; install \
                             helm (https://helm.sh), or render it yourself: `helm template {} | kubeward scan -`",
                            shell_word(&display(chart))
                        ),
                    )),
                }
                part
            })
            .collect();
        for part in parts {
            part.merge_into(&mut files, &mut out.errors);
        }
    }
    // --- kustomize: folders at or under a scanned folder ---
    let mut dirs: Vec<PathBuf> = Vec::new();
    for input in inputs.iter() {
        let Input::File(p) = input else { continue };
        // Explicit files are read as given.
        let Some(root) = roots.iter().find(|r| p != *r && p.starts_with(r)) else { continue };
        for a in p.ancestors().skip(1) {
            if !a.starts_with(root) {
                break;
            }
            if is_dir_with.has(a, KUSTOMIZATION) && !dirs.contains(&a.to_path_buf()) {
                dirs.push(a.to_path_buf());
            }
        }
    }
    if dirs.is_empty() {
        out.files = files.into_values().collect();
        return out;
    }
    dirs.sort();
    let canonical: Vec<Option<PathBuf>> = dirs.iter().map(|d| d.canonicalize().ok()).collect();
    let uses: Vec<Vec<PathBuf>> = dirs.iter().map(|d| kustomization_uses(d, opts.max_size)).collect();
    let used: HashSet<&PathBuf> = uses.iter().flatten().collect();
    let tool = find_kustomize();
    let mut covered: Vec<PathBuf> = Vec::new();
    let mut origins: HashSet<PathBuf> = HashSet::new();
    // A base is audited through the kustomizations that use it; the others are built, in parallel.
    // A component (`kind: Component`) cannot be built on its own: unused, its files are read one
    // by one, as before.
    let tops: Vec<usize> = (0..dirs.len())
        .filter(|&k| canonical[k].as_ref().is_some_and(|c| !used.contains(c)))
        .filter(|&k| !declares(&dirs[k], KUSTOMIZATION, "kind", "Component", opts.max_size))
        .collect();
    let built: Vec<(usize, Result<Part, String>)> = tops
        .par_iter()
        .map(|&k| {
            let (dir, canon) = (&dirs[k], canonical[k].as_deref().unwrap_or(dirs[k].as_path()));
            let Some(tool) = &tool else {
                return (
                    k,
                    Err(format!(
                        "kustomization: neither kustomize nor kubectl is on PATH, so its files were audited one by one, \
                         not as built; install kubectl, or build it yourself: `kubectl kustomize {} | kubeward scan -`",
                        shell_word(&display(dir))
                    )),
                );
            };
            let r = render_kustomization(tool, dir, canon, opts).map_err(|e| {
                format!("kustomization could not be built (its files were audited one by one): {e}")
            });
            (k, r)
        })
        .collect();
    for (k, r) in built {
        match r {
            Ok(part) => {
                origins.extend(part.origins.iter().cloned());
                part.merge_into(&mut files, &mut out.errors);
                // This folder and the bases it uses, transitively.
                let mut stack: Vec<PathBuf> = canonical[k].iter().cloned().collect();
                while let Some(c) = stack.pop() {
                    if covered.contains(&c) {
                        continue;
                    }
                    if let Some(j) = canonical.iter().position(|x| x.as_ref() == Some(&c)) {
                        stack.extend(uses[j].iter().cloned());
                    }
                    covered.push(c);
                }
            }
            Err(e) => out.errors.push(error(&dirs[k], e)),
        }
    }
    let known: HashSet<&Path> = canonical.iter().flatten().map(PathBuf::as_path).collect();
    if !covered.is_empty() || !origins.is_empty() {
        inputs.retain(|input| {
            let Input::File(p) = input else { return true };
            let Ok(c) = p.canonicalize() else { return true };
            // The nearest kustomization above the file decides (a folder of its own inside a
            // built one may be used by nothing that was built).
            let nearest = c.ancestors().skip(1).find(|a| known.contains(*a));
            !origins.contains(&c) && !nearest.is_some_and(|n| covered.iter().any(|d| d == n))
        });
    }
    out.files = files.into_values().collect();
    out
}

/// Removes the files of Helm charts from `inputs` (the outermost folder with a `Chart.yaml`
/// above each file: templates are not YAML, values are not objects, subcharts render with their
/// parent) and returns those charts, in order.
fn take_charts(inputs: &mut Vec<Input>, is_dir_with: &mut Cache) -> Vec<PathBuf> {
    let mut charts: Vec<PathBuf> = Vec::new();
    inputs.retain(|input| {
        let Input::File(p) = input else { return true };
        let chart = p
            .ancestors()
            .skip(1)
            .map(|a| if a.as_os_str().is_empty() { Path::new(".") } else { a })
            .filter(|a| is_dir_with.has(a, &["Chart.yaml"]))
            .last();
        let Some(c) = chart else { return true };
        if !charts.iter().any(|x| x == c) {
            charts.push(c.to_path_buf());
        }
        false
    });
    charts
}

/// For commands that edit files (`fix`): removes the files of Helm charts from `inputs` and
/// returns one error per chart, saying what to run instead.
pub fn skip_charts(inputs: &mut Vec<Input>, command: &str) -> Vec<InputError> {
    take_charts(inputs, &mut Cache::default())
        .iter()
        .map(|c| {
            let w = shell_word(&display(c));
            error(
                c,
                format!(
                    "Helm chart (Chart.yaml): `kubeward {command}` does not edit templates, so it was skipped; audit it with \
                     `kubeward scan {w}`, or {command} the rendered output: `helm template {w} | kubeward {command} -`"
                ),
            )
        })
        .collect()
}

/// What one chart or kustomization gave.
#[derive(Default)]
struct Part {
    files: BTreeMap<String, SourceFile>,
    origins: HashSet<PathBuf>,
    errors: Vec<InputError>,
}

impl Part {
    fn merge_into(self, files: &mut BTreeMap<String, SourceFile>, errors: &mut Vec<InputError>) {
        for (name, f) in self.files {
            match files.entry(name) {
                std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().documents.extend(f.documents),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(f);
                }
            }
        }
        errors.extend(self.errors);
    }
}

/// Remembers which folders hold one of a set of file names.
#[derive(Default)]
struct Cache(HashMap<(PathBuf, &'static str), bool>);

impl Cache {
    fn has(&mut self, dir: &Path, names: &[&'static str]) -> bool {
        names.iter().any(|n| {
            *self.0.entry((dir.to_path_buf(), n)).or_insert_with(|| {
                let d = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
                d.join(n).is_file()
            })
        })
    }
}

fn error(path: &Path, message: String) -> InputError {
    InputError { file: Some(display(path).into()), pos: Pos::default(), message }
}

/// A path as one shell word (quoted when needed), for the commands shown in messages.
fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@+=,".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// An executable named `name` on PATH.
fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// `kustomize build` when kustomize is on PATH, else `kubectl kustomize`.
fn find_kustomize() -> Option<(PathBuf, &'static str)> {
    find_tool("kustomize").map(|p| (p, "build")).or_else(|| find_tool("kubectl").map(|p| (p, "kustomize")))
}

/// The folders a kustomization lists under `resources`, `bases` and `components`
/// (canonical paths); files and remote URLs are left out.
fn kustomization_uses(dir: &Path, max_size: u64) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for doc in read_docs(dir, KUSTOMIZATION, max_size) {
        for key in ["resources", "bases", "components"] {
            let Some(Kind::Seq(items)) = doc.root.get(key).map(|n| &n.kind) else { continue };
            for item in items {
                let Some(s) = item.as_str() else { continue };
                if let Ok(c) = dir.join(s).canonicalize() {
                    if c.is_dir() {
                        out.push(c);
                    }
                }
            }
        }
    }
    out
}

/// The documents of the first of `names` in `dir` (none when it cannot be read).
fn read_docs(dir: &Path, names: &[&str], max_size: u64) -> Vec<Document> {
    let Some(file) = names.iter().map(|n| dir.join(n)).find(|p| p.is_file()) else { return Vec::new() };
    let Ok(text) = kubeward_engine::input::text::read_text(&file, max_size.max(1)) else { return Vec::new() };
    Documents::new(&text, Limits::default()).collect()
}

/// Whether the first document of the file has `key: value` (`type: library` in Chart.yaml,
/// `kind: Component` in a kustomization).
fn declares(dir: &Path, names: &[&str], key: &str, value: &str, max_size: u64) -> bool {
    read_docs(dir, names, max_size).first().and_then(|d| d.root.get(key)).and_then(Node::as_str) == Some(value)
}

/// The environment a renderer runs in: PATH (to find an interpreter), a temporary HOME and
/// helm folders, no kubeconfig, and proxies that refuse every connection.
fn clean_env(tmp: &Path) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = Vec::new();
    if let Some(p) = std::env::var_os("PATH") {
        env.push(("PATH".into(), p));
    }
    let sub = |s: &str| tmp.join(s).into_os_string();
    env.push(("HOME".into(), sub("home")));
    env.push(("XDG_CONFIG_HOME".into(), sub("config")));
    env.push(("XDG_CACHE_HOME".into(), sub("cache")));
    env.push(("XDG_DATA_HOME".into(), sub("data")));
    env.push(("HELM_CONFIG_HOME".into(), sub("helm/config")));
    env.push(("HELM_CACHE_HOME".into(), sub("helm/cache")));
    env.push(("HELM_DATA_HOME".into(), sub("helm/data")));
    env.push(("HELM_PLUGINS".into(), sub("helm/plugins")));
    env.push(("HELM_REGISTRY_CONFIG".into(), sub("helm/registry.json")));
    env.push(("HELM_REPOSITORY_CONFIG".into(), sub("helm/repositories.yaml")));
    env.push(("HELM_REPOSITORY_CACHE".into(), sub("helm/repository")));
    env.push(("KUBECONFIG".into(), sub("kubeconfig")));
    for k in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"] {
        env.push((k.into(), "http://127.0.0.1:9".into()));
    }
    env.push(("NO_PROXY".into(), OsString::new()));
    env.push(("no_proxy".into(), OsString::new()));
    env
}

/// Runs a renderer: no stdin, a clean environment, stdout bounded by `limit` bytes, a timeout.
/// Returns stdout, or a message with the end of stderr.
fn run_tool(program: &Path, args: &[OsString], tmp: &Path, limit: u64) -> Result<String, String> {
    let name = program.file_name().map_or_else(|| program.display().to_string(), |n| n.to_string_lossy().into());
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        .envs(clean_env(tmp))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let over = Arc::new(AtomicBool::new(false));
    let bounded = |pipe: Option<Box<dyn Read + Send>>, limit: u64, flag: Option<Arc<AtomicBool>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = pipe {
                // One byte past the limit tells "too large" from "exactly the limit".
                let _ = p.take(limit.saturating_add(1)).read_to_end(&mut buf);
            }
            if buf.len() as u64 > limit {
                if let Some(f) = flag {
                    f.store(true, Ordering::SeqCst);
                }
                buf.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            }
            buf
        })
    };
    let out = bounded(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>), limit, Some(over.clone()));
    let err = bounded(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>), STDERR_LIMIT, None);
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Ok(s),
            Ok(None) if over.load(Ordering::SeqCst) => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "{name} printed more than the size limit ({limit} bytes, see --max-file-size); stopped"
                ));
            }
            Ok(None) if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("{name} ran longer than {} s; stopped", TIMEOUT.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => break Err(format!("{name}: {e}")),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let status = status?;
    if over.load(Ordering::SeqCst) {
        return Err(format!("{name} printed more than the size limit ({limit} bytes, see --max-file-size); stopped"));
    }
    if !status.success() {
        let msg = String::from_utf8_lossy(&stderr);
        let msg = msg.lines().map(strip_klog).collect::<Vec<_>>().join("\n");
        let msg = msg.trim();
        return Err(format!("{name} failed ({status}): {}", if msg.is_empty() { "no message" } else { msg }));
    }
    String::from_utf8(stdout).map_err(|_| format!("{name} printed text that is not UTF-8"))
}

/// A line of kubectl's log without its klog header (`E1207 20:44:41.006053    8874 run.go:72] `).
fn strip_klog(line: &str) -> &str {
    let b = line.as_bytes();
    let klog = b.len() > 6 && b"EWIF".contains(&b[0]) && b[1..5].iter().all(u8::is_ascii_digit) && b[5] == b' ';
    match line.find("] ") {
        Some(i) if klog => &line[i + 2..],
        _ => line,
    }
}

/// An absolute path for a tool argument (the tool runs in the same working directory, but
/// absolute paths also survive the wrapper kustomization).
fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf())
    }
}

// ---------------------------------------------------------------------------------------------
// Helm

fn render_chart(
    helm: &Path,
    chart: &Path,
    opts: &Options,
    files: &mut BTreeMap<String, SourceFile>,
    errors: &mut Vec<InputError>,
) {
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => return errors.push(error(chart, format!("cannot make a temporary folder for helm: {e}"))),
    };
    let chart_arg = if chart.as_os_str().is_empty() { Path::new(".") } else { chart };
    let mut args: Vec<OsString> =
        vec!["template".into(), absolute(chart_arg).into_os_string(), "--include-crds".into()];
    for v in &opts.values {
        args.push("--values".into());
        args.push(absolute(v).into_os_string());
    }
    for s in &opts.sets {
        args.push("--set".into());
        args.push(s.into());
    }
    let text = match run_tool(helm, &args, tmp.path(), opts.max_size) {
        Ok(t) => t,
        Err(e) => {
            return errors
                .push(error(chart, format!("Helm chart could not be rendered (its templates were not audited): {e}")))
        }
    };
    // The documents of each template, in the order helm printed them; each template is read once.
    let mut groups: Vec<(Option<String>, Vec<&str>)> = Vec::new();
    let mut index: HashMap<Option<String>, usize> = HashMap::new();
    for (source, chunk) in helm_documents(&text) {
        let k = *index.entry(source.clone()).or_insert_with(|| {
            groups.push((source, Vec::new()));
            groups.len() - 1
        });
        if let Some(g) = groups.get_mut(k) {
            g.1.push(chunk);
        }
    }
    for (source, chunks) in groups {
        // `NAME/templates/x.yaml`: the chart's name, then the path inside the chart folder.
        let file = match source.as_deref().and_then(|s| s.split_once('/')) {
            Some((_, rest)) => chart.join(rest),
            None => chart.to_path_buf(),
        };
        let name = display(&file);
        let text = std::fs::metadata(&file)
            .is_ok_and(|m| m.is_file())
            .then(|| kubeward_engine::input::text::read_text(&file, opts.max_size.max(1)).ok())
            .flatten();
        let template = text.as_deref().map(Template::new);
        let entry = files.entry(name.clone()).or_insert_with(|| SourceFile {
            path: Some(name.as_str().into()),
            text: String::new(),
            documents: Vec::new(),
            partial: false,
        });
        for chunk in chunks {
            let mut docs = Documents::new(chunk, opts.limits);
            let parsed: Vec<Document> = docs.by_ref().collect();
            if let Some(e) = docs.error() {
                errors.push(InputError {
                    file: Some(name.as_str().into()),
                    pos: Pos::default(),
                    message: format!(
                        "helm rendered this template into YAML that does not parse (line {} of its output): {}",
                        e.pos.line, e.message
                    ),
                });
            }
            for mut doc in parsed {
                if !matches!(doc.root.kind, Kind::Map(_)) {
                    continue; // an empty document (a template whose `if` was false)
                }
                match &template {
                    Some(t) => t.map(&mut doc),
                    None => relocate_all(&mut doc, Pos::new(1, 1)),
                }
                entry.documents.push(doc);
            }
        }
    }
}

/// Splits helm's output into (source, document text): each document starts with `---` and
/// a `# Source: NAME/templates/x.yaml` comment.
fn helm_documents(text: &str) -> Vec<(Option<String>, &str)> {
    fn push<'t>(out: &mut Vec<(Option<String>, &'t str)>, chunk: &'t str) {
        if chunk.trim().is_empty() {
            return;
        }
        let source = chunk.lines().find_map(|l| l.strip_prefix("# Source: ")).map(|s| s.trim().to_string());
        out.push((source, chunk));
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == "---" || bare.starts_with("--- ") {
            push(&mut out, &text[start..at]);
            start = at;
        }
        at += line.len();
    }
    push(&mut out, &text[start..]);
    out
}

/// One line of a template, as the mapper sees it.
struct Line<'t> {
    /// 0-based column of the key (after any `- `), or of the content.
    col: usize,
    /// 0-based column of a leading `- `, if any.
    dash: Option<usize>,
    /// The key, when the line is `key: ...` (quotes removed).
    key: Option<&'t str>,
}

fn template_lines(text: &str) -> Vec<Line<'_>> {
    text.lines()
        .map(|raw| {
            let indent = raw.len() - raw.trim_start_matches(' ').len();
            let mut rest = &raw[indent..];
            let mut col = indent;
            let mut dash = None;
            while let Some(r) = rest.strip_prefix("- ").or_else(|| (rest == "-").then_some("")) {
                dash = Some(col);
                let r2 = r.trim_start_matches(' ');
                col += rest.len() - r2.len();
                rest = r2;
            }
            let key = if rest.starts_with('#') || rest.starts_with("{{") {
                None
            } else {
                rest.find(':')
                    .filter(|&i| rest[i + 1..].is_empty() || rest[i + 1..].starts_with([' ', '\t']))
                    .map(|i| rest[..i].trim().trim_matches(['"', '\'']))
                    .filter(|k| !k.is_empty() && !k.contains("{{"))
            };
            Line { col, dash, key }
        })
        .collect()
}

/// Moves a rendered document's positions onto its template: each key is looked for in
/// document order, below its parent's line and indented deeper than it, inside the template
/// section (between `---` lines) that writes the object's `kind`; list items follow the
/// template's `- ` lines (items of a `range` share their line). Keys the template does not
/// write (from `toYaml`, `include`, helpers) take their nearest mapped parent's position, so
/// every finding points at a line of the template that produced it.
pub fn map_template(doc: &mut Document, template: &str) {
    Template::new(template).map(doc);
}

/// Line visits allowed while mapping one document; past it, the keys not yet found take their
/// parent's position (a huge template cannot make the mapping quadratic without bound).
const MAP_BUDGET: u64 = 4_000_000;

/// A template's text, read once for all the documents it rendered.
pub struct Template<'t> {
    lines: Vec<Line<'t>>,
    /// Sections between `---` lines, with the kinds each writes (`kind: X` lines).
    sections: Vec<(usize, usize, Vec<&'t str>)>,
}

impl<'t> Template<'t> {
    /// Reads a template's lines.
    #[must_use]
    pub fn new(text: &'t str) -> Self {
        let lines = template_lines(text);
        let mut sections = Vec::new();
        let (mut lo, mut kinds) = (0, Vec::new());
        for (i, l) in text.lines().enumerate() {
            if l.trim_end() == "---" {
                sections.push((lo, i, std::mem::take(&mut kinds)));
                lo = i + 1;
            } else if let Some(v) = l.trim_start().strip_prefix("kind:") {
                kinds.push(v.trim().trim_matches(['"', '\'']));
            }
        }
        sections.push((lo, lines.len(), kinds));
        Self { lines, sections }
    }

    /// Moves a rendered document's positions onto this template (see [`map_template`]).
    pub fn map(&self, doc: &mut Document) {
        self.map_within(doc, MAP_BUDGET);
    }

    fn map_within(&self, doc: &mut Document, budget: u64) {
        let kind = doc.root.get("kind").and_then(Node::as_str).unwrap_or_default();
        let mut matching = self.sections.iter().filter(|(_, _, kinds)| kinds.contains(&kind));
        let (lo, hi) = match (matching.next(), matching.next()) {
            (Some(&(a, b, _)), None) => (a, b),
            _ => (0, self.lines.len()),
        };
        let start = Pos::new(u32::try_from(lo + 1).unwrap_or(u32::MAX), 1);
        let mut moved: HashMap<u32, Pos> = HashMap::new();
        doc.root.pos = start;
        let m = Mapper { lines: &self.lines, budget: std::cell::Cell::new(budget) };
        m.map(&mut doc.root, start, None, lo, hi, &mut moved);
        for d in &mut doc.duplicates {
            d.pos = moved.get(&d.pos.line).copied().unwrap_or(start);
            d.first = moved.get(&d.first.line).copied().unwrap_or(start);
        }
    }
}

struct Mapper<'l, 't> {
    lines: &'l [Line<'t>],
    budget: std::cell::Cell<u64>,
}

fn pos_of(line: usize, col: usize) -> Pos {
    Pos::new(u32::try_from(line + 1).unwrap_or(u32::MAX), u32::try_from(col + 1).unwrap_or(u32::MAX))
}

impl Mapper<'_, '_> {
    /// The first line of `range` that `pred` accepts, within the budget.
    fn find(&self, range: std::ops::Range<usize>, pred: impl Fn(&Line<'_>) -> bool) -> Option<usize> {
        for i in range {
            let left = self.budget.get();
            if left == 0 {
                return None;
            }
            self.budget.set(left - 1);
            if pred(self.lines.get(i)?) {
                return Some(i);
            }
        }
        None
    }

    /// The end of the block of a node whose key is at `col` (exclusive): the first later line
    /// that is a key or list item at or left of `col`.
    fn block_end(&self, parent_col: Option<usize>, lo: usize, hi: usize) -> usize {
        let Some(pc) = parent_col else { return hi };
        self.find(lo..hi, |l| {
            (l.key.is_some() && l.col <= pc && l.dash.is_none_or(|d| d <= pc)) || l.dash.is_some_and(|d| d < pc)
        })
        .unwrap_or(hi)
    }

    /// Maps `node` (whose own position is already set) within lines `lo..hi`; returns the
    /// first line after what it matched.
    fn map(
        &self,
        node: &mut Node,
        here: Pos,
        parent_col: Option<usize>,
        lo: usize,
        hi: usize,
        moved: &mut HashMap<u32, Pos>,
    ) -> usize {
        let hi = self.block_end(parent_col, lo, hi);
        let mut cursor = lo;
        match &mut node.kind {
            Kind::Map(entries) => {
                for e in entries {
                    let found =
                        self.find(cursor..hi, |l| l.key == Some(&*e.key) && parent_col.is_none_or(|pc| l.col > pc));
                    let old = e.key_pos.line;
                    if let Some(i) = found {
                        let col = self.lines.get(i).map_or(0, |l| l.col);
                        e.key_pos = pos_of(i, col);
                        moved.insert(old, e.key_pos);
                        let old_v = e.value.pos.line;
                        e.value.pos = e.key_pos;
                        moved.entry(old_v).or_insert(e.key_pos);
                        let key_pos = e.key_pos;
                        cursor = self.map(&mut e.value, key_pos, Some(col), i + 1, hi, moved).max(i + 1);
                    } else {
                        e.key_pos = here;
                        moved.entry(old).or_insert(here);
                        relocate(&mut e.value, here);
                    }
                }
            }
            Kind::Seq(items) => {
                let mut last: Option<(usize, usize)> = None; // (dash line, its column)
                for item in items {
                    let found = self.find(cursor..hi, |l| l.dash.is_some_and(|d| parent_col.is_none_or(|pc| d >= pc)));
                    let at = found.map(|i| (i, self.lines.get(i).and_then(|l| l.dash).unwrap_or(0))).or(last);
                    let Some((i, dash)) = at else {
                        relocate(item, here);
                        continue;
                    };
                    last = Some((i, dash));
                    // The item's block: up to the next `- ` at the same column.
                    let end = self
                        .find(i + 1..hi, |l| {
                            l.dash.is_some_and(|d| d <= dash) || (l.key.is_some() && l.dash.is_none() && l.col <= dash)
                        })
                        .unwrap_or(hi);
                    let p = pos_of(i, dash);
                    moved.entry(item.pos.line).or_insert(p);
                    item.pos = p;
                    if matches!(item.kind, Kind::Map(_) | Kind::Seq(_)) {
                        self.map(item, p, Some(dash), i, end, moved);
                    }
                    if found.is_some() {
                        cursor = end;
                    }
                }
            }
            Kind::Null | Kind::Scalar(_) => {}
        }
        cursor
    }
}

/// Gives `node` and everything below it the position `pos`.
fn relocate(node: &mut Node, pos: Pos) {
    node.pos = pos;
    match &mut node.kind {
        Kind::Map(entries) => {
            for e in entries {
                e.key_pos = pos;
                relocate(&mut e.value, pos);
            }
        }
        Kind::Seq(items) => {
            for i in items {
                relocate(i, pos);
            }
        }
        Kind::Null | Kind::Scalar(_) => {}
    }
}

fn relocate_all(doc: &mut Document, pos: Pos) {
    relocate(&mut doc.root, pos);
    for d in &mut doc.duplicates {
        d.pos = pos;
        d.first = pos;
    }
}

// ---------------------------------------------------------------------------------------------
// Kustomize

/// Builds one kustomization through a wrapper that adds origin annotations, and files each
/// object under its origin. Returns errors about single objects; `Err` when the build failed.
fn render_kustomization(
    tool: &(PathBuf, &'static str),
    dir: &Path,
    canon: &Path,
    opts: &Options,
) -> Result<Part, String> {
    let mut part = Part::default();
    let tmp = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let wrap = tmp.path().join("wrap");
    std::fs::create_dir_all(&wrap).map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let wrap = wrap.canonicalize().map_err(|e| format!("temporary folder: {e}"))?;
    // kustomize takes no absolute resource folders: climb from the wrapper to `/`.
    let up = "../".repeat(wrap.components().count());
    let target = format!("{up}{}", canon.strip_prefix("/").unwrap_or(canon).display());
    let yaml = format!(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - {}\nbuildMetadata: [originAnnotations]\n",
        serde_json::Value::String(target)
    );
    std::fs::write(wrap.join("kustomization.yaml"), yaml).map_err(|e| format!("cannot write the wrapper: {e}"))?;
    let args: Vec<OsString> = vec![tool.1.into(), wrap.clone().into_os_string()];
    let text = run_tool(&tool.0, &args, tmp.path(), opts.max_size)?;
    let mut docs = Documents::new(&text, opts.limits);
    let parsed: Vec<Document> = docs.by_ref().collect();
    if let Some(e) = docs.error() {
        return Err(format!("its output does not parse (line {}): {}", e.pos.line, e.message));
    }
    let dir_display = display(dir);
    let mut sources: HashMap<PathBuf, Option<Vec<Document>>> = HashMap::new();
    for mut doc in parsed {
        if !matches!(doc.root.kind, Kind::Map(_)) {
            continue;
        }
        let origin = take_origin(&mut doc.root);
        let (file_abs, from_file) = match origin.as_ref() {
            Some(o) => match (o.get("path"), o.get("configuredIn")) {
                (Some(p), _) => (Some(normalize(&wrap.join(p))), true),
                (None, Some(c)) => (Some(normalize(&wrap.join(c))), false),
                _ => (None, false),
            },
            None => (None, false),
        };
        // The display name: the origin relative to the kustomization, joined to its display path.
        let name = match &file_abs {
            Some(f) => {
                let rel = relative(canon, f);
                let shown = normalize(&Path::new(if dir_display.is_empty() { "." } else { &dir_display }).join(rel));
                display(&shown)
            }
            None => dir_display.clone(),
        };
        let mut mapped = false;
        if let (Some(f), true) = (&file_abs, from_file) {
            part.origins.insert(f.clone());
            let src = sources.entry(f.clone()).or_insert_with(|| {
                let text = kubeward_engine::input::text::read_text(f, opts.max_size.max(1)).ok()?;
                Some(Documents::new(&text, opts.limits).collect())
            });
            if let Some(src) = src {
                if let Some(s) = source_object(src, &doc.root) {
                    let root = s.pos;
                    doc.root.pos = root;
                    map_tree(&mut doc.root, s, root);
                    for d in &mut doc.duplicates {
                        d.pos = root;
                        d.first = root;
                    }
                    mapped = true;
                }
            }
        }
        if !mapped {
            relocate_all(&mut doc, Pos::new(1, 1));
        }
        let entry = part.files.entry(name.clone()).or_insert_with(|| SourceFile {
            path: Some(name.as_str().into()),
            text: String::new(),
            documents: Vec::new(),
            partial: false,
        });
        entry.documents.push(doc);
    }
    Ok(part)
}

/// Removes the origin annotation (and `annotations` when it was the only one); returns the
/// origin, parsed.
fn take_origin(root: &mut Node) -> Option<OriginInfo> {
    let Kind::Map(top) = &mut root.kind else { return None };
    let meta = top.iter_mut().find(|e| &*e.key == "metadata")?;
    let Kind::Map(meta_entries) = &mut meta.value.kind else { return None };
    let ai = meta_entries.iter().position(|e| &*e.key == "annotations")?;
    let Kind::Map(ann) = &mut meta_entries[ai].value.kind else { return None };
    let oi = ann.iter().position(|e| &*e.key == ORIGIN)?;
    let text = ann.remove(oi).value.as_str().map(str::to_string)?;
    if ann.is_empty() {
        meta_entries.remove(ai);
    }
    let mut fields = HashMap::new();
    for line in text.lines() {
        if line.starts_with(' ') {
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            let v = v.trim().trim_matches(['"', '\'']);
            if !v.is_empty() {
                fields.insert(k.trim().to_string(), v.to_string());
            }
        }
    }
    Some(OriginInfo(fields))
}

struct OriginInfo(HashMap<String, String>);

impl OriginInfo {
    fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str)
    }
}

/// The document of a resource file that became `rendered`: same kind, and the name that
/// `namePrefix`/`nameSuffix` kept inside the rendered one (the longest such name).
fn source_object<'d>(docs: &'d [Document], rendered: &Node) -> Option<&'d Node> {
    let kind = rendered.get("kind").and_then(Node::as_str)?;
    let name = rendered.get("metadata").and_then(|m| m.get("name")).and_then(Node::as_str).unwrap_or_default();
    let of_kind: Vec<&Node> =
        docs.iter().map(|d| &d.root).filter(|r| r.get("kind").and_then(Node::as_str) == Some(kind)).collect();
    fn named<'n>(r: &&'n Node) -> &'n str {
        r.get("metadata").and_then(|m| m.get("name")).and_then(Node::as_str).unwrap_or_default()
    }
    of_kind
        .iter()
        .filter(|r| !named(r).is_empty() && name.contains(named(r)))
        .max_by_key(|r| named(r).len())
        .or_else(|| (of_kind.len() == 1).then(|| &of_kind[0]))
        .copied()
}

/// Copies positions from the source object onto the rendered one, key by key; list items are
/// matched by `name` when they have one, else by index. What the source lacks (patched in,
/// generated) takes its nearest matched parent's position.
fn map_tree(node: &mut Node, src: &Node, here: Pos) {
    match (&mut node.kind, &src.kind) {
        (Kind::Map(entries), Kind::Map(s)) => {
            for e in entries {
                match s.iter().find(|x| x.key == e.key) {
                    Some(x) => {
                        e.key_pos = x.key_pos;
                        e.value.pos = x.value.pos;
                        map_tree(&mut e.value, &x.value, x.key_pos);
                    }
                    None => {
                        e.key_pos = here;
                        relocate(&mut e.value, here);
                    }
                }
            }
        }
        (Kind::Seq(items), Kind::Seq(s)) => {
            for (k, item) in items.iter_mut().enumerate() {
                let name = item.get("name").and_then(Node::as_str).map(str::to_string);
                let m = match &name {
                    Some(n) => s.iter().find(|x| x.get("name").and_then(Node::as_str) == Some(n)),
                    None => s.get(k),
                };
                match m {
                    Some(x) => {
                        item.pos = x.pos;
                        map_tree(item, x, x.pos);
                    }
                    None => relocate(item, here),
                }
            }
        }
        (Kind::Map(_) | Kind::Seq(_), _) => relocate(node, if src.pos.is_known() { src.pos } else { here }),
        _ => {}
    }
}

/// `a/./b/../c` → `a/c` (lexically; `..` at the start stays).
fn normalize(p: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            c => out.push(c),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// `to` relative to the folder `from` (both absolute and normalised).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Document {
        Documents::new(text, Limits::default()).next().expect("a document")
    }

    #[test]
    fn helm_output_splits_by_source() {
        let out = "---\n# Source: web/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\n---\n# Source: web/charts/db/templates/d.yaml\nkind: Deployment\n";
        let docs = helm_documents(out);
        let sources: Vec<_> = docs.iter().map(|(s, _)| s.as_deref()).collect();
        assert_eq!(sources, vec![Some("web/templates/sa.yaml"), Some("web/charts/db/templates/d.yaml")]);
        assert!(docs[1].1.contains("kind: Deployment"));
    }

    #[test]
    fn template_lines_are_mapped_by_key_path() {
        let template = "\
{{- if .Values.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"web.fullname\" . }}
  labels:
    {{- include \"web.labels\" . | nindent 4 }}
spec:
  template:
    spec:
      containers:
        - name: web
          image: \"{{ .Values.image }}\"
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
        - name: side
          image: busybox
          securityContext:
            privileged: {{ .Values.privileged }}
{{- end }}
";
        let rendered = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: rel-web\n  labels:\n    app: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"nginx\"\n          securityContext:\n            runAsUser: 0\n        - name: side\n          image: busybox\n          securityContext:\n            privileged: true\n";
        let mut doc = parse(rendered);
        map_template(&mut doc, template);
        let at = |path: &[&str]| {
            let mut n = &doc.root;
            let mut pos = n.pos;
            for k in path {
                if let Ok(i) = k.parse::<usize>() {
                    n = match &n.kind {
                        Kind::Seq(s) => &s[i],
                        _ => panic!("not a list"),
                    };
                    pos = n.pos;
                } else {
                    let Kind::Map(es) = &n.kind else { panic!("not a map at {k}") };
                    let e = es.iter().find(|e| &*e.key == *k).expect("key");
                    pos = e.key_pos;
                    n = &e.value;
                }
            }
            pos.line
        };
        assert_eq!(at(&["kind"]), 3);
        assert_eq!(at(&["metadata", "name"]), 5);
        // From a helper: the parent's line.
        assert_eq!(at(&["metadata", "labels", "app"]), 6);
        let c = ["spec", "template", "spec", "containers"];
        assert_eq!(at(&c), 11);
        assert_eq!(at(&[&c[..], &["0", "image"]].concat()), 13);
        assert_eq!(at(&[&c[..], &["0", "securityContext", "runAsUser"]].concat()), 14, "toYaml: its key's line");
        assert_eq!(at(&[&c[..], &["1", "name"]].concat()), 16);
        assert_eq!(at(&[&c[..], &["1", "securityContext", "privileged"]].concat()), 19);
    }

    #[test]
    fn mapping_work_is_bounded() {
        // Past the budget, keys take their parent's position instead of being looked for.
        let template = "kind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: true\n";
        let line_of = |budget: u64| {
            let mut doc = parse("kind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: true\n");
            Template::new(template).map_within(&mut doc, budget);
            let spec = doc.root.get("spec").expect("spec");
            let Kind::Map(es) = &spec.kind else { panic!("map") };
            es[0].key_pos.line
        };
        assert_eq!(line_of(MAP_BUDGET), 5);
        assert_eq!(line_of(3), 1, "the budget ran out: the document's first line");
    }

    #[test]
    fn range_items_share_their_template_line() {
        let template =
            "kind: Service\nspec:\n  ports:\n  {{- range .Values.ports }}\n  - port: {{ . }}\n  {{- end }}\n";
        let mut doc = parse("kind: Service\nspec:\n  ports:\n  - port: 80\n  - port: 443\n");
        map_template(&mut doc, template);
        let ports = doc.root.get("spec").and_then(|s| s.get("ports")).expect("ports");
        let Kind::Seq(items) = &ports.kind else { panic!("list") };
        assert_eq!(items.iter().map(|i| i.pos.line).collect::<Vec<_>>(), vec![5, 5]);
    }

    #[test]
    fn klog_headers_are_dropped() {
        assert_eq!(
            strip_klog(r#"E1207 20:44:41.006053    8874 run.go:72] "command failed" err="x""#),
            r#""command failed" err="x""#
        );
        assert_eq!(
            strip_klog("Error: found in Chart.yaml, but missing in charts/ directory: redis"),
            "Error: found in Chart.yaml, but missing in charts/ directory: redis"
        );
    }

    #[test]
    fn paths_normalise_and_relate() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../a/..")), PathBuf::from(".."));
        assert_eq!(
            relative(Path::new("/x/k/overlays/prod"), Path::new("/x/k/base/d.yaml")),
            PathBuf::from("../../base/d.yaml")
        );
    }
}
