//! Issue 16, "Output a user can act on": SARIF and HTML reports as a user gets them from the
//! binary (the writers' own tests are in `kubeward_engine::report::tests`).

mod support;
use support::{kubeward, kubeward_with, PRIV};

use std::path::Path;
use std::process::Output;
use std::sync::LazyLock;

use serde_json::Value;

static SCHEMA: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../kubeward_engine/resources/test/sarif-schema-2.1.0.json");
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("json");
    // The schema's `language` patterns have a stray `]` that strict regex engines reject (see
    // the engine's report tests); kubeward never writes `language`.
    for def in ["run", "toolComponent"] {
        schema["definitions"][def]["properties"]["language"]["pattern"] = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
    }
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema")
});

fn sarif(o: &Output) -> Value {
    let doc: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)));
    let errors: Vec<String> = SCHEMA.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not match the 2.1.0 schema:\n{}", errors.join("\n"));
    doc
}

fn artifacts(doc: &Value) -> Vec<Value> {
    doc["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"].clone())
        .collect()
}

/// The container image's documented use, `docker run -v "$PWD:/src" kubeward scan /src`: an
/// absolute scanned folder gives URIs relative to it, not `file:///src/...`.
#[test]
fn sarif_of_an_absolute_folder_is_relative_to_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = tmp.path().join("src");
    std::fs::create_dir_all(src.join("k8s")).expect("mkdir");
    std::fs::write(src.join("web.yaml"), PRIV).expect("write");
    std::fs::write(src.join("k8s/pod.yaml"), PRIV).expect("write");
    let abs = src.display().to_string();
    let o = kubeward(tmp.path(), &["scan", &abs, "-f", "sarif"]);
    let doc = sarif(&o);
    let mut uris: Vec<Value> = artifacts(&doc);
    uris.sort_by_key(ToString::to_string);
    uris.dedup();
    assert_eq!(
        uris,
        [
            serde_json::json!({"uri": "k8s/pod.yaml", "uriBaseId": "%SRCROOT%"}),
            serde_json::json!({"uri": "web.yaml", "uriBaseId": "%SRCROOT%"}),
        ]
    );
    assert_eq!(doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"], format!("file://{abs}/"));
    // A relative path stays as it was: relative, no base written.
    let o = kubeward(tmp.path(), &["scan", "src", "-f", "sarif"]);
    let doc = sarif(&o);
    assert!(artifacts(&doc).iter().any(|a| a["uri"] == "src/web.yaml" && a["uriBaseId"] == "%SRCROOT%"));
    assert!(doc["runs"][0].get("originalUriBaseIds").is_none());
    // An absolute file: relative to its folder.
    let file = src.join("web.yaml").display().to_string();
    let doc = sarif(&kubeward(tmp.path(), &["scan", &file, "-f", "sarif"]));
    assert!(artifacts(&doc).iter().all(|a| a["uri"] == "web.yaml"));
    assert_eq!(doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"], format!("file://{abs}/"));
}

/// `helm template chart | kubeward scan - -f sarif`: standard input is no file.
#[test]
fn sarif_of_stdin_has_a_logical_location() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let broken = format!("{PRIV}---\nkind: [\n");
    let o = kubeward_with(tmp.path(), &["scan", "-", "-f", "sarif"], Some(&broken));
    let doc = sarif(&o);
    let text = doc.to_string();
    assert!(!text.contains("stdin%3E") && !text.contains("\"uri\":\"<stdin>\""), "{text}");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        let loc = &r["locations"][0];
        assert!(loc.get("physicalLocation").is_none(), "{loc}");
        assert!(loc["logicalLocations"].as_array().expect("logical").iter().any(|l| l["name"] == "<stdin>"), "{loc}");
        assert!(loc["properties"]["line"].as_u64().is_some_and(|l| l > 0), "{loc}");
    }
    let errors = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().expect("notifications");
    assert!(errors.iter().any(|n| n["locations"][0]["logicalLocations"][0]["name"] == "<stdin>"), "{errors:?}");
}

/// `kubeward node -f sarif`: findings on a host file's mode or a process's flags have no line
/// in the file; SARIF still gets a region (line 1), which GitHub needs.
#[test]
fn sarif_of_a_node_has_a_region_everywhere() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nodes/insecure");
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = kubeward(tmp.path(), &["node", "--root", &root.display().to_string(), "-f", "sarif"]);
    let doc = sarif(&o);
    let results = doc["runs"][0]["results"].as_array().expect("results");
    let with_file: Vec<&Value> =
        results.iter().filter(|r| r["locations"][0].get("physicalLocation").is_some()).collect();
    assert!(with_file.len() > 10, "{} results with a file", with_file.len());
    for r in &with_file {
        let phys = &r["locations"][0]["physicalLocation"];
        assert!(phys["region"]["startLine"].as_u64().is_some_and(|l| l >= 1), "no region: {r}");
    }
    // The whole-file findings (a mode) point at line 1.
    assert!(with_file
        .iter()
        .any(|r| r["ruleId"] == "NODE106" && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 1));
}

/// A large repository: more findings than GitHub accepts in a run. The SARIF file keeps
/// 25,000, the most severe, and says how many it left out; the JSON report has them all.
#[test]
fn sarif_of_a_large_scan_is_capped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pods: String = (0..2_000).map(|i| PRIV.replace("name: priv", &format!("name: priv-{i}")) + "---\n").collect();
    std::fs::write(tmp.path().join("pods.yaml"), pods).expect("write");
    let o = kubeward(tmp.path(), &["scan", ".", "-f", "json", "-o", "sarif=out.sarif"]);
    let all: Value = serde_json::from_slice(&o.stdout).expect("json");
    let findings = all["findings"].as_array().expect("findings");
    assert!(findings.len() > 25_000, "{} findings", findings.len());
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(tmp.path().join("out.sarif")).expect("sarif"))
        .expect("sarif json");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 25_000);
    // The most severe are kept: no kept result is less severe than a left-out finding.
    let rank = ["info", "low", "medium", "high", "critical"];
    let sev = |s: &Value| rank.iter().position(|r| s == r).expect("severity");
    let kept_min = results.iter().map(|r| sev(&r["properties"]["severity"])).min().expect("min");
    let mut per_sev = [0usize; 5];
    for f in findings {
        per_sev[sev(&f["severity"])] += 1;
    }
    assert_eq!(
        per_sev[kept_min + 1..].iter().sum::<usize>()
            + results.iter().filter(|r| sev(&r["properties"]["severity"]) == kept_min).count(),
        25_000
    );
    let omitted = findings.len() - 25_000;
    let notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().expect("notifications");
    let text = notes.iter().find_map(|n| n["message"]["text"].as_str()).expect("a notification");
    assert!(text.starts_with(&format!("{omitted} of {} findings", findings.len())), "{text}");
    assert_eq!(doc["runs"][0]["properties"]["resultsOmitted"], omitted);
}
