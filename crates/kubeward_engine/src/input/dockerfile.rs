//! Dockerfile (and Containerfile) parser with line and column positions.
//!
//! Follows BuildKit's Dockerfile frontend where it matters for auditing:
//! - parser directives (`# syntax=`, `# escape=`, `# check=`) only at the very top, before any
//!   comment, blank line or instruction;
//! - the escape character (`\` by default, `` ` `` with `# escape=``) continues a line when it
//!   ends one; comment lines and blank lines inside a continuation are dropped;
//! - heredocs (`RUN <<EOF`, `COPY <<EOF /dst`, `<<-EOF` strips leading tabs, quoted delimiters)
//!   on `RUN`, `COPY` and `ADD`;
//! - exec (JSON array) and shell forms;
//! - `--flag=value` options (`FROM --platform`, `COPY --from`, `RUN --mount`...);
//! - stages (`FROM image AS name`), global `ARG`s before the first `FROM` and their
//!   substitution (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}`) in `FROM`.
//!
//! Bad input never panics: an unknown instruction or an unterminated heredoc is an error with a
//! position, and parsing goes on with the next line. Work is linear in the input size.
//!
//! Inline ignores: a comment `# kubeward:ignore=DF001,DF004 reason: why` applies to the next
//! instruction; `# kubeward:ignore-file=DF010 reason: why` to the whole file. Codes, names or
//! categories are accepted; `until=YYYY-MM-DD` (before `reason:`) makes it expire. An ignore
//! without a reason, or expired, is not applied, and the finding says so.

use std::sync::Arc;

use super::node::Pos;

/// Whether a file name is a Dockerfile: `Dockerfile`, `Containerfile`, `*.Dockerfile`,
/// `Dockerfile.*`, `*.containerfile` (case-insensitive).
#[must_use]
pub fn is_dockerfile_path(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path).to_ascii_lowercase();
    // `Dockerfile.yaml`, `Dockerfile.md`, `dockerfile.go`, `Dockerfile.dockerignore` and
    // templates (`Dockerfile.j2`) are not Dockerfiles.
    let other = [
        ".yaml",
        ".yml",
        ".json",
        ".md",
        ".txt",
        ".rst",
        ".adoc",
        ".html",
        ".orig",
        ".rej",
        ".dockerignore",
        ".go",
        ".py",
        ".rs",
        ".js",
        ".ts",
        ".java",
        ".kt",
        ".rb",
        ".php",
        ".c",
        ".h",
        ".cpp",
        ".cs",
        ".sh",
        ".bash",
        ".ps1",
        ".bat",
        ".toml",
        ".ini",
        ".cfg",
        ".lock",
        ".sum",
        ".mod",
        ".tpl",
        ".tmpl",
        ".template",
        ".j2",
        ".jinja",
        ".jinja2",
        ".erb",
        ".mustache",
        ".hbs",
        ".in",
        ".swp",
        ".bak~",
        ".gotmpl",
        ".snap",
        ".golden",
    ];
    if name.ends_with('~') || other.iter().any(|x| name.ends_with(x)) {
        return false;
    }
    name == "dockerfile"
        || name == "containerfile"
        || name.ends_with(".dockerfile")
        || name.ends_with(".containerfile")
        || name.starts_with("dockerfile.")
        || name.starts_with("containerfile.")
}

/// The instructions BuildKit knows.
pub const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// A parse problem (the file is still audited).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Where.
    pub pos: Pos,
    /// What.
    pub message: String,
}

/// A `--name[=value]` option of an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Name without dashes (`from`, `platform`, `chown`).
    pub name: String,
    /// Value, when written with `=`.
    pub value: Option<String>,
    /// Where the flag starts.
    pub pos: Pos,
}

/// A heredoc body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word.
    pub delimiter: String,
    /// The body (lines joined with `\n`, trailing newline included).
    pub body: String,
    /// Position of the first body line.
    pub pos: Pos,
}

/// A word of the arguments, unquoted, with where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Text with quotes removed.
    pub text: String,
    /// Position of its first character.
    pub pos: Pos,
}

/// One instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-case keyword (`RUN`).
    pub keyword: String,
    /// Position of the keyword.
    pub pos: Pos,
    /// Last physical line of the instruction (heredoc bodies included).
    pub end_line: u32,
    /// Options (`--from=build`), in order.
    pub flags: Vec<Flag>,
    /// The arguments after the options, continuations joined, as written.
    pub args: String,
    /// The exec-form arguments when the arguments are a JSON array of strings.
    pub exec: Option<Vec<String>>,
    /// Heredoc bodies.
    pub heredocs: Vec<Heredoc>,
    /// Index of the stage the instruction belongs to (`None` for global `ARG`s).
    pub stage: Option<usize>,
    /// For `ONBUILD X`: the trigger's keyword (the instruction runs in child builds).
    pub onbuild: Option<String>,
    /// Offsets into `args` where a physical line starts, with that line's position.
    segments: Vec<(usize, Pos)>,
}

