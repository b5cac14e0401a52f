use std::path::PathBuf;

use super::*;
use crate::settings::Settings;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/test/scanner-reports")
}

fn samples() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for sub in ["trivy", "grype", "clair"] {
        let mut files: Vec<_> = std::fs::read_dir(dir().join(sub))
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            out.push((format!("{sub}/{}", f.file_name().and_then(|n| n.to_str()).unwrap_or("")), text));
        }
    }
    assert!(out.len() >= 11, "the scanner-report samples are missing");
    out
}

/// Counts the vulnerabilities of a report and their severity words straight from the JSON,
/// independently of the reader.
fn raw_severities(v: &serde_json::Value) -> Vec<String> {
    let word = |x: &serde_json::Value| x.as_str().unwrap_or("").to_string();
    if v.get("SchemaVersion").is_some() {
        let mut out = Vec::new();
        for r in v["Results"].as_array().into_iter().flatten() {
            for x in r["Vulnerabilities"].as_array().into_iter().flatten() {
                out.push(word(&x["Severity"]));
            }
        }
        out
    } else if v.get("matches").is_some() {
        v["matches"].as_array().into_iter().flatten().map(|m| word(&m["vulnerability"]["severity"])).collect()
    } else {
        let mut out = Vec::new();
        for ids in v["package_vulnerabilities"].as_object().into_iter().flat_map(|o| o.values()) {
            for id in ids.as_array().into_iter().flatten() {
                out.push(word(&v["vulnerabilities"][id.as_str().unwrap_or("")]["normalized_severity"]));
            }
        }
        out
    }
}

fn settings(policy: &str) -> Settings {
    let mut s = Settings::from_yaml(".kubeward.yaml", policy).unwrap_or_else(|e| unreachable!("{e}"));
    s.today = "2026-06-15".into();
    s
}

/// Every vulnerability of every sample is read once, with its severity mapped (unknown words
/// to `unknown-severity`), a position, and a JSON path that resolves to that position; the
/// decisions add up to the total.
#[test]
fn every_sample_vulnerability_is_accounted_for() {
    let s = settings("images:\n  unknown-severity: high\n");
    for (name, text) in samples() {
        let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| unreachable!("{name}: {e}"));
        let words = raw_severities(&json);
        let idx = VulnIndex::from_texts([(name.as_str(), text.as_str())], &s);
        assert!(idx.errors.is_empty(), "{name}: {:?}", idx.errors);
        assert_eq!(idx.reports.len(), 1, "{name}");
        let r = &idx.reports[0];
        assert_eq!(r.vulns.len(), words.len(), "{name}: every vulnerability is read");
        let loaded = load(&text, Limits::default());
        let root = &loaded.documents[0].root;
        for (v, w) in r.vulns.iter().zip(&words) {
            assert_eq!(&v.severity_raw, w, "{name}: {}", v.id);
            let expected = match w.to_ascii_uppercase().as_str() {
                "CRITICAL" => Severity::Critical,
                "HIGH" => Severity::High,
                "MEDIUM" => Severity::Medium,
                "LOW" => Severity::Low,
                "NEGLIGIBLE" => Severity::Info,
                _ => Severity::High, // unknown-severity: high
            };
            assert_eq!(v.severity, expected, "{name}: {} `{w}`", v.id);
            assert_eq!(v.severity_unknown, w.eq_ignore_ascii_case("unknown") || w.is_empty(), "{name}: {w}");
            assert!(v.pos.is_known(), "{name}: {} has no position", v.id);
            assert_eq!(v.path.resolve(root).line, v.pos.line, "{name}: {} path {}", v.id, v.path);
            assert!(!v.id.is_empty() && !v.package.is_empty(), "{name}: {v:?}");
        }
        let a = idx.accounting();
        assert_eq!(a.total, words.len());
        assert_eq!(a.blocking + a.ignored + a.below_threshold + a.not_fixable, a.total, "{name}");
        let blocking = words
            .iter()
            .filter(|w| !matches!(w.to_ascii_uppercase().as_str(), "MEDIUM" | "LOW" | "NEGLIGIBLE"))
            .count();
        assert_eq!(a.blocking, blocking, "{name}: critical, high and unknown (as high) block");
    }
}

