//! Rules that read a field the API server defaults say nothing untrue of an object read from
//! it (cluster and admission input: no file), where the field may be the API server's, not
//! the user's. `crates/kubeward/tests/cluster_real.rs` lists every difference that defaulting
//! makes between `scan` and `cluster` on the real API server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kubeward_engine::input::yaml::Limits;
use kubeward_engine::{Settings, Snapshot};

/// The POD020 messages of `text`, read from a file or (`from_api`) as the API server gives it.
fn pod020(text: &str, from_api: bool) -> Vec<String> {
    let (mut file, err) = Snapshot::parse_file("pod.yaml", text.to_string(), Limits::default());
    assert!(err.is_none(), "{err:?}");
    if from_api {
        file.path = None;
    }
    let mut snap = Snapshot::default();
    snap.push(file, None);
    let report = kubeward_engine::run(&snap, &Settings::default());
    report.findings().filter(|d| d.rule.code == "POD020").map(|d| d.message.clone()).collect()
}

const POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  serviceAccountName: default
  containers:
    - name: app
      image: registry.example.com/app:1.0
";

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: shop}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      serviceAccountName: default
      containers:
        - name: app
          image: registry.example.com/app:1.0
";

/// ServiceAccount admission sets `serviceAccountName: default` on every Pod that names none:
/// a Pod from the API server does not show that anyone named `default` "explicitly".
#[test]
fn pod020_does_not_say_explicitly_of_a_pod_from_the_api_server() {
    let from_file = pod020(POD, false);
    assert_eq!(from_file, ["pod names the `default` ServiceAccount explicitly (`serviceAccountName: default`)"]);
    let from_api = pod020(POD, true);
    assert_eq!(
        from_api,
        ["pod runs as the `default` ServiceAccount (`serviceAccountName: default`, which the API server also sets on a pod that names none)"]
    );
    // Pod templates are not defaulted: there the field was written.
    assert_eq!(pod020(DEPLOYMENT, true), from_file);
}