impl Instruction {
    /// The position of byte `offset` of `args`.
    #[must_use]
    pub fn pos_at(&self, offset: usize) -> Pos {
        // Binary search: hostile input can have very many continuation lines and words.
        let i = self.segments.partition_point(|(off, _)| *off <= offset);
        let (base, best) = match i.checked_sub(1).and_then(|j| self.segments.get(j)) {
            Some((off, p)) => (*off, *p),
            None => (0, self.segments.first().map_or(self.pos, |s| s.1)),
        };
        let chars = self.args.get(base..offset.min(self.args.len())).map_or(0, |s| s.chars().count());
        Pos::new(best.line, best.col.saturating_add(u32::try_from(chars).unwrap_or(u32::MAX)))
    }

    /// The flag named `name`.
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Shell-like words of the arguments (quotes removed, escapes applied), with positions.
    #[must_use]
    pub fn words(&self, escape: char) -> Vec<Word> {
        split_words(&self.args, escape).into_iter().map(|(text, off)| Word { text, pos: self.pos_at(off) }).collect()
    }

    /// The text a shell would run: the shell form arguments, the exec form joined by spaces,
    /// and heredoc bodies.
    #[must_use]
    pub fn command_text(&self) -> String {
        let mut s = match &self.exec {
            Some(v) => v.join(" "),
            None => self.args.clone(),
        };
        for h in &self.heredocs {
            s.push('\n');
            s.push_str(&h.body);
        }
        s
    }

    /// `KEY=value` pairs of `ENV`, `ARG` and `LABEL` (`ENV KEY value`, the legacy form, too).
    /// `value` is `None` for `ARG NAME` without a default.
    #[must_use]
    pub fn key_values(&self, escape: char) -> Vec<KeyValue> {
        let words = self.words(escape);
        let legacy = self.keyword == "ENV" && words.first().is_some_and(|w| !w.text.contains('='));
        if legacy {
            let Some(first) = words.first() else { return Vec::new() };
            // `ENV KEY value with spaces`: everything after the key.
            let rest = self.args.trim_start();
            let after_key = rest.get(first.text.len()..).unwrap_or("").trim();
            let value_pos = words.get(1).map_or(first.pos, |w| w.pos);
            let value = split_words(after_key, escape).into_iter().map(|(t, _)| t).collect::<Vec<_>>().join(" ");
            return vec![KeyValue { key: first.text.clone(), value: Some(value), pos: first.pos, value_pos }];
        }
        words
            .into_iter()
            .map(|w| match w.text.split_once('=') {
                Some((k, v)) => {
                    let value_pos = Pos::new(w.pos.line, w.pos.col + u32::try_from(k.chars().count() + 1).unwrap_or(0));
                    KeyValue { key: k.to_string(), value: Some(v.to_string()), pos: w.pos, value_pos }
                }
                None => KeyValue { key: w.text.clone(), value: None, pos: w.pos, value_pos: w.pos },
            })
            .collect()
    }
}

/// A `KEY=value` of `ENV`/`ARG`/`LABEL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    /// The key.
    pub key: String,
    /// The value (unquoted); `None` for a bare `ARG NAME`.
    pub value: Option<String>,
    /// Where the key starts.
    pub pos: Pos,
    /// Where the value starts.
    pub value_pos: Pos,
}

/// A build stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// Index (0-based, as `COPY --from=0` counts).
    pub index: usize,
    /// `AS name`, lower-cased as BuildKit compares it.
    pub name: Option<String>,
    /// The base as written (`${BASE}:${TAG}`).
    pub base: String,
    /// The base after substituting global `ARG` defaults; `None` when a variable has no default.
    pub base_resolved: Option<String>,
    /// Position of the base image word.
    pub base_pos: Pos,
    /// The earlier stage the base names (`FROM build`), if any.
    pub parent: Option<usize>,
    /// Index of the `FROM` instruction.
    pub from: usize,
    /// Indices of the stage's instructions (the `FROM` included).
    pub instructions: Vec<usize>,
}

/// An inline ignore comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreComment {
    /// Codes, names or categories.
    pub selectors: Vec<String>,
    /// The reason (empty when missing: the ignore is void).
    pub reason: String,
    /// `until=` date, when given.
    pub until: Option<String>,
    /// The instruction it applies to; `None` for `ignore-file`.
    pub instruction: Option<usize>,
    /// Line of the comment.
    pub line: u32,
}

/// A parsed Dockerfile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dockerfile {
    /// Display path.
    pub path: Option<Arc<str>>,
    /// The escape character.
    pub escape: char,
    /// Parser directives (lower-case name, value, position).
    pub directives: Vec<(String, String, Pos)>,
    /// Instructions in order.
    pub instructions: Vec<Instruction>,
    /// Stages in order.
    pub stages: Vec<Stage>,
    /// Inline ignore comments.
    pub ignores: Vec<IgnoreComment>,
    /// Problems found.
    pub errors: Vec<ParseError>,
}

/// Longest line or heredoc we keep (bounded memory for hostile input; BuildKit's scanner
/// limit is similar).
const MAX_INSTRUCTION_BYTES: usize = 1 << 20;

