//! The findings codec (`packed`) knows no registry: a finding's rule is stored in its block's
//! own rule table, so any rule's findings round-trip, registered or not, across blocks.

use std::borrow::Cow;
use std::sync::Arc;

use kubeward_engine::input::node::Pos;
use kubeward_engine::input::object::ObjectRef;
use kubeward_engine::input::path::FieldPath;
use kubeward_engine::packed::PackedFindings;
use kubeward_engine::rule::{Category, FixAvailability, RuleMeta, Severity, Targets};
use kubeward_engine::Diagnostic;

/// Two rules no registry lists.
const BASE: RuleMeta = RuleMeta {
    code: "TST801",
    name: "unregistered-one",
    summary: "a rule outside the registry",
    severity: Severity::High,
    category: Category::Pod,
    targets: Targets::OBJECT,
    remediation: "nothing to do",
    checklist: &[],
    cis: &[],
    since: "0.1.0",
    docs: "",
    file: "packed_rules.rs",
    fix: FixAvailability::None,
};
static ONE: RuleMeta = BASE;
static TWO: RuleMeta = RuleMeta { code: "TST802", name: "unregistered-two", severity: Severity::Low, ..BASE };

fn finding(rule: &'static RuleMeta, i: usize) -> Diagnostic {
    Diagnostic {
        rule,
        severity: rule.severity,
        message: format!("finding {i} of {}", rule.code),
        remediation: Cow::Borrowed(rule.remediation),
        object: ObjectRef {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: None,
            name: format!("p{}", i / 7),
        },
        container: None,
        file: Some(Arc::from("a.yaml")),
        pos: Pos::new(u32::try_from(i).expect("small") + 1, 1),
        path: FieldPath::parse("spec"),
        fix: None,
        doc: None,
    }
}

#[test]
fn unregistered_rules_round_trip_across_blocks() {
    // Enough findings (about 35 bytes each) for several 1 MiB blocks.
    let findings: Vec<Diagnostic> = (0..100_000).map(|i| finding(if i % 3 == 0 { &TWO } else { &ONE }, i)).collect();
    let mut pack = PackedFindings::default();
    let kept = pack.extend(findings.clone());
    assert!(kept.is_empty(), "{} findings not encoded", kept.len());
    pack.close();
    assert_eq!(pack.len(), findings.len());
    let mut n = 0;
    for (got, want) in pack.iter().zip(&findings) {
        assert!(std::ptr::eq(got.rule, want.rule), "{} for {}", got.rule.code, want.rule.code);
        assert_eq!(
            (&got.message, got.severity, got.pos, &got.object),
            (&want.message, want.severity, want.pos, &want.object)
        );
        n += 1;
    }
    assert_eq!(n, findings.len());
}
