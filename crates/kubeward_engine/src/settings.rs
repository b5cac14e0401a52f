//! `.kubeward.yaml`: rule selection, severities, ignores and rule options.
//!
//! Read with kubeward's own YAML loader, so an unknown key is an error naming its line.

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Deserialize;

use crate::diagnostic::InputError;
use crate::input::node::{Node, Pos};
use crate::input::yaml::{load, Limits};
use crate::rule::{RuleMeta, Severity};

pub mod images;
pub mod serve;

/// Default credential-like environment variable / ConfigMap key names.
/// Words are separated by `_`, `-`, `.` or a camelCase boundary; `pass` counts only as the last
/// word (`DB_PASS`, `smtpPass`; not `PASS_THROUGH`, `BYPASS`, `COMPASS`), `key` only after a
/// word that makes it a secret (`STORAGE_ACCOUNT_KEY`, `batchKey`, `*_KEY_CONTENT`; not
/// `PARTITION_KEY` or `KEY_PATH`) or in a cloud vendor's variable (`AZURE_*_KEY`, `OCI_*_KEY`).
pub const DEFAULT_SECRET_NAME_PATTERNS: &[&str] = &[
    r"(?i)passw(or)?d",
    r"(^|[_.-])(?i:pwd)($|[_.-])|[a-z0-9]Pwd($|[^a-z])",
    r"(^|[_.-])(?i:pass)$|[a-z0-9]Pass$",
    r"(?i)pass[_.-]?(phrase|code)",
    r"(?i)(^|[_.-])secret($|[_.-])",
    r"(?i)(^|[_.-])token($|[_.-])",
    r"(?i)api[_.-]?key",
    r"(?i)private[_.-]?key",
    r"(?i)secret[_.-]?access[_.-]?key",
    r"(?i)client[_.-]?secret",
    r"(?i)(^|[_.-])(credentials?|creds)($|[_.-])",
    r"(?i)(access|secret|account|storage|master|signing|encryption|license|shared|subscription|batch|app|auth|hmac|session|cookie|jwt|webhook|tls|ssl|client|admin)[_.-]?key([_.-]?(content|data|value|pem|b64|base64))?$",
    r"(?i)(^|[_.-])key[_.-]?(content|data|pem)$",
    r"(?i)^(azure|az|aws|gcp|google|gcloud|oci|alibaba|alicloud|aliyun|ibm|digitalocean|linode|hcloud|scaleway|cloudflare)[_.-]([a-z0-9]+[_.-])*key$",
];

/// Default host paths whose mount gives control of the node.
pub const DEFAULT_SENSITIVE_HOST_PATHS: &[&str] = &[
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/root",
    "/boot",
    "/home",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/etcd",
    "/etc/kubernetes",
    "/var/run",
    "/run",
    "/var/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/log",
];

/// Options of the image rules.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ImageOptions {
    /// Registries (host, or host/path prefix) images may come from; empty = any (IMG003).
    pub allowed_registries: Vec<String>,
    /// Report `imagePullPolicy` other than `Always` (IMG004); default true.
    pub require_pull_policy_always: Option<bool>,
    /// Standard base images (`docker.io/library/alpine`, `alpine:3.20`, `cgr.dev/chainguard/*`):
    /// Dockerfile bases (DF002) and workload images (IMG005) must be one of these or come from
    /// an allowed registry; empty = not checked.
    pub standard_base_images: Vec<String>,
}

/// Options of the pod and container rules.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct PodOptions {
    /// Capabilities that may be added without a finding (POD005).
    pub allowed_capabilities: Vec<String>,
    /// Host paths that rate critical when mounted (POD009); replaces the default list.
    pub sensitive_host_paths: Option<Vec<String>>,
    /// Regexes for credential-like names (POD021, POD022, DF005); replaces the default list.
    pub secret_name_patterns: Option<Vec<String>>,
}

/// Per-area rule options.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct RuleOptions {
    /// Image rules.
    pub image: ImageOptions,
    /// Pod and container rules.
    pub pod: PodOptions,
}

