//! Kubernetes minor releases: release date, end of life and newest known patch, embedded from
//! `docs/design/kubernetes-releases.yaml` (sources and caveats in
//! `docs/design/kubernetes-versions.md`).
//!
//! How to refresh: update `docs/design/kubernetes-releases.yaml` as
//! `docs/design/kubernetes-versions.md` ("How to refresh") describes (from the
//! kubernetes/website `data/releases/eol.yaml` and `schedule.yaml`), then copy every
//! `releases[]` row into [`RELEASES`] (`minor`, `released`, `end_of_life`, `latest_patch`,
//! oldest first), set [`TABLE_DATE`] to the file's `data_as_of`, and update the date written
//! in the docs of NODE084 and NODE085. The test `table_matches_the_design_yaml` fails until
//! the two agree. Rows for minors that left both upstream files stay. The fixtures run on the
//! fixed date 2026-06-15 and keep working as the table grows; the examples run on the real
//! date (`examples/hardened` uses the newest minor at its newest patch: refresh both together).

use crate::analysis::node::component::ComponentView;
use crate::input::workload::ContainerView;

/// The newest data in [`RELEASES`] (the YAML's `data_as_of`).
pub const TABLE_DATE: &str = "2026-09-15";

/// One minor release.
#[derive(Debug)]
pub struct Release {
    /// Minor version number (`1.N` → `N`).
    pub minor: u32,
    /// Date of `1.N.0` (YYYY-MM-DD).
    pub released: &'static str,
    /// End of standard patch support (YYYY-MM-DD; planned for supported minors).
    pub end_of_life: &'static str,
    /// Newest patch number known when the table was written.
    pub latest_patch: u32,
}

const fn r(minor: u32, released: &'static str, end_of_life: &'static str, latest_patch: u32) -> Release {
    Release { minor, released, end_of_life, latest_patch }
}

/// Minors 1.19 and later, oldest first.
pub static RELEASES: &[Release] = &[
    r(19, "2020-08-26", "2021-10-28", 16),
    r(20, "2020-12-08", "2022-02-28", 15),
    r(21, "2021-04-08", "2022-06-28", 14),
    r(22, "2021-08-04", "2022-12-08", 17),
    r(23, "2021-12-07", "2023-02-28", 17),
    r(24, "2022-05-03", "2023-07-28", 17),
    r(25, "2022-08-23", "2023-10-28", 16),
    r(26, "2022-12-09", "2024-02-28", 15),
    r(27, "2023-04-11", "2024-07-16", 16),
    r(28, "2023-08-15", "2024-10-22", 15),
    r(29, "2023-12-13", "2025-02-28", 14),
    r(30, "2024-04-17", "2025-07-15", 14),
    r(31, "2024-08-13", "2025-11-11", 14),
    r(32, "2024-12-11", "2026-02-28", 13),
    r(33, "2025-04-23", "2026-06-28", 12),
    r(34, "2025-08-27", "2026-10-27", 9),
    r(35, "2025-12-17", "2027-02-28", 9),
    r(36, "2026-04-22", "2027-06-28", 4),
    r(37, "2026-08-26", "2027-10-28", 1),
];

/// A Kubernetes version `1.MINOR[.PATCH]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    /// Minor number.
    pub minor: u32,
    /// Patch number, when given.
    pub patch: Option<u32>,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.patch {
            Some(p) => write!(f, "1.{}.{p}", self.minor),
            None => write!(f, "1.{}", self.minor),
        }
    }
}

/// Parses `1.31`, `v1.31.4`, `v1.30.14-eks-abc`, `v1.29.3+k3s1`. Anything else (a kops channel
/// name, a URL, another major) is `None`: the version cannot be determined.
#[must_use]
pub fn parse_version(s: &str) -> Option<Version> {
    let s = s.trim();
    let s = s.strip_prefix('v').unwrap_or(s);
    let core = s.split(['-', '+']).next().unwrap_or(s);
    let mut parts = core.split('.');
    let major = parts.next()?;
    if major != "1" {
        return None;
    }
    let num =
        |p: &str| if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) { p.parse::<u32>().ok() } else { None };
    let minor = num(parts.next()?)?;
    let patch = match parts.next() {
        Some(p) => Some(num(p)?),
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(Version { minor, patch })
}

/// The table row of a minor.
#[must_use]
pub fn release(minor: u32) -> Option<&'static Release> {
    RELEASES.iter().find(|r| r.minor == minor)
}

/// When a minor past its end of life on `today` (YYYY-MM-DD) reached it (`on 2026-02-28`,
/// `before 2021-10-28` for minors older than the table); `None` while supported and for
/// minors newer than the table.
#[must_use]
pub fn past_end_of_life(v: Version, today: &str) -> Option<String> {
    let oldest = RELEASES.first()?;
    if v.minor < oldest.minor {
        return Some(format!("before {}", oldest.end_of_life));
    }
    release(v.minor).filter(|r| today > r.end_of_life).map(|r| format!("on {}", r.end_of_life))
}

