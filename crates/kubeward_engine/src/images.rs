//! Vulnerability reports of image scanners, gated by a policy (issue 6).
//!
//! Reads Trivy JSON (`trivy image -f json`, `SchemaVersion: 2`), Grype JSON (`grype -o json`)
//! and Clair v4 `VulnerabilityReport`s, detected from their content. Every vulnerability of a
//! report gets a [`Decision`] from the `images:` policy of `.kubeward.yaml`: blocking, ignored
//! (a CVE id with a reason, until a date), below the blocking severities, or not fixable (when
//! `fixable-only` is set). Nothing is dropped: [`Accounting`] counts every one.
//!
//! Reports are read from the same position-carrying tree as manifests, so every
//! vulnerability has a line, a column and a JSON pointer into its report.
//!
//! The admission webhook uses [`VulnIndex`]: built once from a directory of reports and the
//! settings, it answers [`VulnIndex::blocking_for_image`] for the image of a pod's container.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::InputError;
use crate::input::image_ref::ImageRef;
use crate::input::node::{Node, Pos};
use crate::input::path::FieldPath;
use crate::input::yaml::{load, Limits};
use crate::rule::Severity;
use crate::settings::images::ImagePolicy;
use crate::snapshot::Snapshot;

/// Which scanner wrote a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// Trivy JSON, `SchemaVersion` 2.
    Trivy,
    /// Grype JSON.
    Grype,
    /// Clair v4 VulnerabilityReport.
    Clair,
}

impl ReportFormat {
    /// Name for messages.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trivy => "trivy",
            Self::Grype => "grype",
            Self::Clair => "clair",
        }
    }

    /// Detects the format from a document's content; `None` when it is not a report.
    #[must_use]
    pub fn detect(root: &Node) -> Option<Self> {
        if !root.is_map() {
            return None;
        }
        if root.get("SchemaVersion").is_some() && (root.get("Results").is_some() || root.get("ArtifactName").is_some())
        {
            return Some(Self::Trivy);
        }
        if root.get("matches").is_some_and(Node::is_seq)
            && (root.at(&["descriptor", "name"]).and_then(Node::as_str) == Some("grype")
                || root.get("source").is_some())
        {
            return Some(Self::Grype);
        }
        if root.get("manifest_hash").is_some()
            && root.get("vulnerabilities").is_some()
            && root.get("package_vulnerabilities").is_some()
        {
            return Some(Self::Clair);
        }
        None
    }
}

/// What the policy says about one vulnerability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// It blocks.
    Blocking,
    /// Ignored by `images.ignore` (the reason).
    Ignored(String),
    /// Its severity is not one that blocks.
    BelowThreshold,
    /// `fixable-only` is set and there is no fixed version.
    NotFixable,
}

/// One vulnerability of one package in one report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vuln {
    /// Vulnerability id (a CVE when the scanner gives one).
    pub id: String,
    /// Other ids of the same vulnerability (GHSA/CVE, advisory ids).
    pub aliases: Vec<String>,
    /// Package name.
    pub package: String,
    /// Installed version.
    pub installed: String,
    /// Fixed version(s), when known.
    pub fixed: Option<String>,
    /// The scanner's severity word as written.
    pub severity_raw: String,
    /// Mapped severity (unknown words get `images.unknown-severity`).
    pub severity: Severity,
    /// Whether the raw severity was unknown.
    pub severity_unknown: bool,
    /// The image, as the report names it.
    pub image: String,
    /// The report file.
    pub file: Option<Arc<str>>,
    /// JSON pointer of the vulnerability in the report.
    pub path: FieldPath,
    /// Line and column in the report.
    pub pos: Pos,
    /// The policy's decision.
    pub decision: Decision,
    /// An `images.ignore` entry matched but expired on this date.
    pub expired_ignore: Option<String>,
}

/// What identifies the scanned image.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageIdentity {
    /// Repository and tag pairs (`docker.io/library/nginx`, `1.25`), normalised.
    pub tags: Vec<(String, String)>,
    /// Digests (`sha256:...`): manifest digests and repo digests.
    pub digests: Vec<String>,
}

