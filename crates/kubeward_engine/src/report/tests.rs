//! Tests of the SARIF and JUnit writers on a fixed, hand-built list of findings and errors.
// Tests may panic on what cannot fail here; `diag` mirrors the fields of a `Diagnostic`.
#![allow(clippy::unwrap_used, clippy::too_many_arguments)]

use std::sync::{Arc, LazyLock};

use serde_json::Value;

use super::{junit, sarif, Format, Render, Sources};
use crate::diagnostic::{Diagnostic, InputError};
use crate::engine::Report;
use crate::input::node::Pos;
use crate::input::object::ObjectRef;
use crate::input::path::FieldPath;
use crate::rule::{Category, RuleMeta, Severity, Targets};

/// A rule that is not registered, with fixed docs, so snapshots do not follow real rules' docs.
static FAKE: RuleMeta = RuleMeta {
    code: "TST901",
    name: "wildcard-test-rule",
    summary: "role grants a wildcard",
    severity: Severity::Medium,
    category: Category::Rbac,
    targets: Targets::OBJECT,
    remediation: "list the verbs & resources the subject needs",
    checklist: &["rbac.1"],
    cis: &["5.1.3"],
    since: "0.1.0",
    docs: " ## What it does\n Flags roles that grant `*`.\n\n ## Why is this bad?\n Everything is allowed.\n",
    file: "tests.rs",
    fix: crate::rule::FixAvailability::None,
};

fn pod001() -> &'static RuleMeta {
    crate::registry::find("POD001").unwrap().meta()
}

fn obj(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: namespace.map(Into::into),
        name: name.into(),
    }
}

fn diag(
    rule: &'static RuleMeta,
    severity: Severity,
    object: ObjectRef,
    container: Option<&str>,
    file: Option<&str>,
    pos: Pos,
    path: &str,
    message: &str,
) -> Diagnostic {
    Diagnostic {
        rule,
        severity,
        message: message.into(),
        remediation: rule.remediation.into(),
        object,
        container: container.map(Into::into),
        file: file.map(Arc::from),
        pos,
        path: FieldPath::parse(path),
        fix: None,
        doc: None,
    }
}

/// Findings from files (one with an unknown position, one in a path that needs escaping).
fn file_findings() -> Vec<Diagnostic> {
    vec![
        diag(
            pod001(),
            Severity::Critical,
            obj("apps/v1", "Deployment", Some("default"), "web"),
            Some("app"),
            Some("manifests/app.yaml"),
            Pos::new(21, 13),
            "/spec/template/spec/containers/0/securityContext/privileged",
            "container `app` runs privileged",
        ),
        diag(
            &FAKE,
            Severity::Medium,
            obj("rbac.authorization.k8s.io/v1", "ClusterRole", None, "admin<&>\"'"),
            None,
            Some("./dir with space/rbac #1.yaml"),
            Pos::new(7, 5),
            "/rules/0/verbs",
            "role grants `*` <all> & \"everything\" 'really'\u{1}\u{7f}",
        ),
        diag(
            &FAKE,
            Severity::Info,
            obj("rbac.authorization.k8s.io/v1", "Role", Some("dev"), "reader"),
            None,
            Some("/abs/path/role.yaml"),
            Pos::default(),
            "/rules",
            "role grants `*`\non two lines",
        ),
    ]
}

/// Findings from a cluster (no file, no position).
fn cluster_findings() -> Vec<Diagnostic> {
    vec![diag(
        pod001(),
        Severity::High,
        obj("v1", "Pod", Some("kube-system"), "agent"),
        Some("init"),
        None,
        Pos::default(),
        "/spec/initContainers/0/securityContext/privileged",
        "container `init` runs privileged",
    )]
}

fn errors() -> Vec<InputError> {
    vec![
        InputError {
            file: Some("broken.yaml".into()),
            pos: Pos::new(3, 5),
            message: "did not find expected key <here>".into(),
        },
        InputError { file: None, pos: Pos::default(), message: "config: unknown rule `X`".into() },
    ]
}

fn report(diagnostics: Vec<Diagnostic>, errors: Vec<InputError>) -> Report {
    Report {
        diagnostics,
        errors,
        files: 4,
        objects: 9,
        exempted: 1,
        rules_run: 2,
        hidden_by_baseline: 0,
        spilled: None,
    }
}

