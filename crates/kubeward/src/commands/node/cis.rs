//! The CIS Benchmark totals after `kubeward node`'s text report, like kube-bench's
//! `== Summary ==`: per section (1.1, 1.2, ..., 4.3), how many checks passed, failed or did
//! not apply.
//!
//! A check is a CIS id of a rule that ran (selected, not ignored). It **fails** when one of its
//! rules has a finding; it **passes** when it applied and found nothing; it is **not
//! applicable** when the node has nothing it judges. What a section judges is its component
//! (1.2 and 3 the API server, 1.3 the controller manager, 1.4 the scheduler, 2 etcd, 4.2 the
//! kubelet, 4.3 kube-proxy) or, for the file sections, a node file of its kind (1.1 a
//! control-plane file, 4.1 a worker file): a worker node's 1.2 checks are not applicable, not
//! passed. kubeward's checks are all automated, so there is no WARN (manual) column.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use kubeward_engine::analysis::node::component::ComponentKind;
use kubeward_engine::input::hostfile::FileState;
use kubeward_engine::{Report, Settings, Snapshot};

/// What the node has, for applicability.
pub struct Present {
    components: BTreeSet<&'static str>,
    control_plane_files: bool,
    worker_files: bool,
}

fn kind_key(k: ComponentKind) -> &'static str {
    match k {
        ComponentKind::ApiServer => "apiserver",
        ComponentKind::ControllerManager => "controller-manager",
        ComponentKind::Scheduler => "scheduler",
        ComponentKind::Etcd => "etcd",
        ComponentKind::Kubelet => "kubelet",
        ComponentKind::KubeProxy => "kube-proxy",
    }
}

impl Present {
    /// What `snap` holds: its components (processes, static pods, a KubeletConfiguration)
    /// and node files.
    #[must_use]
    pub fn of(snap: &Snapshot, kinds: &[ComponentKind]) -> Self {
        let mut components: BTreeSet<&'static str> = kinds.iter().map(|k| kind_key(*k)).collect();
        if snap.objects().iter().any(|o| o.kind() == "KubeletConfiguration") {
            components.insert("kubelet");
        }
        use kubeward_engine::input::hostfile::FileRole as R;
        let present = snap.host_files.iter().filter(|f| matches!(f.state, FileState::Present { .. }));
        let (mut control_plane_files, mut worker_files) = (false, false);
        for f in present {
            match f.role {
                R::ApiServerManifest
                | R::ControllerManagerManifest
                | R::SchedulerManifest
                | R::EtcdManifest
                | R::CniConfig
                | R::EtcdDataDir
                | R::AdminKubeconfig
                | R::SchedulerKubeconfig
                | R::ControllerManagerKubeconfig
                | R::Pki
                | R::PkiCertificate
                | R::PkiKey => control_plane_files = true,
                R::KubeletService | R::ProxyKubeconfig | R::KubeletKubeconfig | R::ClientCaFile | R::KubeletConfig => {
                    worker_files = true;
                }
                _ => {}
            }
        }
        Self { components, control_plane_files, worker_files }
    }

    fn applies(&self, section: &str) -> bool {
        let has = |c: &str| self.components.contains(c);
        match section {
            "1.1" => self.control_plane_files,
            "1.2" | "3.1" | "3.2" => has("apiserver"),
            "1.3" => has("controller-manager"),
            "1.4" => has("scheduler"),
            "2" => has("etcd"),
            "4.1" => self.worker_files,
            "4.2" => has("kubelet"),
            "4.3" => has("kube-proxy"),
            _ => true,
        }
    }
}

/// The section of a CIS id: `1.2.3` → `1.2`, `2.1` → `2`.
#[must_use]
pub fn section(id: &str) -> String {
    let parts: Vec<&str> = id.split('.').collect();
    if parts.len() >= 3 {
        parts[..2].join(".")
    } else {
        parts.first().map_or_else(String::new, |p| (*p).to_string())
    }
}

fn title(section: &str) -> &'static str {
    match section {
        "1.1" => "control plane node configuration files",
        "1.2" => "API server",
        "1.3" => "controller manager",
        "1.4" => "scheduler",
        "2" => "etcd",
        "3.1" => "authentication and authorization",
        "3.2" => "logging",
        "4.1" => "worker node configuration files",
        "4.2" => "kubelet",
        "4.3" => "kube-proxy",
        _ => "",
    }
}

/// Pass, fail and not applicable counts of one section.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Applied and found nothing.
    pub pass: usize,
    /// At least one finding.
    pub fail: usize,
    /// Nothing on the node to judge.
    pub na: usize,
}

/// The tallies per section, for the node-benchmark sections (1 to 4) of the rules that ran.
#[must_use]
pub fn tally(report: &Report, settings: &Settings, present: &Present) -> BTreeMap<String, Tally> {
    let failed: BTreeSet<&str> = report.findings().flat_map(|d| d.rule.cis.iter().copied()).collect();
    let mut ids: BTreeSet<&'static str> = BTreeSet::new();
    for r in kubeward_engine::all_rules() {
        if settings.is_selected(r.meta()) {
            ids.extend(r.meta().cis.iter().copied().filter(|c| c.starts_with(['1', '2', '3', '4'])));
        }
    }
    let mut out: BTreeMap<String, Tally> = BTreeMap::new();
    for id in ids {
        let sec = section(id);
        let t = out.entry(sec.clone()).or_default();
        if failed.contains(id) {
            t.fail += 1;
        } else if present.applies(&sec) {
            t.pass += 1;
        } else {
            t.na += 1;
        }
    }
    out
}

/// Writes the totals (nothing when no CIS check ran).
///
/// # Errors
/// I/O errors.
pub fn write(tallies: &BTreeMap<String, Tally>, out: &mut dyn Write) -> io::Result<()> {
    if tallies.is_empty() {
        return Ok(());
    }
    if tallies.values().all(|t| t.pass + t.fail == 0) {
        // A Docker host, or a root without Kubernetes: one line, not a table of zeros.
        let na: usize = tallies.values().map(|t| t.na).sum();
        writeln!(out, "\n== CIS Kubernetes Benchmark: no Kubernetes component or file on this node ({na} checks not applicable) ==")?;
        return Ok(());
    }
    writeln!(out, "\n== CIS Kubernetes Benchmark: checks per section ==")?;
    let w = tallies.keys().map(|s| s.len() + 1 + title(s).len()).max().unwrap_or(0);
    let mut total = Tally::default();
    for (s, t) in tallies {
        let name = format!("{s} {}", title(s));
        writeln!(out, "{name:<w$}  {:>3} PASS  {:>3} FAIL  {:>3} not applicable", t.pass, t.fail, t.na)?;
        total.pass += t.pass;
        total.fail += t.fail;
        total.na += t.na;
    }
    writeln!(out, "{:<w$}  {:>3} PASS  {:>3} FAIL  {:>3} not applicable", "total", total.pass, total.fail, total.na)?;
    writeln!(out, "(PASS: the check applied to this node and found nothing; docs/reports.md)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections() {
        assert_eq!(section("1.2.10"), "1.2");
        assert_eq!(section("2.1"), "2");
        assert_eq!(section("4.2.1"), "4.2");
    }
}
