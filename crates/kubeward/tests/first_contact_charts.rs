//! Helm charts and Kustomize directories (issue 16), rendered by the real tools: `helm` (built
//! from the Go module proxy by `.ci/go-tools.sh helm`; `HELM` names it, else PATH) and
//! `kubectl kustomize` (`KUBECTL`, else PATH). A test that needs a tool skips with a note when
//! it is missing, except in CI, where `KUBEWARD_REQUIRE_HELM=1` / `KUBEWARD_REQUIRE_KUBECTL=1`
//! make it fail. Never a fake helm.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/charts")
}

/// A tool: `$VAR` names it, else `name` on PATH.
fn tool(var: &str, name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file()))
}

/// The tool, or `None` (skip) when it is missing and not required.
fn require(var: &str, name: &str, require: &str) -> Option<PathBuf> {
    let found = tool(var, name);
    if found.is_none() {
        assert!(std::env::var(require).as_deref() != Ok("1"), "{require}=1 but no {name} (set {var} or PATH)");
        eprintln!("{name} not found: skipped (set {var})");
    }
    found
}

fn helm() -> Option<PathBuf> {
    require("HELM", "helm", "KUBEWARD_REQUIRE_HELM")
}

fn kubectl() -> Option<PathBuf> {
    require("KUBECTL", "kubectl", "KUBEWARD_REQUIRE_KUBECTL")
}

/// Runs kubeward in `dir` with PATH holding only the folder of `tool` (or nothing at all).
fn kubeward(dir: &Path, tool: Option<&Path>, args: &[&str]) -> Output {
    let empty = tempfile::tempdir().expect("tempdir");
    let path = tool.and_then(Path::parent).unwrap_or(empty.path());
    Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("NO_COLOR")
        .env("KUBEWARD_COLOR", "never")
        .env("KUBEWARD_TODAY", "2026-11-22")
        .output()
        .expect("run kubeward")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", String::from_utf8_lossy(&o.stdout), stderr(o)))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// (code, file, line, object name) of every finding.
fn findings(v: &serde_json::Value) -> Vec<(String, String, u64, String)> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_string(),
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["object"]["name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn errors(v: &serde_json::Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (e["file"].as_str().unwrap_or_default().to_string(), e["message"].as_str().unwrap_or_default().to_string())
        })
        .collect()
}

fn has(f: &[(String, String, u64, String)], code: &str, file: &str, line: u64) -> bool {
    f.iter().any(|(c, fl, l, _)| c == code && fl == file && *l == line)
}

#[test]
fn a_chart_is_rendered_and_findings_name_the_template_file_and_line() {
    let Some(helm) = helm() else { return };
    let o = kubeward(&fixtures(), Some(&helm), &["scan", "web", "-f", "json"]);
    let v = json(&o);
    assert_eq!(errors(&v), vec![], "{}", stderr(&o));
    let f = findings(&v);
    let files: std::collections::BTreeSet<&str> = f.iter().map(|(_, file, _, _)| file.as_str()).collect();
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        vec!["web/charts/cache/templates/pod.yaml", "web/templates/deployment.yaml"],
        "only template files are named (never values.yaml or Chart.yaml)"
    );
    // The line of the template that writes the field: `image: {{ .Values.image | quote }}`.
    assert!(has(&f, "IMG002", "web/templates/deployment.yaml", 20), "{f:?}");
    // The subchart is rendered with the parent's values (`cache.hostNetwork: true`).
    assert!(has(&f, "POD006", "web/charts/cache/templates/pod.yaml", 6), "{f:?}");
    assert!(f.iter().all(|(_, _, _, name)| name.starts_with("release-name-")), "rendered objects: {f:?}");
    // The text report shows the template's own line.
    let text = kubeward(&fixtures(), Some(&helm), &["scan", "web", "--select", "POD006"]);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.contains("web/charts/cache/templates/pod.yaml:6:3")
            && out.contains("hostNetwork: {{ .Values.hostNetwork }}"),
        "{out}"
    );
}

