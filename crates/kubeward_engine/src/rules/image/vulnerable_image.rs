use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::context::Context;
use crate::cross::{Anchor, Cross, CrossDyn, DocumentRef, FactList, Facts, ObjectHandle};
use crate::images::{normalize_image, ImageIdentity, ScannerReport};
use crate::input::node::Pos;
use crate::input::object::{Object, ObjectRef, Origin};
use crate::input::path::FieldPath;
use crate::input::workload::PodSpecView;
use crate::input::yaml::Document;
use crate::rule::{Rule, Severity};
use crate::snapshot::SourceFile;

crate::declare_rule! {
    /// ## What it does
    /// Reads the image scanners' vulnerability reports among the inputs (Trivy JSON, Grype
    /// JSON, Clair v4 VulnerabilityReports, recognised by their content: `kubeward images
    /// --report`, `kubeward scan --image-reports DIR`, or report files in a scanned tree) and
    /// applies the `images:` policy of `.kubeward.yaml`. Each blocking vulnerability is a
    /// finding at its place in the report, with its severity: image, package, installed and
    /// fixed versions, id. Each container of the scanned manifests that runs a reported image
    /// (same digest, or same repository and tag: `nginx` is `docker.io/library/nginx:latest`)
    /// is a finding too, at its `image`, with the highest severity among the blocking ones.
    /// See docs/images.md.
    ///
    /// ## Why is this bad?
    /// A known, fixable vulnerability in a running image is the cheapest way in. Deciding
    /// which severities block a deployment (and which CVEs are accepted, why, and until when)
    /// turns scanner output into a gate.
    ///
    /// ## Example
    /// ```yaml
    /// {"SchemaVersion": 2, "ArtifactName": "shop/web:1.0", "Results": [{"Target": "shop/web:1.0 (debian 12)",
    ///   "Vulnerabilities": [{"VulnerabilityID": "CVE-2024-6387", "PkgName": "openssh-server",
    ///     "InstalledVersion": "1:9.2p1-2", "FixedVersion": "1:9.2p1-2+deb12u3", "Severity": "HIGH"}]}]}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// {"SchemaVersion": 2, "ArtifactName": "shop/web:1.1", "Results": [{"Target": "shop/web:1.1 (debian 12)",
    ///   "Vulnerabilities": [{"VulnerabilityID": "CVE-2023-4039", "PkgName": "gcc-12",
    ///     "InstalledVersion": "12.2.0-14", "Severity": "LOW"}]}]}
    /// ```
    ///
    /// ## How to fix
    /// Rebuild the image on a patched base or upgrade the package to the fixed version, then
    /// rescan. If the vulnerability does not apply, add it to `images.ignore` with a `reason`
    /// and an `until` date.
    pub VulnerableImage {
        code: "IMG006",
        name: "vulnerable-image",
        summary: "an image has a vulnerability that the `images` policy blocks",
        severity: High,
        category: Image,
        targets: SNAPSHOT,
        remediation: "upgrade the package (or rebuild on a patched base) and rescan; or ignore the id in `images.ignore` with a reason and an expiry",
        checklist: ["image.2", "image.3", "guide.image-scan"],
        cis: [],
        since: "0.1.0",
    }
}

/// A scanner report with blocking vulnerabilities, as far as the findings need it.
pub struct ReportFact {
    /// The report, as an object named after its image.
    handle: ObjectHandle,
    /// What identifies the image.
    identity: ImageIdentity,
    /// `2 blocking vulnerabilities in FILE (ids)`, for the containers that run the image.
    summary: String,
    /// The highest severity among the blocking vulnerabilities.
    worst: Severity,
    /// Each blocking vulnerability: its message (without the workloads that run the image),
    /// severity and place in the report.
    vulns: Vec<(String, Severity, Anchor)>,
}

/// What the rule keeps across documents.
pub enum Fact {
    /// A scanner report with blocking vulnerabilities.
    Report(Box<ReportFact>),
    /// A container of a workload, with an image (strings interned: images, names and paths
    /// repeat across workloads, and every container of the run is kept until the end).
    Container {
        /// The workload.
        handle: ObjectHandle,
        /// The container's `image`.
        image: Arc<str>,
        /// The container's name.
        name: Arc<str>,
        /// The JSON pointer of its `image`.
        path: Arc<str>,
        /// Where its `image` is.
        pos: Pos,
    },
}

/// Interns strings for container facts. Shared by every run of the process; past a bound it
/// stops adding (a long-lived process meets new images forever) and hands out fresh copies.
fn intern(s: &str) -> Arc<str> {
    static TABLE: Mutex<Option<HashSet<Arc<str>>>> = Mutex::new(None);
    const MAX: usize = 200_000;
    let Ok(mut guard) = TABLE.lock() else { return Arc::from(s) };
    let table = guard.get_or_insert_with(HashSet::new);
    if let Some(a) = table.get(s) {
        return a.clone();
    }
    let a: Arc<str> = Arc::from(s);
    if table.len() < MAX {
        table.insert(a.clone());
    }
    a
}

