//! HTML output: one self-contained file (inline CSS, inline SVG charts, a small inline script;
//! no external script, style, font or image), readable offline from an email attachment, on
//! a laptop screen and in print.
//!
//! Contents: the version, the date and the scanned paths, the score and grade, findings by
//! severity and by category (bar charts), and three views of the findings: all findings
//! (filter by severity, search box), by resource, and by rule with each rule's documentation
//! (groups most severe first, then the largest). Each finding shows its location, the source
//! line, the object, the message and the remediation.
//!
//! Scale: the findings are a JSON data block (a string table and one array of indices per
//! finding), listed [`PAGE`] at a time by the script as text nodes, so a report of 80,000
//! findings is a few megabytes and opens in seconds; every string goes through
//! [`super::printable`] first, as in the other human-readable reports.
//!
//! The initial filter can be given in the URL fragment, `report.html#severity=critical,high&q=nginx`,
//! so a link can point at a filtered view (and tests drive the filter through a real browser).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};

use super::score::score;
use super::Render;
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

/// Inline Markdown as HTML, escaped: `` `code` `` spans, `**strong**`, `*emphasis*` and
/// `[text](https://...)` links (only `http`/`https` targets; anything else stays text). The text
/// is escaped first and the markers are found in the escaped text, so no markup of the input
/// survives. Rule summaries, messages and docs use it.
#[must_use]
pub fn inline(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{}</code>", escape(part)) } else { emphasis(&escape(part)) })
        .collect()
}

/// `**strong**`, `*emphasis*` and links in escaped text.
fn emphasis(escaped: &str) -> String {
    let linked = links(escaped);
    let strong = pairs(&linked, "**", "strong");
    pairs(&strong, "*", "em")
}