/// An image reference normalised for comparison: `nginx` is `docker.io/library/nginx:latest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NormalizedImage {
    /// `registry/path`.
    pub repository: String,
    /// Tag (`latest` when neither tag nor digest is written).
    pub tag: Option<String>,
    /// Digest.
    pub digest: Option<String>,
}

/// Normalises an image reference; `None` for templated or malformed ones.
#[must_use]
pub fn normalize_image(image: &str) -> Option<NormalizedImage> {
    let r = ImageRef::parse(image)?;
    let tag = match (r.tag, r.digest) {
        (Some(t), _) => Some(t.to_string()),
        (None, None) => Some("latest".to_string()),
        (None, Some(_)) => None,
    };
    Some(NormalizedImage {
        repository: format!("{}/{}", r.registry, r.path),
        tag,
        digest: r.digest.map(str::to_ascii_lowercase),
    })
}

impl ImageIdentity {
    fn add_ref(&mut self, s: &str) {
        if let Some(n) = normalize_image(s) {
            if let Some(t) = n.tag {
                if !self.tags.contains(&(n.repository.clone(), t.clone())) {
                    self.tags.push((n.repository, t));
                }
            }
            if let Some(d) = n.digest {
                self.add_digest(&d);
            }
        }
    }

    fn add_digest(&mut self, d: &str) {
        let d = d.trim().to_ascii_lowercase();
        if d.starts_with("sha256:") && !self.digests.contains(&d) {
            self.digests.push(d);
        }
    }

    /// Whether a workload's image reference is this image: by digest when both sides have
    /// one, else by repository and tag (`nginx` == `docker.io/library/nginx:latest`).
    #[must_use]
    pub fn matches(&self, image: &str) -> bool {
        normalize_image(image).is_some_and(|n| self.matches_normalized(&n))
    }

    /// [`ImageIdentity::matches`] for an image already normalised (when one image is compared
    /// with many identities).
    #[must_use]
    pub fn matches_normalized(&self, n: &NormalizedImage) -> bool {
        if let Some(d) = &n.digest {
            if !self.digests.is_empty() {
                return self.digests.contains(d);
            }
        }
        match &n.tag {
            Some(t) => self.tags.iter().any(|(r, tt)| *r == n.repository && tt == t),
            None => false,
        }
    }
}

/// One scanner report.
#[derive(Clone, Debug)]
pub struct ScannerReport {
    /// Format.
    pub format: ReportFormat,
    /// File.
    pub file: Option<Arc<str>>,
    /// The image's name for messages.
    pub image: String,
    /// What identifies the image.
    pub identity: ImageIdentity,
    /// Every vulnerability (package, id) pair.
    pub vulns: Vec<Vuln>,
}

/// Counts of the policy's decisions; `total` is the sum of the others.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accounting {
    /// Every vulnerability read.
    pub total: usize,
    /// Blocking.
    pub blocking: usize,
    /// Ignored by `images.ignore`.
    pub ignored: usize,
    /// Below the blocking severities.
    pub below_threshold: usize,
    /// Without a fix, with `fixable-only`.
    pub not_fixable: usize,
    /// Whose scanner severity was unknown (mapped to `images.unknown-severity`), whatever the
    /// decision.
    pub unknown_severity: usize,
    /// Whose matching ignore has expired.
    pub expired_ignores: usize,
}

impl Accounting {
    /// Adds the vulnerabilities of a report.
    pub fn add(&mut self, vulns: &[Vuln]) {
        for v in vulns {
            self.total += 1;
            match v.decision {
                Decision::Blocking => self.blocking += 1,
                Decision::Ignored(_) => self.ignored += 1,
                Decision::BelowThreshold => self.below_threshold += 1,
                Decision::NotFixable => self.not_fixable += 1,
            }
            self.unknown_severity += usize::from(v.severity_unknown);
            self.expired_ignores += usize::from(v.expired_ignore.is_some());
        }
    }
}

/// Maps a scanner's severity word; `None` when unknown.
#[must_use]
pub fn map_severity(raw: &str) -> Option<Severity> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" | "important" => Severity::High,
        "medium" | "moderate" => Severity::Medium,
        "low" => Severity::Low,
        "negligible" | "none" | "info" | "informational" => Severity::Info,
        _ => return None,
    })
}