#[test]
fn formats_are_detected_from_content() {
    let s = Settings::default();
    for (name, text) in samples() {
        let idx = VulnIndex::from_texts([(name.as_str(), text.as_str())], &s);
        let want = name.split('/').next().unwrap_or("");
        assert_eq!(idx.reports.first().map(|r| r.format.as_str()), Some(want), "{name}");
    }
    let idx =
        VulnIndex::from_texts([("x.json", "{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}"), ("y.json", "{ bad")], &s);
    assert!(idx.reports.is_empty());
    assert_eq!(idx.errors.len(), 2, "{:?}", idx.errors);
    assert!(idx.errors[0].message.contains("not a Trivy"));
    assert!(idx.errors[1].pos.is_known(), "a syntax error has a position");
}

fn trivy(vulns: &str) -> String {
    format!(
        r#"{{"SchemaVersion": 2, "ArtifactName": "nginx:1.25", "Metadata": {{"RepoDigests": ["nginx@sha256:aaaa"]}},
"Results": [{{"Target": "os", "Vulnerabilities": [{vulns}]}}]}}"#
    )
}

fn v(id: &str, sev: &str, fixed: &str) -> String {
    format!(
        r#"{{"VulnerabilityID": "{id}", "PkgName": "openssl", "InstalledVersion": "1.0", "FixedVersion": "{fixed}", "Severity": "{sev}"}}"#
    )
}

#[test]
fn policy_decisions() {
    let text = trivy(
        &[
            v("CVE-1", "CRITICAL", "1.1"),
            v("CVE-2", "HIGH", ""),
            v("CVE-3", "MEDIUM", "1.1"),
            v("CVE-4", "CRITICAL", "1.1"),
            v("CVE-5", "HIGH", "1.1"),
            v("CVE-6", "UNKNOWN", "1.1"),
            v("CVE-7", "weird", "1.1"),
        ]
        .join(","),
    );
    let s = settings(
        "images:\n  block: [critical, high]\n  fixable-only: true\n  ignore:\n    - {id: cve-4, reason: not reachable, until: 2026-12-31}\n    - {id: CVE-5, reason: old, until: 2026-01-01}\n",
    );
    let idx = VulnIndex::from_texts([("r.json", text.as_str())], &s);
    let d: Vec<(&str, &Decision, Option<&str>)> =
        idx.reports[0].vulns.iter().map(|v| (v.id.as_str(), &v.decision, v.expired_ignore.as_deref())).collect();
    assert_eq!(
        d,
        vec![
            ("CVE-1", &Decision::Blocking, None),
            ("CVE-2", &Decision::NotFixable, None),
            ("CVE-3", &Decision::BelowThreshold, None),
            ("CVE-4", &Decision::Ignored("not reachable".into()), None),
            ("CVE-5", &Decision::Blocking, Some("2026-01-01")),
            ("CVE-6", &Decision::BelowThreshold, None),
            ("CVE-7", &Decision::BelowThreshold, None),
        ]
    );
    let a = idx.accounting();
    assert_eq!(
        (a.total, a.blocking, a.ignored, a.not_fixable, a.below_threshold, a.unknown_severity, a.expired_ignores),
        (7, 2, 1, 1, 3, 2, 1)
    );
    // Unknown severities follow `unknown-severity`.
    let s = settings("images:\n  unknown-severity: critical\n");
    let idx = VulnIndex::from_texts([("r.json", text.as_str())], &s);
    assert_eq!(idx.accounting().blocking, 6, "CVE-1, 2, 4, 5 and the two unknowns block");
    // Image-scoped ignores.
    let s = settings("images:\n  ignore:\n    - {id: CVE-1, reason: r, image: redis}\n    - {id: CVE-2, reason: r, image: docker.io/library/nginx}\n");
    let idx = VulnIndex::from_texts([("r.json", text.as_str())], &s);
    let ids: Vec<&str> = idx.reports[0].blocking().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, vec!["CVE-1", "CVE-4", "CVE-5"]);
}

