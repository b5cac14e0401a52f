//! The HTML report in a real browser: Debian's Chromium, headless, renders the report of
//! `examples/insecure`; the test reads the DOM after the page's script ran (counts, the
//! severity filter and the search box driven through the URL fragment, the views), takes a
//! screenshot and prints it to PDF.
//!
//! Chromium is found as `$KUBEWARD_CHROMIUM`, else `chromium`, `chromium-browser` or
//! `google-chrome` on the PATH. Without it the test is skipped with a note, unless
//! `KUBEWARD_REQUIRE_CHROMIUM=1` (set by `.ci/run`, which installs Chromium), where it fails.

mod support;
use support::PRIV;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Findings listed per page (`report::html::PAGE`).
const PAGE: usize = 100;

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KUBEWARD_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Runs headless Chromium on `url` with `extra` arguments; returns stdout.
fn browse(chrome: &Path, profile: &Path, url: &str, extra: &[&str]) -> String {
    let o = Command::new("timeout")
        .arg("120")
        .arg(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(o.status.success(), "chromium failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The `<article class="finding ...">` tags of the findings view, and whether each is hidden.
fn articles(dom: &str) -> Vec<(String, bool)> {
    let view = dom.split("id=\"view-findings\"").nth(1).unwrap_or("");
    let view = view.split("id=\"view-resources\"").next().unwrap_or(view);
    view.match_indices("<article ")
        .map(|(i, _)| {
            let tag = &view[i..i + view[i..].find('>').unwrap_or(0)];
            (tag.to_string(), tag.contains(" hidden"))
        })
        .collect()
}

fn attr<'a>(tag: &'a str, name: &str) -> &'a str {
    let key = format!("{name}=\"");
    tag.split(&key).nth(1).and_then(|r| r.split('"').next()).unwrap_or("")
}

fn shown(dom: &str) -> usize {
    dom.split("id=\"shown\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}

#[test]
fn html_report_in_headless_chromium() {
    let Some(chrome) = chromium() else {
        assert!(
            std::env::var("KUBEWARD_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "KUBEWARD_REQUIRE_CHROMIUM=1 but no Chromium found (set KUBEWARD_CHROMIUM or install Debian's chromium)"
        );
        eprintln!("skipped: no Chromium on the PATH (Debian: apt-get install chromium)");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let report = tmp.path().join("report.html");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/insecure");
    let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["scan", "."])
        .current_dir(&examples)
        .args(["-f", "json", "-o"])
        .arg(format!("html={}", report.display()))
        .env("KUBEWARD_TODAY", "2026-11-22")
        .output()
        .expect("run kubeward");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    let total = findings.len();
    let count = |f: &dyn Fn(&serde_json::Value) -> bool| findings.iter().filter(|x| f(x)).count();
    let critical = count(&|x| x["severity"] == "critical");
    let pod001 = count(&|x| x["code"] == "POD001");
    assert!(total > 100 && critical > 0 && pod001 > 0 && critical < total && pod001 < total);
    let url = format!("file://{}", report.display());
    let profile = tmp.path().join("profile");

    // The first page shown (the most severe first), the counts and score as the JSON report says.
    let dom = browse(&chrome, &profile, &url, &["--dump-dom"]);
    let all = articles(&dom);
    assert_eq!(all.len(), total.min(PAGE));
    assert_eq!(all.iter().filter(|(_, hidden)| *hidden).count(), 0);
    assert_eq!(attr(&all[0].0, "data-severity"), "critical");
    assert_eq!(shown(&dom), total);
    assert!(dom.contains(&format!("data-score=\"{}\"", v["summary"]["score"])), "score");
    assert!(dom.contains("class=\"js\""), "the script ran");

    // The severity filter: only the critical findings are listed.
    let dom = browse(&chrome, &profile, &format!("{url}#severity=critical"), &["--dump-dom"]);
    let visible: Vec<String> = articles(&dom).into_iter().filter(|(_, h)| !h).map(|(t, _)| t).collect();
    assert_eq!(visible.len(), critical.min(PAGE));
    assert!(visible.iter().all(|t| attr(t, "data-severity") == "critical"));
    assert_eq!(shown(&dom), critical);

    // The search box: a rule code.
    let dom = browse(&chrome, &profile, &format!("{url}#q=pod001"), &["--dump-dom"]);
    let visible: Vec<String> = articles(&dom).into_iter().filter(|(_, h)| !h).map(|(t, _)| t).collect();
    assert_eq!(visible.len(), pod001.min(PAGE));
    assert!(visible.iter().all(|t| attr(t, "data-rule") == "POD001"));
    assert_eq!(shown(&dom), pod001);

    // The views: by rule shows the rules' documentation.
    let dom = browse(&chrome, &profile, &format!("{url}#view=rules"), &["--dump-dom"]);
    let rules_view = dom.split("id=\"view-rules\"").nth(1).unwrap_or("");
    assert!(
        !rules_view.starts_with(" hidden") && !rules_view.starts_with(" class=\"view\" hidden"),
        "rules view shown"
    );
    assert!(dom.contains("id=\"view-findings\" hidden") || dom.contains("class=\"view\" id=\"view-findings\" hidden"));
    assert!(rules_view.contains("What it does"));

    // A screenshot at laptop size, and the print version.
    let shot = tmp.path().join("shot.png");
    browse(&chrome, &profile, &url, &[&format!("--screenshot={}", shot.display()), "--window-size=1366,900"]);
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(png.len() > 20_000, "a blank page compresses to a few KB; got {} bytes", png.len());
    let pdf = tmp.path().join("print.pdf");
    browse(&chrome, &profile, &url, &[&format!("--print-to-pdf={}", pdf.display()), "--no-pdf-header-footer"]);
    let pdf = std::fs::read(&pdf).expect("pdf written");
    assert!(pdf.starts_with(b"%PDF"));
    assert!(pdf.len() > 50_000, "{} bytes", pdf.len());
}

/// Chromium, or `None` after the skip note (a failure when CI requires it).
fn chromium_or_skip() -> Option<PathBuf> {
    let chrome = chromium();
    if chrome.is_none() {
        assert!(
            std::env::var("KUBEWARD_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "KUBEWARD_REQUIRE_CHROMIUM=1 but no Chromium found (set KUBEWARD_CHROMIUM or install Debian's chromium)"
        );
        eprintln!("skipped: no Chromium on the PATH (Debian: apt-get install chromium)");
    }
    chrome
}

/// Elements in a DOM dump (start tags).
fn elements(dom: &str) -> usize {
    dom.as_bytes().windows(2).filter(|w| w[0] == b'<' && w[1].is_ascii_alphabetic()).count()
}

/// A report of 50,000 findings opens in a few seconds: the page lists the first 100 and the
/// rest stay data until asked for. The test counts the work, not the time: the elements in
/// the page after its script ran (no more than a report of a few hundred findings), whatever
/// the machine's speed. It prints the wall time Chromium took (start-up included, and the time
/// of a blank page for comparison), for the record.
#[test]
fn html_report_of_50000_findings_stays_small_in_chromium() {
    let Some(chrome) = chromium_or_skip() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let pods: String = (0..3_600).map(|i| PRIV.replace("name: priv", &format!("name: priv-{i}")) + "---\n").collect();
    std::fs::write(tmp.path().join("pods.yaml"), pods).expect("write");
    let report = tmp.path().join("report.html");
    let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["scan", "pods.yaml", "-f", "json", "-o"])
        .arg(format!("html={}", report.display()))
        .current_dir(tmp.path())
        .env("KUBEWARD_TODAY", "2026-11-22")
        .output()
        .expect("run kubeward");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    let total = findings.len();
    assert!(total >= 50_000, "{total} findings");
    let size = std::fs::metadata(&report).expect("report").len();
    let url = format!("file://{}", report.display());
    let profile = tmp.path().join("profile");

    let blank = tmp.path().join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><p>blank</p>").expect("write");
    let t = std::time::Instant::now();
    browse(&chrome, &profile, &format!("file://{}", blank.display()), &["--dump-dom"]);
    let blank_time = t.elapsed();
    let t = std::time::Instant::now();
    let dom = browse(&chrome, &profile, &url, &["--dump-dom"]);
    let report_time = t.elapsed();
    eprintln!(
        "{total} findings: HTML {size} bytes; Chromium --dump-dom {:.1} s (a blank page {:.1} s); {} elements",
        report_time.as_secs_f64(),
        blank_time.as_secs_f64(),
        elements(&dom)
    );
    assert!(dom.contains("class=\"js\""), "the script ran");
    assert_eq!(shown(&dom), total);
    assert_eq!(articles(&dom).len(), PAGE);
    // Every finding as an element would be over 500,000; the first page and the page around it
    // are under 4,000.
    assert!(elements(&dom) < 4_000, "{} elements", elements(&dom));
    // The HTML is a few bytes per finding of data, not its markup three times over.
    assert!(size < 200 * total as u64, "{size} bytes for {total} findings");

    // A search over all of them: one pod's findings.
    let one = findings.iter().filter(|f| f["object"]["name"] == "priv-3599").count();
    assert!(one > 5);
    let dom = browse(&chrome, &profile, &format!("{url}#q=pod/app/priv-3599"), &["--dump-dom"]);
    assert_eq!(shown(&dom), one);
    assert_eq!(articles(&dom).len(), one);

    // A link to a finding far down the list (the last one) lists the pages up to it.
    let dom = browse(&chrome, &profile, &format!("{url}#f{}", total - 1), &["--dump-dom"]);
    assert!(dom.contains(&format!("id=\"f{}\"", total - 1)), "the linked finding is listed");

    // By resource: the groups are listed a page at a time too.
    let dom = browse(&chrome, &profile, &format!("{url}#view=resources"), &["--dump-dom"]);
    assert_eq!(dom.matches("<details class=\"resource\"").count(), PAGE);
    assert!(elements(&dom) < 4_000, "{} elements", elements(&dom));
}

/// Names and messages from the input are text in the page: markup in them is shown, never run.
#[test]
fn html_report_shows_markup_from_the_input_as_text_in_chromium() {
    let Some(chrome) = chromium_or_skip() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let hostile = PRIV
        .replace("name: priv", "name: \"<img src=x onerror=document.title='pwned'>\"")
        .replace("- name: app", "- name: \"</script><b id=injected>c</b>`x`\"");
    std::fs::write(tmp.path().join("pod.yaml"), hostile).expect("write");
    let report = tmp.path().join("report.html");
    let o = Command::new(env!("CARGO_BIN_EXE_kubeward"))
        .args(["scan", "pod.yaml", "-q", "-o"])
        .arg(format!("html={}", report.display()))
        .current_dir(tmp.path())
        .env("KUBEWARD_TODAY", "2026-11-22")
        .output()
        .expect("run kubeward");
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let url = format!("file://{}", report.display());
    let dom = browse(&chrome, &tmp.path().join("profile"), &url, &["--dump-dom"]);
    assert!(dom.contains("class=\"js\""), "the script ran");
    assert!(!articles(&dom).is_empty());
    assert!(!dom.contains("<img") && !dom.contains("id=\"injected\""), "markup from the input was parsed");
    assert!(dom.contains("&lt;img src=x onerror=document.title='pwned'&gt;"), "the name is shown as text");
    assert!(dom.contains("<title>kubeward scan report</title>"));
}
