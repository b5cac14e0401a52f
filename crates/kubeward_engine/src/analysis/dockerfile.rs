//! Shared reading of Dockerfiles for the `DF` rules: the user a stage runs as, base images,
//! instruction arguments and token shapes.

use std::sync::LazyLock;

use regex::Regex;

use crate::input::dockerfile::{Dockerfile, Instruction, Stage};
use crate::input::image_ref::ImageRef;
use crate::input::node::Pos;

/// The last `USER` a stage runs as, following `FROM <earlier stage>` when the stage sets none:
/// `(instruction index, user)`.
pub(crate) fn effective_user<'a>(df: &'a Dockerfile, stage: &'a Stage) -> Option<(usize, &'a Instruction)> {
    let mut cur = Some(stage);
    // Parents always come earlier, so this ends; the bound is belt and braces.
    for _ in 0..=df.stages.len() {
        let s = cur?;
        let last = df.stage_instructions(s).filter(|(_, i)| i.keyword == "USER").last();
        if last.is_some() {
            return last;
        }
        cur = s.parent.and_then(|p| df.stages.get(p)).filter(|p| p.index < s.index);
    }
    None
}

/// Whether a `USER` value is root: `root`, `0`, `root:x`, `0:0` (the user part decides).
pub(crate) fn is_root_user(user: &str) -> bool {
    let u = user.trim().split(':').next().unwrap_or("").trim();
    u == "root" || (!u.is_empty() && u.bytes().all(|b| b == b'0'))
}

/// The base image of a stage when it is an external image (not `scratch`, not another stage)
/// whose variables resolve: the resolved text and its parsed reference.
pub(crate) fn external_base<'a>(df: &Dockerfile, stage: &'a Stage) -> Option<(&'a str, ImageRef<'a>)> {
    if df.is_internal_base(stage) {
        return None;
    }
    let b = stage.base_resolved.as_deref()?;
    Some((b, ImageRef::parse(b)?))
}

/// Whether an image reference matches a standard-base-images entry: same registry and
/// repository, and the entry's tag and digest when it gives them; an entry ending in `/*`
/// covers every repository under it.
pub(crate) fn matches_standard(r: &ImageRef<'_>, entry: &str) -> bool {
    let entry = entry.trim();
    if let Some(prefix) = entry.strip_suffix("/*") {
        return r.is_from(prefix);
    }
    let Some(e) = ImageRef::parse(entry) else { return false };
    e.registry == r.registry
        && e.path == r.path
        && e.tag.is_none_or(|t| r.tag == Some(t))
        && e.digest.is_none_or(|d| r.digest == Some(d))
}

/// Whether an image is standard or from an allowed registry (when either list is set).
/// `None` when neither list is configured (nothing to check against).
pub(crate) fn is_approved(settings: &crate::settings::Settings, r: &ImageRef<'_>) -> Option<bool> {
    let std = &settings.rules.image.standard_base_images;
    let reg = &settings.rules.image.allowed_registries;
    if std.is_empty() && reg.is_empty() {
        return None;
    }
    Some(std.iter().any(|e| matches_standard(r, e)) || reg.iter().any(|a| r.is_from(a)))
}

/// Values shaped like known credentials, whatever the variable is called.
static TOKEN_SHAPES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", "an AWS access key id"),
        (r"\bgh[pousr]_[A-Za-z0-9]{36,}\b", "a GitHub token"),
        (r"\bgithub_pat_[A-Za-z0-9_]{22,}\b", "a GitHub token"),
        (r"\bglpat-[A-Za-z0-9_-]{20,}\b", "a GitLab token"),
        (r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b", "a Slack token"),
        (r"\b(sk|rk)_live_[A-Za-z0-9]{16,}\b", "a Stripe secret key"),
        (r"\bAIza[0-9A-Za-z_-]{35}\b", "a Google API key"),
        (r"\bnpm_[A-Za-z0-9]{36}\b", "an npm token"),
        (r"-----BEGIN ([A-Z]+ )?PRIVATE KEY-----", "a private key"),
    ]
    .into_iter()
    .filter_map(|(re, what)| Regex::new(re).ok().map(|r| (r, what)))
    .collect()
});

/// What kind of credential a value looks like, if any (the HTTP `Authorization` credentials,
/// `Bearer`/`Basic`, are judged as in the manifest rules).
pub(crate) fn token_shape(value: &str) -> Option<&'static str> {
    TOKEN_SHAPES
        .iter()
        .find(|(r, _)| r.is_match(value))
        .map(|(_, w)| *w)
        .or_else(|| crate::analysis::pod::credential::auth_header(value))
}

/// Where byte `offset` of an instruction's command text lies: in the arguments (shell form)
/// or in a heredoc body (counted by lines); the keyword otherwise (exec form).
pub(crate) fn command_pos(ins: &Instruction, offset: usize) -> Pos {
    if ins.exec.is_none() && offset < ins.args.len() {
        return ins.pos_at(offset);
    }
    let mut start =
        if ins.exec.is_none() { ins.args.len() } else { ins.exec.as_ref().map_or(0, |v| v.join(" ").len()) };
    for h in &ins.heredocs {
        start += 1; // the `\n` before the body
        if offset >= start && offset < start + h.body.len() {
            let before = h.body.get(..offset - start).unwrap_or("");
            let line = u32::try_from(before.matches('\n').count()).unwrap_or(0);
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
            return Pos::new(h.pos.line + line, u32::try_from(col + 1).unwrap_or(1));
        }
        start += h.body.len();
    }
    ins.pos
}
