//! `Context`: how a rule reports a finding.
//!
//! A rule gives the object, the JSON pointer of the offending field and a message; the context
//! resolves the path to a line and column (nearest existing parent when the field is missing),
//! fills in the rule's default remediation, and later applies exemptions and overrides.

use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::input::object::{Object, ObjectKey};
use crate::input::path::FieldPath;
use crate::rule::RuleMeta;
use crate::settings::Settings;
use crate::suppression::{is_exempt, shared_exemptions, Exemption};

/// Collects the findings of one rule.
pub struct Context<'a> {
    /// Settings of the run (rule options).
    pub settings: &'a Settings,
    meta: &'static RuleMeta,
    found: Vec<(Diagnostic, Arc<[Exemption]>)>,
    cache: Option<(ObjectKey, Arc<[Exemption]>)>,
    scratch: Option<Diagnostic>,
    inline_exempted: usize,
    /// Judged findings compressed in sorted runs (see [`Context::packing`]).
    runs: Option<crate::packed::Runs>,
    /// Exempted so far by judged findings.
    exempted: usize,
}

/// A rule's judged findings, as its context hands them back to the engine (after exemptions,
/// per-path ignores and severity overrides). Not `kubeward_cluster::Collected`, which is what
/// the collector gathered from the API.
pub struct Judged {
    /// Findings kept.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings dropped by a valid annotation exemption.
    pub exempted: usize,
    /// A packing context's findings, compressed in sorted runs (fixes dropped); `diagnostics`
    /// is then empty.
    pub runs: Option<crate::packed::Runs>,
}

impl<'a> Context<'a> {
    /// A context for one rule.
    #[must_use]
    pub fn new(settings: &'a Settings, meta: &'static RuleMeta) -> Self {
        Self {
            settings,
            meta,
            found: Vec::new(),
            cache: None,
            scratch: None,
            inline_exempted: 0,
            runs: None,
            exempted: 0,
        }
    }

    /// A context whose findings are judged and compressed in sorted runs as they accumulate
    /// (a streaming run's cross-object rules: one such rule may report on every workload of a
    /// million objects, hundreds of MB as `Diagnostic`s). Fixes are dropped.
    #[must_use]
    pub fn packing(settings: &'a Settings, meta: &'static RuleMeta) -> Self {
        Self { runs: Some(crate::packed::Runs::default()), ..Self::new(settings, meta) }
    }

    /// Reports a finding on `path` of `obj`.
    ///
    /// On a partial object (a kustomize patch) a finding about a field the patch does not
    /// contain is dropped: the field is set (or not) in the base the patch applies to.
    pub fn report(&mut self, obj: &Object<'_>, path: FieldPath, message: impl Into<String>) -> &mut Diagnostic {
        let dropped = obj.origin.partial && path.lookup(obj.root).is_none();
        let key = obj.origin.key();
        let ex = match &self.cache {
            Some((k, ex)) if *k == key => ex.clone(),
            _ => {
                let ex = shared_exemptions(obj, self.settings);
                self.cache = Some((key, ex.clone()));
                ex
            }
        };
        let pos = obj.pos(&path);
        let d = self.diagnostic(obj.oref.clone(), obj.origin.file.clone(), pos, path, message.into());
        let d = Diagnostic { doc: Some((obj.origin.doc_index, obj.origin.item)), ..d };
        self.keep(d, ex, dropped)
    }

    /// A finding of this rule with its default severity and remediation.
    fn diagnostic(
        &self,
        object: crate::input::object::ObjectRef,
        file: Option<Arc<str>>,
        pos: crate::input::node::Pos,
        path: FieldPath,
        message: String,
    ) -> Diagnostic {
        Diagnostic {
            rule: self.meta,
            severity: self.meta.severity,
            message,
            remediation: std::borrow::Cow::Borrowed(self.meta.remediation),
            object,
            container: None,
            file,
            pos,
            path,
            fix: None,
            doc: None,
        }
    }

    /// Keeps `d` (judged later against `ex`), or hands the rule a scratch diagnostic that is
    /// never reported when `dropped`.
    fn keep(&mut self, d: Diagnostic, ex: Arc<[Exemption]>, dropped: bool) -> &mut Diagnostic {
        if dropped {
            return self.scratch.insert(d);
        }
        // A packing context keeps one run's worth of findings uncompressed (about 10 MB).
        if self.runs.is_some() && self.found.len() >= crate::packed::RUN {
            // Every finding but the one being reported is complete (a rule may still attach a
            // fix to the last one it got).
            let found = std::mem::take(&mut self.found);
            let judged = self.judge(found);
            if let Some(runs) = self.runs.as_mut() {
                runs.push(judged);
            }
        }
        self.found.push((d, ex));
        let last = self.found.len() - 1;
        &mut self.found[last].0
    }

