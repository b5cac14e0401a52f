//! Every upstream Pod Security Standards fixture of the newest version (`tests/pss/`, see its
//! SOURCES.md) through the engine, against the check-to-rule table `kubeward_engine::pss::CHECKS`:
//! a pod the upstream library rejects for a check gets at least one finding from the check's
//! rules; a pod it allows at a level gets none from the rules of that level's checks (those
//! only of checks marked `stricter` aside, see `pss::rules_at`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kubeward_engine::pss::{check, rules_at, Level, CHECKS};
use kubeward_engine::{engine, Settings, Snapshot};

/// The newest upstream version copied into `tests/pss/`.
const VERSION: &str = "v1.37";

/// Disagreements kubeward keeps on purpose (its stance is stricter than the level's), as
/// `level/pass|fail/file: reason`. Empty: every fixture agrees.
const KNOWN: &[(&str, &str)] = &[];

fn fixtures(level: Level, verdict: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pss").join(VERSION).join(level.as_str()).join(verdict);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    out.sort();
    out
}

/// The rule codes of the engine's findings on one fixture.
fn codes(path: &Path) -> BTreeSet<&'static str> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let snap = Snapshot::from_text(&path.display().to_string(), &text);
    assert!(snap.errors.is_empty(), "{}: {:?}", path.display(), snap.errors);
    let report = engine::run(&snap, &Settings::default());
    assert_eq!(report.objects(), 1, "{}: one Pod expected", path.display());
    report.findings().map(|d| d.rule.code).collect()
}

/// The check a `fail` fixture violates: its file name without the trailing number.
fn failed_check(path: &Path) -> &'static kubeward_engine::pss::Check {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let id = stem.trim_end_matches(|c: char| c.is_ascii_digit());
    check(id).unwrap_or_else(|| panic!("{}: no check `{id}` in pss::CHECKS", path.display()))
}

#[test]
fn upstream_pss_fixtures_agree_with_the_check_table() {
    let mut total = 0;
    let mut disagree = Vec::new();
    for level in [Level::Baseline, Level::Restricted] {
        for path in fixtures(level, "fail") {
            total += 1;
            let c = failed_check(&path);
            let found = codes(&path);
            if !c.rules.iter().any(|r| found.contains(r)) {
                disagree.push((
                    format!("{}/fail/{}", level.as_str(), file_name(&path)),
                    format!("upstream rejects it ({}), none of {:?} reports it (found {found:?})", c.id, c.rules),
                ));
            }
        }
        let level_rules = rules_at(level);
        for path in fixtures(level, "pass") {
            total += 1;
            let found = codes(&path);
            let wrong: Vec<&str> = found.iter().copied().filter(|c| level_rules.contains(c)).collect();
            if !wrong.is_empty() {
                disagree.push((
                    format!("{}/pass/{}", level.as_str(), file_name(&path)),
                    format!("upstream allows it at {}, but {wrong:?} report it", level.as_str()),
                ));
            }
        }
    }
    let agree = total - disagree.len();
    println!("{agree} of {total} upstream Pod Security Standards fixtures ({VERSION}) agree");
    for (name, why) in &disagree {
        println!("  disagrees: {name}: {why}");
    }
    let unexpected: Vec<String> = disagree
        .iter()
        .filter(|(name, _)| !KNOWN.iter().any(|(k, _)| k == name))
        .map(|(name, why)| format!("{name}: {why}"))
        .collect();
    assert!(unexpected.is_empty(), "\n{}", unexpected.join("\n"));
    let stale: Vec<&str> = KNOWN.iter().map(|(k, _)| *k).filter(|k| !disagree.iter().any(|(n, _)| n == k)).collect();
    assert!(stale.is_empty(), "KNOWN disagreements that now agree: {stale:?}");
    assert!(total >= 148, "only {total} fixtures found");
}

/// Every upstream check of the fixtures is in the table, every rule of the table exists, and
/// the table names each check once.
#[test]
fn pss_table_is_complete_and_names_real_rules() {
    let mut ids = BTreeSet::new();
    for c in CHECKS {
        assert!(ids.insert(c.id.to_ascii_lowercase()), "{} twice", c.id);
        for code in c.rules {
            assert!(kubeward_engine::find(code).is_some(), "{}: no rule {code}", c.id);
        }
    }
    for level in [Level::Baseline, Level::Restricted] {
        for path in fixtures(level, "fail") {
            let c = failed_check(&path);
            assert!(c.level <= level, "{}: check {} is {:?}", path.display(), c.id, c.level);
        }
    }
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}
