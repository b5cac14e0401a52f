//! HTML output: one self-contained file (inline CSS, inline SVG charts, a small inline script;
//! no external script, style, font or image), readable offline from an email attachment, on
//! a laptop screen and in print.
//!
//! Contents: the score and grade, findings by severity and by category (bar charts), and
//! three views of the findings: all findings (filter by severity, search box), by resource,
//! and by rule with each rule's documentation. Each finding shows its location, the source
//! line, the object, the message and the remediation.
//!
//! The initial filter can be given in the URL fragment, `report.html#severity=critical,high&q=nginx`,
//! so a link can point at a filtered view (and tests drive the filter through a real browser).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::score::score;
use super::Render;
use crate::diagnostic::Diagnostic;
use crate::rule::{RuleMeta, Severity};

/// Escapes text for HTML element content and attribute values; control and bidirectional
/// formatting characters, line breaks included, become visible escapes ([`super::printable`]),
/// so a page read in a terminal or a browser shows them as text.
#[must_use]
pub fn escape(s: &str) -> String {
    markup(&super::printable::printable(s))
}

/// [`escape`] for blocks of several lines (documentation code): tabs and line feeds are kept.
#[must_use]
pub fn escape_block(s: &str) -> String {
    markup(&super::printable::printable_block(s))
}

fn markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Text with `code` spans (messages and docs use backticks for code).
fn inline(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{}</code>", escape(part)) } else { escape(part) })
        .collect()
}

/// The rule docs (Markdown written in the code: headings, paragraphs, lists, fenced code)
/// as HTML.
fn docs_html(meta: &RuleMeta) -> String {
    let md = meta.docs_markdown();
    let mut out = String::new();
    let mut para: Vec<&str> = Vec::new();
    let mut list = false;
    let mut fence: Option<Vec<&str>> = None;
    let flush = |out: &mut String, para: &mut Vec<&str>| {
        if !para.is_empty() {
            let _ = write!(out, "<p>{}</p>", inline(&para.join(" ")));
            para.clear();
        }
    };
    for line in md.lines() {
        if let Some(code) = fence.as_mut() {
            if line.trim_start().starts_with("```") {
                let _ = write!(out, "<pre class=\"docs-code\">{}</pre>", escape_block(&code.join("\n")));
                fence = None;
            } else {
                code.push(line);
            }
            continue;
        }
        let t = line.trim();
        if t.starts_with("```") {
            flush(&mut out, &mut para);
            fence = Some(Vec::new());
        } else if let Some(h) = t.strip_prefix("## ").or_else(|| t.strip_prefix("# ")) {
            flush(&mut out, &mut para);
            if list {
                out.push_str("</ul>");
                list = false;
            }
            let _ = write!(out, "<h4>{}</h4>", inline(h));
        } else if let Some(item) = t.strip_prefix("- ") {
            flush(&mut out, &mut para);
            if !list {
                out.push_str("<ul>");
                list = true;
            }
            let _ = write!(out, "<li>{}</li>", inline(item));
        } else if t.is_empty() {
            flush(&mut out, &mut para);
            if list {
                out.push_str("</ul>");
                list = false;
            }
        } else {
            para.push(t);
        }
    }
    flush(&mut out, &mut para);
    if list {
        out.push_str("</ul>");
    }
    if let Some(code) = fence {
        let _ = write!(out, "<pre class=\"docs-code\">{}</pre>", escape_block(&code.join("\n")));
    }
    out
}

/// A horizontal bar chart as inline SVG.
fn bar_chart(id: &str, title: &str, rows: &[(String, usize, &str)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h) = (110usize, 260usize, 24usize);
    let height = rows.len() * row_h + 8;
    let mut s = format!(
        "<figure class=\"chart\"><figcaption>{}</figcaption><svg id=\"{id}\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {} {height}\" width=\"{}\" height=\"{height}\">",
        escape(title),
        escape(title),
        label_w + bar_w + 60,
        label_w + bar_w + 60
    );
    for (i, (label, n, color)) in rows.iter().enumerate() {
        let y = i * row_h + 4;
        let w = if *n == 0 { 0 } else { (bar_w * n / max).max(2) };
        let _ = write!(
            s,
            "<g class=\"bar\" data-label=\"{l}\" data-value=\"{n}\"><text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\">{l}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"3\" fill=\"{color}\"></rect><text x=\"{vx}\" y=\"{ty}\">{n}</text></g>",
            l = escape(label),
            tx = label_w - 8,
            ty = y + 15,
            h = row_h - 6,
            vx = label_w + w + 6,
        );
    }
    s.push_str("</svg></figure>");
    s
}