#[test]
fn bad_policies_are_errors() {
    for bad in [
        "images:\n  block: [severe]\n",
        "images:\n  ignore:\n    - {id: CVE-1}\n",
        "images:\n  ignore:\n    - {id: CVE-1, reason: x, until: soon}\n",
        "images:\n  unknown-severity: meh\n",
        "images:\n  bogus: 1\n",
    ] {
        assert!(Settings::from_yaml(".kubeward.yaml", bad).is_err(), "{bad}");
    }
}

#[test]
fn image_matching_normalises_references() {
    let text = trivy(&v("CVE-1", "CRITICAL", "1.1"));
    let idx = VulnIndex::from_texts([("r.json", text.as_str())], &Settings::default());
    for same in [
        "nginx:1.25",
        "docker.io/library/nginx:1.25",
        "index.docker.io/library/nginx:1.25",
        "nginx@sha256:aaaa",
        "nginx:9@sha256:AAAA",
    ] {
        assert_eq!(idx.blocking_for_image(same).len(), 1, "{same}");
    }
    for other in ["nginx", "nginx:1.26", "nginx@sha256:bbbb", "ghcr.io/library/nginx:1.25", "{{ .Values.image }}"] {
        assert!(idx.blocking_for_image(other).is_empty(), "{other}");
    }
    let latest = trivy(&v("CVE-1", "CRITICAL", "1.1"))
        .replace("nginx:1.25", "docker.io/library/nginx:latest")
        .replace("nginx@sha256:aaaa", "x@sha256:cccc");
    let idx = VulnIndex::from_texts([("r.json", latest.as_str())], &Settings::default());
    assert_eq!(idx.blocking_for_image("nginx").len(), 1, "nginx == docker.io/library/nginx:latest");
    // Real samples: Grype names by userInput with a digest, Trivy by RepoTags, Clair by digest.
    let s = Settings::default();
    let all: Vec<(String, String)> = samples();
    let idx = VulnIndex::from_texts(all.iter().map(|(a, b)| (a.as_str(), b.as_str())), &s);
    assert!(idx.reports.iter().any(|r| r.identity.matches("ghcr.io/aquasecurity/trivy-test-images:debian-buster")));
    assert!(idx.reports.iter().any(|r| r.identity.matches("docker.io/keycloak/keycloak:21.0.2")));
    for (name, text) in all.iter().filter(|(n, _)| n.starts_with("clair/")) {
        let json: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let hash = json["manifest_hash"].as_str().unwrap_or("");
        let clair =
            idx.reports.iter().find(|r| r.file.as_deref() == Some(name.as_str())).unwrap_or_else(|| unreachable!());
        assert!(clair.identity.matches(&format!("quay.io/any/name@{hash}")), "{name}: by manifest digest");
        assert!(!clair.identity.matches("quay.io/any/name:latest"), "{name}: a Clair report has no tag");
    }
    // debian-buster has one CRITICAL with a fix.
    assert_eq!(idx.blocking_for_image("ghcr.io/aquasecurity/trivy-test-images:debian-buster").len(), 1);
}