#[test]
fn helm_set_and_helm_values_change_the_findings() {
    let Some(helm) = helm() else { return };
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "web", "--select", "POD001,POD006", "-f", "json"];
        args.extend_from_slice(extra);
        let o = kubeward(&fixtures(), Some(&helm), &args);
        let v = json(&o);
        assert_eq!(errors(&v), vec![], "{}", stderr(&o));
        let mut f = findings(&v).into_iter().map(|(c, file, line, _)| format!("{c} {file}:{line}")).collect::<Vec<_>>();
        f.sort();
        f
    };
    assert_eq!(scan(&[]), vec!["POD006 web/charts/cache/templates/pod.yaml:6"]);
    assert_eq!(
        scan(&["--helm-set", "privileged=true"]),
        vec!["POD001 web/templates/deployment.yaml:23", "POD006 web/charts/cache/templates/pod.yaml:6"],
        "`privileged: {{{{ .Values.privileged }}}}` is line 23"
    );
    let d = tempfile::tempdir().expect("tempdir");
    let values = d.path().join("quiet.yaml");
    std::fs::write(&values, "cache:\n  hostNetwork: false\n").expect("write");
    let values = values.to_str().expect("utf-8 path");
    assert_eq!(scan(&["--helm-values", values]), Vec::<String>::new());
    assert_eq!(
        scan(&["--helm-values", values, "--helm-set", "privileged=true"]),
        vec!["POD001 web/templates/deployment.yaml:23"]
    );
}

#[test]
fn a_chart_without_helm_is_an_error_that_shows_the_pipe() {
    // No helm on PATH: the chart is named, the pipe shown, exit 2, and no template is read as YAML.
    let o = kubeward(&fixtures(), None, &["scan", "web", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v = json(&o);
    let errs = errors(&v);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "web");
    assert!(
        errs[0].1.contains("helm is not on PATH") && errs[0].1.contains("`helm template web | kubeward scan -`"),
        "{errs:?}"
    );
    assert_eq!(findings(&v), vec![], "values.yaml and the templates are not manifests");
    // A template named on its own is not read as YAML either: its chart is.
    let o = kubeward(&fixtures(), None, &["scan", "web/templates/deployment.yaml", "-f", "json"]);
    assert_eq!(errors(&json(&o)).iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), vec!["web"]);
}