fn col_of(line: &str, byte: usize) -> u32 {
    u32::try_from(line.get(..byte).map_or(0, |s| s.chars().count()) + 1).unwrap_or(u32::MAX)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Splits shell-like words: whitespace separates, `'...'` and `"..."` group, the escape
/// character escapes the next character (outside single quotes). Returns each word with the
/// byte offset where it starts.
#[must_use]
pub fn split_words(s: &str, escape: char) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('\'') => cur.push(c),
            Some(_) if c == escape => {
                if let Some((_, n)) = chars.next() {
                    if !matches!(n, '"' | '$') && n != escape {
                        cur.push(c);
                    }
                    cur.push(n);
                }
            }
            Some(_) => cur.push(c),
            None if c.is_whitespace() => {
                if let Some(st) = start.take() {
                    out.push((std::mem::take(&mut cur), st));
                }
            }
            None => {
                if start.is_none() {
                    start = Some(i);
                }
                if c == '\'' || c == '"' {
                    quote = Some(c);
                } else if c == escape {
                    if let Some((_, n)) = chars.next() {
                        cur.push(n);
                    }
                } else {
                    cur.push(c);
                }
            }
        }
    }
    if let Some(st) = start {
        out.push((cur, st));
    }
    out
}

/// Substitutes `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}` with
/// `lookup`. `None` when a variable without a default is unknown.
#[must_use]
pub fn substitute(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            let ch = s[i..].chars().next()?;
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        if b.get(i + 1) == Some(&b'{') {
            let close = s[i + 2..].find('}')? + i + 2;
            let inner = &s[i + 2..close];
            let name_end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(inner.len());
            let (name, op) = inner.split_at(name_end);
            let val = lookup(name).filter(|v| !v.is_empty() || !op.starts_with(':'));
            let v = if let Some(d) = op.strip_prefix(":-").or_else(|| op.strip_prefix('-')) {
                val.unwrap_or_else(|| d.to_string())
            } else if let Some(a) = op.strip_prefix(":+").or_else(|| op.strip_prefix('+')) {
                if val.is_some() {
                    a.to_string()
                } else {
                    String::new()
                }
            } else {
                val?
            };
            out.push_str(&v);
            i = close + 1;
        } else {
            let rest = &s[i + 1..];
            let n = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            if n == 0 {
                out.push('$');
                i += 1;
                continue;
            }
            out.push_str(&lookup(&rest[..n])?);
            i += 1 + n;
        }
    }
    Some(out)
}

struct Pending {
    keyword: String,
    pos: Pos,
    text: String,
    segments: Vec<(usize, Pos)>,
    end_line: u32,
}

