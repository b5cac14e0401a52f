//! Issue 16, "Fixes that must not break workloads": fix safety follows what the fix can
//! break (`drop: [ALL]` only on containers proven non-root), digest-pinned images get no pull
//! policy finding, and insertions follow the style of the surrounding block (byte-exact).

use serde_json::{json, Value};

use super::apply::{fix, Input};
use super::cst::parse;
use super::edit::{append, set, Style};
use crate::engine::run;
use crate::rule::FixAvailability;
use crate::settings::Settings;
use crate::snapshot::Snapshot;

/// A Pod with one container; `pod_sc` and `c_sc` are the pod's and container's securityContext
/// lines (flow mappings), empty for none.
fn pod(pod_sc: &str, c_sc: &str) -> String {
    let mut s = String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: db\n  namespace: data\nspec:\n");
    if !pod_sc.is_empty() {
        s.push_str(&format!("  securityContext: {pod_sc}\n"));
    }
    s.push_str("  containers:\n    - name: postgres\n      image: postgres:16.4\n");
    if !c_sc.is_empty() {
        s.push_str(&format!("      securityContext: {c_sc}\n"));
    }
    s
}

/// The rule codes fixed in `text` with and without `--unsafe-fixes`.
fn fixed_codes(text: &str, unsafe_fixes: bool) -> Vec<&'static str> {
    let out = fix(&[Input { path: "p.yaml".into(), text: text.into() }], &Settings::default(), unsafe_fixes);
    out.files.get("p.yaml").map(|f| f.applied.iter().map(|a| a.code).collect()).unwrap_or_default()
}

#[test]
fn drop_all_is_safe_only_for_containers_proven_non_root() {
    // (pod securityContext, container securityContext, proven non-root)
    let cases = [
        ("", "", false),
        ("", "{allowPrivilegeEscalation: false}", false),
        ("{runAsNonRoot: false}", "", false),
        ("{runAsUser: 0}", "", false),
        ("{runAsUser: 1000}", "{runAsUser: 0}", false),
        ("{runAsNonRoot: true, runAsUser: 0}", "", false),
        ("{runAsNonRoot: true}", "", true),
        ("", "{runAsNonRoot: true}", true),
        ("{runAsUser: 999}", "", true),
        ("", "{runAsUser: 70}", true),
        ("{runAsUser: 0}", "{runAsUser: 70}", true),
    ];
    for (pod_sc, c_sc, non_root) in cases {
        let text = pod(pod_sc, c_sc);
        let safe = fixed_codes(&text, false);
        assert_eq!(safe.contains(&"POD004"), non_root, "pod {pod_sc:?}, container {c_sc:?}: {safe:?}");
        assert!(fixed_codes(&text, true).contains(&"POD004"), "applied with --unsafe-fixes: {text}");
    }
}

#[test]
fn privileged_false_and_pull_policy_always_are_unsafe() {
    let text = pod("", "{privileged: true}")
        .replace("image: postgres:16.4\n", "image: postgres:16.4\n      imagePullPolicy: IfNotPresent\n");
    let safe = fixed_codes(&text, false);
    assert!(!safe.contains(&"POD001"), "privileged: false without host access is still unsafe: {safe:?}");
    assert!(!safe.contains(&"IMG004"), "{safe:?}");
    let all = fixed_codes(&text, true);
    assert!(all.contains(&"POD001") && all.contains(&"IMG004"), "{all:?}");
}

/// Every rule with a fix explains its safety, and the metadata says what the code does.
#[test]
fn every_fixable_rule_documents_its_fix_safety() {
    let mut fixable = 0;
    for r in crate::registry::rules() {
        let m = r.meta();
        if m.fix == FixAvailability::None {
            continue;
        }
        fixable += 1;
        let docs = m.docs_markdown();
        let (Some(how), Some(safety)) = (docs.find("## How to fix"), docs.find("## Fix safety")) else {
            panic!("{}: docs lack `## Fix safety`", m.code);
        };
        assert!(how < safety, "{}: `## Fix safety` goes after `## How to fix`", m.code);
    }
    assert!(fixable >= 13, "{fixable} fixable rules");
    let fix_of = |code: &str| crate::registry::rules().iter().find(|r| r.meta().code == code).map(|r| r.meta().fix);
    assert_eq!(fix_of("POD004"), Some(FixAvailability::Sometimes));
    assert_eq!(fix_of("POD001"), Some(FixAvailability::Unsafe));
    assert_eq!(fix_of("IMG004"), Some(FixAvailability::Unsafe));
}