/// A Kubernetes version declared by an object, with its path: a kops `Cluster`'s
/// `spec.kubernetesVersion`, or the `spec.version` of a `kubeward.io/v1` `KubernetesVersion`
/// (what `kubeward node --k8s-version` and K3s's log feed the rules), with how to name it in
/// a message.
#[must_use]
pub fn declared_version<'n>(
    obj: &crate::input::object::Object<'n>,
) -> Option<(&'n str, crate::input::path::FieldPath, String)> {
    use crate::input::path::FieldPath;
    let key = if crate::analysis::node::cluster_config::is_kops(obj, "Cluster") {
        "kubernetesVersion"
    } else if obj.kind() == "KubernetesVersion" && obj.group() == "kubeward.io" {
        "version"
    } else {
        return None;
    };
    let text = obj.root.at(&["spec", key]).and_then(crate::input::node::Node::as_str)?;
    let label = match (key, obj.name()) {
        ("kubernetesVersion", _) => "`spec.kubernetesVersion`".to_string(),
        (_, "k8s-version") => "`--k8s-version`".to_string(),
        (_, name) => format!("the {name} version"),
    };
    Some((text, FieldPath::root().key("spec").key(key), label))
}

/// Repository names of Kubernetes component images whose tag is the Kubernetes version.
const COMPONENT_IMAGES: &[&str] =
    &["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "kubelet", "hyperkube"];

/// The Kubernetes version of a container running a Kubernetes component (not etcd), read from
/// the image tag of a Kubernetes component image (`registry.k8s.io/kube-apiserver:v1.31.4`,
/// mirrors, `-amd64` variants, `hyperkube`).
#[must_use]
pub fn container_version(c: &ContainerView<'_>) -> Option<(Version, &'static str)> {
    let comp = ComponentView::of(c)?;
    if comp.kind == crate::analysis::node::component::ComponentKind::Etcd {
        return None;
    }
    let image = c.image()?;
    let image = image.split('@').next().unwrap_or(image);
    let last = image.rsplit('/').next().unwrap_or(image);
    let (name, tag) = last.split_once(':')?;
    let name = name.trim_end_matches("-amd64").trim_end_matches("-arm64");
    if !COMPONENT_IMAGES.contains(&name) {
        return None;
    }
    let v = parse_version(tag)?;
    v.patch?;
    Some((v, comp.kind.binary()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::node::Node;

    #[test]
    fn parses_versions() {
        assert_eq!(parse_version("v1.31.4"), Some(Version { minor: 31, patch: Some(4) }));
        assert_eq!(parse_version("1.31"), Some(Version { minor: 31, patch: None }));
        assert_eq!(parse_version("v1.30.14-eks-1234"), Some(Version { minor: 30, patch: Some(14) }));
        assert_eq!(parse_version("v1.29.3+k3s1"), Some(Version { minor: 29, patch: Some(3) }));
        assert_eq!(parse_version("stable"), None);
        assert_eq!(parse_version("https://example.com/k8s/1.31.4"), None);
        assert_eq!(parse_version("2.1.0"), None);
        assert_eq!(parse_version("1.x"), None);
    }

    #[test]
    fn table_is_ordered() {
        for w in RELEASES.windows(2) {
            if let [a, b] = w {
                assert_eq!(a.minor + 1, b.minor);
                assert!(a.end_of_life < b.end_of_life && a.released < b.released);
            }
        }
        assert!(RELEASES.iter().all(|r| r.released <= TABLE_DATE));
    }

    /// The embedded table is the one in `docs/design/kubernetes-releases.yaml`.
    #[test]
    fn table_matches_the_design_yaml() {
        use crate::input::yaml::{load, Limits};
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/design/kubernetes-releases.yaml");
        let text = std::fs::read_to_string(path).expect("kubernetes-releases.yaml");
        let l = load(&text, Limits::default());
        let root = &l.documents.first().expect("document").root;
        assert_eq!(root.get("data_as_of").and_then(Node::as_str), Some(TABLE_DATE));
        let rows = root.get("releases").map(Node::items).unwrap_or_default();
        assert_eq!(rows.len(), RELEASES.len());
        for (row, r) in rows.iter().zip(RELEASES) {
            let get = |k: &str| row.get(k).and_then(Node::as_str).unwrap_or("").to_string();
            assert_eq!(get("minor"), format!("1.{}", r.minor));
            assert_eq!(get("released"), r.released, "1.{}", r.minor);
            assert_eq!(get("end_of_life"), r.end_of_life, "1.{}", r.minor);
            assert_eq!(get("latest_patch"), format!("1.{}.{}", r.minor, r.latest_patch));
        }
    }

    #[test]
    fn end_of_life() {
        let v = |m| Version { minor: m, patch: Some(0) };
        assert_eq!(past_end_of_life(v(32), "2026-06-15").as_deref(), Some("on 2026-02-28"));
        assert_eq!(past_end_of_life(v(33), "2026-06-15"), None);
        assert_eq!(past_end_of_life(v(33), "2026-06-29").as_deref(), Some("on 2026-06-28"));
        assert!(past_end_of_life(v(18), "2026-06-15").is_some());
        assert_eq!(past_end_of_life(v(45), "2026-06-15"), None);
    }
}
