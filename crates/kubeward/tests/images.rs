//! End-to-end tests of issue 6: Dockerfiles in `scan`, `kubeward images`, `scan --image-reports`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kubeward(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("KUBEWARD_CONFIG")
        .env("KUBEWARD_COLOR", "never")
        .env("KUBEWARD_TODAY", "2026-11-22")
        .output()
        .expect("run kubeward")
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

fn findings(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v["findings"].as_array().cloned().unwrap_or_default()
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../kubeward_engine/resources/test/scanner-reports")
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn trivy(image: &str, vulns: &[(&str, &str, &str)]) -> String {
    let v: Vec<String> = vulns
        .iter()
        .map(|(id, sev, fixed)| {
            format!(
                r#"{{"VulnerabilityID": "{id}", "PkgName": "openssl", "InstalledVersion": "3.0.1", "FixedVersion": "{fixed}", "Severity": "{sev}"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"SchemaVersion": 2, "ArtifactName": "{image}", "Results": [{{"Target": "os", "Vulnerabilities": [{}]}}]}}"#,
        v.join(",")
    )
}

const POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
    - name: web
      image: nginx
    - name: side
      image: busybox:1.36
";

#[test]
fn dockerfiles_are_scanned_by_name_with_positions() {
    let d = tempfile::tempdir().expect("tempdir");
    let df = "FROM alpine:3.20@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d\nHEALTHCHECK CMD true\nUSER 0\n";
    for name in ["Dockerfile", "svc/Containerfile", "web.Dockerfile", "Dockerfile.prod", "x/app.containerfile"] {
        write(d.path(), name, df);
    }
    write(d.path(), "Dockerfile.md", "# not a Dockerfile\nUSER root\n");
    let o = kubeward(d.path(), &["scan", ".", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let f = findings(&json(&o));
    let mut files: Vec<&str> = f.iter().filter_map(|x| x["file"].as_str()).collect();
    files.sort_unstable();
    assert_eq!(
        files,
        vec!["Dockerfile", "Dockerfile.prod", "svc/Containerfile", "web.Dockerfile", "x/app.containerfile"]
    );
    for x in &f {
        assert_eq!((x["code"].as_str(), x["line"].as_u64(), x["column"].as_u64()), (Some("DF001"), Some(3), Some(1)));
    }
}

#[test]
fn dockerfile_inline_ignores_and_config_apply() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        "Dockerfile",
        "FROM alpine:3.20\n# kubeward:ignore=DF001 reason: entrypoint drops privileges\nUSER root\nEXPOSE 22\n",
    );
    let o = kubeward(d.path(), &["scan", ".", "-f", "json"]);
    let codes: Vec<String> = findings(&json(&o)).iter().map(|x| x["code"].as_str().unwrap_or("").to_string()).collect();
    assert!(!codes.contains(&"DF001".to_string()), "{codes:?}");
    assert!(codes.contains(&"DF010".to_string()), "{codes:?}");
    // The same config machinery: ignore by category, severity overrides.
    write(d.path(), ".kubeward.yaml", "ignore: [DF004, DF011]\nseverity-overrides: {DF010: critical}\n");
    let o = kubeward(d.path(), &["scan", ".", "-f", "json"]);
    let f = findings(&json(&o));
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f.iter().any(|x| x["code"] == "DF010" && x["severity"] == "critical" && x["line"] == 4));
}

#[test]
fn bad_dockerfiles_are_errors_and_the_run_goes_on() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "Dockerfile", "FROM alpine:3.20\nFROBNICATE now\nUSER root\n");
    write(d.path(), "b/Dockerfile", "FROM alpine\nRUN <<EOF\necho never closed\n");
    let o = kubeward(d.path(), &["scan", ".", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    let errors: Vec<String> = v["errors"].as_array().into_iter().flatten().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("FROBNICATE")), "{errors:?}");
    assert!(findings(&v).iter().any(|x| x["code"] == "DF001" && x["file"] == "Dockerfile"), "still audited");
}