fn color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#7b1fa2",
        Severity::High => "#c62828",
        Severity::Medium => "#ef6c00",
        Severity::Low => "#0277bd",
        Severity::Info => "#546e7a",
    }
}

fn finding_html(r: &Render<'_>, i: usize, d: &Diagnostic) -> String {
    let mut search = format!(
        "{} {} {} {} {} {}",
        d.rule.code,
        d.rule.name,
        d.object,
        d.location(),
        d.message,
        d.container.as_deref().unwrap_or("")
    );
    search = search.to_lowercase();
    let mut s = format!(
        "<article class=\"finding sev-{sev}\" id=\"f{i}\" data-severity=\"{sev}\" data-rule=\"{code}\" data-category=\"{cat}\" data-search=\"{search}\">",
        sev = d.severity.as_str(),
        code = d.rule.code,
        cat = d.rule.category.as_str(),
        search = escape(&search),
    );
    let _ = write!(
        s,
        "<header><span class=\"badge sev-{sev}\">{sev}</span> <a class=\"rule\" href=\"#rule-{code}\">{code} {name}</a> <code class=\"loc\">{loc}</code></header>",
        sev = d.severity.as_str(),
        code = d.rule.code,
        name = escape(d.rule.name),
        loc = escape(&d.location()),
    );
    let _ = write!(s, "<p class=\"msg\">{}</p>", inline(&d.message));
    let mut obj = format!("<span class=\"obj\">{}</span>", escape(&d.object.to_string()));
    if let Some(c) = &d.container {
        let _ = write!(obj, ", container <code>{}</code>", escape(c));
    }
    if !d.pos.is_known() && !d.path.as_str().is_empty() {
        let _ = write!(obj, ", path <code>{}</code>", escape(d.path.as_str()));
    }
    let _ = write!(s, "<p class=\"meta\">{obj}</p>");
    if let (Some(file), true) = (&d.file, d.pos.is_known()) {
        if let Some(line) = r.sources.line(file, d.pos.line) {
            let _ = write!(s, "<pre class=\"excerpt\"><span class=\"ln\">{}</span>{}</pre>", d.pos.line, escape(&line));
        }
    }
    let _ = write!(s, "<p class=\"fix\"><b>Fix:</b> {}</p></article>", inline(&d.remediation));
    s
}

