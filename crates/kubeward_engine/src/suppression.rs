//! Annotation exemptions.
//!
//! On an object (or a workload's pod template):
//! - `kubeward.io/ignore: "POD001,run-as-root"`: rules (codes, names, categories) exempted;
//! - `kubeward.io/ignore-reason: "..."`: required; an exemption without a reason is void;
//! - `kubeward.io/ignore-until: "YYYY-MM-DD"`: optional; after that day the exemption is void;
//! - `ignore.kubeward.io/<container>: "POD004"`: the same, for one container only.
//!
//! Void exemptions are reported by GEN002 so they do not silently stop working. The config can
//! forbid exemptions altogether (`allow-annotation-exemptions: false`).

use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::input::workload::PodSpecView;
use crate::rule::RuleMeta;
use crate::settings::selector_matches;

/// The annotation listing exempted rules.
pub const IGNORE: &str = "kubeward.io/ignore";
/// The annotation giving the reason.
pub const IGNORE_REASON: &str = "kubeward.io/ignore-reason";
/// The annotation giving the expiry date.
pub const IGNORE_UNTIL: &str = "kubeward.io/ignore-until";
/// Prefix of per-container exemption annotations.
pub const CONTAINER_PREFIX: &str = "ignore.kubeward.io/";

/// One exemption annotation.
#[derive(Clone, Debug, PartialEq)]
pub struct Exemption {
    /// Rule selectors.
    pub rules: Vec<String>,
    /// The container it is limited to.
    pub container: Option<String>,
    /// Why it is void, if it is.
    pub void: Option<String>,
    /// Path of the annotation.
    pub path: FieldPath,
}

fn from_annotations(ann: &Node, ann_path: &FieldPath, today: &str, out: &mut Vec<Exemption>) {
    let reason = ann.get(IGNORE_REASON).and_then(Node::as_str).map(str::trim).filter(|s| !s.is_empty());
    let until = ann.get(IGNORE_UNTIL).and_then(Node::as_str).map(str::trim);
    let void = if reason.is_none() {
        Some(format!("it has no `{IGNORE_REASON}` annotation"))
    } else {
        match until {
            Some(u) if !valid_date(u) => Some(format!("`{IGNORE_UNTIL}: {u}` is not a date (YYYY-MM-DD)")),
            Some(u) if u < today => Some(format!("it expired on {u}")),
            _ => None,
        }
    };
    for e in ann.entries() {
        let container = if &*e.key == IGNORE {
            None
        } else if let Some(c) = e.key.strip_prefix(CONTAINER_PREFIX) {
            Some(c.to_string())
        } else {
            continue;
        };
        let rules = e
            .value
            .as_str()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        out.push(Exemption { rules, container, void: void.clone(), path: ann_path.key(&e.key) });
    }
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Every exemption annotation on the object and, for workloads, on its pod template.
#[must_use]
pub fn exemptions_of(obj: &Object<'_>, today: &str) -> Vec<Exemption> {
    let mut out = Vec::new();
    let meta_path = FieldPath::root().key("metadata");
    if let Some(ann) = obj.metadata().and_then(|m| m.get("annotations")) {
        from_annotations(ann, &meta_path.key("annotations"), today, &mut out);
    }
    if obj.kind() != "Pod" {
        if let Some(p) = PodSpecView::of(obj) {
            if let Some(ann) = p.meta.and_then(|m| m.get("annotations")) {
                from_annotations(ann, &p.meta_path.key("annotations"), today, &mut out);
            }
        }
    }
    out
}

/// The object's exemptions as a shared list (empty when the settings disallow annotation
/// exemptions); objects without any share one empty list.
#[must_use]
pub fn shared_exemptions(obj: &Object<'_>, settings: &crate::settings::Settings) -> std::sync::Arc<[Exemption]> {
    static NONE: std::sync::OnceLock<std::sync::Arc<[Exemption]>> = std::sync::OnceLock::new();
    let found = if settings.allow_annotation_exemptions { exemptions_of(obj, &settings.today) } else { Vec::new() };
    if found.is_empty() {
        NONE.get_or_init(|| std::sync::Arc::from(Vec::new())).clone()
    } else {
        found.into()
    }
}

/// Whether a valid exemption covers the rule (and the container, for per-container ones).
#[must_use]
pub fn is_exempt(exemptions: &[Exemption], meta: &RuleMeta, container: Option<&str>) -> bool {
    exemptions.iter().any(|e| {
        e.void.is_none()
            && e.container.as_deref().is_none_or(|c| Some(c) == container)
            && e.rules.iter().any(|r| selector_matches(r, meta))
    })
}