fn render(format: Format, report: &Report) -> String {
    let sources = Sources::default();
    let mut out = Vec::new();
    super::write(format, &Render { report, sources: &sources, color: false, command: "scan" }, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn all_reports() -> Vec<(&'static str, Report)> {
    let mut both = file_findings();
    both.extend(cluster_findings());
    vec![
        ("files", report(file_findings(), vec![])),
        ("cluster", report(cluster_findings(), vec![])),
        ("errors", report(vec![], errors())),
        ("mixed", report(both, errors())),
        ("empty", report(vec![], vec![])),
    ]
}

// --- SARIF ----------------------------------------------------------------------------------

static SCHEMA: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/resources/test/sarif-schema-2.1.0.json");
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The schema's `language` patterns have a stray `]` (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`)
    // that strict regex engines reject while checking the schema itself; use what they mean.
    // kubeward never writes `language`.
    let mut fixed = 0;
    for def in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][def]["properties"]["language"]["pattern"];
        if language == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
            *language = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
            fixed += 1;
        }
    }
    assert_eq!(fixed, 2);
    jsonschema::options().with_draft(jsonschema::Draft::Draft7).should_validate_formats(true).build(&schema).unwrap()
});

fn assert_valid_sarif(name: &str, doc: &Value) {
    let errors: Vec<String> = SCHEMA.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{name}: SARIF does not match the 2.1.0 schema:\n{}", errors.join("\n"));
}

#[test]
fn sarif_is_valid_against_the_schema() {
    for (name, r) in all_reports() {
        let doc: Value = serde_json::from_str(&render(Format::Sarif, &r)).unwrap();
        assert_valid_sarif(name, &doc);
    }
}

/// `sarif::write` streams the results into the frame: the same bytes as pretty-printing the
/// whole document, with and without results, and from a streaming scan's compressed findings.
#[test]
fn streamed_sarif_is_the_pretty_printed_document() {
    let mut reports = all_reports();
    let snap = crate::Snapshot::from_text(
        "a.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  containers:\n    - {name: c, image: nginx}\n",
    );
    let settings = crate::Settings::default();
    let mut stream = crate::engine::Stream::with_settings(&settings);
    let out = stream.audit(0, &snap.files[0]);
    stream.absorb(out, None);
    let streamed = stream.finish(Vec::new());
    assert!(streamed.spilled.is_some() && streamed.finding_count() > 10);
    reports.push(("streamed", streamed));
    for (name, r) in reports {
        let sources = Sources::default();
        let whole = Render { report: &r, sources: &sources, color: false, command: "scan" };
        let mut want = serde_json::to_string_pretty(&sarif::to_value(&whole)).unwrap();
        want.push('\n');
        assert_eq!(render(Format::Sarif, &r), want, "{name}");
    }
}

#[test]
fn sarif_schema_rejects_a_broken_document() {
    // The validator really checks something: a result without a message is invalid.
    let r = report(file_findings(), vec![]);
    let mut doc: Value = serde_json::from_str(&render(Format::Sarif, &r)).unwrap();
    doc["runs"][0]["results"][0].as_object_mut().unwrap().remove("message");
    doc["runs"][0]["results"][1]["level"] = "fatal".into();
    // Formats are checked too.
    doc["runs"][0]["tool"]["driver"]["informationUri"] = "not a uri".into();
    assert_eq!(SCHEMA.iter_errors(&doc).count(), 3);
}