#[test]
fn digest_pinned_images_get_no_pull_policy_finding() {
    let digest = "sha256:8e4f6b3b2f1d0c9a7e5d3b1f0e9c8a7b6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a";
    let cases = [
        (format!("registry.example.com/app@{digest}"), false),
        (format!("registry.example.com/app:1.0@{digest}"), false),
        (format!("registry.example.com/app:latest@{digest}"), false),
        ("registry.example.com/app:1.0".to_string(), true),
        ("registry.example.com/app:1.0@latest".to_string(), true),
        ("registry.example.com/app:1.0@sha256:abc".to_string(), true),
    ];
    for (image, reported) in cases {
        for policy in ["IfNotPresent", "Never"] {
            let text = format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: a}}\nspec:\n  containers:\n    - name: c\n      image: {image}\n      imagePullPolicy: {policy}\n"
            );
            let report = run(&Snapshot::from_text("p.yaml", &text), &Settings::default());
            let found = report.findings().any(|d| d.rule.code == "IMG004");
            assert_eq!(found, reported, "{image} with {policy}");
            assert_eq!(fixed_codes(&text, true).contains(&"IMG004"), reported, "{image} with {policy}: no fix either");
        }
    }
}

fn segs(p: &str) -> Vec<String> {
    p.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn appended(text: &str, path: &str) -> String {
    let docs = parse(text).expect("parse");
    let root = docs[0].root.as_ref().expect("root");
    let json = text.trim_start().starts_with('{');
    let out = append(text, root, &segs(path), &json!("ALL"), Style::of(text, json)).expect("edit").expect("changed");
    super::comments::check_kept(text, &out).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    out
}

/// `drop: [ALL]` and its siblings in block files are written as block sequences, indented as
/// the file indents its lists; in flow collections they stay flow. Byte for byte.
#[test]
fn inserted_lists_follow_the_surrounding_style() {
    let cases: &[(&str, &str, &str)] = &[
        // Block mapping, lists indented under their key.
        (
            "spec:\n  containers:\n    - name: c # app\n      securityContext:\n        runAsUser: 70 # postgres\n",
            "/spec/containers/0/securityContext/capabilities/drop",
            "spec:\n  containers:\n    - name: c # app\n      securityContext:\n        runAsUser: 70 # postgres\n        capabilities:\n          drop:\n            - ALL\n",
        ),
        // No securityContext yet: both mappings and the list are created in block style.
        (
            "spec:\n  containers:\n    - name: c\n      image: x\n",
            "/spec/containers/0/securityContext/capabilities/drop",
            "spec:\n  containers:\n    - name: c\n      image: x\n      securityContext:\n        capabilities:\n          drop:\n            - ALL\n",
        ),
        // `kubectl get -o yaml` style: lists at their key's column.
        (
            "spec:\n  containers:\n  - name: c\n    securityContext:\n      capabilities:\n        add:\n        - NET_BIND_SERVICE\n",
            "/spec/containers/0/securityContext/capabilities/drop",
            "spec:\n  containers:\n  - name: c\n    securityContext:\n      capabilities:\n        add:\n        - NET_BIND_SERVICE\n        drop:\n        - ALL\n",
        ),
        // A null value (`capabilities:` with a comment, `drop:`) becomes the block below it.
        (
            "c:\n  capabilities: # trimmed\n  image: x\n",
            "/c/capabilities/drop",
            "c:\n  capabilities: # trimmed\n    drop:\n      - ALL\n  image: x\n",
        ),
        ("c:\n  drop: # none yet\n  image: x\n", "/c/drop", "c:\n  drop: # none yet\n    - ALL\n  image: x\n"),
        // Four-space indentation is followed.
        (
            "c:\n    securityContext:\n        runAsUser: 1\n",
            "/c/securityContext/capabilities/drop",
            "c:\n    securityContext:\n        runAsUser: 1\n        capabilities:\n            drop:\n                - ALL\n",
        ),
        // CRLF stays CRLF.
        ("c:\r\n  sc:\r\n    a: 1\r\n", "/c/sc/drop", "c:\r\n  sc:\r\n    a: 1\r\n    drop:\r\n      - ALL\r\n"),
        // Inside flow collections, flow.
        ("c:\n  sc: {runAsUser: 70}\n", "/c/sc/capabilities/drop", "c:\n  sc: {runAsUser: 70, capabilities: {drop: [ALL]}}\n"),
        ("c: {sc: {capabilities: {}}}\n", "/c/sc/capabilities/drop", "c: {sc: {capabilities: {drop: [ALL]}}}\n"),
        ("c:\n  sc: {capabilities: {drop: null}}\n", "/c/sc/capabilities/drop", "c:\n  sc: {capabilities: {drop: [ALL]}}\n"),
        // JSON stays JSON.
        ("{\"c\": {\"sc\": {}}}\n", "/c/sc/capabilities/drop", "{\"c\": {\"sc\": {\"capabilities\": {\"drop\": [\"ALL\"]}}}}\n"),
        // A new list beside flow lists is flow too (siblings look alike).
        (
            "c:\n  capabilities:\n    add: [NET_ADMIN]\n",
            "/c/capabilities/drop",
            "c:\n  capabilities:\n    add: [NET_ADMIN]\n    drop: [ALL]\n",
        ),
        // An existing list keeps its own style.
        ("c:\n  drop: [NET_RAW]\n", "/c/drop", "c:\n  drop: [NET_RAW, ALL]\n"),
        ("c:\n  drop:\n    - NET_RAW\n", "/c/drop", "c:\n  drop:\n    - NET_RAW\n    - ALL\n"),
    ];
    for (text, path, want) in cases {
        assert_eq!(&appended(text, path), want, "{text:?}");
    }
}

/// Mappings a fix creates (the seccomp profile) are block mappings in block files and flow
/// mappings in flow ones, comments kept; the titles people read stay one-line flow.
#[test]
fn inserted_mappings_follow_the_surrounding_style() {
    let set_value = |text: &str, path: &str, v: Value| {
        let docs = parse(text).expect("parse");
        let root = docs[0].root.as_ref().expect("root");
        let out = set(text, root, &segs(path), &v, Style::of(text, false)).expect("edit").expect("changed");
        super::comments::check_kept(text, &out).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        out
    };
    assert_eq!(
        set_value(
            "spec:\n  containers: [] # none\n",
            "/spec/securityContext/seccompProfile/type",
            json!("RuntimeDefault")
        ),
        "spec:\n  containers: [] # none\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n"
    );
    assert_eq!(
        set_value("spec: {containers: []}\n", "/spec/securityContext/seccompProfile/type", json!("RuntimeDefault")),
        "spec: {containers: [], securityContext: {seccompProfile: {type: RuntimeDefault}}}\n"
    );
    // A list of mappings under a block key.
    assert_eq!(
        set_value("a:\n  b: 1\n", "/a/items", json!([{"name": "x", "value": "1"}, "z"])),
        "a:\n  b: 1\n  items:\n    - name: x\n      value: \"1\"\n    - z\n"
    );
    // End to end: `kubeward fix --unsafe-fixes` on a block manifest writes no flow list.
    let text = pod("", "").replace("    - name: postgres\n", "    - name: postgres # the database\n");
    let out = fix(&[Input { path: "p.yaml".into(), text: text.clone() }], &Settings::default(), true);
    let f = &out.files["p.yaml"].text;
    assert!(f.contains("        capabilities:\n          drop:\n            - ALL\n"), "{f}");
    assert!(!f.contains('['), "a flow list in a block file:\n{f}");
    super::comments::check_kept(&text, f).unwrap_or_else(|e| panic!("{e}"));
}
