//! Admission: the rules that can judge one object alone, prepared once (the `serve:` section
//! of `.kubeward.yaml` is `crate::settings::serve`).
//!
//! An admission request carries one object. Rules whose targets are `OBJECT`, `POD_SPEC` or
//! `CONTAINER` judge it exactly as `scan` does. `INVENTORY` rules compare objects with each
//! other ("no NetworkPolicy selects this pod in the scanned files") and would be wrong on a
//! single object, and `HOST_FILE` rules read node files: neither runs at admission. A rule with
//! `OBJECT | INVENTORY` runs its per-object part only.
//!
//! [`Prepared`] buckets the selected rules by target once (the server builds it at start-up),
//! and [`Prepared::check`] runs them sequentially over a snapshot of one request: no thread
//! pool, no allocation beyond the findings.

use std::fmt::Write as _;

use crate::diagnostic::Diagnostic;
use crate::dispatch::{Dispatch, PerCall};
use crate::registry::rules;
use crate::rule::{Rule, RuleMeta, Targets};
use crate::settings::Settings;
use crate::snapshot::Snapshot;

/// How much of a rule runs at admission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applicability {
    /// The whole rule: it judges one object.
    Full,
    /// Its per-object part only (`OBJECT | INVENTORY`).
    ObjectPart,
    /// Not at all: it needs other objects or node files.
    None,
}

/// Whether (and how much of) a rule runs at admission.
#[must_use]
pub fn applicability(meta: &RuleMeta) -> Applicability {
    let t = meta.targets;
    // Objects only `kubeward cluster` makes (audit gaps) never reach a webhook.
    if t.has(Targets::CLUSTER) {
        return Applicability::None;
    }
    let single = t.has(Targets::OBJECT) || t.has(Targets::POD_SPEC) || t.has(Targets::CONTAINER);
    let whole = [Targets::INVENTORY, Targets::DOCUMENT, Targets::HOST_FILE, Targets::DOCKERFILE];
    match (single, whole.iter().any(|w| t.has(*w))) {
        (true, false) => Applicability::Full,
        (true, true) => Applicability::ObjectPart,
        (false, _) => Applicability::None,
    }
}

/// The selected rules that run at admission, bucketed by target once, in the engine's
/// `dispatch::Dispatch` (the same visit of an object, its pod spec and containers as `scan`).
///
/// Control-plane (`NODE`) pod and container rules are kept apart: they run only on pods where
/// a container runs a control-plane component (see `dispatch::Dispatch`). A test checks that this
/// gives what `engine::run` gives on every rule fixture.
pub struct Prepared {
    dispatch: Dispatch,
}

impl Prepared {
    /// The rules `settings` selects that can judge a single object.
    #[must_use]
    pub fn new(settings: &Settings) -> Self {
        let selected: Vec<&'static dyn Rule> = rules()
            .iter()
            .copied()
            .filter(|r| settings.is_selected(r.meta()) && applicability(r.meta()) != Applicability::None)
            .collect();
        Self { dispatch: Dispatch::new(&selected, true) }
    }

    /// Number of rules that run.
    #[must_use]
    pub fn len(&self) -> usize {
        let mut codes: Vec<&str> = self.dispatch.rules().iter().map(|r| r.meta().code).collect();
        codes.sort_unstable();
        codes.dedup();
        codes.len()
    }

    /// Whether no rule runs.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs the prepared rules over every object of `snap`, sequentially; findings sorted by
    /// rule code and path. Exemptions and severity overrides of `settings` apply.
    #[must_use]
    pub fn check(&self, snap: &Snapshot, settings: &Settings) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        self.check_each(snap, settings, |d| out.push(d));
        out.sort_by(|a, b| (a.rule.code, &a.path, &a.message).cmp(&(b.rule.code, &b.path, &b.message)));
        out
    }

    /// Runs the prepared rules like [`check`](Self::check), handing each finding to `sink` as
    /// it is made (unsorted), so a caller can keep a bounded number of them (`kubeward serve`
    /// keeps the most severe few and counts the rest).
    pub fn check_each(&self, snap: &Snapshot, settings: &Settings, sink: impl FnMut(Diagnostic)) {
        let mut cx = PerCall { settings, rules: self.dispatch.rules(), current: None, sink };
        for i in 0..snap.files.len() {
            snap.objects_of_file(i, |obj| self.dispatch.visit(&obj, &mut cx));
        }
    }
}