impl Dockerfile {
    /// Parses a Dockerfile.
    #[must_use]
    pub fn parse(path: Option<&str>, text: &str) -> Self {
        let mut df = Dockerfile { path: path.map(Arc::from), escape: '\\', ..Self::default() };
        let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
        let mut i = 0;
        // Parser directives.
        while i < lines.len() {
            let l = lines[i];
            let Some(rest) = l.trim_start().strip_prefix('#') else { break };
            let Some((k, v)) = rest.split_once('=') else { break };
            let k = k.trim().to_ascii_lowercase();
            if k.is_empty() || !k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
                break;
            }
            let v = v.trim().to_string();
            let pos = Pos::new(to_u32(i + 1), 1);
            if df.directives.iter().any(|(n, _, _)| *n == k) {
                df.errors.push(ParseError { pos, message: format!("parser directive `{k}` given twice") });
            }
            if k == "escape" {
                match v.as_str() {
                    "\\" => df.escape = '\\',
                    "`" => df.escape = '`',
                    _ => df.errors.push(ParseError {
                        pos,
                        message: format!("invalid escape character `{v}` (expected `\\` or `` ` ``)"),
                    }),
                }
            }
            df.directives.push((k, v, pos));
            i += 1;
        }
        let escape = df.escape;
        let mut pending_ignores: Vec<IgnoreComment> = Vec::new();
        while i < lines.len() {
            let line = lines[i];
            let trimmed = line.trim_start();
            if trimmed.is_empty() {
                i += 1;
                continue;
            }
            if let Some(c) = trimmed.strip_prefix('#') {
                if let Some(ig) = parse_ignore(c, to_u32(i + 1)) {
                    if ig.instruction.is_none() && c.trim_start().starts_with("kubeward:ignore-file") {
                        df.ignores.push(ig);
                    } else {
                        pending_ignores.push(ig);
                    }
                }
                i += 1;
                continue;
            }
            // An instruction: keyword, then arguments with continuations.
            let lead = line.len() - trimmed.len();
            let kw_end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
            let keyword = trimmed[..kw_end].to_ascii_uppercase();
            let kpos = Pos::new(to_u32(i + 1), col_of(line, lead));
            let mut p =
                Pending { keyword, pos: kpos, text: String::new(), segments: Vec::new(), end_line: to_u32(i + 1) };
            let first_rest_off = lead + kw_end;
            let mut cur_line = i;
            let mut piece_start = first_rest_off;
            loop {
                let l = lines.get(cur_line).copied().unwrap_or("");
                let piece = l.get(piece_start..).unwrap_or("");
                let skip = piece.len() - piece.trim_start().len();
                let piece_t = piece.trim_start();
                let content_col = col_of(l, piece_start + skip);
                let (body, cont) = match piece_t.trim_end().strip_suffix(escape) {
                    Some(b) => (b, true),
                    None => (piece_t.trim_end_matches([' ', '\t']), false),
                };
                if p.text.len() < MAX_INSTRUCTION_BYTES {
                    // Docker joins continued lines as they are, without adding a space.
                    p.segments.push((p.text.len(), Pos::new(to_u32(cur_line + 1), content_col)));
                    p.text.push_str(body);
                }
                p.end_line = to_u32(cur_line + 1);
                cur_line += 1;
                if !cont {
                    break;
                }
                // Skip comment and blank lines inside a continuation.
                while let Some(n) = lines.get(cur_line) {
                    let t = n.trim_start();
                    if t.starts_with('#') || t.is_empty() {
                        cur_line += 1;
                    } else {
                        break;
                    }
                }
                if cur_line >= lines.len() {
                    break;
                }
                piece_start = 0;
            }
            i = cur_line;
            // Heredocs.
            let mut heredocs = Vec::new();
            let kw_for_heredoc = onbuild_target(&p.keyword, &p.text).unwrap_or_else(|| p.keyword.clone());
            if matches!(kw_for_heredoc.as_str(), "RUN" | "COPY" | "ADD") && !p.text.trim_start().starts_with('[') {
                for (strip_tabs, delim) in heredoc_markers(&p.text) {
                    let start = i;
                    let mut body = String::new();
                    let mut closed = false;
                    while i < lines.len() {
                        let l = lines[i];
                        i += 1;
                        let cmp = if strip_tabs { l.trim_start_matches('\t') } else { l };
                        if cmp == delim {
                            closed = true;
                            break;
                        }
                        if body.len() < MAX_INSTRUCTION_BYTES {
                            body.push_str(cmp);
                            body.push('\n');
                        }
                    }
                    if !closed {
                        df.errors.push(ParseError {
                            pos: p.pos,
                            message: format!("heredoc `{delim}` is not terminated (no line `{delim}` before the end)"),
                        });
                    }
                    heredocs.push(Heredoc { delimiter: delim, body, pos: Pos::new(to_u32(start + 1), 1) });
                    p.end_line = to_u32(i.max(1));
                }
            }
            if !KEYWORDS.contains(&p.keyword.as_str()) {
                df.errors.push(ParseError { pos: p.pos, message: format!("unknown instruction `{}`", p.keyword) });
                pending_ignores.clear();
                continue;
            }
            let idx = df.instructions.len();
            for mut ig in pending_ignores.drain(..) {
                ig.instruction = Some(idx);
                df.ignores.push(ig);
            }
            df.instructions.push(finish(p, heredocs));
        }
        df.build_stages();
        df.errors.sort_by_key(|e| e.pos);
        // File-wide ignores first, then by instruction (see `ignores_for`).
        df.ignores.sort_by_key(|i| i.instruction);
        df
    }

    fn build_stages(&mut self) {
        let escape = self.escape;
        // Maps, not scans: a hostile file can have very many stages and ARGs.
        let mut globals: std::collections::HashMap<String, Option<String>> = std::collections::HashMap::new();
        let mut names: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for idx in 0..self.instructions.len() {
            let ins = &self.instructions[idx];
            if ins.keyword == "FROM" {
                let words = ins.words(escape);
                let (base, base_pos) = words.first().map_or((String::new(), ins.pos), |w| (w.text.clone(), w.pos));
                let name = match (words.get(1), words.get(2)) {
                    (Some(a), Some(n)) if a.text.eq_ignore_ascii_case("as") => Some(n.text.to_ascii_lowercase()),
                    _ => None,
                };
                if base.is_empty() {
                    self.errors.push(ParseError { pos: ins.pos, message: "`FROM` without an image".into() });
                }
                let lookup = |v: &str| globals.get(v).cloned().flatten();
                let base_resolved = substitute(&base, &lookup);
                let parent = base_resolved.as_deref().and_then(|b| {
                    let b = b.to_ascii_lowercase();
                    names.get(&b).copied()
                });
                let index = self.stages.len();
                self.stages.push(Stage {
                    index,
                    name,
                    base,
                    base_resolved,
                    base_pos,
                    parent,
                    from: idx,
                    instructions: vec![idx],
                });
                self.instructions[idx].stage = Some(index);
                if let Some(n) = self.stages.last().and_then(|s| s.name.clone()) {
                    names.insert(n, index);
                }
            } else if let Some(s) = self.stages.last_mut() {
                s.instructions.push(idx);
                self.instructions[idx].stage = Some(s.index);
            } else if ins.keyword == "ARG" {
                for kv in ins.key_values(escape) {
                    globals.insert(kv.key, kv.value);
                }
            } else {
                self.errors.push(ParseError {
                    pos: ins.pos,
                    message: format!("`{}` before the first `FROM` (only `ARG` may come first)", ins.keyword),
                });
            }
        }
    }

    /// The inline ignores that apply to instruction `idx`: the file-wide ones and its own.
    pub fn ignores_for(&self, idx: usize) -> impl Iterator<Item = &IgnoreComment> {
        let file_wide = self.ignores.partition_point(|i| i.instruction.is_none());
        let start = self.ignores.partition_point(|i| i.instruction < Some(idx));
        let end = self.ignores.partition_point(|i| i.instruction <= Some(idx));
        // At most 64 file-wide ignores are honoured (a bound on hostile input).
        self.ignores[..file_wide.min(64)]
            .iter()
            .chain(self.ignores[start.max(file_wide)..end.max(start.max(file_wide))].iter())
    }

    /// The final stage (the one `docker build` without `--target` builds).
    #[must_use]
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The instructions of a stage.
    pub fn stage_instructions<'a>(&'a self, stage: &'a Stage) -> impl Iterator<Item = (usize, &'a Instruction)> + 'a {
        stage.instructions.iter().filter_map(|i| self.instructions.get(*i).map(|ins| (*i, ins)))
    }

    /// Whether a stage's base is another stage of this file or `scratch` (no external image).
    #[must_use]
    pub fn is_internal_base(&self, stage: &Stage) -> bool {
        stage.parent.is_some() || stage.base_resolved.as_deref().is_some_and(|b| b.eq_ignore_ascii_case("scratch"))
    }
}