fn s(n: Option<&Node>) -> String {
    n.and_then(Node::as_str).unwrap_or("").to_string()
}

/// CVE ids in a text.
fn cves(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let up = text.to_ascii_uppercase();
    let mut rest = up.as_str();
    while let Some(i) = rest.find("CVE-") {
        let tail = &rest[i..];
        let end = tail
            .char_indices()
            .skip(4)
            .find(|(_, c)| !(c.is_ascii_digit() || *c == '-'))
            .map_or(tail.len(), |(j, _)| j);
        let id = tail[..end].trim_end_matches('-');
        if id.len() > 8 && !out.iter().any(|o| o == id) {
            out.push(id.to_string());
        }
        rest = &tail[end.max(4)..];
    }
    out
}

struct Raw {
    id: String,
    aliases: Vec<String>,
    package: String,
    installed: String,
    fixed: Option<String>,
    fixable: bool,
    severity: String,
    path: FieldPath,
    pos: Pos,
}

fn read_trivy(root: &Node, id: &mut ImageIdentity) -> (String, Vec<Raw>) {
    let name = s(root.get("ArtifactName"));
    let meta = root.get("Metadata");
    for t in meta.and_then(|m| m.get("RepoTags")).map_or(&[][..], Node::items) {
        id.add_ref(&s(Some(t)));
    }
    if let Some(r) = meta.and_then(|m| m.get("Reference")).and_then(Node::as_str) {
        id.add_ref(r);
    }
    for d in meta.and_then(|m| m.get("RepoDigests")).map_or(&[][..], Node::items) {
        id.add_ref(&s(Some(d)));
    }
    let looks_like_file =
        name.ends_with(".tar") || name.ends_with(".tar.gz") || name.starts_with('/') || name.starts_with('.');
    if !looks_like_file {
        id.add_ref(&name);
    }
    let display = meta
        .and_then(|m| m.get("RepoTags"))
        .and_then(|t| t.items().first())
        .and_then(Node::as_str)
        .map_or(name.clone(), str::to_string);
    let mut out = Vec::new();
    for (ri, r) in root.get("Results").map_or(&[][..], Node::items).iter().enumerate() {
        for (vi, v) in r.get("Vulnerabilities").map_or(&[][..], Node::items).iter().enumerate() {
            let fixed = s(v.get("FixedVersion"));
            let status = s(v.get("Status"));
            let mut aliases: Vec<String> =
                v.get("VendorIDs").map_or(&[][..], Node::items).iter().map(|n| s(Some(n))).collect();
            aliases.retain(|a| !a.is_empty());
            out.push(Raw {
                id: s(v.get("VulnerabilityID")),
                aliases,
                package: s(v.get("PkgName")),
                installed: s(v.get("InstalledVersion")),
                fixable: !fixed.is_empty() || status == "fixed",
                fixed: Some(fixed).filter(|f| !f.is_empty()),
                severity: s(v.get("Severity")),
                path: FieldPath::root()
                    .join("Results")
                    .index(ri)
                    .key("Vulnerabilities")
                    .index(vi)
                    .key("VulnerabilityID"),
                pos: v.entry("VulnerabilityID").map_or(v.pos, |e| e.key_pos),
            });
        }
    }
    (display, out)
}

