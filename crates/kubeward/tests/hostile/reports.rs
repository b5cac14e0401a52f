//! Hostile input (issue 15): terminal injection. Object, container, key and file names with
//! ESC (CSI, OSC), BEL, backspace, CR, line feeds, C1 controls and bidirectional overrides must
//! reach no human-readable report raw: they would clear a terminal, retitle it, or forge report
//! lines in a CI log. See docs/robustness.md, "Reports: control characters are escaped".

use super::*;

/// A privileged pod whose names carry every kind of control sequence. The container name forges
/// a whole report line after a line feed.
const HOSTILE: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: "web\e[2J\e]0;owned\a"
  namespace: "app\rFORGED-NS"
spec:
  containers:
    - name: "c\nforged.yaml:1:1: critical POD999 forged-finding: forged\b\x7f\u009b31m\u202eevil"
      image: registry.example.com/app:1.0
      securityContext:
        privileged: true
"#;

/// Characters that must never reach a human-readable report raw: every control but the line
/// feed (a report's own line breaks) and the tab (source excerpts keep the file's tabs), C1
/// controls, bidirectional overrides.
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|c| {
            matches!(*c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[test]
fn control_characters_from_names_and_file_names_are_escaped_in_every_human_format() {
    let d = tempfile::tempdir().expect("tempdir");
    // The file name itself carries an escape sequence and a line feed.
    let file = "pod\x1b[31m\nforged.yaml";
    std::fs::write(d.path().join(file), HOSTILE).expect("write");
    // And a file that does not parse, so the error list carries the hostile name too.
    std::fs::write(d.path().join("bad\x1b]0;t\x07.yaml"), "a: [\n").expect("write");
    for format in ["text", "markdown", "html", "junit"] {
        let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
            .args(["scan", "--config", "/dev/null", "--select", "POD001", "-f", format, "."])
            .current_dir(d.path())
            .env("KUBEWARD_COLOR", "never")
            .stdin(Stdio::null())
            .output()
            .expect("run kubeward");
        assert_eq!(o.status.code(), Some(2), "{format}: the unparsable file gives exit code 2");
        let out = String::from_utf8(o.stdout).expect("UTF-8 report");
        let bad = raw_controls(&out);
        assert!(bad.is_empty(), "{format}: raw control characters {bad:?} in:\n{out}");
        assert!(out.contains("POD001"), "{format}: the privileged container is still reported:\n{out}");
        assert!(
            !out.lines().any(|l| l.starts_with("forged.yaml") || l.starts_with("FORGED")),
            "{format}: a name forged a line of the report:\n{out}"
        );
        // The escapes are visible, so the reader sees that the name is hostile.
        assert!(out.contains(r"\x1b"), "{format}: ESC is shown as \\x1b:\n{out}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(raw_controls(&err).is_empty(), "{format}: raw control characters on stderr: {err}");
    }
    // Machine formats keep the exact names (JSON escapes them itself).
    let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["scan", "--config", "/dev/null", "--select", "POD001", "-f", "json", file])
        .current_dir(d.path())
        .stdin(Stdio::null())
        .output()
        .expect("run kubeward");
    let v = json(&o);
    let f = &v["findings"][0];
    assert_eq!(f["file"], file, "{v}");
    assert!(f["container"].as_str().is_some_and(|c| c.starts_with("c\nforged.yaml")), "{v}");
}

#[test]
fn caret_stays_under_the_field_when_the_line_has_escapes() {
    let d = tempfile::tempdir().expect("tempdir");
    // A bidirectional override before the flagged field, on the same line (flow mapping).
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: \"a\u{202e}b\", namespace: app}\nspec:\n  containers:\n    - {name: \"x\u{202e}\", image: r.example.com/a:1, securityContext: {privileged: true}}\n";
    std::fs::write(d.path().join("p.yaml"), text).expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["scan", "--config", "/dev/null", "--select", "POD001", "p.yaml"])
        .current_dir(d.path())
        .env("KUBEWARD_COLOR", "never")
        .stdin(Stdio::null())
        .output()
        .expect("run kubeward");
    let out = String::from_utf8(o.stdout).expect("UTF-8");
    let lines: Vec<&str> = out.lines().collect();
    let i = lines.iter().position(|l| l.starts_with("6 | ")).unwrap_or_else(|| panic!("no excerpt:\n{out}"));
    let (src, caret) = (lines[i], lines[i + 1]);
    let at = caret.find('^').expect("caret");
    assert!(src.contains(r"\u{202e}"), "the override is shown escaped: {src}");
    assert!(src[at..].starts_with("privileged"), "caret under `privileged`:\n{src}\n{caret}");
}