/// The file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct RawSettings {
    /// Rules to run: codes, code prefixes, names, categories or `ALL`.
    pub select: Vec<String>,
    /// Rules not to run (same forms).
    pub ignore: Vec<String>,
    /// Lowest severity that makes the exit code 1.
    pub fail_on: Option<String>,
    /// Severity per rule code or name.
    pub severity_overrides: BTreeMap<String, String>,
    /// Glob → rules ignored in matching files.
    pub per_path_ignores: BTreeMap<String, Vec<String>>,
    /// Globs of paths not scanned.
    pub exclude: Vec<String>,
    /// Whether `kubeward.io/ignore` annotations are honoured.
    pub allow_annotation_exemptions: bool,
    /// Largest file read, in bytes (or with a `KiB`/`MiB`/`GiB` suffix).
    pub max_file_size: Option<serde_json::Value>,
    /// Rule options.
    pub rules: RuleOptions,
    /// Vulnerability report policy (`kubeward images`, `scan --image-reports`).
    pub images: images::ImagePolicy,
    /// The admission policy of `kubeward serve`.
    pub serve: serve::ServeOptions,
}

impl Default for RawSettings {
    fn default() -> Self {
        Self {
            select: vec!["ALL".into()],
            ignore: Vec::new(),
            fail_on: None,
            severity_overrides: BTreeMap::new(),
            per_path_ignores: BTreeMap::new(),
            exclude: Vec::new(),
            allow_annotation_exemptions: true,
            max_file_size: None,
            rules: RuleOptions::default(),
            images: images::ImagePolicy::default(),
            serve: serve::ServeOptions::default(),
        }
    }
}

/// The rules `.kubeward.yaml` may name: its selectors (`select`, `ignore`, `per-path-ignores`)
/// and `severity-overrides` keys are checked against them. The registry layer provides the real
/// list (`Settings::from_yaml`, in `crate::registry`), so the settings layer knows no rule.
pub trait RuleNames {
    /// `Err(message)` when `sel` selects no rule.
    ///
    /// # Errors
    /// The message says what is wrong (and suggests a near name).
    fn check_selector(&self, sel: &str) -> Result<(), String>;
    /// `Err(message)` when `key` is no rule code or name.
    ///
    /// # Errors
    /// The message says what is wrong (and suggests a near name).
    fn check_rule(&self, key: &str) -> Result<(), String>;
}

/// Settings ready for use.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Rules to run.
    pub select: Vec<String>,
    /// Rules not to run.
    pub ignore: Vec<String>,
    /// Exit code threshold.
    pub fail_on: Severity,
    /// Severity overrides by code or name.
    pub severity_overrides: BTreeMap<String, Severity>,
    pub(crate) per_path: Vec<(GlobSet, Vec<String>)>,
    /// Exclusion globs (the CLI applies them while walking).
    pub exclude: Vec<String>,
    /// Whether annotation exemptions are honoured.
    pub allow_annotation_exemptions: bool,
    /// Largest file read.
    pub max_file_size: u64,
    /// Rule options.
    pub rules: RuleOptions,
    /// Compiled credential-name patterns.
    pub secret_name_patterns: Vec<Regex>,
    /// Sensitive host paths.
    pub sensitive_host_paths: Vec<String>,
    /// Today's date (YYYY-MM-DD) for `ignore-until`; fixed in tests.
    pub today: String,
    /// Vulnerability report policy.
    pub images: images::ImagePolicy,
    /// The admission policy of `kubeward serve` (validated).
    pub serve: serve::ServeOptions,
}

impl Default for Settings {
    fn default() -> Self {
        match Self::compile(RawSettings::default()) {
            Ok(s) => s,
            Err(e) => unreachable!("default settings compile: {e}"),
        }
    }
}