/// The trigger keyword of `ONBUILD X ...`.
fn onbuild_target(keyword: &str, args: &str) -> Option<String> {
    if keyword != "ONBUILD" {
        return None;
    }
    let t = args.trim_start();
    Some(t[..t.find(char::is_whitespace).unwrap_or(t.len())].to_ascii_uppercase())
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` markers in an instruction line, in order.
fn heredoc_markers(text: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i + 2 < b.len() {
        // `<<` inside quotes is text, not a heredoc.
        match (quote, b[i]) {
            (None, q @ (b'"' | b'\'')) => {
                quote = Some(q);
                i += 1;
                continue;
            }
            (Some(q), c) if c == q => {
                quote = None;
                i += 1;
                continue;
            }
            (Some(_), _) => {
                i += 1;
                continue;
            }
            _ => {}
        }
        if b[i] == b'<' && b[i + 1] == b'<' && (i == 0 || b[i - 1] != b'<') {
            let mut j = i + 2;
            let strip = b.get(j) == Some(&b'-');
            if strip {
                j += 1;
            }
            let quote = match b.get(j) {
                Some(q @ (b'"' | b'\'')) => {
                    j += 1;
                    Some(*q)
                }
                _ => None,
            };
            let start = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            let word_ok = j > start && !b[start].is_ascii_digit();
            let quote_ok = match quote {
                Some(q) => b.get(j) == Some(&q),
                None => true,
            };
            if word_ok && quote_ok {
                out.push((strip, text[start..j].to_string()));
                i = j + usize::from(quote.is_some());
                continue;
            }
        }
        i += 1;
    }
    out
}

fn finish(p: Pending, heredocs: Vec<Heredoc>) -> Instruction {
    let Pending { keyword, pos, text, segments, end_line } = p;
    // Leading `--flag[=value]` options (not for ENV/LABEL/ARG, whose words are data).
    let mut flags = Vec::new();
    let mut off = 0;
    let takes_flags = matches!(keyword.as_str(), "FROM" | "COPY" | "ADD" | "RUN" | "HEALTHCHECK");
    let lead = text.len() - text.trim_start().len();
    off += lead;
    let mut ins = Instruction {
        keyword,
        pos,
        end_line,
        flags: Vec::new(),
        args: String::new(),
        exec: None,
        heredocs,
        stage: None,
        onbuild: None,
        segments: segments.clone(),
    };
    // Temporarily hold the full text to compute positions.
    ins.args.clone_from(&text);
    if takes_flags {
        loop {
            let rest = &text[off..];
            if !rest.starts_with("--") {
                break;
            }
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let tok = &rest[2..end];
            let (name, value) = match tok.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(unquote(v))),
                None => (tok.to_string(), None),
            };
            flags.push(Flag { name: name.to_ascii_lowercase(), value, pos: ins.pos_at(off) });
            off += end;
            let after = &text[off..];
            off += after.len() - after.trim_start().len();
        }
    }
    // Rebase segments on the arguments that remain.
    let args = text[off..].to_string();
    let mut segs: Vec<(usize, Pos)> = Vec::new();
    let first = ins.pos_at(off);
    segs.push((0, first));
    for (o, p) in &segments {
        if *o > off {
            segs.push((o - off, *p));
        }
    }
    ins.args = args;
    ins.segments = segs;
    ins.flags = flags;
    ins.onbuild = onbuild_target(&ins.keyword, &ins.args);
    let t = ins.args.trim();
    if t.starts_with('[')
        && matches!(ins.keyword.as_str(), "RUN" | "CMD" | "ENTRYPOINT" | "COPY" | "ADD" | "SHELL" | "VOLUME")
    {
        if let Ok(v) = serde_json::from_str::<Vec<String>>(t) {
            ins.exec = Some(v);
        }
    }
    ins
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    v.to_string()
}

/// Whether `s` is a `YYYY-MM-DD` date.
#[must_use]
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

/// `kubeward:ignore=A,B [until=DATE] reason: text` (after the `#`).
fn parse_ignore(comment: &str, line: u32) -> Option<IgnoreComment> {
    let c = comment.trim_start();
    let rest = c.strip_prefix("kubeward:ignore-file").or_else(|| c.strip_prefix("kubeward:ignore"))?;
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let (head, reason) = match rest.find("reason:") {
        Some(i) => (&rest[..i], rest[i + "reason:".len()..].trim().to_string()),
        None => (rest, String::new()),
    };
    let mut words = head.split_whitespace();
    let selectors: Vec<String> =
        words.next().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
    let until = words.find_map(|w| w.strip_prefix("until=")).map(String::from);
    if selectors.is_empty() {
        return None;
    }
    Some(IgnoreComment { selectors, reason, until, instruction: None, line })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Dockerfile {
        Dockerfile::parse(Some("Dockerfile"), s)
    }

    #[test]
    fn names() {
        for ok in ["Dockerfile", "a/Containerfile", "web.Dockerfile", "Dockerfile.prod", "x/app.containerfile"] {
            assert!(is_dockerfile_path(ok), "{ok}");
        }
        for no in [
            "Dockerfile.yaml.bak/x.yaml",
            "dockerfiles.md",
            "README",
            "pkg/dockerfile/dockerfile.go",
            "Dockerfile.dockerignore",
            "web.Dockerfile.dockerignore",
            "Dockerfile.j2",
            "Dockerfile.tpl",
            "Dockerfile~",
        ] {
            assert!(!is_dockerfile_path(no), "{no}");
        }
    }

    #[test]
    fn continuations_comments_and_positions() {
        let df = parse("FROM alpine:3.20\nRUN apk add \\\n    # a comment\n\n    curl \\\n  && echo ok\nUSER app\n");
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        let run = &df.instructions[1];
        assert_eq!(run.keyword, "RUN");
        assert_eq!(run.args, "apk add curl && echo ok");
        assert_eq!(run.pos, Pos::new(2, 1));
        assert_eq!(run.end_line, 6);
        let at = run.args.find("curl").unwrap_or(0);
        assert_eq!(run.pos_at(at), Pos::new(5, 5));
        let at = run.args.find("&&").unwrap_or(0);
        assert_eq!(run.pos_at(at), Pos::new(6, 3));
        assert_eq!(df.instructions[2].pos, Pos::new(7, 1));
    }

    #[test]
    fn escape_directive_backtick() {
        let df =
            parse("# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir c:\\ `\n    && echo hi\n");
        assert_eq!(df.escape, '`');
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.instructions[1].args, "dir c:\\ && echo hi");
        // After a comment the directive is just a comment.
        let df = parse("# hello\n# escape=`\nFROM a:1\nRUN x `\n");
        assert_eq!(df.escape, '\\');
        assert_eq!(df.directives.len(), 0);
    }

    #[test]
    fn heredocs() {
        let df = parse(
            "FROM debian:12\nRUN <<EOF\napt-get update\ncurl https://x | sh\nEOF\nCOPY <<-\"CONF\" /etc/app.conf\n\tkey=value\n\tCONF\nUSER 1000\n",
        );
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        let run = &df.instructions[1];
        assert_eq!(run.heredocs.len(), 1);
        assert_eq!(run.heredocs[0].body, "apt-get update\ncurl https://x | sh\n");
        assert_eq!(run.heredocs[0].pos, Pos::new(3, 1));
        let copy = &df.instructions[2];
        assert_eq!(copy.heredocs[0].delimiter, "CONF");
        assert_eq!(copy.heredocs[0].body, "key=value\n");
        assert_eq!(df.instructions[3].keyword, "USER");
        assert_eq!(df.instructions[3].pos.line, 9);
        let bad = parse("FROM a:1\nRUN <<EOF\necho\n");
        assert_eq!(bad.errors.len(), 1);
    }

    #[test]
    fn exec_and_shell_forms_and_flags() {
        let df = parse("FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\nCOPY --from=build --chown=app:app /a /b\nCMD [\"/app\", \"--port\", \"80\"]\nENTRYPOINT /bin/sh -c x\n");
        let from = &df.instructions[0];
        assert_eq!(from.flag("platform").and_then(|f| f.value.as_deref()), Some("$BUILDPLATFORM"));
        assert_eq!(df.stages[0].name.as_deref(), Some("build"));
        assert_eq!(df.stages[0].base, "golang:1.22");
        assert_eq!(df.stages[0].base_pos, Pos::new(1, 32));
        let copy = &df.instructions[1];
        assert_eq!(copy.flag("from").and_then(|f| f.value.as_deref()), Some("build"));
        assert_eq!(copy.args, "/a /b");
        assert_eq!(copy.pos_at(0), Pos::new(2, 35));
        assert_eq!(df.instructions[2].exec, Some(vec!["/app".into(), "--port".into(), "80".into()]));
        assert_eq!(df.instructions[3].exec, None);
    }

    #[test]
    fn stages_and_args() {
        let df = parse(
            "ARG BASE=python\nARG TAG\nARG REG=docker.io\nFROM ${REG}/library/${BASE}:${TAG:-3.12} AS base\nFROM base\nFROM $BASE:$TAG\nFROM scratch\n",
        );
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.stages[0].base_resolved.as_deref(), Some("docker.io/library/python:3.12"));
        assert_eq!(df.stages[1].parent, Some(0));
        assert_eq!(df.stages[2].base_resolved, None, "TAG has no default");
        assert!(df.is_internal_base(&df.stages[3]));
        assert_eq!(df.instructions[0].stage, None);
    }

    #[test]
    fn env_forms() {
        let df = parse("FROM a:1\nENV A=1 B=\"two words\" C='x'\nENV LEGACY some value here\nARG TOKEN\n");
        let kv = df.instructions[1].key_values('\\');
        assert_eq!(
            kv.iter().map(|k| (k.key.as_str(), k.value.as_deref())).collect::<Vec<_>>(),
            vec![("A", Some("1")), ("B", Some("two words")), ("C", Some("x"))]
        );
        assert_eq!(kv[1].value_pos, Pos::new(2, 11));
        let kv = df.instructions[2].key_values('\\');
        assert_eq!(kv[0].value.as_deref(), Some("some value here"));
        let kv = df.instructions[3].key_values('\\');
        assert_eq!(kv[0].value, None);
    }

    #[test]
    fn errors_and_ignores() {
        let df = parse("RUN x\nFROM a:1\nFROBNICATE x\n# kubeward:ignore=DF001,DF004 until=2030-01-01 reason: base image\nUSER root\n# kubeward:ignore-file=DF012 reason: no healthcheck here\n");
        assert_eq!(df.errors.len(), 2, "{:?}", df.errors);
        assert_eq!(df.errors[1].pos, Pos::new(3, 1));
        assert_eq!(df.ignores.len(), 2);
        let ig = df.ignores.iter().find(|i| i.instruction.is_some()).cloned().unwrap_or_else(|| unreachable!());
        assert_eq!(ig.selectors, vec!["DF001", "DF004"]);
        assert_eq!(ig.until.as_deref(), Some("2030-01-01"));
        assert_eq!(ig.reason, "base image");
        assert_eq!(df.instructions[ig.instruction.unwrap_or(99)].keyword, "USER");
    }

    #[test]
    fn substitution() {
        let look = |v: &str| (v == "A").then(|| "x".to_string());
        assert_eq!(substitute("$A-${A}-${B:-d}-${A:+y}-${B:+z}", &look).as_deref(), Some("x-x-d-y-"));
        assert_eq!(substitute("${B}", &look), None);
        assert_eq!(substitute("${A", &look), None);
        assert_eq!(substitute("$", &look).as_deref(), Some("$"));
    }

    /// Random bytes and random Dockerfile-ish fragments never panic, and parsing stays linear.
    #[test]
    fn random_input_never_panics() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let pieces = [
            "FROM ",
            "RUN ",
            "COPY ",
            "<<EOF",
            "EOF",
            "\\",
            "`",
            "\n",
            "\r\n",
            "# escape=`",
            "${",
            "}",
            "$",
            "[\"",
            "\"]",
            "--from=",
            " AS ",
            "'",
            "\"",
            "é",
            "\t",
            "ARG X=",
            "USER 0",
            "ONBUILD RUN <<-X",
            "X",
            "#",
            "=",
            "<<",
            ":-",
            "ENV a b",
        ];
        for round in 0..3000 {
            let mut s = String::new();
            let n = (next() % 60) as usize;
            for _ in 0..n {
                if round % 3 == 0 {
                    let b = (next() % 256) as u8;
                    s.push_str(&String::from_utf8_lossy(&[b]));
                } else {
                    s.push_str(pieces[(next() as usize) % pieces.len()]);
                }
            }
            let df = Dockerfile::parse(None, &s);
            for ins in &df.instructions {
                let _ = ins.words(df.escape);
                let _ = ins.key_values(df.escape);
                let _ = ins.pos_at(usize::MAX);
                let _ = ins.command_text();
            }
        }
    }
}

