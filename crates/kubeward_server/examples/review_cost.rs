//! CPU cost of judging one AdmissionReview, without the network: parse, rules, response.
//! `cargo run --release -p kubeward_server --example review_cost [ITERATIONS]`

use std::time::Instant;

use kubeward_engine::Settings;
use kubeward_server::review::{Evaluator, Policy};
use serde_json::json;

fn main() {
    let n: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let settings = Settings::default();
    let Ok(policy) = Policy::from_settings(&settings, "kubeward") else { return };
    let e = Evaluator::new(&settings, policy);
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app": "x"}},
        "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1.0",
            "securityContext": {"privileged": true}}]}});
    let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {
            "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "web", "image": "registry.example.com/web:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
                "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}}}]}}}});
    for (name, obj) in [("privileged pod", pod), ("hardened deployment", dep)] {
        let body = serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": obj["kind"]}, "namespace": "shop",
                "operation": "CREATE", "userInfo": {"username": "a"}, "object": obj}}))
        .unwrap_or_default();
        let t = Instant::now();
        let mut bytes = 0;
        for _ in 0..n {
            if let Ok(d) = e.review(&body) {
                bytes += d.body.len();
            }
        }
        let per = t.elapsed() / n;
        println!("{name}: {per:?} per review ({} bytes in, {} bytes out)", body.len(), bytes / n as usize);
    }
}
