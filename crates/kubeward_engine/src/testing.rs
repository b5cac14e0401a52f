//! Test harness for rules: fixtures with `# fail:` / `# pass:` documents.
//!
//! Each rule has `resources/test/fixtures/<category>/<CODE>.yaml`. Every document in it starts
//! with a comment `# fail: why`, `# pass: why` or `# context: why` (a document other documents
//! need, such as a NetworkPolicy, with no expectation of its own). A `fail` document must get
//! at least one finding of the rule, a `pass` document none. The text rendering is then
//! snapshotted, so a wrong answer cannot hide behind a blessed snapshot.

use std::path::PathBuf;

use crate::engine::run_rules;
use crate::report::{self, Render, Sources};
use crate::rule::Rule;
use crate::settings::Settings;
use crate::snapshot::Snapshot;

/// The day the fixtures are judged on (exemption expiry).
pub const FIXTURE_TODAY: &str = "2026-06-15";

/// Path of a rule's fixture.
pub fn fixture_path(rule: &dyn Rule) -> PathBuf {
    let m = rule.meta();
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/test/fixtures").join(m.category.as_str()).join(format!(
        "{}.{}",
        m.code,
        fixture_extension(rule)
    ))
}

/// `Dockerfile` for Dockerfile rules, else `yaml`.
fn fixture_extension(rule: &dyn Rule) -> &'static str {
    if rule.meta().targets.has(crate::rule::Targets::DOCKERFILE) {
        "Dockerfile"
    } else {
        "yaml"
    }
}

/// A Dockerfile rule's fixture as one snapshot: each `---`-separated section (without its
/// `# fail:`/`# pass:` line, so that parser directives can open it) is its own file,
/// `<category>/<CODE>.L<nnn>.Dockerfile`, where `nnn` is the fixture line its first line is on.
fn dockerfile_fixture_snapshot(rel_dir: &str, code: &str, text: &str) -> (Snapshot, Vec<(Chunk, String)>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut snap = Snapshot::default();
    let mut out = Vec::new();
    for c in chunks(text) {
        let from = usize::try_from(c.start).unwrap_or(1); // 1-based line of the `---` or of line 1
        let first = if c.start == 1 { 0 } else { from };
        let mut body_start = first;
        while lines
            .get(body_start)
            .is_some_and(|l| l.is_empty() || ["# fail:", "# pass:", "# context:"].iter().any(|k| l.starts_with(k)))
        {
            body_start += 1;
        }
        let end = usize::try_from(c.end).unwrap_or(0).saturating_sub(1).min(lines.len());
        let body = lines.get(body_start..end.max(body_start)).unwrap_or(&[]).join("\n") + "\n";
        let name = format!("{rel_dir}/{code}.L{:03}.Dockerfile", body_start + 1);
        let (f, errs) = crate::snapshot::SourceFile::dockerfile(&name, body);
        snap.files.push(f);
        snap.errors.extend(errs);
        out.push((c, name));
    }
    (snap, out)
}

/// Runs a Dockerfile rule's fixture.
fn run_dockerfile_fixture(rule: &'static dyn Rule, text: &str) -> Result<String, String> {
    let code = rule.meta().code;
    let (snap, sections) = dockerfile_fixture_snapshot(rule.meta().category.as_str(), code, text);
    let settings = fixture_settings_for(rule)?;
    let report = run_rules(&snap, &settings, &[rule]);
    let mut problems = Vec::new();
    for e in report.errors() {
        problems.push(format!("{code}: fixture does not parse: {e}"));
    }
    if !sections.iter().any(|(c, _)| c.expect == "fail") || !sections.iter().any(|(c, _)| c.expect == "pass") {
        problems.push(format!("{code}: fixture needs at least one `# fail:` and one `# pass:` section"));
    }
    for (c, name) in &sections {
        let hits = report.findings().filter(|d| d.file.as_deref() == Some(name.as_str())).count();
        match c.expect.as_str() {
            "fail" if hits == 0 => problems.push(format!("{code}: {name}: expected a finding: {}", c.why)),
            "pass" if hits > 0 => {
                problems.push(format!("{code}: {name}: expected no finding ({hits} found): {}", c.why))
            }
            "" => problems.push(format!("{code}: {name}: section without `# fail:`/`# pass:`")),
            _ => {}
        }
    }
    check_messages(code, &report, true, &mut problems);
    finish(&snap, &report, problems)
}