    /// Reports a finding on an object whose tree is gone (cross-object rules, see
    /// [`crate::inventory`]): `h` names the object, `at` the field and its position.
    pub fn report_at(
        &mut self,
        h: &crate::inventory::handle::Handle,
        at: &crate::inventory::handle::Anchor,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = self.diagnostic(h.oref(), h.file.clone(), at.pos, at.path.clone(), message.into());
        let d = Diagnostic { doc: Some(h.doc()), ..d };
        self.keep(d, h.exemptions.clone(), h.partial && !at.exists)
    }

    /// Reports a finding about a node file (`kubeward node`): the object is the file.
    pub fn report_host_file(
        &mut self,
        file: &crate::input::hostfile::HostFile,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = Diagnostic {
            rule: self.meta,
            severity: self.meta.severity,
            message: message.into(),
            remediation: std::borrow::Cow::Borrowed(self.meta.remediation),
            object: crate::input::object::ObjectRef {
                api_version: String::new(),
                kind: "File".to_string(),
                namespace: None,
                name: file.path.clone(),
            },
            container: None,
            file: Some(file.path.as_str().into()),
            pos: crate::input::node::Pos::default(),
            path: FieldPath::root(),
            fix: None,
            doc: None,
        };
        self.found.push((d, Arc::from(Vec::new())));
        let last = self.found.len() - 1;
        &mut self.found[last].0
    }

    /// Reports a finding about a Dockerfile at `pos`, attributed to instruction `instruction`
    /// (its inline `# kubeward:ignore=` comments apply, as do file-wide `ignore-file` ones).
    pub fn report_dockerfile(
        &mut self,
        df: &crate::input::dockerfile::Dockerfile,
        instruction: usize,
        pos: crate::input::node::Pos,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let stage = df.instructions.get(instruction).and_then(|i| i.stage).and_then(|s| df.stages.get(s));
        let name = match stage {
            Some(s) => s.name.clone().unwrap_or_else(|| format!("stage-{}", s.index)),
            None => String::new(),
        };
        let mut message: String = message.into();
        let mut ignored = false;
        for ig in df.ignores_for(instruction) {
            if !ig.selectors.iter().any(|s| crate::settings::selector_matches(s, self.meta)) {
                continue;
            }
            if ig.reason.is_empty() {
                message.push_str(&format!(
                    " (the `kubeward:ignore` comment on line {} is not applied: it gives no `reason:`)",
                    ig.line
                ));
            } else if ig.until.as_deref().is_some_and(|u| !crate::input::dockerfile::is_date(u)) {
                message.push_str(&format!(
                    " (the `kubeward:ignore` comment on line {} is not applied: `until` is not a YYYY-MM-DD date)",
                    ig.line
                ));
            } else if ig.until.as_deref().is_some_and(|u| u < self.settings.today.as_str()) {
                message.push_str(&format!(
                    " (the `kubeward:ignore` comment on line {} expired on {})",
                    ig.line,
                    ig.until.as_deref().unwrap_or("")
                ));
            } else {
                ignored = true;
            }
        }
        let d = Diagnostic {
            rule: self.meta,
            severity: self.meta.severity,
            message,
            remediation: std::borrow::Cow::Borrowed(self.meta.remediation),
            object: crate::input::object::ObjectRef {
                api_version: String::new(),
                kind: "Dockerfile".to_string(),
                namespace: None,
                name,
            },
            container: None,
            file: df.path.clone(),
            pos,
            path: FieldPath::root().join("instructions").index(instruction),
            fix: None,
            doc: None,
        };
        if ignored {
            self.inline_exempted += 1;
            return self.scratch.insert(d);
        }
        self.found.push((d, Arc::from(Vec::new())));
        let last = self.found.len() - 1;
        &mut self.found[last].0
    }

    /// Applies exemptions, per-path ignores and severity overrides.
    #[must_use]
    pub fn finish(mut self) -> Judged {
        let found = std::mem::take(&mut self.found);
        let diagnostics = self.judge(found);
        let exempted = self.exempted + self.inline_exempted;
        match self.runs {
            Some(mut runs) => {
                runs.push(diagnostics);
                Judged { diagnostics: Vec::new(), exempted, runs: Some(runs) }
            }
            None => Judged { diagnostics, exempted, runs: None },
        }
    }

    /// Exemptions, per-path ignores and severity overrides over `found`.
    fn judge(&mut self, found: Vec<(Diagnostic, Arc<[Exemption]>)>) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::with_capacity(found.len());
        for (mut d, ex) in found {
            if is_exempt(&ex, d.rule, d.container.as_deref()) {
                self.exempted += 1;
                continue;
            }
            if d.file.as_deref().is_some_and(|f| self.settings.path_ignores(f, d.rule)) {
                continue;
            }
            d.severity = self.settings.severity_of(d.rule, d.severity);
            diagnostics.push(d);
        }
        diagnostics
    }
}
