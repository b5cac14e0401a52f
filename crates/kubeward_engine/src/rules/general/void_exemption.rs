use crate::context::Context;
use crate::input::object::Object;
use crate::input::workload::PodSpecView;
use crate::registry::rules;
use crate::rule::Rule;
use crate::settings::selector_matches;
use crate::suppression::exemptions_of;

crate::declare_rule! {
    /// ## What it does
    /// Flags exemption annotations (`kubeward.io/ignore`, `ignore.kubeward.io/<container>`)
    /// that do not work: without a `kubeward.io/ignore-reason`, with an
    /// `kubeward.io/ignore-until` date that has passed or is not a date (YYYY-MM-DD), or naming
    /// something that is no rule code, code prefix, rule name or category, or (per container)
    /// a container the pod does not have.
    ///
    /// ## Why is this bad?
    /// A void exemption silently stops exempting (the findings come back with no explanation), or
    /// never exempted anything (a typo in a rule name). Either way the annotation claims a
    /// decision that is not in effect, and nobody reviews it again.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: app
    ///   annotations:
    ///     kubeward.io/ignore: privileged-container
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       securityContext:
    ///         privileged: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: app
    ///   annotations:
    ///     kubeward.io/ignore: privileged-container
    ///     kubeward.io/ignore-reason: CSI driver needs host devices
    ///     kubeward.io/ignore-until: "2030-01-01"
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       securityContext:
    ///         privileged: true
    /// ```
    ///
    /// ## How to fix
    /// Give the reason in `kubeward.io/ignore-reason`, renew or remove an expired
    /// `kubeward.io/ignore-until` after reviewing the decision, and name rules by code
    /// (`POD001`) or name (`privileged-container`) as `kubeward rules` lists them.
    pub VoidExemption {
        code: "GEN002",
        name: "void-exemption",
        summary: "exemption annotation has no effect",
        severity: Medium,
        category: General,
        targets: OBJECT,
        remediation: "add `kubeward.io/ignore-reason`, renew or remove the expiry, and name existing rules",
        checklist: [],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for VoidExemption {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        for e in exemptions_of(obj, &cx.settings.today) {
            let key = e.path.segments().last().unwrap_or_default();
            if let Some(why) = &e.void {
                cx.report(obj, e.path.clone(), format!("exemption `{key}` is void: {why}"));
                continue;
            }
            if let (Some(c), Some(pod)) = (&e.container, PodSpecView::of(obj)) {
                if !pod.containers().iter().any(|x| x.name() == c) {
                    cx.report(
                        obj,
                        e.path.clone(),
                        format!("exemption `{key}` names container `{c}`, which is not in the pod"),
                    );
                    continue;
                }
            }
            if e.rules.is_empty() {
                cx.report(obj, e.path.clone(), format!("exemption `{key}` names no rule"));
                continue;
            }
            for sel in &e.rules {
                if !rules().iter().any(|r| selector_matches(sel, r.meta())) {
                    cx.report(
                        obj,
                        e.path.clone(),
                        match crate::suggest::closest(sel).first() {
                            Some(near) => format!(
                                "exemption `{key}` names `{sel}`, which is no rule code, name or category (did you mean `{near}`?)"
                            ),
                            None => format!("exemption `{key}` names `{sel}`, which is no rule code, name or category"),
                        },
                    );
                }
            }
        }
    }
}