/// Every finding's message style, and (when `positions`) that it has a line and column.
fn check_messages(code: &str, report: &crate::engine::Report, positions: bool, problems: &mut Vec<String>) {
    for d in report.findings() {
        let m = &d.message;
        if m.ends_with('.') || m.chars().next().is_some_and(char::is_uppercase) {
            problems.push(format!("{code}: message style (lowercase start, no trailing period): {m}"));
        }
        if positions && !d.pos.is_known() {
            problems.push(format!("{code}: finding without a position: {m}"));
        }
    }
}

/// The broken expectations, or the text report of a fixture run (its snapshot).
fn finish(snap: &Snapshot, report: &crate::engine::Report, problems: Vec<String>) -> Result<String, String> {
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let sources = Sources::of(snap);
    let mut out = Vec::new();
    report::text::write_findings(&Render::new(report, &sources, "scan"), &mut out).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Settings used for fixtures (defaults, fixed date).
pub fn fixture_settings() -> Settings {
    Settings { today: FIXTURE_TODAY.to_string(), ..Settings::default() }
}

/// Settings for one rule's fixture: `<CODE>.settings.yaml` next to the fixture when it exists
/// (for rules that only report with an option set), else the defaults; the date is fixed.
pub fn fixture_settings_for(rule: &dyn Rule) -> Result<Settings, String> {
    let path = fixture_path(rule).with_extension("settings.yaml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(fixture_settings());
    };
    let mut s = Settings::from_yaml(&path.display().to_string(), &text).map_err(|e| e.to_string())?;
    s.today = FIXTURE_TODAY.to_string();
    Ok(s)
}

#[derive(Debug)]
struct Chunk {
    start: u32,
    end: u32,
    expect: String,
    why: String,
}

fn chunks(text: &str) -> Vec<Chunk> {
    let mut out: Vec<Chunk> = Vec::new();
    let mut cur = Chunk { start: 1, end: 1, expect: String::new(), why: String::new() };
    let mut n = 0u32;
    for line in text.lines() {
        n += 1;
        if line == "---" || line.starts_with("--- ") {
            cur.end = n;
            out.push(std::mem::replace(
                &mut cur,
                Chunk { start: n, end: n, expect: String::new(), why: String::new() },
            ));
            continue;
        }
        if cur.expect.is_empty() {
            for kind in ["fail", "pass", "context"] {
                if let Some(rest) = line.strip_prefix(&format!("# {kind}:")) {
                    cur.expect = kind.to_string();
                    cur.why = rest.trim().to_string();
                }
            }
        }
    }
    cur.end = n + 1;
    out.push(cur);
    out.retain(|c| !c.expect.is_empty() || c.start + 1 < c.end);
    out
}

/// Runs a rule's fixture; returns the rendered findings or the list of broken expectations.
pub fn run_fixture(rule: &'static dyn Rule) -> Result<String, String> {
    let path = fixture_path(rule);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: no fixture ({e})", path.display()))?;
    let code = rule.meta().code;
    if rule.meta().targets.has(crate::rule::Targets::DOCKERFILE) {
        return run_dockerfile_fixture(rule, &text);
    }
    let rel = format!("{}/{code}.yaml", rule.meta().category.as_str());
    let mut snap = Snapshot::from_text(&rel, &text);
    let host_files = rule.meta().targets.has(crate::rule::Targets::HOST_FILE);
    if host_files {
        snap.host_files = host_files_of(&snap)?;
    }
    // Docker snapshot rules judge documents that stand for node files
    // (`kubeward-test-file: PATH`) and report findings in the fixture, at the document's line.
    let by_path = host_files;
    let settings = fixture_settings_for(rule)?;
    let report = run_rules(&snap, &settings, &[rule]);
    let mut problems = Vec::new();
    if let Some(e) = report.errors().first() {
        problems.push(format!("{code}: fixture does not parse: {e}"));
    }
    let cs = chunks(&text);
    if !cs.iter().any(|c| c.expect == "fail") || !cs.iter().any(|c| c.expect == "pass") {
        problems.push(format!("{code}: fixture needs at least one `# fail:` and one `# pass:` document"));
    }
    for (i, c) in cs.iter().enumerate() {
        let hits = if by_path {
            // Host-file findings have no line: match them by the document's `path` (or
            // `kubeward-test-file`).
            let path = snap
                .files
                .first()
                .and_then(|f| f.documents.get(i))
                .and_then(|d| d.root.get("path").or_else(|| d.root.get("kubeward-test-file")))
                .and_then(crate::input::node::Node::as_str);
            report.findings().filter(|d| d.file.is_some() && d.file.as_deref() == path).count()
        } else {
            report.findings().filter(|d| d.pos.line >= c.start && d.pos.line < c.end).count()
        };
        match c.expect.as_str() {
            "fail" if hits == 0 => problems.push(format!("{code}: line {}: expected a finding: {}", c.start, c.why)),
            "pass" if hits > 0 => {
                problems.push(format!("{code}: line {}: expected no finding ({hits} found): {}", c.start, c.why))
            }
            "" => problems.push(format!("{code}: line {}: document without `# fail:`/`# pass:`/`# context:`", c.start)),
            _ => {}
        }
    }
    check_messages(code, &report, !by_path, &mut problems);
    finish(&snap, &report, problems)
}

/// The YAML blocks of a rule's docs: (the `## Example` block, the `Use instead:` block).
pub fn doc_examples(docs: &str) -> (Option<String>, Option<String>) {
    let mut example = None;
    let mut instead = None;
    let mut state = 0; // 0 before Example, 1 in Example, 2 after "Use instead"
    let mut in_block = false;
    let mut cur = String::new();
    for line in docs.lines() {
        let t = line.trim();
        if !in_block {
            if t.starts_with("## Example") {
                state = 1;
            } else if t.starts_with("Use instead") && state >= 1 {
                state = 2;
            } else if t.starts_with("## ") && state >= 1 && !t.starts_with("## Example") {
                state = 3;
            }
            // Dockerfile rules show Dockerfiles.
            if (t == "```yaml" || t == "```dockerfile") && (state == 1 || state == 2) {
                in_block = true;
                cur.clear();
            }
        } else if t == "```" {
            in_block = false;
            if state == 1 && example.is_none() {
                example = Some(cur.clone());
            } else if state == 2 && instead.is_none() {
                instead = Some(cur.clone());
            }
        } else {
            cur.push_str(line);
            cur.push('\n');
        }
    }
    (example, instead)
}

/// Runs one rule on a text and counts its findings.
pub fn count_findings(rule: &'static dyn Rule, text: &str) -> (usize, usize) {
    let mut snap = if rule.meta().targets.has(crate::rule::Targets::DOCKERFILE) {
        let mut s = Snapshot::default();
        let (f, errs) = crate::snapshot::SourceFile::dockerfile("example.Dockerfile", text.to_string());
        s.files.push(f);
        s.errors.extend(errs);
        s
    } else {
        Snapshot::from_text("example.yaml", text)
    };
    if rule.meta().targets.has(crate::rule::Targets::HOST_FILE) {
        snap.host_files = host_files_of(&snap).unwrap_or_default();
    }
    let settings = fixture_settings_for(rule).unwrap_or_else(|_| fixture_settings());
    let report = run_rules(&snap, &settings, &[rule]);
    (report.finding_count(), report.errors().len())
}

/// Host files described by a HOST_FILE rule's fixture documents:
/// `{path, role, mode: "0640", owner: "root:root", state: present|absent|unreadable, dir: true}`.
fn host_files_of(snap: &Snapshot) -> Result<Vec<crate::input::hostfile::HostFile>, String> {
    use crate::input::hostfile::{FileRole, FileState, HostFile};
    use crate::input::node::Node;
    let mut out = Vec::new();
    for d in snap.files.iter().flat_map(|f| f.documents.iter()) {
        let r = &d.root;
        let path = r.get("path").and_then(Node::as_str).ok_or("host-file fixture document without `path`")?;
        let role: FileRole = r.get("role").and_then(Node::as_str).unwrap_or("").parse()?;
        let state = match r.get("state").and_then(Node::as_str).unwrap_or("present") {
            "absent" => FileState::Absent,
            "unreadable" => FileState::Unreadable("permission denied".into()),
            _ => {
                let mode_text = r.get("mode").and_then(Node::as_str).unwrap_or("0600");
                let mode = u32::from_str_radix(mode_text.trim_start_matches("0o"), 8)
                    .map_err(|e| format!("mode `{mode_text}`: {e}"))?;
                let owner = r.get("owner").and_then(Node::as_str).unwrap_or("root:root");
                let (user, group) = owner.split_once(':').unwrap_or((owner, owner));
                let id = |name: &str| if name == "root" { 0 } else { name.parse().unwrap_or(1000) };
                let named = |name: &str| (!name.bytes().all(|b| b.is_ascii_digit())).then(|| name.to_string());
                FileState::Present {
                    mode,
                    uid: id(user),
                    gid: id(group),
                    user: named(user),
                    group: named(group),
                    dir: r.get("dir").is_some_and(Node::is_true),
                }
            }
        };
        out.push(HostFile { path: path.to_string(), role, state });
    }
    Ok(out)
}