fn read_grype(root: &Node, id: &mut ImageIdentity) -> (String, Vec<Raw>) {
    let target = root.at(&["source", "target"]);
    let mut display = String::new();
    if let Some(t) = target {
        if let Some(name) = t.as_str() {
            display = name.to_string();
        } else {
            display = s(t.get("userInput"));
            id.add_ref(&display);
            for tag in t.get("tags").map_or(&[][..], Node::items) {
                id.add_ref(&s(Some(tag)));
            }
            for d in t.get("repoDigests").map_or(&[][..], Node::items) {
                id.add_ref(&s(Some(d)));
            }
            id.add_digest(&s(t.get("manifestDigest")));
        }
    }
    let mut out = Vec::new();
    for (mi, m) in root.get("matches").map_or(&[][..], Node::items).iter().enumerate() {
        let v = m.get("vulnerability");
        let a = m.get("artifact");
        let versions: Vec<String> = v
            .and_then(|v| v.at(&["fix", "versions"]))
            .map_or(&[][..], Node::items)
            .iter()
            .map(|n| s(Some(n)))
            .filter(|x| !x.is_empty())
            .collect();
        let state = s(v.and_then(|v| v.at(&["fix", "state"])));
        let mut aliases: Vec<String> =
            m.get("relatedVulnerabilities").map_or(&[][..], Node::items).iter().map(|r| s(r.get("id"))).collect();
        aliases.retain(|x| !x.is_empty());
        out.push(Raw {
            id: s(v.and_then(|v| v.get("id"))),
            aliases,
            package: s(a.and_then(|a| a.get("name"))),
            installed: s(a.and_then(|a| a.get("version"))),
            fixable: state == "fixed" && !versions.is_empty(),
            fixed: Some(versions.join(", ")).filter(|f| !f.is_empty()),
            severity: s(v.and_then(|v| v.get("severity"))),
            path: FieldPath::root().join("matches").index(mi).join("vulnerability/id"),
            pos: v.and_then(|v| v.entry("id")).map_or(m.pos, |e| e.key_pos),
        });
    }
    (display, out)
}

fn read_clair(root: &Node, id: &mut ImageIdentity) -> (String, Vec<Raw>) {
    let hash = s(root.get("manifest_hash"));
    id.add_digest(&hash);
    let packages = root.get("packages");
    let vulns = root.get("vulnerabilities");
    let mut out = Vec::new();
    for e in root.get("package_vulnerabilities").map_or(&[][..], Node::entries) {
        let pkg = packages.and_then(|p| p.get(&e.key));
        for (i, vid) in e.value.items().iter().enumerate() {
            let vid = s(Some(vid));
            let Some(v) = vulns.and_then(|m| m.get(&vid)) else {
                // A dangling reference is still a vulnerability: counted, severity unknown.
                out.push(Raw {
                    id: vid.clone(),
                    aliases: Vec::new(),
                    package: s(pkg.and_then(|p| p.get("name"))),
                    installed: s(pkg.and_then(|p| p.get("version"))),
                    fixed: None,
                    fixable: false,
                    severity: String::new(),
                    path: FieldPath::root().key("package_vulnerabilities").key(&e.key).index(i),
                    pos: e.value.items().get(i).map_or(e.key_pos, |n| n.pos),
                });
                continue;
            };
            let name = s(v.get("name"));
            let links = s(v.get("links"));
            let found = cves(&format!("{name} {links}"));
            let first_word = name.split_whitespace().next().unwrap_or("").trim_end_matches(':').to_string();
            let id_text = match found.first() {
                Some(c) if name.to_ascii_uppercase().contains(c.as_str()) || first_word.is_empty() => c.clone(),
                _ if !first_word.is_empty() => first_word.clone(),
                _ => vid.clone(),
            };
            let mut aliases: Vec<String> = found.into_iter().chain([first_word, vid.clone()]).collect();
            aliases.retain(|a| !a.is_empty() && *a != id_text);
            aliases.dedup();
            let fixed = s(v.get("fixed_in_version"));
            // clair-action data has `0:0` as a placeholder on every finding: not a fix.
            let fixable = !fixed.is_empty() && fixed != "0:0";
            let mut sev = s(v.get("normalized_severity"));
            if sev.is_empty() {
                sev = s(v.get("severity"));
            }
            out.push(Raw {
                id: id_text,
                aliases,
                package: s(pkg.and_then(|p| p.get("name"))),
                installed: s(pkg.and_then(|p| p.get("version"))),
                fixed: Some(fixed).filter(|_| fixable),
                fixable,
                severity: sev,
                path: FieldPath::root().key("package_vulnerabilities").key(&e.key).index(i),
                pos: e.value.items().get(i).map_or(e.key_pos, |n| n.pos),
            });
        }
    }
    (hash, out)
}

