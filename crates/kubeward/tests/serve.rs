//! `kubeward serve` as a user runs it: the binary over HTTPS, its decision log, SIGTERM;
//! `--print-webhook-config`; and the deployment manifests under `deploy/webhook/`.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use rcgen::{CertificateParams, KeyPair};
use serde_json::{json, Value};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn kubeward() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubeward"));
    c.env_remove("KUBEWARD_CONFIG").env("NO_COLOR", "1");
    c
}

#[test]
fn deploy_webhook_passes_its_own_scan() {
    let dir = repo().join("deploy/webhook");
    let out =
        kubeward().current_dir(repo()).args(["scan", "--fail-on", "medium", "-f", "json"]).arg(&dir).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let bad: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !matches!(d["severity"].as_str(), Some("low" | "info")))
        .map(|d| format!("{} {} {}", d["code"], d["object"], d["message"]))
        .collect();
    assert!(bad.is_empty(), "deploy/webhook has findings of medium or higher: {bad:#?}");
    assert!(v["summary"]["objects"].as_u64().unwrap() >= 10, "{}", v["summary"]);
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // Every kind the deployment needs is there.
    let kinds: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.join("cert-manager")).unwrap())
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .flat_map(|t| t.lines().filter_map(|l| l.strip_prefix("kind: ").map(str::to_string)).collect::<Vec<_>>())
        .collect();
    for k in [
        "Namespace",
        "ServiceAccount",
        "Deployment",
        "PodDisruptionBudget",
        "Service",
        "ValidatingWebhookConfiguration",
        "Certificate",
        "Issuer",
        "NetworkPolicy",
    ] {
        assert!(kinds.iter().any(|x| x == k), "no {k} in deploy/webhook: {kinds:?}");
    }
}

const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

#[test]
fn print_webhook_config_fills_the_ca_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("ca.crt"), CA).unwrap();
    let out = kubeward()
        .current_dir(tmp.path())
        .args(["serve", "--print-webhook-config", "--ca-file", "ca.crt", "--namespace", "security"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let loaded = kubeward_engine::input::yaml::load(&text, kubeward_engine::input::yaml::Limits::default());
    assert!(loaded.error.is_none(), "{:?}\n{text}", loaded.error);
    let v = loaded.documents[0].root.to_json();
    assert_eq!(v["kind"], "ValidatingWebhookConfiguration");
    let hook = &v["webhooks"][0];
    let bundle = hook["clientConfig"]["caBundle"].as_str().unwrap();
    assert_eq!(bundle, kubeward_server::webhook::base64(CA.as_bytes()));
    assert_eq!(hook["clientConfig"]["service"]["namespace"], "security");
    assert_eq!(hook["sideEffects"], "None");
    assert_eq!(hook["admissionReviewVersions"], json!(["v1"]));
    let exempt = &hook["namespaceSelector"]["matchExpressions"][0]["values"];
    assert_eq!(exempt, &json!(["kube-system", "security"]));

    // No CA file: a usage error, not a crash.
    let out = kubeward().current_dir(tmp.path()).args(["serve", "--print-webhook-config"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = kubeward()
        .current_dir(tmp.path())
        .args(["serve", "--print-webhook-config", "--ca-file", "missing.crt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.crt"));
}

#[test]
fn serve_rejects_a_bad_config_and_bad_certificates() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bad.yaml"), "serve:\n  mode: block\n").unwrap();
    std::fs::write(tmp.path().join("tls.crt"), "not a certificate").unwrap();
    std::fs::write(tmp.path().join("tls.key"), "not a key").unwrap();
    let base = [
        "serve",
        "--tls-cert-file",
        "tls.crt",
        "--tls-private-key-file",
        "tls.key",
        "--listen",
        "127.0.0.1:0",
        "--health-listen",
        "127.0.0.1:0",
    ];
    let out = kubeward().current_dir(tmp.path()).args(base).args(["--config", "bad.yaml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("block"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = kubeward().current_dir(tmp.path()).args(base).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("certificate"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// One HTTPS request with `Connection: close`; returns (status line, body).
fn https_post(addr: SocketAddr, ca: &rustls::pki_types::CertificateDer<'static>, body: &[u8]) -> (String, String) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let conn = rustls::ClientConnection::new(Arc::new(cfg), "localhost".try_into().unwrap()).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, TcpStream::connect(addr).unwrap());
    let head = format!(
        "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    tls.write_all(head.as_bytes()).unwrap();
    tls.write_all(body).unwrap();
    let mut out = Vec::new();
    // A peer that closes without close_notify ends in UnexpectedEof after the response.
    let _ = tls.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.lines().next().unwrap_or_default().to_string(), body.to_string())
}

#[test]
fn serve_binary_judges_logs_and_stops_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &rcgen::Issuer::from_params(&ca_params, &ca_key))
        .unwrap();
    std::fs::write(tmp.path().join("tls.crt"), cert.pem()).unwrap();
    std::fs::write(tmp.path().join("tls.key"), key.serialize_pem()).unwrap();

    let mut child = kubeward()
        .current_dir(tmp.path())
        .args(["serve", "--tls-cert-file", "tls.crt", "--tls-private-key-file", "tls.key"])
        .args(["--listen", "127.0.0.1:0", "--health-listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err_lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr: SocketAddr = loop {
        let line = err_lines.next().expect("the server logs `serving`").unwrap();
        let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if v["msg"] == "serving" {
            break v["listen"].as_str().unwrap().parse().unwrap();
        }
    };
    let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "namespace": "shop", "operation": "CREATE", "userInfo": {"username": "mallory"},
        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "evil"},
            "spec": {"hostPID": true, "containers": [{"name": "c", "image": "busybox:1.36", "securityContext": {"privileged": true}}]}}}});
    let (status, body) = https_post(addr, ca.der(), &serde_json::to_vec(&review).unwrap());
    assert!(status.contains(" 200 "), "{status}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["response"]["allowed"], false);

    let (status, body) = https_post(addr, ca.der(), b"{\"kind\":\"Pod\"}");
    assert!(status.contains(" 400 "), "{status} {body}");
    assert!(body.contains("AdmissionReview"), "{body}");

    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "SIGTERM is a clean stop");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "one decision line: {stdout}");
    let l = &lines[0];
    assert_eq!(l["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert_eq!(
        (l["kind"].as_str(), l["namespace"].as_str(), l["name"].as_str()),
        (Some("Pod"), Some("shop"), Some("evil"))
    );
    assert_eq!((l["user"].as_str(), l["operation"].as_str()), (Some("mallory"), Some("CREATE")));
    assert_eq!(l["allowed"], false);
    let denied: Vec<&str> = l["deny_rules"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(denied.contains(&"POD001") && denied.contains(&"POD007"), "{l}");
    let rest: Vec<String> = err_lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("\"stopped\"")), "{rest:?}");
}

