//! Issue 16, "Reading real manifests": layouts that kubectl (go-yaml) reads are read, and audited.
//! The full differential corpus is `crates/kubeward_engine/tests/yaml_layout.rs`; these tests
//! check the effect through `kubeward scan`.

mod support;
use support::{json, kubeward};

/// A ConstraintTemplate whose `description:` continues on a line left of its key (the shape of
/// the real one reported in the issue), then a Pod with an under-indented single-quoted
/// annotation and a flow sequence continued at column 0.
const UNDER_INDENTED: &str = r#"apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sallowedrepos
spec:
  crd:
    spec:
      names:
        kind: K8sAllowedRepos
      validation:
        openAPIV3Schema:
          type: object
          properties:
            repos:
              description: "The list of prefixes a container image is allowed to have.
  An empty list means no image is allowed."
              type: array
              items:
                type: string
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sallowedrepos
        violation[{"msg": msg}] {
          container := input.review.object.spec.containers[_]
          not startswith(container.image, input.parameters.repos[_])
          msg := sprintf("container <%v> has an invalid image repo <%v>", [container.name, container.image])
        }
---
apiVersion: v1
kind: Pod
metadata:
  name: priv
  namespace: app
  annotations:
    description: 'runs the agent;
 it needs the host'
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      args: ["--mode",
"agent"]
      securityContext:
        privileged: true
"#;

#[test]
fn under_indented_continuation_lines_are_read_and_audited() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("policy.yaml"), UNDER_INDENTED).expect("write");
    let o = kubeward(d.path(), &["scan", "policy.yaml", "-f", "json"]);
    let v = json(&o);
    assert_eq!(v["errors"], serde_json::json!([]), "no input error: {}", v["errors"]);
    assert_eq!(o.status.code(), Some(1), "findings, no input error: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(v["summary"]["objects"], 2, "both objects are audited");
    let privileged: Vec<&serde_json::Value> =
        v["findings"].as_array().expect("findings").iter().filter(|f| f["code"] == "POD001").collect();
    assert_eq!(privileged.len(), 1, "{privileged:?}");
    assert_eq!(privileged[0]["object"]["name"], "priv");
    assert_eq!(privileged[0]["line"], 45, "positions after the continuation lines are right");
}

/// What go-yaml refuses stays an input error naming the file and the position: a document
/// marker inside a quoted scalar, and a key of a flow mapping that spans two lines.
#[test]
fn layouts_kubectl_refuses_stay_input_errors() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("a-marker.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: \"one\n---\ntwo\"\n",
    )
    .expect("write");
    std::fs::write(
        d.path().join("b-flow-key.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata: {\"one\ntwo\": three}\n",
    )
    .expect("write");
    let o = kubeward(d.path(), &["scan", ".", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    let errors = v["errors"].as_array().expect("errors");
    let files: Vec<&str> = errors.iter().map(|e| e["file"].as_str().unwrap_or("")).collect();
    assert_eq!(files, ["a-marker.yaml", "b-flow-key.yaml"], "{errors:?}");
    assert!(errors.iter().all(|e| e["line"].as_u64().is_some()), "{errors:?}");
}