impl ScannerReport {
    /// Reads a report document; `None` when the document is not a report.
    /// `image` names the image when the report does not (Clair reports only carry a digest).
    #[must_use]
    pub fn read(
        file: Option<Arc<str>>,
        root: &Node,
        image: Option<&str>,
        policy: &ImagePolicy,
        today: &str,
    ) -> Option<Self> {
        let format = ReportFormat::detect(root)?;
        let mut identity = ImageIdentity::default();
        let (mut display, raws) = match format {
            ReportFormat::Trivy => read_trivy(root, &mut identity),
            ReportFormat::Grype => read_grype(root, &mut identity),
            ReportFormat::Clair => read_clair(root, &mut identity),
        };
        let named = root.get(IMAGE_KEY).and_then(Node::as_str);
        if let Some(i) = image.or(named) {
            identity.add_ref(i);
            display = i.to_string();
        }
        if display.is_empty() {
            display = "(unnamed image)".into();
        }
        let vulns = raws
            .into_iter()
            .map(|r| {
                let mapped = map_severity(&r.severity);
                let severity = mapped.unwrap_or_else(|| policy.unknown());
                let mut v = Vuln {
                    id: r.id,
                    aliases: r.aliases,
                    package: r.package,
                    installed: r.installed,
                    fixed: r.fixed,
                    severity_raw: r.severity,
                    severity,
                    severity_unknown: mapped.is_none(),
                    image: display.clone(),
                    file: file.clone(),
                    path: r.path,
                    pos: r.pos,
                    decision: Decision::Blocking,
                    expired_ignore: None,
                };
                decide(&mut v, r.fixable, &identity, policy, today);
                v
            })
            .collect();
        Some(Self { format, file, image: display, identity, vulns })
    }

    /// The blocking vulnerabilities.
    pub fn blocking(&self) -> impl Iterator<Item = &Vuln> {
        self.vulns.iter().filter(|v| v.decision == Decision::Blocking)
    }
}

fn decide(v: &mut Vuln, fixable: bool, identity: &ImageIdentity, policy: &ImagePolicy, today: &str) {
    for ig in &policy.ignore {
        let id_match = ig.id.eq_ignore_ascii_case(&v.id) || v.aliases.iter().any(|a| a.eq_ignore_ascii_case(&ig.id));
        let image_match = ig.image.as_deref().is_none_or(|i| {
            identity.matches(i)
                || normalize_image(i)
                    .is_some_and(|n| identity.tags.iter().any(|(r, _)| *r == n.repository) && !i.contains(':'))
        });
        if !id_match || !image_match {
            continue;
        }
        match &ig.until {
            Some(u) if u.as_str() < today => v.expired_ignore = Some(u.clone()),
            _ => {
                v.decision = Decision::Ignored(ig.reason.clone());
                return;
            }
        }
    }
    v.decision = if !policy.blocks(v.severity) {
        Decision::BelowThreshold
    } else if policy.fixable_only && !fixable {
        Decision::NotFixable
    } else {
        Decision::Blocking
    };
}

/// The key under which [`name_image`] records a report's image in its document.
pub const IMAGE_KEY: &str = "kubeward.io/image";

/// Names the image of a report document (for reports that do not name it, such as Clair's):
/// the name is added to the document under [`IMAGE_KEY`], which [`ScannerReport::read`] reads.
pub fn name_image(root: &mut Node, image: &str) {
    if let crate::input::node::Kind::Map(entries) = &mut root.kind {
        entries.retain(|e| &*e.key != IMAGE_KEY);
        entries.push(crate::input::node::Entry {
            key: IMAGE_KEY.into(),
            key_pos: Pos::default(),
            value: Node::string(image),
        });
    }
}

/// Every report found in a snapshot's documents (reports are detected by content).
#[must_use]
pub fn reports_in(snap: &Snapshot, policy: &ImagePolicy, today: &str) -> Vec<(usize, usize, ScannerReport)> {
    let mut out = Vec::new();
    for (fi, f) in snap.files.iter().enumerate() {
        for (di, d) in f.documents.iter().enumerate() {
            if let Some(r) = ScannerReport::read(f.path.clone(), &d.root, None, policy, today) {
                out.push((fi, di, r));
            }
        }
    }
    out
}