/// The report of document `di` of file `fi`, when it is one with blocking vulnerabilities.
fn report_fact(file: &SourceFile, fi: usize, di: usize, doc: &Document, facts: &Facts<'_>) -> Option<Fact> {
    let settings = facts.settings();
    let r = ScannerReport::read(file.path.clone(), &doc.root, None, &settings.images, &settings.today)?;
    let blocking: Vec<&crate::images::Vuln> = r.blocking().collect();
    if blocking.is_empty() {
        return None;
    }
    let obj = Object {
        root: &doc.root,
        oref: ObjectRef {
            api_version: String::new(),
            kind: "VulnerabilityReport".into(),
            namespace: None,
            name: r.image.clone(),
        },
        origin: Origin { file: file.path.clone(), file_index: fi, doc_index: di, item: None, partial: false },
    };
    let vulns = blocking
        .iter()
        .map(|v| {
            let fixed =
                v.fixed.as_deref().map_or_else(|| "no fixed version".to_string(), |f| format!("fixed in `{f}`"));
            let sev = if v.severity_unknown {
                format!("severity `{}` unknown, counted as {}", v.severity_raw, v.severity)
            } else {
                format!("severity {}", v.severity_raw.to_ascii_lowercase())
            };
            let expired = v
                .expired_ignore
                .as_deref()
                .map(|u| format!("; its `images.ignore` entry expired on {u}"))
                .unwrap_or_default();
            let msg =
                format!("image `{}`: {} in `{}` `{}` ({fixed}; {sev}){expired}", r.image, v.id, v.package, v.installed);
            (msg, v.severity, Anchor::of(&obj, v.path.clone()))
        })
        .collect();
    let worst = blocking.iter().map(|v| v.severity).max().unwrap_or(Severity::High);
    let mut ids: Vec<&str> = blocking.iter().map(|v| v.id.as_str()).collect();
    ids.dedup();
    let shown = ids.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    let more = if ids.len() > 5 { format!(" and {} more", ids.len() - 5) } else { String::new() };
    let summary = format!(
        "{} blocking vulnerabilit{} in {} ({shown}{more})",
        blocking.len(),
        if blocking.len() == 1 { "y" } else { "ies" },
        r.file.as_deref().unwrap_or("a report")
    );
    Some(Fact::Report(Box::new(ReportFact { handle: facts.handle(&obj), identity: r.identity, summary, worst, vulns })))
}

impl Rule for VulnerableImage {
    fn cross(&self) -> Option<&dyn CrossDyn> {
        Some(self)
    }
}

impl Cross for VulnerableImage {
    type Fact = Fact;

    fn document(&self, d: &DocumentRef<'_>, facts: &Facts<'_>, out: &mut Vec<Fact>) {
        if let Some(r) = report_fact(d.file, d.file_index, d.doc_index, d.doc, facts) {
            out.push(r);
        }
    }

    fn fact(&self, obj: &Object<'_>, facts: &Facts<'_>, out: &mut Vec<Fact>) {
        let Some(pod) = PodSpecView::of(obj) else { return };
        for c in pod.containers() {
            let Some(image) = c.image() else { continue };
            let at = Anchor::of(obj, c.path.key("image"));
            out.push(Fact::Container {
                handle: facts.handle(obj),
                image: intern(image),
                name: intern(c.name()),
                path: intern(at.path.as_str()),
                pos: at.pos,
            });
        }
    }

    fn finish(&self, facts: FactList<Fact>, cx: &mut Context<'_>) {
        let reports: Vec<&ReportFact> = facts
            .iter()
            .filter_map(|f| match f {
                Fact::Report(r) => Some(&**r),
                Fact::Container { .. } => None,
            })
            .collect();
        if reports.is_empty() {
            return;
        }
        // Which containers run which report's image.
        let mut users: Vec<Vec<String>> = vec![Vec::new(); reports.len()];
        let mut runs: Vec<(&ReportFact, &ObjectHandle, Anchor, &str, &str)> = Vec::new();
        for f in &facts {
            let Fact::Container { handle, image, name, path, pos } = f else { continue };
            let Some(n) = normalize_image(image) else { continue };
            for (i, r) in reports.iter().enumerate() {
                if r.identity.matches_normalized(&n) {
                    if let Some(u) = users.get_mut(i) {
                        u.push(format!("{handle} (container `{name}`)"));
                    }
                    // The container has an `image`: the anchor's field exists.
                    let at = Anchor { path: FieldPath::parse(path), pos: *pos, exists: true };
                    runs.push((r, handle, at, name, image));
                }
            }
        }
        for (r, u) in reports.iter().zip(&users) {
            let used = if u.is_empty() {
                String::new()
            } else {
                let mut s = format!("; run by {}", u.iter().take(3).cloned().collect::<Vec<_>>().join(", "));
                if u.len() > 3 {
                    s.push_str(&format!(" and {} more", u.len() - 3));
                }
                s
            };
            for (msg, severity, at) in &r.vulns {
                cx.report_at(&r.handle, at, format!("{msg}{used}")).severity(*severity);
            }
        }
        for (r, handle, at, container, image) in runs {
            let msg = format!("container `{container}` runs image `{image}`, which has {}", r.summary);
            cx.report_at(handle, &at, msg).container(container).severity(r.worst);
        }
    }
}