/// docs/admission-rules.md: which rules run at admission.
#[must_use]
pub fn rules_page() -> String {
    let mut s = String::from(crate::project::GENERATED_HEADER);
    s.push_str("# Rules at admission\n\n");
    s.push_str("`kubeward serve` judges one object per request. Rules that judge one object (targets `OBJECT`, `POD_SPEC`, `CONTAINER`) run at admission exactly as in `kubeward scan`. Rules that compare objects with each other (`INVENTORY`) or read whole YAML documents (`DOCUMENT`), read node files (`HOST_FILE`) or Dockerfiles (`DOCKERFILE`), or judge what only `kubeward cluster` sees (`CLUSTER`) do not; a rule with both kinds of target runs its per-object part only. See [serve.md](serve.md).\n\n");
    let all: Vec<&RuleMeta> = rules().iter().map(|r| r.meta()).collect();
    let count = |a: Applicability| all.iter().filter(|m| applicability(m) == a).count();
    let _ = writeln!(
        s,
        "{} of {} rules run at admission ({} in full, {} in part); {} do not.\n",
        count(Applicability::Full) + count(Applicability::ObjectPart),
        all.len(),
        count(Applicability::Full),
        count(Applicability::ObjectPart),
        count(Applicability::None)
    );
    s.push_str("Control-plane rules (`NODE`) run too, with the same results as `scan`, but their pod and container checks only run on pods where a container runs a control-plane component (kube-apiserver, etcd, the kubelet, ...): they report nothing on other pods, and skipping them keeps requests cheap. Most of what they judge never reaches an admission webhook (KubeletConfiguration, EncryptionConfiguration) or lives in `kube-system`, which is exempt by default; `kubeward node` is the place for them.\n\n");
    for (title, a) in [
        ("Run at admission", Applicability::Full),
        ("Run in part (per-object check only)", Applicability::ObjectPart),
        ("Do not run at admission", Applicability::None),
    ] {
        let _ = writeln!(s, "## {title}\n\n| Code | Name | Severity | Targets |\n|---|---|---|---|");
        for m in all.iter().filter(|m| applicability(m) == a) {
            let _ = writeln!(
                s,
                "| [{}](rules/{}-{}.md) | `{}` | {} | {} |",
                m.code,
                m.code,
                m.name,
                m.name,
                m.severity,
                targets_str(m.targets)
            );
        }
        s.push('\n');
    }
    s
}

fn targets_str(t: Targets) -> String {
    [
        (Targets::OBJECT, "object"),
        (Targets::POD_SPEC, "pod spec"),
        (Targets::CONTAINER, "container"),
        (Targets::INVENTORY, "snapshot"),
        (Targets::DOCUMENT, "document"),
        (Targets::HOST_FILE, "node file"),
        (Targets::DOCKERFILE, "Dockerfile"),
        (Targets::CLUSTER, "cluster"),
    ]
    .iter()
    .filter(|(x, _)| t.has(*x))
    .map(|(_, n)| *n)
    .collect::<Vec<_>>()
    .join(", ")
}