#[test]
fn clair_ids_prefer_cves() {
    assert_eq!(
        cves("pyup.io-42559 (CVE-2021-3572) https://x/CVE-2021-3572 CVE-2020-1"),
        vec!["CVE-2021-3572", "CVE-2020-1"]
    );
    let s = Settings::default();
    let text = std::fs::read_to_string(dir().join("clair/report-with-vulns.json")).unwrap_or_default();
    let idx = VulnIndex::from_texts([("c.json", text.as_str())], &s);
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    for v in &idx.reports[0].vulns {
        // The id is a CVE named in the vulnerability's name when there is one, else its first word.
        let named = raw["vulnerabilities"].as_object().into_iter().flat_map(|o| o.values()).any(|x| {
            let n = x["name"].as_str().unwrap_or("");
            n.contains(&v.id) && (v.id.starts_with("CVE-") || n.starts_with(&v.id))
        });
        assert!(named, "{v:?}");
    }
}

/// The full upstream samples (outside the repository) read too, when present.
#[test]
fn full_shared_samples_when_present() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/samples/scanner-reports/clair");
    let Ok(text) = std::fs::read_to_string(shared.join("quay-rhel8.json")) else {
        eprintln!("skipped: {} not present", shared.display());
        return;
    };
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let idx = VulnIndex::from_texts([("quay-rhel8.json", text.as_str())], &Settings::default());
    assert_eq!(idx.reports[0].vulns.len(), raw_severities(&json).len());
}

#[test]
fn from_dir_reads_json_and_json_golden_files() {
    let s = Settings::default();
    let idx = VulnIndex::from_dir(&dir().join("trivy"), &s);
    assert!(idx.errors.is_empty(), "{:?}", idx.errors);
    let n = std::fs::read_dir(dir().join("trivy")).map(Iterator::count).unwrap_or(0);
    assert_eq!(idx.reports.len(), n);
    let missing = VulnIndex::from_dir(&dir().join("nope"), &s);
    assert_eq!(missing.errors.len(), 1);
    assert!(is_report_name(Path::new("a/x.json.golden")) && !is_report_name(Path::new("SOURCES.md")));
}

/// Reports with fields of the wrong type, missing or truncated never panic and lose nothing
/// that is there.
#[test]
fn malformed_reports_never_panic() {
    let s = Settings::default();
    let odd = [
        r#"{"SchemaVersion": 2, "Results": 5}"#,
        r#"{"SchemaVersion": 2, "Results": [{"Vulnerabilities": {"a": 1}}, {"Vulnerabilities": [7, null, []]}]}"#,
        r#"{"SchemaVersion": 2, "ArtifactName": ["x"], "Metadata": {"RepoTags": "nginx", "RepoDigests": [1]}}"#,
        r#"{"matches": [], "source": {"target": 3}}"#,
        r#"{"matches": [{"vulnerability": [], "artifact": "x"}], "descriptor": {"name": "grype"}}"#,
        r#"{"manifest_hash": 1, "vulnerabilities": [], "package_vulnerabilities": {"p": "v", "q": [1, {"x": 2}]}}"#,
        r#"{"manifest_hash": "sha256:x", "vulnerabilities": {"1": "str"}, "package_vulnerabilities": {"p": ["1", "2"]}}"#,
    ];
    for text in odd {
        let idx = VulnIndex::from_texts([("odd.json", text)], &s);
        let a = idx.accounting();
        assert_eq!(a.blocking + a.ignored + a.below_threshold + a.not_fixable, a.total, "{text}");
        let _ = idx.blocking_for_image("nginx");
    }
    // Items that are there are counted, even when malformed: 3 Trivy items, 1 Grype match,
    // 2 Clair pairs of `q` (the string `v` is no list).
    let count = |t: &str| VulnIndex::from_texts([("odd.json", t)], &s).accounting().total;
    assert_eq!(count(odd[1]), 3);
    assert_eq!(count(odd[4]), 1);
    assert_eq!(count(odd[5]), 2);
    // Truncations of a real report at every 97th byte.
    let text = std::fs::read_to_string(dir().join("grype/ghsa-test.json")).unwrap_or_default();
    for cut in (0..text.len()).step_by(97) {
        if let Some(t) = text.get(..cut) {
            let _ = VulnIndex::from_texts([("cut.json", t)], &s);
        }
    }
}