#[test]
fn sarif_rules_are_all_registered_rules_and_indices_match() {
    let r = report(file_findings(), vec![]);
    let doc: Value = serde_json::from_str(&render(Format::Sarif, &r)).unwrap();
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let registered = crate::registry::rules();
    // Every registered rule, in code order, then the unregistered one a finding used.
    assert_eq!(rules.len(), registered.len() + 1);
    for (i, rule) in registered.iter().enumerate() {
        assert_eq!(rules[i]["id"], rule.meta().code);
    }
    assert_eq!(rules[registered.len()]["id"], "TST901");
    for res in doc["runs"][0]["results"].as_array().unwrap() {
        let i = usize::try_from(res["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[i]["id"], res["ruleId"]);
    }
    let pod = &rules[registered.iter().position(|r| r.meta().code == "POD001").unwrap()];
    assert_eq!(pod["name"], "PrivilegedContainer");
    assert_eq!(pod["defaultConfiguration"]["level"], "error");
    assert_eq!(pod["properties"]["security-severity"], "9.5");
    assert!(pod["help"]["markdown"].as_str().unwrap().contains("## Why is this bad?"));
}

#[test]
fn sarif_levels_and_security_severity() {
    let cases = [
        (Severity::Critical, "error", "9.5"),
        (Severity::High, "error", "8.0"),
        (Severity::Medium, "warning", "5.5"),
        (Severity::Low, "note", "3.0"),
        (Severity::Info, "note", "1.0"),
    ];
    for (s, level, score) in cases {
        assert_eq!(sarif::level(s), level);
        assert_eq!(sarif::security_severity(s), score);
        let _: f64 = score.parse().unwrap();
    }
}

#[test]
fn sarif_fingerprint_ignores_position_and_file() {
    let a = &file_findings()[0];
    let mut b = a.clone();
    b.pos = Pos::new(99, 1);
    b.file = Some("elsewhere/app.yaml".into());
    assert_eq!(sarif::fingerprint(a), sarif::fingerprint(&b));
    let mut c = a.clone();
    c.container = Some("sidecar".into());
    assert_ne!(sarif::fingerprint(a), sarif::fingerprint(&c));
    let mut d = a.clone();
    d.object.namespace = None;
    assert_ne!(sarif::fingerprint(a), sarif::fingerprint(&d));
    // FNV-1a 64 reference values: the hash must never change between releases.
    assert_eq!(sarif::fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(sarif::fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(sarif::fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    assert_eq!(sarif::fingerprint(a).len(), 16);
}

#[test]
fn sarif_locations() {
    let mut both = file_findings();
    both.extend(cluster_findings());
    let doc: Value = serde_json::from_str(&render(Format::Sarif, &report(both, errors()))).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let phys = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "manifests/app.yaml");
    assert_eq!(phys["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(phys["region"]["startLine"], 21);
    assert_eq!(phys["region"]["startColumn"], 13);
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dir%20with%20space/rbac%20%231.yaml"
    );
    let abs = &results[2]["locations"][0]["physicalLocation"];
    assert_eq!(abs["artifactLocation"]["uri"], "file:///abs/path/role.yaml");
    assert!(abs["artifactLocation"].get("uriBaseId").is_none());
    assert!(abs.get("region").is_none());
    let cluster = &results[3]["locations"][0];
    assert!(cluster.get("physicalLocation").is_none());
    assert_eq!(
        cluster["logicalLocations"][0]["fullyQualifiedName"],
        "Pod/kube-system/agent/spec/initContainers/0/securityContext/privileged"
    );
    assert_eq!(cluster["logicalLocations"][0]["kind"], "resource");
    let inv = &doc["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert_eq!(inv["toolExecutionNotifications"].as_array().unwrap().len(), 2);
}

/// The SARIF document reduced to what does not change when other rules are added or the docs
/// of POD001 are edited: only the rules findings use, registered rules' docs replaced.
fn stable_sarif(doc: &Value) -> Value {
    let mut doc = doc.clone();
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().clone();
    let mut used: Vec<Value> = Vec::new();
    for res in doc["runs"][0]["results"].as_array_mut().unwrap() {
        let i = usize::try_from(res["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[i]["id"], res["ruleId"]);
        res["ruleIndex"] = "[index]".into();
        if !used.iter().any(|u| u["id"] == rules[i]["id"]) {
            used.push(rules[i].clone());
        }
    }
    for rule in &mut used {
        if crate::registry::find(rule["id"].as_str().unwrap()).is_some() {
            rule["help"] = "[docs]".into();
            rule["fullDescription"] = "[docs]".into();
        }
    }
    doc["runs"][0]["tool"]["driver"]["rules"] = Value::Array(used);
    doc["runs"][0]["tool"]["driver"]["version"] = "[version]".into();
    doc["runs"][0]["tool"]["driver"]["semanticVersion"] = "[version]".into();
    doc
}

#[test]
fn sarif_snapshots() {
    for (name, r) in all_reports() {
        let doc: Value = serde_json::from_str(&render(Format::Sarif, &r)).unwrap();
        let stable = serde_json::to_string_pretty(&stable_sarif(&doc)).unwrap();
        insta::assert_snapshot!(format!("sarif_{name}"), stable);
    }
}

// --- JUnit ----------------------------------------------------------------------------------

fn counts(root: roxmltree::Node<'_, '_>) -> (usize, usize, usize) {
    let n = |a: &str| root.attribute(a).unwrap().parse::<usize>().unwrap();
    (n("tests"), n("failures"), n("errors"))
}

#[test]
fn junit_is_well_formed_and_counts_match() {
    for (name, r) in all_reports() {
        let xml = render(Format::Junit, &r);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{name}: {e}\n{xml}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
        assert_eq!(suites.len(), 1);
        let cases: Vec<_> = suites[0].children().filter(|n| n.has_tag_name("testcase")).collect();
        let failures = cases.iter().filter(|c| c.children().any(|n| n.has_tag_name("failure"))).count();
        let errs = cases.iter().filter(|c| c.children().any(|n| n.has_tag_name("error"))).count();
        assert_eq!(failures, r.diagnostics.len(), "{name}");
        assert_eq!(errs, r.errors.len(), "{name}");
        for node in [root, suites[0]] {
            assert_eq!(counts(node), (cases.len(), failures, errs), "{name}");
        }
        if r.diagnostics.is_empty() && r.errors.is_empty() {
            assert_eq!(cases.len(), 1);
            assert_eq!(cases[0].attribute("name"), Some("kubeward scan"));
        }
    }
}

#[test]
fn junit_escapes_markup_and_shows_control_characters_escaped() {
    let xml = render(Format::Junit, &report(file_findings(), vec![]));
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failure = doc.descendants().filter(|n| n.has_tag_name("failure")).nth(1).unwrap();
    assert_eq!(failure.attribute("message"), Some("role grants `*` <all> & \"everything\" 'really'\\x01\\x7f"));
    assert_eq!(failure.attribute("type"), Some("medium"));
    let third = doc.descendants().filter(|n| n.has_tag_name("failure")).nth(2).unwrap();
    // Control characters in messages are shown escaped (issue 15, terminal injection).
    assert_eq!(third.attribute("message"), Some("role grants `*`\\non two lines"));
    assert_eq!(junit::escape("a\u{0}b\u{b}c\u{fffe}d\u{1F600}", false), "abcd\u{1F600}");
    assert_eq!(junit::escape("<&>\"'", false), "&lt;&amp;&gt;&quot;&apos;");
    assert_eq!(junit::escape("a\tb\nc", true), "a&#9;b&#10;c");
}

#[test]
fn junit_snapshots() {
    for (name, r) in all_reports() {
        let xml = render(Format::Junit, &r).replace(crate::VERSION, "[version]");
        insta::assert_snapshot!(format!("junit_{name}"), xml);
    }
}

#[test]
fn format_names_parse() {
    for name in Format::NAMES {
        assert!(Format::parse(name).is_ok(), "{name}");
    }
    assert_eq!(Format::parse("sarif"), Ok(Format::Sarif));
    assert_eq!(Format::parse("junit"), Ok(Format::Junit));
    assert!(Format::parse("xml").is_err());
}

// --- Markdown -------------------------------------------------------------------------------

#[test]
fn markdown_snapshots() {
    for (name, r) in all_reports() {
        insta::assert_snapshot!(format!("markdown_{name}"), render(Format::Markdown, &r));
    }
}

/// Many findings: the report stops below GitHub's comment limit and says what it left out.
#[test]
fn markdown_truncates_before_the_comment_limit() {
    let one = file_findings().remove(0);
    let many: Vec<Diagnostic> = (0..3000)
        .map(|i| {
            let mut d = one.clone();
            d.message = format!("{} number {i}", d.message);
            d
        })
        .collect();
    let md = render(Format::Markdown, &report(many, vec![]));
    assert!(md.len() <= super::markdown::LIMIT, "{} bytes", md.len());
    assert!(md.contains("of 3000 findings not shown"), "{}", &md[md.len().saturating_sub(400)..]);
    // Every `<details>` is closed, so the comment renders.
    assert_eq!(md.matches("<details").count(), md.matches("</details>").count());
    // Small reports are not truncated.
    assert!(!render(Format::Markdown, &report(file_findings(), vec![])).contains("not shown"));
}

#[test]
fn markdown_escapes_table_breakers() {
    assert_eq!(super::markdown::escape("a|b <x> *y*"), "a\\|b &lt;x&gt; \\*y\\*");
    let md = render(Format::Markdown, &report(file_findings(), vec![]));
    for line in md.lines().filter(|l| l.starts_with("| `")) {
        // 6 unescaped pipes per row: the 5 cells of a finding.
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 6, "{line}");
    }
}

// --- HTML -----------------------------------------------------------------------------------

#[test]
fn html_is_self_contained_and_complete() {
    for (name, r) in all_reports() {
        let html = render(Format::Html, &r);
        // Nothing is fetched from outside: no external script, style, font or image.
        for bad in ["<script src", "<link", "url(", "<img", "@import", "<iframe"] {
            assert!(!html.contains(bad), "{name}: `{bad}` in the HTML");
        }
        assert_eq!(html.matches("<article class=\"finding").count(), r.diagnostics.len(), "{name}");
        assert!(html.contains(&format!("data-score=\"{}\"", super::score::score(&r).map_or(0, |s| s.value))), "{name}");
        assert!(html.contains("<svg id=\"chart-severity\""), "{name}");
        assert!(html.contains("<svg id=\"chart-category\""), "{name}");
        assert_eq!(html.matches("<details class=\"rule-docs\"").count(), {
            let mut codes: Vec<&str> = r.diagnostics.iter().map(|d| d.rule.code).collect();
            codes.sort_unstable();
            codes.dedup();
            codes.len()
        });
        if !r.errors.is_empty() {
            assert!(html.contains("id=\"errors\""), "{name}");
        }
    }
}

#[test]
fn html_escapes_everything_from_the_input() {
    let html = render(Format::Html, &report(file_findings(), vec![]));
    assert!(!html.contains("<all>"), "the message's `<all>` must be escaped");
    assert!(html.contains("&lt;all&gt;"));
    assert_eq!(super::html::escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}