/// Whether a file name looks like a JSON report: `*.json`, or `*.json.*` (`x.json.golden`).
#[must_use]
pub fn is_report_name(p: &Path) -> bool {
    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        let n = n.to_ascii_lowercase();
        !n.starts_with('.') && (n.ends_with(".json") || n.contains(".json."))
    })
}

/// The reports of a run and the policy: what the admission webhook asks.
#[derive(Clone, Debug, Default)]
pub struct VulnIndex {
    /// The reports read.
    pub reports: Vec<ScannerReport>,
    /// Files that could not be read or parsed, and JSON files that are not reports.
    pub errors: Vec<InputError>,
}

impl VulnIndex {
    /// Builds the index from report texts (`(display path, text)`), with the `images:` policy
    /// of `settings` and its date. A text that does not parse, or is not a report, is an error.
    #[must_use]
    pub fn from_texts<'a>(
        texts: impl IntoIterator<Item = (&'a str, &'a str)>,
        settings: &crate::settings::Settings,
    ) -> Self {
        let mut idx = Self::default();
        for (path, text) in texts {
            idx.add_text(path, text, None, settings);
        }
        idx
    }

    /// Adds one report text; `image` names the image for reports that do not (Clair).
    pub fn add_text(&mut self, path: &str, text: &str, image: Option<&str>, settings: &crate::settings::Settings) {
        let file: Arc<str> = Arc::from(path);
        let loaded = load(text, Limits::default());
        if let Some(e) = loaded.error {
            self.errors.push(InputError { file: Some(file), pos: e.pos, message: e.message });
            return;
        }
        let mut found = false;
        for d in &loaded.documents {
            if let Some(r) = ScannerReport::read(Some(file.clone()), &d.root, image, &settings.images, &settings.today)
            {
                self.reports.push(r);
                found = true;
            }
        }
        if !found {
            self.errors.push(InputError {
                file: Some(file),
                pos: Pos::default(),
                message: "not a Trivy JSON, Grype JSON or Clair v4 vulnerability report".into(),
            });
        }
    }

    /// Reads every `*.json` (and `*.json.*`) file of a directory (not recursive), in name
    /// order. Unreadable files and files that are not reports are errors; the rest is read.
    #[must_use]
    pub fn from_dir(dir: &Path, settings: &crate::settings::Settings) -> Self {
        let mut idx = Self::default();
        let mut paths: Vec<_> = match std::fs::read_dir(dir) {
            Ok(rd) => rd.filter_map(Result::ok).map(|e| e.path()).collect(),
            Err(e) => {
                idx.errors.push(InputError {
                    file: Some(dir.display().to_string().into()),
                    pos: Pos::default(),
                    message: format!("cannot read directory: {e}"),
                });
                return idx;
            }
        };
        // Anything named like a report but a directory is left out; a FIFO, device or
        // socket so named is refused by the reader (never opened blocking).
        paths.retain(|p| !p.is_dir() && is_report_name(p));
        paths.sort();
        for p in paths {
            let name = p.display().to_string();
            match crate::input::text::read_text(&p, settings.max_file_size) {
                Ok(text) => idx.add_text(&name, &text, None, settings),
                Err((pos, message)) => idx.errors.push(InputError { file: Some(name.into()), pos, message }),
            }
        }
        idx
    }

    /// The blocking vulnerabilities of the reports whose image is `image` (matched by digest,
    /// or by repository and tag after normalisation: `nginx` is `docker.io/library/nginx:latest`).
    #[must_use]
    pub fn blocking_for_image(&self, image: &str) -> Vec<Vuln> {
        self.reports.iter().filter(|r| r.identity.matches(image)).flat_map(|r| r.blocking().cloned()).collect()
    }

    /// The decision counts over every report.
    #[must_use]
    pub fn accounting(&self) -> Accounting {
        let mut a = Accounting::default();
        for r in &self.reports {
            a.add(&r.vulns);
        }
        a
    }
}

/// Blocking vulnerabilities per image display name, for summaries.
#[must_use]
pub fn blocking_by_image(reports: &[ScannerReport]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for r in reports {
        *m.entry(r.image.clone()).or_insert(0) += r.blocking().count();
    }
    m
}

#[cfg(test)]
mod tests;
