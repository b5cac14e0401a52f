use crate::context::Context;
use crate::images::{normalize_image, ScannerReport};
use crate::inventory::{Anchor, Inventory, ObjectHandle, ScannerReportEntry};
use crate::rule::{Rule, Severity};

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
        targets: INVENTORY,
        remediation: "upgrade the package (or rebuild on a patched base) and rescan; or ignore the id in `images.ignore` with a reason and an expiry",
        checklist: ["image.2", "image.3", "guide.image-scan"],
        cis: [],
        since: "0.1.0",
    }
}

/// A scanner report's blocking vulnerabilities, as the findings say them.
struct Said<'i> {
    entry: &'i ScannerReportEntry,
    /// `2 blocking vulnerabilities in FILE (ids)`, for the containers that run the image.
    summary: String,
    /// The highest severity among the blocking vulnerabilities.
    worst: Severity,
    /// Each blocking vulnerability: its message (without the workloads that run the image),
    /// severity and place in the report.
    vulns: Vec<(String, Severity, &'i Anchor)>,
}

/// What the findings say of a report (its vulnerabilities are the blocking ones).
fn said(entry: &ScannerReportEntry) -> Said<'_> {
    let r: &ScannerReport = &entry.report;
    let vulns = r
        .vulns
        .iter()
        .zip(&entry.anchors)
        .map(|(v, at)| {
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
            (msg, v.severity, at)
        })
        .collect();
    let worst = r.vulns.iter().map(|v| v.severity).max().unwrap_or(Severity::High);
    let mut ids: Vec<&str> = r.vulns.iter().map(|v| v.id.as_str()).collect();
    ids.dedup();
    let shown = ids.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    let more = if ids.len() > 5 { format!(" and {} more", ids.len() - 5) } else { String::new() };
    let summary = format!(
        "{} blocking vulnerabilit{} in {} ({shown}{more})",
        r.vulns.len(),
        if r.vulns.len() == 1 { "y" } else { "ies" },
        r.file.as_deref().unwrap_or("a report")
    );
    Said { entry, summary, worst, vulns }
}

impl Rule for VulnerableImage {
    fn check_inventory(&self, inv: &Inventory, cx: &mut Context<'_>) {
        let reports: Vec<Said<'_>> = inv.scanner_reports().iter().map(said).collect();
        if reports.is_empty() {
            return;
        }
        // Which containers run which report's image.
        let mut users: Vec<Vec<String>> = vec![Vec::new(); reports.len()];
        let mut runs: Vec<(&Said<'_>, &ObjectHandle, Anchor, &str, &str)> = Vec::new();
        for w in inv.workloads() {
            for c in &w.containers {
                let Some(n) = normalize_image(&c.image) else { continue };
                for (i, r) in reports.iter().enumerate() {
                    if r.entry.report.identity.matches_normalized(&n) {
                        if let Some(u) = users.get_mut(i) {
                            u.push(format!("{} (container `{}`)", w.handle, c.name));
                        }
                        // The container has an `image`: the anchor's field exists.
                        let at = Anchor { path: c.image_path(&w.pod_path), pos: c.image_at, exists: true };
                        runs.push((r, &w.handle, at, &c.name, &c.image));
                    }
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
                cx.report_at(&r.entry.handle, at, format!("{msg}{used}")).severity(*severity);
            }
        }
        for (r, handle, at, container, image) in runs {
            let msg = format!("container `{container}` runs image `{image}`, which has {}", r.summary);
            cx.report_at(handle, &at, msg).container(container).severity(r.worst);
        }
    }
}
