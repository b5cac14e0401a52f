//! Differential test of the YAML loader against libyaml on layout cases (issue 16).
//!
//! Every file under `tests/yaml_layout/cases/` is one small document stream exercising layout:
//! quoted and plain scalars whose continuation lines sit left of, at or right of their key, in
//! block and flow collections; tabs; comments between keys; flow collections closed left of
//! their key; document markers. `tests/yaml_layout/expectations.json` records libyaml's verdict
//! on each (PyYAML's `CSafeLoader`, which is libyaml; go-yaml, which kubectl and the API server
//! use, is a port of it), written by `tests/yaml_layout/oracle.py`: accept with the loaded
//! documents as JSON, or reject. Where go-yaml decides otherwise, go-yaml wins and the case says
//! why (`go_yaml`); where kubeward knowingly reads more than both, the case says why
//! (`kubeward_lenient`) and only the verdict is checked. This test loads every case with kubeward's loader and asserts the same
//! verdict and, for accepted cases, the same documents (compared as JSON: kubeward's YAML 1.1
//! typing also reads `y`/`n` as booleans, as go-yaml does and PyYAML does not, so no case uses
//! them as values).
//!
//! When python3 with PyYAML is available (`KUBEWARD_PYTHON` names another interpreter), the
//! oracle is also run live and must reproduce the checked-in expectations. CI sets
//! `KUBEWARD_REQUIRE_PYYAML=1`, which makes a missing PyYAML a failure instead of a skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use kubeward_engine::input::yaml::{load, Limits};
use serde_json::Value;

fn layout_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/yaml_layout")
}

fn expectations() -> Value {
    let text = std::fs::read_to_string(layout_dir().join("expectations.json")).expect("expectations.json");
    serde_json::from_str(&text).expect("expectations.json is JSON")
}

fn case_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(layout_dir().join("cases"))
        .expect("cases dir")
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    names
}

#[test]
fn loader_agrees_with_libyaml_on_every_layout_case() {
    let exp = expectations();
    let cases = exp["cases"].as_object().expect("cases object");
    let names = case_names();
    assert!(names.len() >= 40, "the corpus has {} cases", names.len());
    let mut failures = Vec::new();
    for name in &names {
        let Some(case) = cases.get(name) else {
            failures.push(format!("{name}: no expectation (run tests/yaml_layout/oracle.py)"));
            continue;
        };
        let text = std::fs::read_to_string(layout_dir().join("cases").join(name)).expect("case file");
        let loaded = load(&text, Limits::default());
        match (case["expect"].as_str(), &loaded.error) {
            (Some("accept"), None) if case.get("kubeward_lenient").is_some() => {}
            (Some("accept"), None) => {
                let got: Vec<Value> = loaded.documents.iter().map(|d| d.root.to_json()).collect();
                let want = &case["libyaml"]["value"];
                if Value::Array(got.clone()) != *want {
                    failures.push(format!("{name}: read {}, libyaml reads {want}", Value::Array(got)));
                }
            }
            (Some("accept"), Some(e)) => {
                failures
                    .push(format!("{name}: rejected at {}:{}: {}; libyaml accepts", e.pos.line, e.pos.col, e.message));
            }
            (Some("reject"), Some(_)) => {}
            (Some("reject"), None) => {
                failures.push(format!("{name}: accepted; libyaml rejects: {}", case["libyaml"]["libyaml"]));
            }
            (other, _) => failures.push(format!("{name}: unknown expectation {other:?}")),
        }
    }
    for name in cases.keys() {
        if !names.contains(name) {
            failures.push(format!("{name}: expectation without a case file"));
        }
    }
    assert!(failures.is_empty(), "{} of {} layout cases differ:\n{}", failures.len(), names.len(), failures.join("\n"));
}

/// The checked-in expectations are what libyaml says today: the oracle, run live, reproduces
/// them (the PyYAML version aside).
#[test]
fn expectations_match_a_live_run_of_the_oracle() {
    let python = std::env::var("KUBEWARD_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let required = std::env::var("KUBEWARD_REQUIRE_PYYAML").is_ok_and(|v| v == "1");
    let probe = Command::new(&python).args(["-c", "import yaml; assert yaml.__with_libyaml__"]).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        assert!(!required, "KUBEWARD_REQUIRE_PYYAML=1 but `{python}` has no PyYAML with libyaml: {probe:?}");
        eprintln!(
            "note: skipping the live libyaml oracle: `{python}` has no PyYAML with libyaml (pip install pyyaml==6.0.3)"
        );
        return;
    }
    let out = Command::new(&python).arg(layout_dir().join("oracle.py")).arg("--print").output().expect("run oracle.py");
    assert!(out.status.success(), "oracle.py failed: {}", String::from_utf8_lossy(&out.stderr));
    let live: Value = serde_json::from_slice(&out.stdout).expect("oracle.py prints JSON");
    let recorded = expectations();
    let (live, recorded) = (&live["cases"], &recorded["cases"]);
    let mut stale: Vec<String> = Vec::new();
    for (name, case) in live.as_object().expect("cases").iter() {
        if recorded.get(name) != Some(case) {
            stale.push(format!("{name}: live {case}, recorded {}", recorded.get(name).unwrap_or(&Value::Null)));
        }
    }
    for name in recorded.as_object().expect("cases").keys() {
        if live.get(name).is_none() {
            stale.push(format!("{name}: recorded but not produced by the oracle"));
        }
    }
    assert!(stale.is_empty(), "expectations.json is stale (run tests/yaml_layout/oracle.py):\n{}", stale.join("\n"));
}