/// A corpus of tricky Dockerfiles (`resources/test/dockerfiles/`), each with what it must parse to.
#[cfg(test)]
mod corpus {
    use super::*;

    fn read(name: &str) -> Dockerfile {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/test/dockerfiles").join(name);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| unreachable!("{}: {e}", p.display()));
        Dockerfile::parse(Some(name), &text)
    }

    fn keywords(df: &Dockerfile) -> Vec<&str> {
        df.instructions.iter().map(|i| i.keyword.as_str()).collect()
    }

    #[test]
    fn heredocs() {
        let df = read("heredocs.Dockerfile");
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.directives[0].0, "syntax");
        assert_eq!(keywords(&df), ["FROM", "RUN", "RUN", "COPY", "RUN", "USER"]);
        let run = &df.instructions[1];
        assert_eq!(run.heredocs.iter().map(|h| h.delimiter.as_str()).collect::<Vec<_>>(), ["INSTALL", "CONFIG"]);
        assert_eq!(run.heredocs[1].body, "not expanded: $HOME\n");
        assert_eq!(df.instructions[2].heredocs[0].body, "echo tabs stripped\n");
        let copy = &df.instructions[3];
        assert_eq!(copy.flag("chmod").and_then(|f| f.value.as_deref()), Some("0755"));
        assert_eq!(copy.heredocs[0].body, "#!/bin/sh\nexec \"$@\"\n");
        assert_eq!(df.instructions[5].pos.line, 16);
    }

    #[test]
    fn windows_escape_and_crlf() {
        let df = read("windows.Dockerfile");
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.escape, '`');
        assert_eq!(keywords(&df), ["FROM", "COPY", "RUN", "USER"]);
        let copy = df.instructions[1].words('`');
        assert_eq!(copy.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["C:\\src\\app.exe", "C:\\app\\"]);
        assert_eq!(df.instructions[2].args, "cmd /S /C echo one && echo two");
        assert_eq!(df.instructions[3].pos.line, 8);
    }

    #[test]
    fn continuations() {
        let df = read("continuations.Dockerfile");
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(keywords(&df), ["FROM", "RUN", "ENV", "LABEL", "USER"]);
        let run = &df.instructions[1];
        assert!(run.args.contains("update && apt-get install"), "{}", run.args);
        let at = run.args.find("rm -rf").unwrap_or(0);
        assert_eq!(run.pos_at(at), Pos::new(6, 8));
        let env: Vec<(String, Option<String>)> =
            df.instructions[2].key_values('\\').into_iter().map(|k| (k.key, k.value)).collect();
        assert_eq!(env, [("A".to_string(), Some("1".to_string())), ("B".to_string(), Some("2".to_string()))]);
        assert_eq!(df.instructions[2].key_values('\\')[1].pos, Pos::new(8, 5));
        assert_eq!(df.instructions[4].pos, Pos::new(12, 1));
    }

    #[test]
    fn multistage() {
        let df = read("multistage.Dockerfile");
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        let names: Vec<Option<&str>> = df.stages.iter().map(|s| s.name.as_deref()).collect();
        assert_eq!(names, [Some("builder"), Some("test"), None]);
        assert_eq!(df.stages[0].base_resolved.as_deref(), Some("golang:1.22"));
        assert_eq!(df.stages[1].parent, Some(0), "stage names are case-insensitive");
        assert_eq!(df.stages[2].base_resolved.as_deref(), Some("gcr.io/distroless/static-debian12:nonroot"));
        assert_eq!(keywords(&df).last(), Some(&"ENTRYPOINT"), "keywords are case-insensitive");
        let copies: Vec<&Instruction> = df.instructions.iter().filter(|i| i.keyword == "COPY").collect();
        assert_eq!(copies[0].flag("from").and_then(|f| f.value.as_deref()), Some("0"));
        assert_eq!(copies[1].flag("from").and_then(|f| f.value.as_deref()), Some("BUILDER"));
        assert_eq!(df.stages[2].instructions.len(), 4);
    }

    #[test]
    fn other_instructions() {
        let df = read("onbuild.Dockerfile");
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.instructions[2].onbuild.as_deref(), Some("RUN"));
        assert_eq!(df.instructions[4].exec.as_ref().map(Vec::len), Some(4));
        let hc = &df.instructions[5];
        assert_eq!(hc.flag("interval").and_then(|f| f.value.as_deref()), Some("5m"));
        assert_eq!(hc.args, "CMD curl -f http://localhost/ || exit 1");
        assert_eq!(df.instructions[6].exec, None, "not JSON: shell form");
        assert_eq!(df.instructions[7].exec, Some(vec!["/data".to_string()]));
    }

    #[test]
    fn errors_have_positions_and_parsing_goes_on() {
        let df = read("errors.Dockerfile");
        let got: Vec<(u32, bool)> = df.errors.iter().map(|e| (e.pos.line, e.message.contains("FORM"))).collect();
        assert_eq!(got, [(1, false), (3, true), (5, false)], "{:?}", df.errors);
        assert_eq!(keywords(&df), ["MAINTAINER", "FROM", "RUN", "COPY"]);
    }
}

