use std::collections::BTreeMap;

use crate::context::Context;
use crate::images::{reports_in, ScannerReport};
use crate::input::object::{Object, ObjectRef, Origin};
use crate::rule::{Rule, RuleMeta, Severity};
use crate::snapshot::Snapshot;

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

fn report_object<'a>(snap: &'a Snapshot, fi: usize, di: usize, r: &ScannerReport) -> Option<Object<'a>> {
    let f = snap.files.get(fi)?;
    let d = f.documents.get(di)?;
    Some(Object {
        root: &d.root,
        oref: ObjectRef {
            api_version: String::new(),
            kind: "VulnerabilityReport".into(),
            namespace: None,
            name: r.image.clone(),
        },
        origin: Origin { file: f.path.clone(), file_index: fi, doc_index: di, item: None, partial: false },
    })
}

impl Rule for VulnerableImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_snapshot(&self, snap: &Snapshot, cx: &mut Context<'_>) {
        let reports = reports_in(snap, &cx.settings.images, &cx.settings.today);
        if reports.is_empty() {
            return;
        }
        let objects = snap.objects();
        // Which containers run which report's image.
        let mut users: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let mut runs: Vec<(usize, Object<'_>, crate::input::path::FieldPath, String, String)> = Vec::new();
        snap.for_each_workload(&objects, |pod| {
            for c in pod.containers() {
                let Some(image) = c.image() else { continue };
                for (i, (_, _, r)) in reports.iter().enumerate() {
                    if r.blocking().next().is_some() && r.identity.matches(image) {
                        users.entry(i).or_default().push(format!("{} (container `{}`)", pod.object.oref, c.name()));
                        runs.push((
                            i,
                            pod.object.clone(),
                            c.path.key("image"),
                            c.name().to_string(),
                            image.to_string(),
                        ));
                    }
                }
            }
        });
        for (i, (fi, di, r)) in reports.iter().enumerate() {
            let Some(obj) = report_object(snap, *fi, *di, r) else { continue };
            let used = users.get(&i).map(|u| {
                let mut s = format!("; run by {}", u.iter().take(3).cloned().collect::<Vec<_>>().join(", "));
                if u.len() > 3 {
                    s.push_str(&format!(" and {} more", u.len() - 3));
                }
                s
            });
            for v in r.blocking() {
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
                let msg = format!(
                    "image `{}`: {} in `{}` `{}` ({fixed}; {sev}){expired}{}",
                    r.image,
                    v.id,
                    v.package,
                    v.installed,
                    used.as_deref().unwrap_or("")
                );
                cx.report(&obj, v.path.clone(), msg).severity(v.severity);
            }
        }
        for (i, obj, path, container, image) in &runs {
            let Some((_, _, r)) = reports.get(*i) else { continue };
            let blocking: Vec<&crate::images::Vuln> = r.blocking().collect();
            let worst = blocking.iter().map(|v| v.severity).max().unwrap_or(Severity::High);
            let mut ids: Vec<&str> = blocking.iter().map(|v| v.id.as_str()).collect();
            ids.dedup();
            let shown = ids.iter().take(5).copied().collect::<Vec<_>>().join(", ");
            let more = if ids.len() > 5 { format!(" and {} more", ids.len() - 5) } else { String::new() };
            let file = r.file.as_deref().unwrap_or("a report");
            let msg = format!(
                "container `{container}` runs image `{image}`, which has {} blocking vulnerabilit{} in {file} ({shown}{more})",
                blocking.len(),
                if blocking.len() == 1 { "y" } else { "ies" }
            );
            cx.report(obj, path.clone(), msg).container(container).severity(worst);
        }
    }
}