/// Replaces `marker text marker` pairs by `<tag>text</tag>`; an unpaired marker stays. A
/// marker must hug its text (`a * b` is not emphasis).
fn pairs(s: &str, marker: &str, tag: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find(marker) {
        let after = &rest[start + marker.len()..];
        let close = after.find(marker).filter(|&end| {
            end > 0
                && !after.starts_with(char::is_whitespace)
                && !after[..end].ends_with(char::is_whitespace)
                && !after[..end].contains('*')
        });
        match close {
            Some(end) => {
                out.push_str(&rest[..start]);
                let _ = write!(out, "<{tag}>{}</{tag}>", &after[..end]);
                rest = &after[end + marker.len()..];
            }
            None => {
                out.push_str(&rest[..start + marker.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `[text](http(s)://target)` links in escaped text.
fn links(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let parsed = rest[open + 1..].split_once("](").and_then(|(text, tail)| {
            let (url, after) = tail.split_once(')')?;
            let ok = !text.contains('[')
                && (url.starts_with("https://") || url.starts_with("http://"))
                && !url.contains(char::is_whitespace);
            ok.then_some((text, url, after))
        });
        match parsed {
            Some((text, url, after)) => {
                out.push_str(&rest[..open]);
                let _ = write!(out, "<a href=\"{url}\">{text}</a>");
                rest = after;
            }
            None => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
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

/// How many findings (and groups) are rendered at a time; "Show more" adds as many.
pub const PAGE: usize = 100;

/// The findings as data for the page's script: strings are made printable here (controls and
/// bidirectional formatting characters become visible escapes, as in the rest of the report)
/// and the script puts them in the page as text (`textContent`), never as markup.
struct Data {
    strings: Vec<String>,
    index: HashMap<String, usize>,
}

impl Data {
    fn new() -> Self {
        Self { strings: Vec::new(), index: HashMap::new() }
    }

    /// The index of a string in the string table (`-1` for none).
    fn str(&mut self, s: Option<&str>) -> i64 {
        let Some(s) = s else { return -1 };
        let s = super::printable::printable(s);
        if let Some(i) = self.index.get(s.as_ref()) {
            return i64::try_from(*i).unwrap_or(-1);
        }
        let i = self.strings.len();
        self.strings.push(s.to_string());
        self.index.insert(s.into_owned(), i);
        i64::try_from(i).unwrap_or(-1)
    }
}

/// JSON for a `<script type="application/json">` element: `<`, `>` and `&` (which only occur
/// inside JSON strings) are written as `\u003c`..., so no `</script>` or comment can close it.
fn script_json(v: &serde_json::Value) -> String {
    let mut out = String::new();
    for c in v.to_string().chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

fn severity_index(s: Severity) -> usize {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(4)
}

/// Groups sorted most severe first, then by size, then by name.
fn sort_groups<K: Ord>(groups: &mut [(Severity, K, Vec<usize>)]) {
    groups.sort_by(|a, b| b.0.cmp(&a.0).then(b.2.len().cmp(&a.2.len())).then_with(|| a.1.cmp(&b.1)));
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
.more{text-align:center}.more button,li.more button{border:1px solid var(--line);background:var(--card);padding:5px 10px;border-radius:6px;cursor:pointer}
.printonly{display:none}
.error{color:#c62828}
footer{color:var(--muted);margin:30px 0 10px;font-size:13px}
@media print{.controls,.noprint{display:none!important}.printonly{display:block}.view[hidden]{display:block!important}body{font-size:12px}.wrap{max-width:none;padding:0}pre{background:#f3f3f3;color:#000}}
"#;

const SCRIPT: &str = r#"
(function(){
  var D=JSON.parse(document.getElementById('kw-data').textContent);
  var SEV=['critical','high','medium','low','info'], S=D.s, R=D.r, F=D.f, PAGE=D.page;
  var q=document.getElementById('search'), boxes=[].slice.call(document.querySelectorAll('input[data-sev]'));
  var list=document.getElementById('list'), shown=document.getElementById('shown');
  var order=F.map(function(_,i){return i;}).sort(function(a,b){return F[a][0]-F[b][0]||a-b;});
  var hay=null, matches=order, limit=PAGE;
  function str(i){return i<0?'':S[i];}
  function text(t){return document.createTextNode(t);}
  function el(tag,cls,t){var e=document.createElement(tag);if(cls)e.className=cls;if(t!==undefined)e.textContent=t;return e;}
  function inline(parent,t){t.split('`').forEach(function(p,i){if(i%2){parent.appendChild(el('code','',p));}else if(p){parent.appendChild(text(p));}});return parent;}
  function badge(sev){return el('span','badge sev-'+SEV[sev],SEV[sev]);}
  function search(i){
    if(!hay)hay=F.map(function(f){var r=R[f[1]];return [r[0],r[1],str(f[4]),str(f[2]),str(f[3]),str(f[5])].join(' ').toLowerCase();});
    return hay[i];
  }
  function finding(i){
    var f=F[i], r=R[f[1]], sev=SEV[f[0]], a=el('article','finding sev-'+sev), h=el('header'), m=el('p','meta');
    a.id='f'+i; a.setAttribute('data-severity',sev); a.setAttribute('data-rule',r[0]); a.setAttribute('data-category',r[2]);
    var l=el('a','rule',r[0]+' '+r[1]); l.href='#rule-'+r[0];
    h.appendChild(badge(f[0])); h.appendChild(text(' ')); h.appendChild(l); h.appendChild(text(' ')); h.appendChild(el('code','loc',str(f[2])));
    a.appendChild(h); a.appendChild(inline(el('p','msg'),str(f[3])));
    m.appendChild(el('span','obj',str(f[4])));
    if(f[5]>=0){m.appendChild(text(', container '));m.appendChild(el('code','',str(f[5])));}
    if(f[6]>=0){m.appendChild(text(', path '));m.appendChild(el('code','',str(f[6])));}
    a.appendChild(m);
    if(f[8]>=0){var pre=el('pre','excerpt');pre.appendChild(el('span','ln',String(f[7])));pre.appendChild(text(str(f[8])));a.appendChild(pre);}
    var fx=el('p','fix'); fx.appendChild(el('b','','Fix:')); fx.appendChild(text(' ')); a.appendChild(inline(fx,str(f[9])));
    return a;
  }
  function filter(){
    var t=q.value.trim().toLowerCase(), on={};
    boxes.forEach(function(b){on[b.getAttribute('data-sev')]=b.checked;});
    matches=order.filter(function(i){return on[SEV[F[i][0]]] && (!t || search(i).indexOf(t)>=0);});
  }
  function render(){
    var n=Math.min(limit,matches.length), frag=document.createDocumentFragment();
    for(var k=0;k<n;k++)frag.appendChild(finding(matches[k]));
    list.textContent=''; list.appendChild(frag);
    shown.textContent=String(matches.length);
    document.getElementById('none').hidden=matches.length>0||F.length===0;
    document.getElementById('more-findings').hidden=n>=matches.length;
    document.getElementById('listed').textContent='Listed: '+n+' of '+matches.length+'.';
    document.getElementById('print-note').textContent=n<matches.length?('This print lists '+n+' of '+matches.length+' findings; the JSON report (--format json) has them all.'):'';
  }
  function apply(){limit=PAGE;filter();render();}
  function items(ul,ids,line){
    var done=ul.children.length, n=Math.min(done+PAGE,ids.length), frag=document.createDocumentFragment();
    var old=ul.querySelector('li.more'); if(old)ul.removeChild(old);
    for(var k=ul.children.length;k<n;k++)frag.appendChild(line(ids[k]));
    if(n<ids.length){var li=el('li','more noprint'),b=el('button','','Show '+Math.min(PAGE,ids.length-n)+' more of '+(ids.length-n));b.addEventListener('click',function(){items(ul,ids,line);});li.appendChild(b);frag.appendChild(li);}
    ul.appendChild(frag);
  }
  function byResource(i){var f=F[i],li=el('li'),a=el('a','',R[f[1]][0]);a.href='#f'+i;li.appendChild(a);li.appendChild(text(' '));li.appendChild(badge(f[0]));li.appendChild(text(' '));return inline(li,str(f[3]));}
  function byRule(i){var f=F[i],li=el('li'),a=el('a');a.href='#f'+i;a.appendChild(el('code','',str(f[2])));li.appendChild(a);li.appendChild(text(' '));return inline(li,str(f[3]));}
  var groups=0, res=document.getElementById('resources');
  function moreResources(){
    var n=Math.min(groups+PAGE,D.o.length), frag=document.createDocumentFragment();
    for(;groups<n;groups++){
      var g=D.o[groups], d=el('details','resource'), sm=el('summary'), ul=el('ul');
      sm.appendChild(badge(g[0])); sm.appendChild(text(' '+str(g[1])+' ('+g[2].length+')'));
      d.appendChild(sm); d.appendChild(ul);
      d.addEventListener('toggle',(function(d,ul,ids){return function(){if(d.open&&!ul.children.length)items(ul,ids,byResource);};})(d,ul,g[2]));
      frag.appendChild(d);
    }
    res.appendChild(frag);
    document.getElementById('more-resources').hidden=groups>=D.o.length;
  }
  [].slice.call(document.querySelectorAll('details.rule-docs')).forEach(function(d){
    var ul=d.querySelector('ul.hits'), g=D.g[+d.getAttribute('data-group')];
    d.addEventListener('toggle',function(){if(d.open&&!ul.children.length)items(ul,g[1],byRule);});
  });
  function show(v){
    ['findings','resources','rules'].forEach(function(name){
      document.getElementById('view-'+name).hidden=(name!==v);
      document.getElementById('btn-'+name).setAttribute('aria-pressed', String(name===v));
    });
    if(v==='resources'&&groups===0)moreResources();
  }
  function toFinding(id){
    var i=+id.slice(1);
    if(!(i>=0&&i<F.length))return;
    show('findings');
    var at=matches.indexOf(i);
    if(at<0){q.value='';boxes.forEach(function(b){b.checked=true;});filter();at=matches.indexOf(i);}
    if(at>=limit){limit=(Math.floor(at/PAGE)+1)*PAGE;}
    render();
    var e=document.getElementById(id); if(e)e.scrollIntoView();
  }
  function fromHash(){
    var h=decodeURIComponent(location.hash.replace(/^#/,'')), parts={};
    if(/^f[0-9]+$/.test(h)){toFinding(h);return true;}
    if(/^rule-/.test(h)){show('rules');var r=document.getElementById(h);if(r){r.open=true;r.scrollIntoView();}return true;}
    h.split('&').forEach(function(p){var i=p.indexOf('='); if(i>0)parts[p.slice(0,i)]=p.slice(i+1);});
    if(parts.severity!==undefined){var want=parts.severity.split(',');boxes.forEach(function(b){b.checked=want.indexOf(b.getAttribute('data-sev'))>=0;});}
    if(parts.q!==undefined)q.value=parts.q;
    if(parts.view)show(parts.view);
    return false;
  }
  q.addEventListener('input',apply); boxes.forEach(function(b){b.addEventListener('change',apply);});
  document.getElementById('more').addEventListener('click',function(){limit+=PAGE;render();});
  document.getElementById('all').addEventListener('click',function(){limit=matches.length;render();});
  document.getElementById('more-res').addEventListener('click',moreResources);
  ['findings','resources','rules'].forEach(function(name){document.getElementById('btn-'+name).addEventListener('click',function(){show(name);});});
  window.addEventListener('hashchange',function(){if(!fromHash())apply();});
  window.addEventListener('beforeprint',function(){[].slice.call(document.querySelectorAll('details')).forEach(function(d){d.open=true;});});
  document.documentElement.classList.add('js');
  filter();
  if(!fromHash())apply();
})();
"#;

/// The paths the user named, the first ten (`-` is standard input).
fn scanned(roots: &[String]) -> String {
    if roots.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = roots
        .iter()
        .take(10)
        .map(|p| format!("<code>{}</code>", if p == "-" { "standard input".to_string() } else { escape(p) }))
        .collect();
    let more = if roots.len() > 10 { format!(" and {} more", roots.len() - 10) } else { String::new() };
    format!("<div class=\"sub\" id=\"scanned\">Scanned: {}{more}</div>", shown.join(", "))
}

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
    let report = r.report;
    let sc = score(report);
    // The findings are read once, as the report yields them (decoded one at a time in a
    // streaming scan): the page's data, its charts and groups are built in the same pass.
    let total = report.finding_count();
    let mut s = String::with_capacity(16_384 + total * 160);
    let title = format!("kubeward {} report", r.command);
    let _ = write!(
        s,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body><div class=\"wrap\">",
        escape(&title)
    );
    // Header: title, version, date, what was scanned, score, counts.
    let _ = write!(
        s,
        "<div class=\"top\"><div><h1>{}</h1><div class=\"sub\" id=\"run\" data-version=\"{v}\" data-date=\"{d}\">kubeward {v}{} · {} object{} · {} file{}{}{}</div>{}</div>",
        escape(&title),
        if r.date.is_empty() { String::new() } else { format!(" · {}", escape(r.date)) },
        report.objects(),
        if report.objects() == 1 { "" } else { "s" },
        report.files(),
        if report.files() == 1 { "" } else { "s" },
        if report.exempted() > 0 { format!(" · {} exempted by annotation", report.exempted()) } else { String::new() },
        if report.hidden_by_baseline() > 0 {
            format!(" · {} hidden by the baseline", report.hidden_by_baseline())
        } else {
            String::new()
        },
        scanned(r.roots),
        v = crate::VERSION,
        d = escape(r.date),
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
    let _ = write!(s, "<td data-severity=\"total\">{total}</td></tr></table>");
    if !report.errors().is_empty() {
        let _ = write!(s, "<h2 class=\"error\">Input errors ({})</h2><ul id=\"errors\">", report.errors().len());
        for e in report.errors() {
            let _ = write!(s, "<li class=\"error\">{}</li>", escape(&e.to_string()));
        }
        s.push_str("</ul>");
    }
    // Charts (the category chart once the findings are read).
    let sev_rows: Vec<(String, usize, &str)> =
        counts.iter().map(|(sev, n)| (sev.as_str().to_string(), *n, color(*sev))).collect();
    // The data the script lists findings from.
    let mut data = Data::new();
    let mut rules: Vec<&RuleMeta> = Vec::new();
    let mut rule_index: HashMap<&str, usize> = HashMap::new();
    let mut findings: Vec<serde_json::Value> = Vec::with_capacity(total);
    let mut by_cat: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_obj: BTreeMap<String, (Severity, Vec<usize>)> = BTreeMap::new();
    let mut by_rule: BTreeMap<&str, (Severity, Vec<usize>)> = BTreeMap::new();
    for (i, d) in report.findings().enumerate() {
        *by_cat.entry(d.rule.category.as_str()).or_default() += 1;
        let key = match &d.file {
            Some(f) => format!("{} ({f})", d.object),
            None => d.object.to_string(),
        };
        let e = by_obj.entry(key).or_insert((d.severity, Vec::new()));
        e.0 = e.0.max(d.severity);
        e.1.push(i);
        let e = by_rule.entry(d.rule.code).or_insert((d.severity, Vec::new()));
        e.0 = e.0.max(d.severity);
        e.1.push(i);
        let ri = *rule_index.entry(d.rule.code).or_insert_with(|| {
            rules.push(d.rule);
            rules.len() - 1
        });
        let (line, excerpt) = match (&d.file, d.pos.is_known()) {
            (Some(file), true) => (d.pos.line, r.sources.line(file, d.pos.line)),
            _ => (0, None),
        };
        let path = (!d.pos.is_known() && !d.path.as_str().is_empty()).then(|| d.path.as_str());
        findings.push(serde_json::json!([
            severity_index(d.severity),
            ri,
            data.str(Some(&d.location())),
            data.str(Some(&d.message)),
            data.str(Some(&d.object.to_string())),
            data.str(d.container.as_deref()),
            data.str(path),
            line,
            data.str(excerpt.as_deref()),
            data.str(Some(&d.remediation)),
        ]));
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
        "</span><span class=\"views\"><button id=\"btn-findings\" aria-pressed=\"true\">Findings</button> <button id=\"btn-resources\" aria-pressed=\"false\">By resource</button> <button id=\"btn-rules\" aria-pressed=\"false\">By rule</button></span><span class=\"sub\"><span id=\"shown\">{total}</span> of {total} match</span></div>"
    );
    // Groups: by resource and by rule, most severe first, then the largest.
    let mut resources: Vec<(Severity, String, Vec<usize>)> = by_obj.into_iter().map(|(k, (w, v))| (w, k, v)).collect();
    sort_groups(&mut resources);
    let mut rule_groups: Vec<(Severity, &str, Vec<usize>)> = by_rule.into_iter().map(|(k, (w, v))| (w, k, v)).collect();
    sort_groups(&mut rule_groups);
    let resource_data: Vec<serde_json::Value> =
        resources.iter().map(|(w, k, v)| serde_json::json!([severity_index(*w), data.str(Some(k)), v])).collect();
    let rule_data: Vec<serde_json::Value> = rule_groups
        .iter()
        .map(|(_, code, v)| serde_json::json!([rule_index.get(code).copied().unwrap_or(0), v]))
        .collect();
    let rule_rows: Vec<serde_json::Value> = rules
        .iter()
        .map(|m| {
            serde_json::json!([
                super::printable::printable(m.code),
                super::printable::printable(m.name),
                m.category.as_str()
            ])
        })
        .collect();
    // View: every finding, most severe first (within a severity, in file order), a page at a
    // time.
    let _ = write!(
        s,
        "<section class=\"view\" id=\"view-findings\"><h2>Findings</h2><noscript><p class=\"empty\">This page lists its findings with a script: allow scripts, or use <code>--format text</code> or <code>--format markdown</code>.</p></noscript><div id=\"list\"></div><p class=\"more noprint\" id=\"more-findings\" hidden><span id=\"listed\"></span> <button id=\"more\">Show {PAGE} more</button> <button id=\"all\">Show all</button></p><p class=\"printonly\" id=\"print-note\"></p><p class=\"empty\" id=\"none\" hidden>No finding matches the filter.</p>"
    );
    if total == 0 {
        s.push_str("<p class=\"empty\" id=\"clean\">No findings.</p>");
    }
    s.push_str("</section>");
    // View: by resource (listed by the script when shown).
    let _ = write!(
        s,
        "<section class=\"view\" id=\"view-resources\" hidden><h2>By resource ({})</h2><div id=\"resources\"></div><p class=\"more noprint\" id=\"more-resources\" hidden><button id=\"more-res\">Show {PAGE} more</button></p></section>",
        resources.len()
    );
    // View: by rule, with docs; each rule's findings are listed by the script when opened.
    s.push_str("<section class=\"view\" id=\"view-rules\" hidden><h2>By rule</h2>");
    for (k, (worst, code, idx)) in rule_groups.iter().enumerate() {
        let Some(meta) = rule_index.get(code).and_then(|i| rules.get(*i)) else { continue };
        let _ = write!(
            s,
            "<details class=\"rule-docs\" id=\"rule-{c}\" data-group=\"{k}\"><summary><span class=\"badge sev-{w}\">{w}</span> {c} {} — {} ({})</summary><div class=\"docs\">{}</div><p><a href=\"{}\">Documentation online</a></p><ul class=\"hits\"></ul></details>",
            escape(meta.name),
            inline(meta.summary),
            idx.len(),
            docs_html(meta),
            escape(&meta.docs_url()),
            c = escape(code),
            w = worst.as_str(),
        );
    }
    s.push_str("</section>");
    let data_json = serde_json::json!({
        "page": PAGE,
        "s": data.strings,
        "r": rule_rows,
        "f": findings,
        "o": resource_data,
        "g": rule_data,
    });
    let _ = writeln!(
        s,
        "<footer>Score: each audited object starts with 10 points; a finding takes critical 10, high 5, medium 2, low 0.5, info 0 (at most 10 per object); the score is the share kept. A critical finding caps the grade at C. Generated by kubeward {}{}.</footer></div><script type=\"application/json\" id=\"kw-data\">{}</script><script>{SCRIPT}</script></body></html>",
        crate::VERSION,
        if r.date.is_empty() { String::new() } else { format!(" on {}", escape(r.date)) },
        script_json(&data_json),
    );
    s
}