/// Whether a selector is a CIS Benchmark id or section (`1.2.1`, `1.2`, `5`).
#[must_use]
pub fn is_cis_selector(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
        && !s.ends_with('.')
        && !s.contains("..")
        && s.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Matches a selector (`ALL`, code, code prefix, name, category, CIS id or section) against a
/// rule. A CIS section matches at dot boundaries: `1.2` selects 1.2.1 and 1.2.10, not 1.20.
#[must_use]
pub fn selector_matches(sel: &str, meta: &RuleMeta) -> bool {
    let s = sel.trim();
    if is_cis_selector(s) {
        return meta.cis.iter().any(|c| *c == s || c.strip_prefix(s).is_some_and(|r| r.starts_with('.')));
    }
    s.eq_ignore_ascii_case("ALL")
        || meta.code.eq_ignore_ascii_case(s)
        || meta.name.eq_ignore_ascii_case(s)
        || meta.category.as_str().eq_ignore_ascii_case(s)
        || (!s.is_empty()
            && meta.code.to_ascii_uppercase().starts_with(&s.to_ascii_uppercase())
            && s.chars().next().is_some_and(char::is_alphabetic))
}

fn parse_size(v: &serde_json::Value) -> Result<u64, String> {
    match v {
        serde_json::Value::Number(n) => {
            n.as_u64().ok_or_else(|| "max-file-size must be a positive integer".to_string())
        }
        serde_json::Value::String(s) => {
            let s = s.trim();
            let (num, mult) = if let Some(n) = s.strip_suffix("GiB") {
                (n, 1u64 << 30)
            } else if let Some(n) = s.strip_suffix("MiB") {
                (n, 1 << 20)
            } else if let Some(n) = s.strip_suffix("KiB") {
                (n, 1 << 10)
            } else {
                (s, 1)
            };
            num.trim()
                .parse::<u64>()
                .map(|n| n * mult)
                .map_err(|_| format!("max-file-size `{s}` is not a size (e.g. 64MiB)"))
        }
        _ => Err("max-file-size must be a number or a string such as 64MiB".into()),
    }
}

impl Settings {
    /// Validates and compiles raw settings.
    ///
    /// # Errors
    /// A message naming the bad value.
    pub fn compile(raw: RawSettings) -> Result<Self, String> {
        let fail_on = raw.fail_on.as_deref().map_or(Ok(Severity::High), str::parse)?;
        let mut severity_overrides = BTreeMap::new();
        for (k, v) in raw.severity_overrides {
            severity_overrides.insert(k.to_ascii_uppercase(), v.parse::<Severity>()?);
        }
        let mut per_path = Vec::new();
        for (glob, rules) in raw.per_path_ignores {
            let mut b = GlobSetBuilder::new();
            b.add(Glob::new(&glob).map_err(|e| format!("per-path-ignores: bad glob `{glob}`: {e}"))?);
            if !glob.contains('/') {
                b.add(
                    Glob::new(&format!("**/{glob}"))
                        .map_err(|e| format!("per-path-ignores: bad glob `{glob}`: {e}"))?,
                );
            }
            per_path.push((b.build().map_err(|e| e.to_string())?, rules));
        }
        for g in &raw.exclude {
            Glob::new(g).map_err(|e| format!("exclude: bad glob `{g}`: {e}"))?;
        }
        let patterns: Vec<String> = raw
            .rules
            .pod
            .secret_name_patterns
            .clone()
            .unwrap_or_else(|| DEFAULT_SECRET_NAME_PATTERNS.iter().map(|s| (*s).to_string()).collect());
        let secret_name_patterns = patterns
            .iter()
            .map(|p| Regex::new(p).map_err(|e| format!("rules.pod.secret-name-patterns: bad regex `{p}`: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let sensitive_host_paths = raw
            .rules
            .pod
            .sensitive_host_paths
            .clone()
            .unwrap_or_else(|| DEFAULT_SENSITIVE_HOST_PATHS.iter().map(|s| (*s).to_string()).collect());
        let max_file_size = raw.max_file_size.as_ref().map_or(Ok(64 << 20), parse_size)?;
        raw.images.validate()?;
        raw.serve.validate()?;
        Ok(Self {
            select: raw.select,
            ignore: raw.ignore,
            fail_on,
            severity_overrides,
            per_path,
            exclude: raw.exclude,
            allow_annotation_exemptions: raw.allow_annotation_exemptions,
            max_file_size,
            rules: raw.rules,
            secret_name_patterns,
            sensitive_host_paths,
            today: today(),
            images: raw.images,
            serve: raw.serve,
        })
    }

    /// Parses `.kubeward.yaml` text, checking the rules it names against `names`
    /// (`Settings::from_yaml` passes the registry's). Errors name the file and line.
    ///
    /// # Errors
    /// Syntax errors, unknown keys, unknown rules and bad values.
    pub fn from_yaml_naming(path: &str, text: &str, names: &dyn RuleNames) -> Result<Self, InputError> {
        let err = |pos: Pos, message: String| InputError { file: Some(path.into()), pos, message };
        let loaded = load(text, Limits::default());
        if let Some(e) = loaded.error {
            return Err(err(e.pos, e.message));
        }
        let root = loaded.documents.into_iter().next().map_or(Node::new(crate::input::node::Kind::Null), |d| d.root);
        if root.is_null() {
            return Self::compile(RawSettings::default()).map_err(|m| err(Pos::default(), m));
        }
        let raw: RawSettings = serde_json::from_value(root.to_json()).map_err(|e| {
            let msg = e.to_string();
            // serde names the unknown (or missing) field; find its line in the tree.
            let field = msg.split('`').nth(1);
            let pos = if msg.starts_with("missing field") { field.and_then(|f| find_missing(&root, f)) } else { None }
                .or_else(|| field.and_then(|f| find_key(&root, f)))
                .unwrap_or(root.pos);
            err(pos, msg)
        })?;
        // Every rule selector names a rule: the error points at the list item.
        let mut lists: Vec<(String, &Node)> = Vec::new();
        for key in ["select", "ignore"] {
            if let Some(n) = root.get(key) {
                lists.push((key.to_string(), n));
            }
        }
        for e in root.get("per-path-ignores").map_or(&[][..], Node::entries) {
            lists.push((format!("per-path-ignores `{}`", e.key), &e.value));
        }
        for (what, list) in lists {
            for item in list.items() {
                if let Some(sel) = item.as_str() {
                    if let Err(m) = names.check_selector(sel) {
                        return Err(err(item.pos, format!("{what}: {m}")));
                    }
                }
            }
        }
        for e in root.get("severity-overrides").map_or(&[][..], Node::entries) {
            if let Err(m) = names.check_rule(&e.key) {
                return Err(err(e.key_pos, m));
            }
        }
        Self::compile(raw).map_err(|m| err(locate(&root, &m), m))
    }

    /// Whether a rule runs.
    #[must_use]
    pub fn is_selected(&self, meta: &RuleMeta) -> bool {
        self.select.iter().any(|s| selector_matches(s, meta)) && !self.ignore.iter().any(|s| selector_matches(s, meta))
    }

    /// The severity of a rule after overrides.
    #[must_use]
    pub fn severity_of(&self, meta: &RuleMeta, default: Severity) -> Severity {
        self.severity_overrides
            .get(meta.code)
            .or_else(|| self.severity_overrides.get(&meta.name.to_ascii_uppercase()))
            .copied()
            .unwrap_or(default)
    }

    /// Whether a rule is ignored for a file by `per-path-ignores`.
    #[must_use]
    pub fn path_ignores(&self, file: &str, meta: &RuleMeta) -> bool {
        let file = file.strip_prefix("./").unwrap_or(file);
        self.per_path.iter().any(|(g, rules)| g.is_match(file) && rules.iter().any(|r| selector_matches(r, meta)))
    }

    /// Whether `pull policy Always` is required.
    #[must_use]
    pub fn require_pull_policy_always(&self) -> bool {
        self.rules.image.require_pull_policy_always.unwrap_or(true)
    }

    /// Whether a name looks like a credential.
    #[must_use]
    pub fn is_secret_name(&self, name: &str) -> bool {
        self.secret_name_patterns.iter().any(|r| r.is_match(name))
    }
}

/// Where a compile error points: its first backticked token, as a key or a scalar value (a
/// list item), looked for first under the dotted path the message starts with
/// (`images.ignore: ...`), then anywhere; else that path's node, else the document.
fn locate(root: &Node, msg: &str) -> Pos {
    let scope = msg.split_once(": ").and_then(|(path, _)| {
        if path.contains(' ') {
            return None;
        }
        path.split('.').try_fold(root, |n, k| n.get(k))
    });
    let token = msg.split('`').nth(1).filter(|t| !t.is_empty());
    token
        .and_then(|t| scope.and_then(|s| find_token(s, t)).or_else(|| find_token(root, t)))
        .or(scope.map(|s| s.pos))
        .unwrap_or(root.pos)
}

/// The first key or scalar value equal to `token`, depth first.
fn find_token(node: &Node, token: &str) -> Option<Pos> {
    if node.as_str() == Some(token) {
        return Some(node.pos);
    }
    for e in node.entries() {
        if &*e.key == token {
            return Some(e.key_pos);
        }
        if let Some(p) = find_token(&e.value, token) {
            return Some(p);
        }
    }
    node.items().iter().find_map(|n| find_token(n, token))
}

/// The first list item (a map) without `key` in a list whose other items have it: where a
/// "missing field" error of one entry points.
fn find_missing(node: &Node, key: &str) -> Option<Pos> {
    let items = node.items();
    let has = |n: &Node| n.entries().iter().any(|e| &*e.key == key);
    if items.iter().any(has) {
        if let Some(n) = items.iter().find(|n| !n.entries().is_empty() && !has(n)) {
            return Some(n.pos);
        }
    }
    node.entries()
        .iter()
        .find_map(|e| find_missing(&e.value, key))
        .or_else(|| items.iter().find_map(|n| find_missing(n, key)))
}

fn find_key(node: &Node, key: &str) -> Option<Pos> {
    for e in node.entries() {
        if &*e.key == key {
            return Some(e.key_pos);
        }
        if let Some(p) = find_key(&e.value, key) {
            return Some(p);
        }
    }
    node.items().iter().find_map(|n| find_key(n, key))
}

/// Today's date in UTC as YYYY-MM-DD (civil-from-days, no time crate needed).
#[must_use]
pub fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    civil_from_days(days)
}

fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cis_selectors_match_ids_and_sections_at_dot_boundaries() {
        let meta = |code: &str| crate::registry::find(code).expect("rule").meta();
        let one = meta("NODE001"); // 1.2.1
        assert!(selector_matches("1.2.1", one));
        assert!(selector_matches("1.2", one));
        assert!(selector_matches("1", one));
        assert!(!selector_matches("1.2.10", one));
        assert!(!selector_matches("1.2.", one));
        let twelve = crate::registry::rules().iter().find(|r| r.meta().cis.contains(&"1.2.10")).expect("1.2.10");
        assert!(!selector_matches("1.2.1", twelve.meta()), "1.2.1 is not a prefix of 1.2.10");
        assert!(!selector_matches("POD", one) && selector_matches("NODE", one));
    }

    #[test]
    fn config_selectors_are_checked_at_their_item() {
        let e = Settings::from_yaml(".kubeward.yaml", "select:\n  - POD001\n  - PODD01\n").expect_err("error");
        assert_eq!((e.pos.line, e.pos.col), (3, 5), "{e}");
        assert!(e.message.contains("did you mean"), "{e}");
        let e = Settings::from_yaml(".kubeward.yaml", "exclude: [ok, \"a[b\"]\n").expect_err("error");
        assert_eq!((e.pos.line, e.pos.col), (1, 15), "{e}");
    }

    #[test]
    fn unknown_key_names_line() {
        let e =
            Settings::from_yaml(".kubeward.yaml", "select: [ALL]\nrules:\n  pod:\n    bogus: 1\n").expect_err("error");
        assert_eq!(e.pos.line, 4, "{e}");
        assert!(e.message.contains("bogus"));
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), "1970-01-01");
        assert_eq!(civil_from_days(20_779), "2026-11-22");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size(&serde_json::json!("64MiB")), Ok(64 << 20));
        assert_eq!(parse_size(&serde_json::json!(100)), Ok(100));
    }
}