#[cfg(test)]
mod size {
    use super::*;

    /// A very long continued instruction with very many words parses, and every word keeps
    /// its line (positions use a binary search over the physical lines).
    #[test]
    fn long_continuations_keep_positions() {
        let mut text = String::from("FROM alpine:3.20\nRUN true");
        for i in 0..20_000 {
            text.push_str(&format!(" \\\n  && echo w{i}"));
        }
        text.push('\n');
        let df = Dockerfile::parse(None, &text);
        assert!(df.errors.is_empty());
        let words = df.instructions[1].words('\\');
        let last = words.last().map(|w| (w.text.clone(), w.pos));
        assert_eq!(last, Some(("w19999".to_string(), Pos::new(20_002, 11))));
    }
}

#[cfg(test)]
mod many {
    use super::*;

    /// Very many stages, ARGs and ignore comments parse with maps and ranges, not scans.
    #[test]
    fn many_stages_args_and_ignores() {
        let mut text = String::new();
        for i in 0..5_000 {
            text.push_str(&format!("ARG A{i}=v{i}\n"));
        }
        for i in 0..5_000 {
            text.push_str(&format!("# kubeward:ignore=DF001 reason: r\nFROM img:${{A{i}}} AS s{i}\n"));
        }
        text.push_str("FROM s4999\n");
        let df = Dockerfile::parse(None, &text);
        assert!(df.errors.is_empty());
        assert_eq!(df.stages[4999].base_resolved.as_deref(), Some("img:v4999"));
        assert_eq!(df.stages[5000].parent, Some(4999));
        let from = df.stages[10].from;
        assert_eq!(df.ignores_for(from).count(), 1);
        assert_eq!(df.ignores_for(df.stages[5000].from).count(), 0);
    }
}
