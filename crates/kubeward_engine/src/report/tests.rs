//! Tests of the SARIF and JUnit writers on a fixed, hand-built list of findings and errors, and
//! of the excerpts `Sources` reads again from disk.
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
    Report::new(diagnostics, errors).with_counts(4, 9, 2).with_exempted(1)
}

fn render(format: Format, report: &Report) -> String {
    let sources = Sources::default();
    let mut out = Vec::new();
    super::write(format, &Render::new(report, &sources, "scan"), &mut out).unwrap();
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
    stream.absorb(out);
    let streamed = stream.finish(Vec::new());
    assert!(streamed.in_memory_part().is_empty() && streamed.finding_count() > 10, "compressed");
    reports.push(("streamed", streamed));
    for (name, r) in reports {
        let sources = Sources::default();
        let whole = Render::new(&r, &sources, "scan");
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
    assert_eq!(sarif::fingerprint(a, sarif::Fingerprint::Object), sarif::fingerprint(&b, sarif::Fingerprint::Object));
    let mut c = a.clone();
    c.container = Some("sidecar".into());
    assert_ne!(sarif::fingerprint(a, sarif::Fingerprint::Object), sarif::fingerprint(&c, sarif::Fingerprint::Object));
    let mut d = a.clone();
    d.object.namespace = None;
    assert_ne!(sarif::fingerprint(a, sarif::Fingerprint::Object), sarif::fingerprint(&d, sarif::Fingerprint::Object));
    // FNV-1a 64 reference values: the hash must never change between releases.
    assert_eq!(sarif::fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(sarif::fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(sarif::fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    assert_eq!(sarif::fingerprint(a, sarif::Fingerprint::Object).len(), 16);
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
    // No known position: the whole file, line 1 (GitHub needs a start line).
    assert_eq!(abs["region"], serde_json::json!({"startLine": 1}));
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

/// Renders SARIF with the paths the user named.
fn sarif_with_roots(report: &Report, roots: &[&str]) -> Value {
    let sources = Sources::default();
    let roots: Vec<String> = roots.iter().map(|r| (*r).to_string()).collect();
    let r = Render { roots: &roots, ..Render::new(report, &sources, "scan") };
    let mut out = Vec::new();
    sarif::write(&r, &mut out).unwrap();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert_valid_sarif(&format!("roots {roots:?}"), &doc);
    doc
}

fn in_file(file: &str, pos: Pos) -> Diagnostic {
    let mut d = cluster_findings().remove(0);
    d.file = Some(Arc::from(file));
    d.pos = pos;
    d
}

fn artifact(doc: &Value, i: usize) -> &Value {
    &doc["runs"][0]["results"][i]["locations"][0]["physicalLocation"]["artifactLocation"]
}

/// `docker run -v "$PWD:/src" kubeward scan /src`: the files are under an absolute path; their
/// URIs are relative to it, declared in `originalUriBaseIds`.
#[test]
fn sarif_uris_are_relative_to_an_absolute_scanned_folder() {
    let r =
        report(vec![in_file("/src/web.yaml", Pos::new(3, 5)), in_file("/src/k8s/a b.yaml", Pos::new(1, 1))], vec![]);
    let doc = sarif_with_roots(&r, &["/src/"]);
    assert_eq!(artifact(&doc, 0), &serde_json::json!({"uri": "web.yaml", "uriBaseId": "%SRCROOT%"}));
    assert_eq!(artifact(&doc, 1), &serde_json::json!({"uri": "k8s/a%20b.yaml", "uriBaseId": "%SRCROOT%"}));
    assert_eq!(doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///src/");
    assert!(!doc["runs"][0]["results"].to_string().contains("file:"), "no absolute URI in the results");
    // A named file: relative to its folder.
    let r = report(vec![in_file("/src/web.yaml", Pos::new(3, 5))], vec![]);
    let doc = sarif_with_roots(&r, &["/src/web.yaml"]);
    assert_eq!(artifact(&doc, 0), &serde_json::json!({"uri": "web.yaml", "uriBaseId": "%SRCROOT%"}));
    assert_eq!(doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///src/");
    // Windows paths.
    let r = report(vec![in_file("C:\\work\\k8s\\web.yaml", Pos::new(3, 5))], vec![]);
    let doc = sarif_with_roots(&r, &["C:\\work\\"]);
    assert_eq!(artifact(&doc, 0), &serde_json::json!({"uri": "k8s/web.yaml", "uriBaseId": "%SRCROOT%"}));
    assert_eq!(doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///C:/work/");
}

/// Several named paths: relative ones stay relative to `%SRCROOT%` (the working directory);
/// each absolute one gets its own base, the deepest that holds the file.
#[test]
fn sarif_uris_with_several_roots() {
    let r = report(
        vec![
            in_file("k8s/web.yaml", Pos::new(1, 1)),
            in_file("/tmp/out/x.yaml", Pos::new(2, 1)),
            in_file("/tmp/out/deep/y.yaml", Pos::new(2, 1)),
            in_file("/etc/kubernetes/admin.conf", Pos::default()),
        ],
        vec![],
    );
    let doc = sarif_with_roots(&r, &["k8s/", "/tmp/out/", "/tmp/out/deep/", "-"]);
    assert_eq!(artifact(&doc, 0), &serde_json::json!({"uri": "k8s/web.yaml", "uriBaseId": "%SRCROOT%"}));
    assert_eq!(artifact(&doc, 1), &serde_json::json!({"uri": "x.yaml", "uriBaseId": "ROOT2"}));
    assert_eq!(artifact(&doc, 2), &serde_json::json!({"uri": "y.yaml", "uriBaseId": "ROOT3"}));
    // Outside every named path (a node's host file): an absolute URI.
    assert_eq!(artifact(&doc, 3), &serde_json::json!({"uri": "file:///etc/kubernetes/admin.conf"}));
    let bases = &doc["runs"][0]["originalUriBaseIds"];
    assert_eq!(bases["ROOT2"]["uri"], "file:///tmp/out/");
    assert_eq!(bases["ROOT3"]["uri"], "file:///tmp/out/deep/");
    assert!(bases.get("%SRCROOT%").is_none(), "the working directory is not written");
    // Relative paths only: no base is written (the output is as before).
    let doc = sarif_with_roots(&report(file_findings(), vec![]), &["manifests/"]);
    assert!(doc["runs"][0].get("originalUriBaseIds").is_none());
}

/// Standard input is no file: a logical location, the line in the location's properties.
#[test]
fn sarif_stdin_has_a_logical_location() {
    let err = InputError { file: Some("<stdin>".into()), pos: Pos::new(4, 2), message: "bad".into() };
    let r = report(vec![in_file("<stdin>", Pos::new(7, 9))], vec![err]);
    let doc = sarif_with_roots(&r, &["-"]);
    let text = doc.to_string();
    assert!(!text.contains("%3Cstdin%3E") && !text.contains("\"uri\":\"<stdin>\""), "{text}");
    let loc = &doc["runs"][0]["results"][0]["locations"][0];
    assert!(loc.get("physicalLocation").is_none());
    let names: Vec<&str> =
        loc["logicalLocations"].as_array().unwrap().iter().map(|l| l["fullyQualifiedName"].as_str().unwrap()).collect();
    assert_eq!(names, ["Pod/kube-system/agent/spec/initContainers/0/securityContext/privileged", "<stdin>"]);
    assert_eq!(loc["properties"], serde_json::json!({"line": 7, "column": 9}));
    let n = &doc["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["locations"][0];
    assert_eq!(n["logicalLocations"][0]["name"], "<stdin>");
    assert_eq!(n["properties"]["line"], 4);
}

fn finding_of(severity: Severity, n: usize) -> Diagnostic {
    let mut d = in_file(&format!("f{:05}.yaml", n), Pos::new(1, 1));
    d.severity = severity;
    d.object.name = format!("o{n}");
    d
}

/// GitHub rejects a run with more than 25,000 results: the most severe are kept (in report
/// order within the last severity kept), and a notification says how many were left out.
#[test]
fn sarif_caps_results_at_githubs_limit() {
    assert_eq!(sarif::MAX_RESULTS, 25_000);
    // 30,000 findings in file order, severities interleaved: 100 critical, 20,000 medium,
    // 9,900 info.
    let diags: Vec<Diagnostic> = (0..30_000)
        .map(|i| {
            let sev = if i % 300 == 0 {
                Severity::Critical
            } else if i % 3 == 0 || i % 3 == 1 {
                Severity::Medium
            } else {
                Severity::Info
            };
            finding_of(sev, i)
        })
        .collect();
    let r = report(diags, vec![]);
    let counts = r.counts();
    let (crit, medium, info) = (counts[0].1, counts[2].1, counts[4].1);
    assert_eq!(crit + medium + info, 30_000);
    let doc: Value = serde_json::from_str(&render(Format::Sarif, &r)).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), sarif::MAX_RESULTS);
    let of = |level: &str| results.iter().filter(|x| x["properties"]["severity"] == level).count();
    assert_eq!(of("critical"), crit);
    assert_eq!(of("medium"), medium);
    assert_eq!(of("info"), sarif::MAX_RESULTS - crit - medium);
    // Within a severity: the first ones in report order, and the results stay in that order.
    let names: Vec<&str> = results
        .iter()
        .map(|x| x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    assert!(names.windows(2).all(|w| w[0] < w[1]));
    let last_info = results.iter().rev().find(|x| x["properties"]["severity"] == "info").unwrap();
    let kept_info = sarif::MAX_RESULTS - crit - medium;
    let want = r.findings().filter(|d| d.severity == Severity::Info).nth(kept_info - 1).unwrap();
    assert_eq!(last_info["properties"]["object"], want.object.to_string());
    let omitted = 30_000 - sarif::MAX_RESULTS;
    let n = &doc["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(n["level"], "warning");
    let text = n["message"]["text"].as_str().unwrap();
    assert!(text.starts_with(&format!("{omitted} of 30000 findings")), "{text}");
    assert!(text.contains("--format json"), "{text}");
    assert_eq!(doc["runs"][0]["properties"]["resultsOmitted"], omitted);
    assert_eq!(doc["runs"][0]["invocations"][0]["executionSuccessful"], true);
    // At the limit exactly: nothing is left out, no notification.
    let r = report(r.into_findings().into_iter().take(sarif::MAX_RESULTS).collect(), vec![]);
    let doc: Value = serde_json::from_str(&render(Format::Sarif, &r)).unwrap();
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), sarif::MAX_RESULTS);
    assert!(doc["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap().is_empty());
    assert!(doc["runs"][0].get("properties").is_none());
}

/// A capped document is valid SARIF, streamed or not, and the cap takes the most severe.
#[test]
fn sarif_capped_is_valid_and_streams_the_same() {
    let mut both = file_findings();
    both.extend(cluster_findings());
    let r = report(both, errors());
    let sources = Sources::default();
    let render = Render::new(&r, &sources, "scan");
    for max in [0, 1, 2, 3] {
        let mut out = Vec::new();
        sarif::write_at_most(&render, &mut out, max).unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        assert_valid_sarif(&format!("max {max}"), &doc);
        let mut want = serde_json::to_string_pretty(&sarif::to_value_at_most(&render, max)).unwrap();
        want.push('\n');
        assert_eq!(String::from_utf8(out).unwrap(), want);
        let results = doc["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), max);
        let sevs: Vec<&str> = results.iter().map(|x| x["properties"]["severity"].as_str().unwrap()).collect();
        let want: &[&str] = match max {
            0 => &[],
            1 => &["critical"],
            2 => &["critical", "high"],
            _ => &["critical", "medium", "high"],
        };
        assert_eq!(sevs, want);
        let notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
        assert_eq!(notes.len(), 2 + 1, "the input errors and the cap");
    }
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
        assert_eq!(failures, r.finding_count(), "{name}");
        assert_eq!(errs, r.errors().len(), "{name}");
        for node in [root, suites[0]] {
            assert_eq!(counts(node), (cases.len(), failures, errs), "{name}");
        }
        if r.finding_count() == 0 && r.errors().is_empty() {
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

/// The data block the page's script lists findings from.
fn html_data(html: &str) -> Value {
    let start = html.find("<script type=\"application/json\" id=\"kw-data\">").unwrap();
    let rest = &html[start..];
    let body = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    serde_json::from_str(body).unwrap()
}

#[test]
fn html_is_self_contained_and_complete() {
    for (name, r) in all_reports() {
        let html = render(Format::Html, &r);
        // Nothing is fetched from outside: no external script, style, font or image.
        for bad in ["<script src", "<link", "url(", "<img", "@import", "<iframe"] {
            assert!(!html.contains(bad), "{name}: `{bad}` in the HTML");
        }
        // Findings are listed by the page's script from the data block, a page at a time.
        assert_eq!(html.matches("<article").count(), 0, "{name}");
        assert_eq!(html_data(&html)["f"].as_array().unwrap().len(), r.finding_count(), "{name}");
        assert!(html.contains(&format!("data-score=\"{}\"", super::score::score(&r).map_or(0, |s| s.value))), "{name}");
        assert!(html.contains("<svg id=\"chart-severity\""), "{name}");
        assert!(html.contains("<svg id=\"chart-category\""), "{name}");
        assert_eq!(html.matches("<details class=\"rule-docs\"").count(), {
            let mut codes: Vec<&str> = r.findings().map(|d| d.rule.code).collect();
            codes.sort_unstable();
            codes.dedup();
            codes.len()
        });
        if !r.errors().is_empty() {
            assert!(html.contains("id=\"errors\""), "{name}");
        }
    }
}

#[test]
fn html_escapes_everything_from_the_input() {
    let html = render(Format::Html, &report(file_findings(), vec![]));
    assert!(!html.contains("<all>"), "the message's `<all>` must be escaped");
    // In the data block, as `\u003c`: the script writes it as text.
    assert!(html.contains("\\u003call\\u003e"));
    let data = html_data(&html);
    let strings: Vec<&str> = data["s"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    // Controls are shown as escapes, as in the other human-readable reports.
    assert!(strings.contains(&"role grants `*` <all> & \"everything\" 'really'\\x01\\x7f"), "{strings:?}");
    assert!(strings.iter().any(|s| s.contains("\\n") && s.starts_with("role grants `*`")), "{strings:?}");
    assert_eq!(super::html::escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

/// A rule whose summary has inline Markdown.
static MARKDOWN: RuleMeta = RuleMeta {
    code: "TST902",
    name: "markdown-test-rule",
    summary: "grants `*` to **everyone**, see [the docs](https://kubernetes.io/docs/) <b>",
    severity: Severity::Low,
    category: Category::Rbac,
    targets: Targets::OBJECT,
    remediation: "list the verbs",
    checklist: &[],
    cis: &[],
    since: "0.1.0",
    docs: " ## What it does\n Flags.\n",
    file: "tests.rs",
    fix: crate::rule::FixAvailability::None,
};

fn html_with(report: &Report, roots: &[&str], date: &str) -> String {
    let sources = Sources::default();
    let roots: Vec<String> = roots.iter().map(|r| (*r).to_string()).collect();
    let r = Render { roots: &roots, date, ..Render::new(report, &sources, "scan") };
    super::html::to_string(&r)
}

#[test]
fn html_shows_the_date_the_scanned_paths_and_the_version() {
    let html = html_with(&report(file_findings(), vec![]), &["k8s/", "/src/a<b>.yaml", "-"], "2026-11-22");
    assert!(html.contains(&format!("data-version=\"{}\"", crate::VERSION)));
    assert!(html.contains("data-date=\"2026-11-22\""));
    assert!(html.contains(&format!("kubeward {} · 2026-11-22 ·", crate::VERSION)), "the date in the header");
    assert!(
        html.contains(
            "Scanned: <code>k8s/</code>, <code>/src/a&lt;b&gt;.yaml</code>, <code>standard input</code></div>"
        ),
        "the scanned paths, escaped"
    );
    // Many paths: the first ten and a count.
    let many: Vec<String> = (0..12).map(|i| format!("f{i}.yaml")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let html = html_with(&report(vec![], vec![]), &many, "");
    assert!(html.contains("<code>f9.yaml</code> and 2 more</div>"));
    assert!(!html.contains("data-date=\"2") && !html.contains("f10.yaml"));
}

/// "By rule" and "by resource": the most severe group first, then the largest, then by name.
#[test]
fn html_groups_are_sorted_by_severity_then_count() {
    let mk = |rule: &'static RuleMeta, sev: Severity, name: &str| {
        let mut d = cluster_findings().remove(0);
        d.rule = rule;
        d.severity = sev;
        d.object.name = name.into();
        d
    };
    // Alphabetical order would be the reverse of the expected one, for rules and resources.
    let diags = vec![
        mk(&FAKE, Severity::Medium, "a"),
        mk(&MARKDOWN, Severity::Medium, "b"),
        mk(&MARKDOWN, Severity::Medium, "b"),
        mk(pod001(), Severity::Low, "c"),
        mk(pod001(), Severity::Low, "d"),
        mk(pod001(), Severity::Low, "d"),
    ];
    let html = html_with(&report(diags, vec![]), &[], "");
    let rules: Vec<&str> =
        html.match_indices("<details class=\"rule-docs\" id=\"rule-").map(|(i, _)| &html[i + 36..i + 42]).collect();
    // TST902 (medium, 2), TST901 (medium, 1), POD001 (low, 3): severity, then count.
    assert_eq!(rules, ["TST902", "TST901", "POD001"]);
    let data = html_data(&html);
    let strings = data["s"].as_array().unwrap();
    let groups: Vec<(u64, &str, usize)> = data["o"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let label = strings[usize::try_from(g[1].as_u64().unwrap()).unwrap()].as_str().unwrap();
            (g[0].as_u64().unwrap(), label, g[2].as_array().unwrap().len())
        })
        .collect();
    // Severity index (0 critical, 2 medium, 3 low).
    assert_eq!(
        groups,
        [
            (2, "Pod/kube-system/b", 2),
            (2, "Pod/kube-system/a", 1),
            (3, "Pod/kube-system/d", 2),
            (3, "Pod/kube-system/c", 1)
        ]
    );
    // The rule groups in the data follow the headings' order.
    let order: Vec<usize> = data["g"].as_array().unwrap().iter().map(|g| g[1].as_array().unwrap().len()).collect();
    assert_eq!(order, [2, 1, 3]);
}

/// Rule headings render their inline Markdown, escaped.
#[test]
fn html_rule_headings_render_markdown() {
    let mut d = cluster_findings().remove(0);
    d.rule = &MARKDOWN;
    let html = html_with(&report(vec![d], vec![]), &[], "");
    assert!(
        html.contains("— grants <code>*</code> to <strong>everyone</strong>, see <a href=\"https://kubernetes.io/docs/\">the docs</a> &lt;b&gt; (1)</summary>"),
        "{}",
        &html[html.find("<summary>").unwrap()..][..300]
    );
    use super::html::inline;
    assert_eq!(inline("`a<b>` **x** *y* _z_"), "<code>a&lt;b&gt;</code> <strong>x</strong> <em>y</em> _z_");
    // Only http(s) links; everything else stays text.
    assert_eq!(inline("[x](javascript:alert(1))"), "[x](javascript:alert(1))");
    assert_eq!(
        inline("[x](https://a.example/\"onmouseover=\"y)"),
        "<a href=\"https://a.example/&quot;onmouseover=&quot;y\">x</a>"
    );
    // Unpaired or spaced markers stay.
    assert_eq!(inline("a * b * c, 2**3"), "a * b * c, 2**3");
    assert_eq!(inline("`*` and `**`"), "<code>*</code> and <code>**</code>");
}

/// Nothing from the input can close the data block or the page's script.
#[test]
fn html_data_cannot_close_the_script() {
    let mut d = cluster_findings().remove(0);
    d.message = "</script><script>alert(1)</script><!-- \u{2028}".into();
    d.object.name = "</SCRIPT >".into();
    let html = html_with(&report(vec![d], vec![]), &[], "");
    assert_eq!(html.to_ascii_lowercase().matches("</script").count(), 2, "the data block's and the script's own");
    assert!(!html.contains("<!--"));
    assert!(!html.contains('\u{2028}'));
    let data = html_data(&html);
    assert!(data["s"].as_array().unwrap().iter().any(|s| s == "</script><script>alert(1)</script><!-- \u{2028}"));
}

/// Colours: each severity its own, conventional ones (critical purple, high red, medium
/// orange, low blue, info grey), in the badges and the chart.
#[test]
fn html_severity_colours_are_distinct() {
    let html = render(Format::Html, &report(file_findings(), vec![]));
    let mut seen = Vec::new();
    for (sev, colour) in
        [("critical", "#7b1fa2"), ("high", "#c62828"), ("medium", "#ef6c00"), ("low", "#0277bd"), ("info", "#546e7a")]
    {
        assert!(html.contains(&format!(".badge.sev-{sev}{{background:{colour}}}")), "{sev}");
        assert!(html.contains(&format!("data-label=\"{sev}\"")), "{sev} in the chart");
        seen.push(colour);
    }
    seen.dedup();
    assert_eq!(seen.len(), 5);
}

/// `text` in UTF-16BE with a byte-order mark.
fn utf16_be_with_bom(text: &str) -> Vec<u8> {
    std::iter::once(0xFEFF).chain(text.encode_utf16()).flat_map(u16::to_be_bytes).collect()
}

/// The report's excerpts read a file again after the scan: with the scan's checks, so a
/// file swapped for a FIFO (which blocked forever) or a device gives no excerpt, and a
/// UTF-16 file gives its decoded line.
#[test]
fn excerpts_read_again_apply_the_same_checks() {
    let dir = std::env::temp_dir().join(format!("kubeward-text-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let fifo = dir.join("swapped.yaml");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let wide = dir.join("wide.yaml");
    std::fs::write(&wide, utf16_be_with_bom("a: 1\nb: é\n")).expect("write");
    let snap = crate::snapshot::Snapshot::default();
    let sources = Sources::from_disk(&snap).with_max_size(1 << 20);
    // No line (and no hang, no endless read).
    let empty = |file: &str| sources.line(file, 1).unwrap_or_default().is_empty();
    if made {
        assert!(empty(&fifo.display().to_string()));
    }
    assert!(empty("/dev/zero"));
    assert_eq!(sources.line(&wide.display().to_string(), 2).as_deref(), Some("b: é"));
    let big = dir.join("big.yaml");
    std::fs::write(&big, "x\n".repeat(1 << 20)).expect("write");
    assert!(empty(&big.display().to_string()), "over the size limit");
    let _ = std::fs::remove_dir_all(&dir);
}