#[test]
fn images_gates_reports_and_names_workloads() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        "reports/nginx.json",
        &trivy("docker.io/library/nginx:latest", &[("CVE-2024-1", "CRITICAL", "1.1"), ("CVE-2024-2", "LOW", "")]),
    );
    write(d.path(), "pod.yaml", POD);
    let o = kubeward(d.path(), &["images", "--report", "reports/nginx.json", "--manifests", "pod.yaml", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let f = findings(&json(&o));
    assert_eq!(f.len(), 2, "{f:#?}");
    let report = f.iter().find(|x| x["file"] == "reports/nginx.json").expect("report finding");
    assert_eq!(report["severity"], "critical");
    assert_eq!(report["path"], "/Results/0/Vulnerabilities/0/VulnerabilityID");
    assert!(report["line"].as_u64().is_some_and(|l| l > 0));
    let msg = report["message"].as_str().unwrap_or("");
    for part in ["CVE-2024-1", "`openssl`", "`3.0.1`", "fixed in `1.1`", "nginx", "Pod/shop/web (container `web`)"] {
        assert!(msg.contains(part), "{part} in {msg}");
    }
    let w = f.iter().find(|x| x["file"] == "pod.yaml").expect("workload finding");
    assert_eq!((w["container"].as_str(), w["line"].as_u64()), (Some("web"), Some(7)));
    // The summary on stderr accounts for every vulnerability.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("2 vulnerabilities in 1 report: 1 blocking, 0 ignored, 1 below"), "{err}");

    // Policy from the config: an ignore with a reason and a date in the future.
    write(
        d.path(),
        ".kubeward.yaml",
        "images:\n  ignore:\n    - {id: CVE-2024-1, reason: not reachable, until: 2027-01-01}\n",
    );
    let o = kubeward(d.path(), &["images", "--report", "reports", "-f", "json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(findings(&json(&o)).is_empty());
    // Expired: it blocks again and says so.
    write(
        d.path(),
        ".kubeward.yaml",
        "images:\n  ignore:\n    - {id: CVE-2024-1, reason: not reachable, until: 2026-01-01}\n",
    );
    let o = kubeward(d.path(), &["images", "--report", "reports", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let f = findings(&json(&o));
    assert!(f[0]["message"].as_str().unwrap_or("").contains("expired on 2026-01-01"), "{f:#?}");
    // Other formats work as in scan.
    for fmt in ["text", "sarif", "junit"] {
        let o = kubeward(d.path(), &["images", "-r", "reports", "-f", fmt]);
        assert_eq!(o.status.code(), Some(1), "{fmt}");
        assert!(String::from_utf8_lossy(&o.stdout).contains("CVE-2024-1"), "{fmt}");
    }
}

#[test]
fn images_reads_the_real_samples() {
    let o = kubeward(&samples(), &["images", "--report", ".", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert!(v["errors"].as_array().is_some_and(Vec::is_empty), "{:#}", v["errors"]);
    // Every blocking finding is one of the critical/high (or unknown, as medium: not blocking)
    // vulnerabilities of the samples, counted from the JSON here.
    let mut expected = 0;
    let mut total = 0;
    for sub in ["trivy", "grype", "clair"] {
        for e in std::fs::read_dir(samples().join(sub)).expect("dir").filter_map(Result::ok) {
            let j: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(e.path()).expect("read")).expect("json");
            let mut sev: Vec<String> = Vec::new();
            for r in j["Results"].as_array().into_iter().flatten() {
                for x in r["Vulnerabilities"].as_array().into_iter().flatten() {
                    sev.push(x["Severity"].as_str().unwrap_or("").to_ascii_lowercase());
                }
            }
            for m in j["matches"].as_array().into_iter().flatten() {
                sev.push(m["vulnerability"]["severity"].as_str().unwrap_or("").to_ascii_lowercase());
            }
            for ids in j["package_vulnerabilities"].as_object().into_iter().flat_map(|o| o.values()) {
                for id in ids.as_array().into_iter().flatten() {
                    let s = &j["vulnerabilities"][id.as_str().unwrap_or("")]["normalized_severity"];
                    sev.push(s.as_str().unwrap_or("").to_ascii_lowercase());
                }
            }
            total += sev.len();
            expected += sev.iter().filter(|s| *s == "critical" || *s == "high").count();
        }
    }
    assert_eq!(findings(&v).len(), expected);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("{total} vulnerabilities in 11 reports: {expected} blocking")), "{err}");
}

#[test]
fn not_a_report_is_an_input_error() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "r/cdx.json", "{\"bomFormat\": \"CycloneDX\", \"vulnerabilities\": []}");
    write(d.path(), "r/broken.json", "{\"SchemaVersion\": 2,");
    let o = kubeward(d.path(), &["images", "--report", "r", "--report", "missing.json", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let errors = json(&o)["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 3, "{errors:#?}");
}

#[test]
fn scan_with_image_reports_names_workloads() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "reports/busybox.json", &trivy("busybox:1.36", &[("CVE-2024-9", "HIGH", "1.37")]));
    write(d.path(), "k8s/pod.yaml", POD);
    let o = kubeward(d.path(), &["scan", "k8s", "--image-reports", "reports", "--select", "IMG006", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let f = findings(&json(&o));
    assert!(f.iter().any(|x| x["file"] == "k8s/pod.yaml" && x["container"] == "side"), "{f:#?}");
    assert!(f.iter().any(|x| x["file"] == "reports/busybox.json"), "{f:#?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("kubeward scan: 1 vulnerability in 1 report: 1 blocking"), "{err}");
    // Reports inside a scanned directory are read once.
    let o = kubeward(d.path(), &["scan", ".", "--image-reports", "reports", "--select", "IMG006", "-f", "json"]);
    assert_eq!(findings(&json(&o)).len(), 2, "{:#}", json(&o)["findings"]);
}

#[test]
fn examples_dockerfiles() {
    // The insecure Dockerfile trips every DF rule (DF002 with a standard-base-images list).
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), ".kubeward.yaml", "rules:\n  image:\n    standard-base-images: [docker.io/library/python]\n");
    let df = examples().join("insecure/checkout.Dockerfile");
    let o = kubeward(d.path(), &["scan", df.to_str().expect("utf-8"), "-f", "json"]);
    let mut codes: Vec<String> =
        findings(&json(&o)).iter().map(|x| x["code"].as_str().unwrap_or("").to_string()).collect();
    codes.sort();
    codes.dedup();
    let want: Vec<String> = (1..=11).map(|i| format!("DF{i:03}")).collect();
    assert_eq!(codes, want);
    // The hardened Dockerfile and the workloads it feeds are clean even with strict lists.
    write(
        d.path(),
        ".kubeward.yaml",
        "rules:\n  image:\n    allowed-registries: [registry.example.com]\n    standard-base-images: [docker.io/library/python]\n",
    );
    let h = |f: &str| examples().join("hardened").join(f).to_string_lossy().into_owned();
    let (a, b, c) = (h("checkout.Dockerfile"), h("web.yaml"), h("worker.yaml"));
    let o = kubeward(d.path(), &["scan", &a, &b, &c, "--select", "DF,IMG", "-f", "json"]);
    assert_eq!(findings(&json(&o)).len(), 0, "{:#}", json(&o)["findings"]);
}

#[test]
fn clair_reports_are_named_with_file_equals_image() {
    let d = tempfile::tempdir().expect("tempdir");
    let clair = r#"{"manifest_hash": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
"packages": {"1": {"id": "1", "name": "openssl", "version": "3.0.1"}},
"vulnerabilities": {"10": {"id": "10", "name": "CVE-2024-5535 openssl", "normalized_severity": "High", "fixed_in_version": "3.0.14"}},
"package_vulnerabilities": {"1": ["10"]}}"#;
    write(d.path(), "clair.json", clair);
    write(d.path(), "pod.yaml", &POD.replace("image: busybox:1.36", "image: quay.io/shop/side:1.0"));
    // Unnamed, it matches by digest only: the workload by tag is not named.
    let o = kubeward(d.path(), &["images", "-r", "clair.json", "--manifests", "pod.yaml", "-f", "json"]);
    let f = findings(&json(&o));
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0]["message"].as_str().unwrap_or("").contains("CVE-2024-5535 in `openssl` `3.0.1` (fixed in `3.0.14`"));
    // Named on the command line, it matches the workload.
    let o = kubeward(
        d.path(),
        &["images", "-r", "clair.json=quay.io/shop/side:1.0", "--manifests", "pod.yaml", "-f", "json"],
    );
    let f = findings(&json(&o));
    assert_eq!(f.len(), 2, "{f:#?}");
    assert!(f.iter().any(|x| x["file"] == "pod.yaml" && x["container"] == "side"), "{f:#?}");
    assert!(f.iter().any(|x| x["object"]["name"] == "quay.io/shop/side:1.0"), "{f:#?}");
}

#[test]
fn fix_leaves_dockerfiles_alone_and_audits_them() {
    let d = tempfile::tempdir().expect("tempdir");
    let df = "FROM alpine:3.20\nUSER root\n";
    write(d.path(), "Dockerfile", df);
    let o = kubeward(d.path(), &["fix", ".", "-f", "json"]);
    assert_ne!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(d.path().join("Dockerfile")).expect("read"), df);
    assert!(findings(&json(&o)).iter().any(|x| x["code"] == "DF001"));
}