#[test]
fn a_chart_with_missing_dependencies_is_a_clear_error() {
    let Some(helm) = helm() else { return };
    let o =
        kubeward(&fixtures(), Some(&helm), &["scan", "needs-dependency", "web", "--select", "POD006", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v = json(&o);
    let errs = errors(&v);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "needs-dependency");
    assert!(errs[0].1.contains("missing in charts/ directory: redis"), "{errs:?}");
    assert_eq!(findings(&v).len(), 1, "the other chart is still audited");
}

#[test]
fn rendered_output_is_bounded() {
    let Some(helm) = helm() else { return };
    let d = tempfile::tempdir().expect("tempdir");
    let chart = d.path().join("big");
    std::fs::create_dir_all(chart.join("templates")).expect("mkdir");
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: big\nversion: 0.1.0\n").expect("write");
    // About 1.3 MB of ConfigMaps.
    std::fs::write(
        chart.join("templates/many.yaml"),
        "{{- range until 20000 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{ . }}\n{{- end }}\n",
    )
    .expect("write");
    let o = kubeward(d.path(), Some(&helm), &["scan", "big", "--max-file-size", "256KiB", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let errs = errors(&json(&o));
    assert!(errs.len() == 1 && errs[0].0 == "big" && errs[0].1.contains("more than the size limit"), "{errs:?}");
    let o = kubeward(d.path(), Some(&helm), &["scan", "big", "-f", "json"]);
    assert_eq!(errors(&json(&o)), vec![], "within the default limit it renders");
}

#[test]
fn a_kustomize_overlay_is_audited_as_built() {
    let Some(kubectl) = kubectl() else { return };
    let o = kubeward(&fixtures(), Some(&kubectl), &["scan", "kustomize", "--select", "POD001,POD003", "-f", "json"]);
    let v = json(&o);
    assert_eq!(errors(&v), vec![], "{}", stderr(&o));
    let f = findings(&v);
    // One object, as the overlay builds it (name prefix, patch applied), named by its resource
    // file; the base is not audited again on its own, nor the patch as a partial object.
    assert_eq!(
        f,
        vec![
            ("POD001".into(), "kustomize/base/deployment.yaml".into(), 13, "prod-api".into()),
            ("POD003".into(), "kustomize/base/deployment.yaml".into(), 13, "prod-api".into()),
        ],
    );
    // Without a renderer the files are read one by one (as before), and that is an error.
    let o = kubeward(&fixtures(), None, &["scan", "kustomize", "--select", "POD001,POD003", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let errs = errors(&json(&o));
    assert!(
        errs.len() == 1
            && errs[0].0 == "kustomize/overlays/prod"
            && errs[0].1.contains("`kubectl kustomize kustomize/overlays/prod | kubeward scan -`"),
        "{errs:?}"
    );
}

#[test]
fn a_kustomization_that_fails_to_build_leaves_its_files_to_be_read_one_by_one() {
    let Some(kubectl) = kubectl() else { return };
    let d = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let p = d.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    let pod = |name: &str| {
        format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  hostNetwork: true\n  containers: [{{name: c, image: x:1}}]\n")
    };
    // `app` builds; `app/extra` is a folder of its own, used only by `broken`, which does not build.
    write("app/kustomization.yaml", "resources: [pod.yaml]\n");
    write("app/pod.yaml", &pod("a"));
    write("app/extra/kustomization.yaml", "resources: [pod.yaml]\n");
    write("app/extra/pod.yaml", &pod("b"));
    write("broken/kustomization.yaml", "resources: [../app/extra, missing.yaml]\n");
    let o = kubeward(d.path(), Some(&kubectl), &["scan", ".", "--select", "POD006", "-f", "json"]);
    let v = json(&o);
    let errs = errors(&v);
    assert!(errs.len() == 1 && errs[0].0 == "broken" && errs[0].1.contains("could not be built"), "{errs:?}");
    assert_eq!(
        findings(&v),
        vec![
            ("POD006".into(), "app/extra/pod.yaml".into(), 5, "b".into()),
            ("POD006".into(), "app/pod.yaml".into(), 5, "a".into()),
        ],
        "the pod of app/extra is audited on its own, not dropped with the folder around it"
    );
}

#[test]
fn fix_skips_a_chart_and_says_what_to_run() {
    // `fix` edits files: a chart's templates are neither parsed nor edited, with or without helm.
    let d = tempfile::tempdir().expect("tempdir");
    let copy = d.path().join("web");
    copy_dir(&fixtures().join("web"), &copy);
    let before = std::fs::read_to_string(copy.join("templates/deployment.yaml")).expect("read");
    let o = kubeward(d.path(), None, &["fix", "web", "-f", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let errs = errors(&json(&o));
    assert_eq!(errs.len(), 1, "no YAML errors about templates: {errs:?}");
    assert!(errs[0].0 == "web" && errs[0].1.contains("`helm template web | kubeward fix -`"), "{errs:?}");
    let after = std::fs::read_to_string(copy.join("templates/deployment.yaml")).expect("read");
    assert_eq!(before, after, "templates are not edited");
}

#[test]
fn images_matches_the_workloads_of_a_rendered_chart() {
    let Some(helm) = helm() else { return };
    let d = tempfile::tempdir().expect("tempdir");
    let report = d.path().join("redis.json");
    std::fs::write(
        &report,
        r#"{"SchemaVersion": 2, "ArtifactName": "redis:7.4", "Results": [{"Target": "os", "Vulnerabilities": [{"VulnerabilityID": "CVE-2025-1", "PkgName": "openssl", "InstalledVersion": "3.0.1", "FixedVersion": "3.0.2", "Severity": "CRITICAL"}]}]}"#,
    )
    .expect("write");
    let report = report.to_str().expect("utf-8 path");
    let o = kubeward(&fixtures(), Some(&helm), &["images", "--report", report, "--manifests", "web", "-f", "json"]);
    let v = json(&o);
    assert_eq!(errors(&v), vec![], "{}", stderr(&o));
    let f = findings(&v);
    assert!(
        f.iter().any(|(_, file, line, name)| file == "web/charts/cache/templates/pod.yaml"
            && *line == 9
            && name == "release-name-cache"),
        "the subchart's pod runs redis:7.4: {f:?}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

#[test]
fn library_charts_and_lone_components_are_not_rendered() {
    // Neither can be rendered on its own (helm refuses library charts; a Component needs a
    // kustomization that uses it), so neither is an error, with or without the tools.
    let d = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let p = d.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write("common/Chart.yaml", "apiVersion: v2\nname: common\ntype: library\nversion: 0.1.0\n");
    write("common/templates/_pod.yaml", "{{- define \"common.pod\" -}}\nspec: {{ .x }}\n{{- end -}}\n");
    write(
        "component/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches: [{path: p.yaml}]\n",
    );
    write(
        "component/p.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: x:1}]\n",
    );
    let o = kubeward(d.path(), None, &["scan", ".", "--select", "POD006", "-f", "json"]);
    let v = json(&o);
    assert_eq!(errors(&v), vec![], "{}", stderr(&o));
    assert_eq!(
        findings(&v),
        vec![("POD006".into(), "component/p.yaml".into(), 5, "p".into())],
        "the component's files are read"
    );
}

#[test]
fn the_chart_of_helm_create_maps_every_finding_to_a_line_of_its_field_or_a_parent() {
    // The chart `helm create` writes is what most charts start from (helpers, `toYaml`,
    // `with`, `nindent`, `range`). Every finding must point at a template line that writes one
    // of the keys on its path, or at the list item (`- `) holding it.
    let Some(helm) = helm() else { return };
    let d = tempfile::tempdir().expect("tempdir");
    let made = Command::new(&helm)
        .args(["create", "demo"])
        .current_dir(d.path())
        .env("HOME", d.path())
        .env("HELM_CONFIG_HOME", d.path().join("config"))
        .env("HELM_DATA_HOME", d.path().join("data"))
        .env("HELM_CACHE_HOME", d.path().join("cache"))
        .output()
        .expect("helm create");
    assert!(made.status.success(), "{}", stderr(&made));
    let sets = "securityContext.privileged=true,podSecurityContext.runAsUser=0,ingress.enabled=true";
    for extra in [&[][..], &["--helm-set", sets][..]] {
        let mut args = vec!["scan", "demo", "-f", "json"];
        args.extend_from_slice(extra);
        let o = kubeward(d.path(), Some(&helm), &args);
        let v = json(&o);
        assert_eq!(errors(&v), vec![], "{}", stderr(&o));
        let all = v["findings"].as_array().expect("findings");
        assert!(all.len() > 10, "{all:?}");
        for f in all {
            let file = f["file"].as_str().unwrap_or_default();
            assert!(file.starts_with("demo/templates/"), "{f}");
            let text = std::fs::read_to_string(d.path().join(file)).expect("template");
            let line = usize::try_from(f["line"].as_u64().unwrap_or_default()).unwrap_or_default();
            let written = text.lines().nth(line.saturating_sub(1)).unwrap_or_default().trim();
            let keys: Vec<&str> = f["path"]
                .as_str()
                .unwrap_or_default()
                .split('/')
                .filter(|s| !s.is_empty() && s.parse::<usize>().is_err())
                .collect();
            let ok = keys.is_empty()
                || written.starts_with("- ")
                || keys.iter().any(|k| written.trim_start_matches("- ").starts_with(&format!("{k}:")));
            assert!(ok, "{} at {file}:{line} ({written:?}) for path {}", f["code"], f["path"]);
        }
        if !extra.is_empty() {
            // `privileged: true` comes from `{{- toYaml .Values.securityContext | nindent 12 }}`:
            // the finding points at the container's `securityContext:` line.
            let p = all.iter().find(|f| f["code"] == "POD001").expect("POD001");
            let text = std::fs::read_to_string(d.path().join("demo/templates/deployment.yaml")).expect("template");
            let line = usize::try_from(p["line"].as_u64().unwrap_or_default()).unwrap_or_default();
            assert_eq!(text.lines().nth(line - 1).map(str::trim), Some("securityContext:"), "{p}");
        }
    }
}

#[test]
fn the_callers_helm_environment_does_not_reach_the_render() {
    // HELM_NAMESPACE (or a kubeconfig's namespace) would change `.Release.Namespace`: the
    // render must not depend on who runs the scan.
    let Some(helm) = helm() else { return };
    let d = tempfile::tempdir().expect("tempdir");
    let chart = d.path().join("ns");
    std::fs::create_dir_all(chart.join("templates")).expect("mkdir");
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: ns\nversion: 0.1.0\n").expect("write");
    std::fs::write(
        chart.join("templates/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: {{ .Release.Namespace }}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: x:1}]\n",
    )
    .expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["scan", "ns", "--select", "POD006", "-f", "json"])
        .current_dir(d.path())
        .env("PATH", helm.parent().expect("helm's folder"))
        .env("HELM_NAMESPACE", "leaked")
        .output()
        .expect("run kubeward");
    let v = json(&o);
    assert_eq!(errors(&v), vec![], "{}", stderr(&o));
    let namespaces: Vec<&str> =
        v["findings"].as_array().expect("findings").iter().filter_map(|f| f["object"]["namespace"].as_str()).collect();
    assert_eq!(namespaces, vec!["default"]);
}