const STYLE: &str = r#"
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dee7;--bg:#fff;--card:#f7f9fc}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0}
.wrap{max-width:1180px;margin:0 auto;padding:20px 24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 10px}h4{margin:12px 0 4px}
.sub{color:var(--muted)}
.top{display:flex;gap:24px;align-items:center;flex-wrap:wrap}
.score{display:flex;align-items:center;gap:14px;border:1px solid var(--line);border-radius:10px;padding:10px 16px}
.score .value{font-size:34px;font-weight:700}.score .grade{font-size:34px;font-weight:700;width:52px;height:52px;border-radius:26px;display:flex;align-items:center;justify-content:center;color:#fff}
.grade-A{background:#2e7d32}.grade-B{background:#558b2f}.grade-C{background:#f9a825}.grade-D{background:#ef6c00}.grade-F{background:#c62828}
table.counts{border-collapse:collapse}table.counts td,table.counts th{border:1px solid var(--line);padding:4px 10px;text-align:right}
.charts{display:flex;gap:28px;flex-wrap:wrap}.chart{margin:0}.chart figcaption{font-weight:600;margin-bottom:4px}.chart text{font-size:12px;fill:var(--fg)}
.controls{position:sticky;top:0;background:var(--bg);border-bottom:1px solid var(--line);padding:10px 0;display:flex;gap:14px;flex-wrap:wrap;align-items:center;z-index:1}
.controls input[type=search]{padding:6px 10px;min-width:260px;border:1px solid var(--line);border-radius:6px}
.views button{border:1px solid var(--line);background:var(--card);padding:5px 10px;border-radius:6px;cursor:pointer}.views button[aria-pressed=true]{background:var(--fg);color:#fff}
.finding{border:1px solid var(--line);border-left:5px solid var(--muted);border-radius:8px;padding:8px 12px;margin:10px 0;background:var(--card);break-inside:avoid}
.finding header{display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}.finding p{margin:4px 0}
.badge{color:#fff;border-radius:4px;padding:1px 7px;font-size:12px;font-weight:700;text-transform:uppercase}
.sev-critical{border-left-color:#7b1fa2}.badge.sev-critical{background:#7b1fa2}
.sev-high{border-left-color:#c62828}.badge.sev-high{background:#c62828}
.sev-medium{border-left-color:#ef6c00}.badge.sev-medium{background:#ef6c00}
.sev-low{border-left-color:#0277bd}.badge.sev-low{background:#0277bd}
.sev-info{border-left-color:#546e7a}.badge.sev-info{background:#546e7a}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;background:#eef1f6;border-radius:3px;padding:0 3px}
.loc{color:var(--muted)}.meta{color:var(--muted)}
pre{white-space:pre-wrap;word-break:break-word;background:#0f1420;color:#e8ecf3;border-radius:6px;padding:6px 10px;margin:6px 0;font-size:13px}
pre .ln{color:#8a93a6;margin-right:12px;user-select:none}
details{border:1px solid var(--line);border-radius:8px;margin:8px 0;padding:6px 12px}summary{cursor:pointer;font-weight:600}
.empty{padding:20px;text-align:center;color:var(--muted)}
.error{color:#c62828}
footer{color:var(--muted);margin:30px 0 10px;font-size:13px}
@media print{.controls,.noprint{display:none!important}.view[hidden]{display:block!important}body{font-size:12px}.wrap{max-width:none;padding:0}pre{background:#f3f3f3;color:#000}}
"#;

const SCRIPT: &str = r#"
(function(){
  var q=document.getElementById('search'), boxes=[].slice.call(document.querySelectorAll('input[data-sev]'));
  var items=[].slice.call(document.querySelectorAll('#view-findings .finding')), shown=document.getElementById('shown');
  function apply(){
    var text=q.value.trim().toLowerCase(), on={};
    boxes.forEach(function(b){on[b.getAttribute('data-sev')]=b.checked;});
    var n=0;
    items.forEach(function(it){
      var ok=on[it.getAttribute('data-severity')] && (!text || it.getAttribute('data-search').indexOf(text)>=0);
      it.hidden=!ok; if(ok)n++;
    });
    shown.textContent=String(n);
    document.getElementById('none').hidden=n>0||items.length===0;
  }
  function fromHash(){
    var h=decodeURIComponent(location.hash.replace(/^#/,'')), parts={};
    if(/^f[0-9]+$/.test(h)){show('findings');var f=document.getElementById(h);if(f){f.hidden=false;f.scrollIntoView();}return;}
    if(/^rule-/.test(h)){show('rules');var r=document.getElementById(h);if(r){r.open=true;r.scrollIntoView();}return;}
    h.split('&').forEach(function(p){var i=p.indexOf('='); if(i>0)parts[p.slice(0,i)]=p.slice(i+1);});
    if(parts.severity!==undefined){var want=parts.severity.split(',');boxes.forEach(function(b){b.checked=want.indexOf(b.getAttribute('data-sev'))>=0;});}
    if(parts.q!==undefined)q.value=parts.q;
    if(parts.view)show(parts.view);
  }
  function show(v){
    ['findings','resources','rules'].forEach(function(name){
      document.getElementById('view-'+name).hidden=(name!==v);
      document.getElementById('btn-'+name).setAttribute('aria-pressed', String(name===v));
    });
  }
  q.addEventListener('input',apply); boxes.forEach(function(b){b.addEventListener('change',apply);});
  ['findings','resources','rules'].forEach(function(name){document.getElementById('btn-'+name).addEventListener('click',function(){show(name);});});
  window.addEventListener('hashchange',function(){var h=location.hash;if(/^#(f[0-9]+|rule-)/.test(h)){fromHash();}else{fromHash();apply();}});
  window.addEventListener('beforeprint',function(){[].slice.call(document.querySelectorAll('details')).forEach(function(d){d.open=true;});});
  document.documentElement.classList.add('js');
  fromHash(); apply();
})();
"#;

/// Writes the HTML report.
///
/// # Errors
/// I/O errors.
pub fn write(r: &Render<'_>, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(to_string(r).as_bytes())
}

/// The HTML report as a string.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn to_string(r: &Render<'_>) -> String {
    let in_memory = super::in_memory(r.report);
    let r = &Render { report: &in_memory, ..*r };
    let report = r.report;
    let sc = score(report);
    let mut s = String::with_capacity(16_384 + report.diagnostics.len() * 700);
    let title = format!("kubeward {} report", r.command);
    let _ = write!(
        s,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body><div class=\"wrap\">",
        escape(&title)
    );
    // Header: title, score, counts.
    let _ = write!(
        s,
        "<div class=\"top\"><div><h1>{}</h1><div class=\"sub\">kubeward {} · {} object{} · {} file{}{}{}</div></div>",
        escape(&title),
        crate::VERSION,
        report.objects,
        if report.objects == 1 { "" } else { "s" },
        report.files,
        if report.files == 1 { "" } else { "s" },
        if report.exempted > 0 { format!(" · {} exempted by annotation", report.exempted) } else { String::new() },
        if report.hidden_by_baseline > 0 {
            format!(" · {} hidden by the baseline", report.hidden_by_baseline)
        } else {
            String::new()
        },
    );
    match sc {
        Some(sc) => {
            let _ = write!(
                s,
                "<div class=\"score\" id=\"score\" data-score=\"{v}\" data-grade=\"{g}\"><div><div class=\"sub\">Score</div><div class=\"value\">{v}<span class=\"sub\">/100</span></div></div><div class=\"grade grade-{g}\" title=\"grade\">{g}</div></div></div>",
                v = sc.value,
                g = sc.grade
            );
        }
        // A run that read nothing has no score (its errors say why).
        None => s.push_str(
            "<div class=\"score\" id=\"score\"><div><div class=\"sub\">Score</div><div class=\"value\">none<span class=\"sub\"> (nothing was read)</span></div></div></div></div>",
        ),
    }
    let counts = report.counts();
    s.push_str("<h2>Summary</h2><table class=\"counts\" id=\"counts\"><tr>");
    for (sev, _) in counts {
        let _ = write!(s, "<th>{}</th>", sev.as_str());
    }
    s.push_str("<th>total</th></tr><tr>");
    for (sev, n) in counts {
        let _ = write!(s, "<td data-severity=\"{}\">{n}</td>", sev.as_str());
    }
    let _ = write!(s, "<td data-severity=\"total\">{}</td></tr></table>", report.diagnostics.len());
    if !report.errors.is_empty() {
        let _ = write!(s, "<h2 class=\"error\">Input errors ({})</h2><ul id=\"errors\">", report.errors.len());
        for e in &report.errors {
            let _ = write!(s, "<li class=\"error\">{}</li>", escape(&e.to_string()));
        }
        s.push_str("</ul>");
    }
    // Charts.
    let sev_rows: Vec<(String, usize, &str)> =
        counts.iter().map(|(sev, n)| (sev.as_str().to_string(), *n, color(*sev))).collect();
    let mut by_cat: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &report.diagnostics {
        *by_cat.entry(d.rule.category.as_str()).or_default() += 1;
    }
    let mut cat_rows: Vec<(String, usize, &str)> =
        by_cat.into_iter().map(|(c, n)| (c.to_string(), n, "#3949ab")).collect();
    cat_rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let _ = write!(
        s,
        "<div class=\"charts\">{}{}</div>",
        bar_chart("chart-severity", "Findings by severity", &sev_rows),
        bar_chart("chart-category", "Findings by category", &cat_rows)
    );
    // Controls.
    s.push_str("<div class=\"controls noprint\"><input type=\"search\" id=\"search\" placeholder=\"Search rule, object, file, message\" aria-label=\"Search findings\"><span class=\"sevs\">");
    for (sev, n) in counts {
        let _ =
            write!(s, "<label><input type=\"checkbox\" data-sev=\"{v}\" checked> {v} ({n})</label> ", v = sev.as_str());
    }
    let _ = write!(
        s,
        "</span><span class=\"views\"><button id=\"btn-findings\" aria-pressed=\"true\">Findings</button> <button id=\"btn-resources\" aria-pressed=\"false\">By resource</button> <button id=\"btn-rules\" aria-pressed=\"false\">By rule</button></span><span class=\"sub\"><span id=\"shown\">{n}</span> of {n} shown</span></div>",
        n = report.diagnostics.len()
    );
    // View: every finding.
    s.push_str("<section class=\"view\" id=\"view-findings\"><h2>Findings</h2>");
    // Most severe first; within a severity, in file order.
    let mut order: Vec<(usize, &Diagnostic)> = report.diagnostics.iter().enumerate().collect();
    order.sort_by(|a, b| b.1.severity.cmp(&a.1.severity).then(a.0.cmp(&b.0)));
    for (i, d) in order {
        s.push_str(&finding_html(r, i, d));
    }
    let _ = write!(
        s,
        "<p class=\"empty\" id=\"none\"{}>No finding matches the filter.</p>",
        if report.diagnostics.is_empty() { "" } else { " hidden" }
    );
    if report.diagnostics.is_empty() {
        s.push_str("<p class=\"empty\" id=\"clean\">No findings.</p>");
    }
    s.push_str("</section>");
    // View: by resource.
    let mut by_obj: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, d) in report.diagnostics.iter().enumerate() {
        let key = match &d.file {
            Some(f) => format!("{} ({f})", d.object),
            None => d.object.to_string(),
        };
        by_obj.entry(key).or_default().push(i);
    }
    s.push_str("<section class=\"view\" id=\"view-resources\" hidden><h2>By resource</h2>");
    for (obj, idx) in &by_obj {
        let worst =
            idx.iter().filter_map(|i| report.diagnostics.get(*i)).map(|d| d.severity).max().unwrap_or(Severity::Info);
        let _ = write!(
            s,
            "<details class=\"resource\"><summary><span class=\"badge sev-{w}\">{w}</span> {} ({})</summary><ul>",
            escape(obj),
            idx.len(),
            w = worst.as_str()
        );
        for i in idx {
            if let Some(d) = report.diagnostics.get(*i) {
                let _ = write!(
                    s,
                    "<li><a href=\"#f{i}\">{}</a> <span class=\"badge sev-{sev}\">{sev}</span> {}</li>",
                    d.rule.code,
                    inline(&d.message),
                    sev = d.severity.as_str()
                );
            }
        }
        s.push_str("</ul></details>");
    }
    s.push_str("</section>");
    // View: by rule, with docs.
    let mut by_rule: BTreeMap<&str, (&RuleMeta, Vec<usize>)> = BTreeMap::new();
    for (i, d) in report.diagnostics.iter().enumerate() {
        by_rule.entry(d.rule.code).or_insert_with(|| (d.rule, Vec::new())).1.push(i);
    }
    s.push_str("<section class=\"view\" id=\"view-rules\" hidden><h2>By rule</h2>");
    for (code, (meta, idx)) in &by_rule {
        let _ = write!(
            s,
            "<details class=\"rule-docs\" id=\"rule-{code}\"><summary>{code} {} — {} ({})</summary><div class=\"docs\">{}</div><p><a href=\"{}\">Documentation online</a></p><ul>",
            escape(meta.name),
            escape(meta.summary),
            idx.len(),
            docs_html(meta),
            escape(&meta.docs_url())
        );
        for i in idx {
            if let Some(d) = report.diagnostics.get(*i) {
                let _ = write!(
                    s,
                    "<li><a href=\"#f{i}\"><code>{}</code></a> {}</li>",
                    escape(&d.location()),
                    inline(&d.message)
                );
            }
        }
        s.push_str("</ul></details>");
    }
    s.push_str("</section>");
    let _ = writeln!(
        s,
        "<footer>Score: each audited object starts with 10 points; a finding takes critical 10, high 5, medium 2, low 0.5, info 0 (at most 10 per object); the score is the share kept. A critical finding caps the grade at C. Generated by kubeward {}.</footer></div><script>{SCRIPT}</script></body></html>",
        crate::VERSION
    );
    s
}
