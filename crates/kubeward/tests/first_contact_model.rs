//! Issue 16 ("Reading real manifests"): workloads without images and the objects the control
//! plane creates, through `kubeward scan` and through `kubeward cluster` against the loopback
//! fake API server (the fake stands in for a fresh cluster: kind would need a container runtime).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::{json, kubeward};

use std::path::{Path, PathBuf};

use fake_apiserver::{Cluster, FakeApiServer, Options};
use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fresh_cluster")
}

/// `CODE Kind/namespace/name` of every finding.
fn found(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let o = &f["object"];
            let part = |k: &str| o[k].as_str().unwrap_or("-").to_string();
            format!("{} {}/{}/{}", f["code"].as_str().unwrap_or(""), part("kind"), part("namespace"), part("name"))
        })
        .collect()
}

/// The objects the control plane creates: none of them is "in the default namespace".
const OWNED: &[&str] = &[
    "Service/default/kubernetes",
    "Endpoints/default/kubernetes",
    "EndpointSlice/default/kubernetes",
    "ServiceAccount/default/default",
    "ConfigMap/default/kube-root-ca.crt",
];

fn assert_owned_not_reported(all: &[String], listed: &[&str]) {
    for o in listed {
        let on: Vec<_> = all.iter().filter(|f| f.ends_with(&format!(" {o}"))).collect();
        assert!(on.is_empty(), "findings on {o}, which the control plane owns: {on:#?}");
    }
}

#[test]
fn scan_skips_what_the_control_plane_creates_and_audits_an_imageless_deploymentconfig() {
    let o = kubeward(&fixture(), &["scan", "objects.yaml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let all = found(&json(&o));
    assert_owned_not_reported(&all, OWNED);
    // The user's own objects in default are still reported.
    for f in ["NS001 ConfigMap/default/app-settings", "NS001 ServiceAccount/default/builder"] {
        assert!(all.iter().any(|x| x == f), "{f} missing: {all:#?}");
    }
    // A DeploymentConfig whose image an ImageStream trigger sets: its privileged container is
    // reported, and no image rule judges the missing image.
    assert!(all.iter().any(|x| x == "POD001 DeploymentConfig/shop/legacy"), "{all:#?}");
    assert!(!all.iter().any(|x| x.starts_with("IMG") && x.contains("DeploymentConfig")), "{all:#?}");
}

#[test]
fn cluster_skips_what_the_control_plane_creates() {
    let (_server, dir, kc) = serve_fixture();
    let o = kubeward(dir.path(), &["cluster", "--kubeconfig", kc.as_str(), "--format", "json", "--no-kubelet-config"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&o.stderr));
    let all = found(&json(&o));
    // `cluster` lists Services, ServiceAccounts and ConfigMaps (not Endpoints).
    assert_owned_not_reported(&all, OWNED);
    for f in ["NS001 ConfigMap/default/app-settings", "NS001 ServiceAccount/default/builder"] {
        assert!(all.iter().any(|x| x == f), "{f} missing: {all:#?}");
    }
}

#[test]
fn cluster_audits_a_deploymentconfig_not_its_replication_controllers() {
    let (_server, dir, kc) = serve_fixture();
    let o = kubeward(dir.path(), &["cluster", "--kubeconfig", kc.as_str(), "--format", "json", "--no-kubelet-config"]);
    let all = found(&json(&o));
    assert!(all.iter().any(|x| x == "POD001 DeploymentConfig/shop/legacy"), "{all:#?}");
    // Its revisions' ReplicationControllers are controlled objects: not audited twice.
    assert!(!all.iter().any(|x| x.contains("ReplicationController/shop/legacy-1")), "{all:#?}");
}

/// The fixture served by the fake API server: the server, a temporary directory holding a
/// kubeconfig for it, and that kubeconfig's path.
fn serve_fixture() -> (FakeApiServer, tempfile::TempDir, String) {
    let text = std::fs::read_to_string(fixture().join("objects.yaml")).expect("fixture");
    let snap = kubeward_engine::Snapshot::from_text("objects.yaml", &text);
    assert!(snap.errors.is_empty(), "{:?}", snap.errors);
    let mut c = Cluster::new("v1.36.4");
    for o in snap.objects() {
        c.add(o.root.to_json());
    }
    let server = FakeApiServer::start(c, Options::default()).expect("fake API server");
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, server.kubeconfig()).expect("kubeconfig");
    let kc = kc.display().to_string();
    (server, dir, kc)
}
