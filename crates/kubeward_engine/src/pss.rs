//! The Pod Security Standards' checks and the kubeward rules that cover each one.
//!
//! The check ids are those of the upstream Pod Security admission library
//! (`k8s.io/pod-security-admission/policy`, `check_*.go`). A pod the library rejects for a check
//! gets at least one finding from the check's rules; a pod it allows at a level gets none from
//! the rules of that level's checks. `tests/pss.rs` holds both against every upstream fixture of
//! the newest version (`tests/pss/`).

/// A Pod Security Standards level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `baseline`: prevents known privilege escalations.
    Baseline,
    /// `restricted`: baseline plus hardening best practices.
    Restricted,
}

impl Level {
    /// The level's name as the `pod-security.kubernetes.io/*` labels write it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::Restricted => "restricted",
        }
    }
}

/// One upstream check and the kubeward rules that cover it.
#[derive(Clone, Copy, Debug)]
pub struct Check {
    /// The upstream check id (`hostNamespaces`).
    pub id: &'static str,
    /// The level that introduces it; the restricted level includes every baseline check.
    pub level: Level,
    /// The Kubernetes minor version (`1.x`) since which the newest policy version has the
    /// check.
    pub since: u32,
    /// The codes of the rules that report what the check rejects.
    pub rules: &'static [&'static str],
    /// Whether these rules also report settings that pods the level allows commonly have
    /// (kubeward's stance is stricter), so that their findings do not mean a pod breaks the
    /// level, unless a check of the level that is not stricter lists the same rule. `note` says
    /// what differs. A narrow difference (one rare case) is only noted.
    pub stricter: bool,
    /// Where kubeward's rules differ from the check.
    pub note: &'static str,
}

/// A check kubeward's rules agree with.
const fn exact(id: &'static str, level: Level, since: u32, rules: &'static [&'static str]) -> Check {
    Check { id, level, since, rules, stricter: false, note: "" }
}

/// Every check of the newest Pod Security Standards (Kubernetes 1.37), baseline first.
pub const CHECKS: &[Check] = &[
    // ---- baseline ----
    exact("appArmorProfile", Level::Baseline, 0, &["POD013"]),
    Check {
        id: "capabilities_baseline",
        level: Level::Baseline,
        since: 0,
        rules: &["POD005"],
        stricter: true,
        note: "POD005 also reports most of the capabilities baseline allows to add (`CHOWN`, `SETUID`...)",
    },
    exact("hostNamespaces", Level::Baseline, 0, &["POD006", "POD007", "POD008"]),
    exact("hostPathVolumes", Level::Baseline, 0, &["POD010"]),
    exact("hostPorts", Level::Baseline, 0, &["POD009"]),
    exact("hostProbesAndHostLifecycle", Level::Baseline, 34, &["POD028"]),
    exact("privileged", Level::Baseline, 0, &["POD001"]),
    Check {
        id: "procMount",
        level: Level::Baseline,
        since: 0,
        rules: &["POD015"],
        stricter: false,
        note: "allowed with `hostUsers: false` since 1.35; POD030 (low) reports that case",
    },
    Check {
        id: "seccompProfile_baseline",
        level: Level::Baseline,
        since: 0,
        rules: &["POD012"],
        stricter: true,
        note: "POD012 also reports an unset profile, which only the restricted level forbids",
    },
    exact("seLinuxOptions", Level::Baseline, 0, &["POD014"]),
    exact("sysctls", Level::Baseline, 0, &["POD016"]),
    exact("windowsHostProcess", Level::Baseline, 0, &["POD027"]),
    // ---- restricted ----
    exact("allowPrivilegeEscalation", Level::Restricted, 8, &["POD002"]),
    exact("capabilities_restricted", Level::Restricted, 22, &["POD004", "POD005"]),
    Check {
        id: "procMount_restricted",
        level: Level::Restricted,
        since: 35,
        rules: &["POD015", "POD030"],
        stricter: false,
        note: "replaces `procMount` at the restricted level",
    },
    exact("restrictedVolumes", Level::Restricted, 0, &["POD010", "POD029"]),
    Check {
        id: "runAsNonRoot",
        level: Level::Restricted,
        since: 0,
        rules: &["POD003"],
        stricter: false,
        note: "one narrow difference: since 1.35 the level allows root in a user namespace (`hostUsers: false`), which POD003 still reports",
    },
    Check {
        id: "runAsUser",
        level: Level::Restricted,
        since: 23,
        rules: &["POD003"],
        stricter: false,
        note: "one narrow difference: since 1.35 the level allows UID 0 in a user namespace (`hostUsers: false`), which POD003 still reports",
    },
    exact("seccompProfile_restricted", Level::Restricted, 19, &["POD012"]),
];

/// The check with this id (case-insensitive: upstream fixture names are lower-cased).
#[must_use]
pub fn check(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id.eq_ignore_ascii_case(id))
}

/// The checks that apply at `level` (the restricted level includes the baseline checks).
pub fn checks_at(level: Level) -> impl Iterator<Item = &'static Check> {
    CHECKS.iter().filter(move |c| c.level <= level)
}

/// The rules whose findings mean a pod breaks `level`: those of the level's checks, less the
/// rules that only stricter checks list.
#[must_use]
pub fn rules_at(level: Level) -> Vec<&'static str> {
    let mut out: Vec<&'static str> =
        checks_at(level).filter(|c| !c.stricter).flat_map(|c| c.rules.iter().copied()).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// docs/pod-security-standards.md: the table, for users.
#[must_use]
pub fn docs_page() -> String {
    use std::fmt::Write as _;
    let mut s = String::from(crate::project::GENERATED_HEADER);
    s.push_str("# Pod Security Standards and kubeward's rules\n\n");
    s.push_str(
        "Each check of the [Pod Security Standards](https://kubernetes.io/docs/concepts/security/pod-security-standards/) \
         (as the upstream Pod Security admission library `k8s.io/pod-security-admission` implements it, Kubernetes 1.37) \
         and the kubeward rules that report what it rejects. A pod the library rejects for a check gets at least one \
         finding from the check's rules; a pod it allows at a level gets none from the rules of the level's checks, \
         except where kubeward is stricter (marked below). `crates/kubeward_engine/tests/pss.rs` holds this against \
         every upstream fixture of Kubernetes 1.37.\n\n",
    );
    for level in [Level::Baseline, Level::Restricted] {
        let _ =
            writeln!(s, "## {}\n\n| Check | Since | Rules | Stricter | Note |\n|---|---|---|---|---|", level.as_str());
        for c in CHECKS.iter().filter(|c| c.level == level) {
            let rules: Vec<String> = c
                .rules
                .iter()
                .map(|code| match crate::registry::find(code) {
                    Some(r) => format!("[{code}](rules/{code}-{}.md) `{}`", r.meta().name, r.meta().name),
                    None => format!("`{code}`"),
                })
                .collect();
            let _ = writeln!(
                s,
                "| `{}` | 1.{} | {} | {} | {} |",
                c.id,
                c.since,
                rules.join(", "),
                if c.stricter { "yes" } else { "" },
                c.note.replace('|', "\\|")
            );
        }
        s.push('\n');
    }
    s
}