/// IMG006 findings for the containers of the objects in `snap` whose image has blocking
/// vulnerabilities in `index`: what the admission webhook adds to its rules' findings when it
/// is given a reports directory (`kubeward serve --image-reports DIR`). One finding per
/// container, at its `image` field, with the worst blocking severity and the ids; nothing when
/// IMG006 is not selected.
#[must_use]
pub fn vulnerability_findings(
    index: &crate::images::VulnIndex,
    snap: &Snapshot,
    settings: &crate::settings::Settings,
) -> Vec<crate::diagnostic::Diagnostic> {
    let Some(rule) = crate::registry::find("IMG006") else { return Vec::new() };
    let meta = rule.meta();
    let mut out = Vec::new();
    if index.reports.is_empty() || !settings.is_selected(meta) {
        return out;
    }
    let objects = snap.objects();
    snap.for_each_workload(&objects, |pod| {
        for c in pod.containers() {
            let Some(image) = c.image() else { continue };
            let blocking = index.blocking_for_image(image);
            if blocking.is_empty() {
                continue;
            }
            let worst = blocking.iter().map(|v| v.severity).max().unwrap_or(crate::rule::Severity::High);
            let mut ids: Vec<&str> = blocking.iter().map(|v| v.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            let shown = ids.iter().take(5).copied().collect::<Vec<_>>().join(", ");
            let more = if ids.len() > 5 { format!(" and {} more", ids.len() - 5) } else { String::new() };
            let path = c.path.key("image");
            out.push(crate::diagnostic::Diagnostic {
                rule: meta,
                severity: worst,
                message: format!(
                    "container `{}` runs image `{image}`, which has {} blocking vulnerabilit{} ({shown}{more})",
                    c.name(),
                    blocking.len(),
                    if blocking.len() == 1 { "y" } else { "ies" }
                ),
                remediation: std::borrow::Cow::Borrowed(meta.remediation),
                object: pod.object.oref.clone(),
                container: Some(c.name().to_string()),
                file: pod.object.origin.file.clone(),
                pos: pod.object.pos(&path),
                path,
                fix: None,
                doc: None,
            });
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::node::Node;
    use crate::input::yaml::Document;
    use crate::snapshot::SourceFile;

    fn snap_of(v: &serde_json::Value) -> Snapshot {
        Snapshot {
            files: vec![SourceFile {
                path: None,
                text: String::new(),
                documents: vec![Document { root: Node::from_json(v), duplicates: Vec::new() }],
                partial: false,
            }],
            ..Snapshot::default()
        }
    }

    #[test]
    fn prepared_matches_engine_run_on_single_object_rules() {
        let settings = Settings::default();
        let v = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
            "spec": {"hostNetwork": true, "containers": [{"name": "app", "image": "nginx",
                "securityContext": {"privileged": true}}]}
        });
        let snap = snap_of(&v);
        let prepared = Prepared::new(&settings);
        let got: Vec<&str> = prepared.check(&snap, &settings).iter().map(|d| d.rule.code).collect();
        let mut want: Vec<&str> = crate::run(&snap, &settings)
            .findings()
            .filter(|d| applicability(d.rule) != Applicability::None)
            .map(|d| d.rule.code)
            .collect();
        want.sort_unstable();
        let mut got_sorted = got.clone();
        got_sorted.sort_unstable();
        assert_eq!(got_sorted, want);
        assert!(got.contains(&"POD001"), "{got:?}");
    }

    /// On every rule fixture, `Prepared::check` finds exactly what `engine::run` finds with
    /// the rules that run in full at admission.
    #[test]
    fn prepared_matches_engine_run_on_every_fixture() {
        let settings = Settings::default();
        let prepared = Prepared::new(&settings);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/test/fixtures");
        let key = |d: &Diagnostic| format!("{} {} {} {} {}", d.rule.code, d.object, d.path, d.message, d.severity);
        let mut files = 0;
        let mut findings = 0;
        for area in std::fs::read_dir(&dir).expect("fixtures").flatten() {
            for f in std::fs::read_dir(area.path()).expect("area").flatten() {
                let Ok(text) = std::fs::read_to_string(f.path()) else { continue };
                let snap = Snapshot::from_text(&f.path().display().to_string(), &text);
                let full = |d: &Diagnostic| applicability(d.rule) == Applicability::Full;
                let mut want: Vec<String> =
                    crate::run(&snap, &settings).findings().filter(|d| full(d)).map(|d| key(&d)).collect();
                let mut got: Vec<String> =
                    prepared.check(&snap, &settings).iter().filter(|d| full(d)).map(key).collect();
                want.sort();
                got.sort();
                assert_eq!(got, want, "{}", f.path().display());
                files += 1;
                findings += got.len();
            }
        }
        assert!(files > 100 && findings > 500, "{files} files, {findings} findings");
    }

    #[test]
    fn snapshot_rules_do_not_apply() {
        for r in rules() {
            let m = r.meta();
            if [Targets::INVENTORY, Targets::DOCUMENT, Targets::HOST_FILE, Targets::DOCKERFILE].contains(&m.targets)
                || m.targets.has(Targets::CLUSTER)
            {
                assert_eq!(applicability(m), Applicability::None, "{}", m.code);
            }
        }
        assert!(Prepared::new(&Settings::default()).len() > 50);
    }
}