/// The `.kubeward.yaml` shipped in `deploy/webhook/config.yaml` is valid, and its label
/// exemption reaches the printed webhook's namespaceSelector.
#[test]
fn deploy_config_is_valid_and_feeds_the_webhook_selector() {
    let text = std::fs::read_to_string(repo().join("deploy/webhook/config.yaml")).unwrap();
    let loaded = kubeward_engine::input::yaml::load(&text, kubeward_engine::input::yaml::Limits::default());
    let cm = loaded.documents[0].root.to_json();
    let config = cm["data"][".kubeward.yaml"].as_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(".kubeward.yaml"), config).unwrap();
    std::fs::write(tmp.path().join("ca.crt"), CA).unwrap();
    let out = kubeward()
        .current_dir(tmp.path())
        .args(["serve", "--print-webhook-config", "--ca-file", "ca.crt", "--namespace", "kubeward"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8(out.stdout).unwrap();
    let v = kubeward_engine::input::yaml::load(&printed, kubeward_engine::input::yaml::Limits::default()).documents[0]
        .root
        .to_json();
    let exprs = &v["webhooks"][0]["namespaceSelector"]["matchExpressions"];
    assert_eq!(exprs[1], json!({"key": "kubeward.io/exempt", "operator": "NotIn", "values": ["true"]}), "{printed}");
    // The hand-written webhook.yaml says the same as the printed one, apart from the CA.
    let shipped = std::fs::read_to_string(repo().join("deploy/webhook/webhook.yaml")).unwrap();
    let shipped = kubeward_engine::input::yaml::load(&shipped, kubeward_engine::input::yaml::Limits::default())
        .documents[0]
        .root
        .to_json();
    let (a, b) = (&shipped["webhooks"][0], &v["webhooks"][0]);
    for k in ["rules", "namespaceSelector", "sideEffects", "timeoutSeconds", "failurePolicy", "admissionReviewVersions"]
    {
        assert_eq!(a[k], b[k], "{k} differs between deploy/webhook/webhook.yaml and --print-webhook-config");
    }
    assert_eq!(a["clientConfig"]["service"], b["clientConfig"]["service"]);
}

/// The Dockerfile of kubeward itself passes kubeward's Dockerfile rules (nothing of medium or
/// higher; digest pins and HEALTHCHECK are low, and left to the builder).
#[test]
fn own_dockerfile_passes_its_own_rules() {
    let out = kubeward()
        .current_dir(repo())
        .args(["scan", "--fail-on", "medium", "-f", "json", "Dockerfile"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let bad: Vec<&Value> =
        findings.iter().filter(|d| !matches!(d["severity"].as_str(), Some("low" | "info"))).collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert!(findings.iter().all(|d| d["code"].as_str().is_some_and(|c| c.starts_with("DF"))), "{findings:#?}");
    assert!(!findings.iter().any(|d| d["code"] == "DF001"), "the final stage runs as non-root");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
