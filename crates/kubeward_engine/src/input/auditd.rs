//! auditd rules: a small parser for `/etc/audit/audit.rules` and `/etc/audit/rules.d/*.rules`
//! (the Docker watch list is `crate::analysis::docker::watches`).
//!
//! A path P is covered by a rule when the rule is a watch `-w W` with W equal to P or a parent
//! directory of P (directory watches are recursive), or a syscall rule `-a always,exit` (list
//! and action in either order, `-A` too) with `-F path=P`, or `-F dir=D` with D equal to or a
//! parent of P; trailing `/` are ignored. The rule must audit writes and attribute changes:
//! its permissions (`-p` / `-F perm=`) include `w` and `a`; without them all accesses are
//! audited. Keys (`-k` / `-F key=`) are not required. Comments, blank lines and control lines
//! (`-D`, `-b`, `-e`, `-f`, ...) are ignored; `-W` (remove a watch) is not a rule.

/// One file-auditing rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRule {
    /// The watched path (`-w`, `-F path=` or `-F dir=`), without trailing `/`.
    pub path: String,
    /// Whether the path's subtree is covered (`-w` and `-F dir=`).
    pub recursive: bool,
    /// Permissions (`rwxa`); `None` when not given (all).
    pub perms: Option<String>,
    /// `-k` / `-F key=`.
    pub key: Option<String>,
}

impl AuditRule {
    /// Whether the rule audits writes and attribute changes of `path`.
    #[must_use]
    pub fn covers(&self, path: &str) -> bool {
        let p = path.trim_end_matches('/');
        let at = self.path == p
            || (self.recursive
                && (self.path.is_empty() || p.strip_prefix(self.path.as_str()).is_some_and(|r| r.starts_with('/'))));
        at && self.perms.as_deref().is_none_or(|s| s.contains('w') && s.contains('a'))
    }
}

fn strip(v: &str) -> String {
    let t = v.trim_matches('"').trim_end_matches('/');
    t.to_string()
}

/// Parses one line; `None` for comments, blank and control lines and non-file rules.
#[must_use]
pub fn parse_line(line: &str) -> Option<AuditRule> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let toks: Vec<&str> = line.split_whitespace().collect();
    let (mut watch, mut syscall_ok, mut path, mut recursive, mut perms, mut key) =
        (false, false, None, false, None, None);
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        let next = toks.get(i + 1).copied();
        match t {
            "-w" => {
                watch = true;
                path = next.map(strip);
                recursive = true;
                i += 1;
            }
            "-p" => {
                perms = next.map(str::to_string);
                i += 1;
            }
            "-k" => {
                key = next.map(str::to_string);
                i += 1;
            }
            "-a" | "-A" => {
                let parts: Vec<&str> = next.unwrap_or("").split(',').collect();
                syscall_ok = parts.contains(&"always") && parts.contains(&"exit");
                i += 1;
            }
            "-F" => {
                if let Some((k, v)) = next.and_then(|f| f.split_once('=')) {
                    match k {
                        "path" => (path, recursive) = (Some(strip(v)), false),
                        "dir" => (path, recursive) = (Some(strip(v)), true),
                        "perm" => perms = Some(v.to_string()),
                        "key" => key = Some(v.to_string()),
                        _ => {}
                    }
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    if !(watch || syscall_ok) {
        return None;
    }
    Some(AuditRule { path: path?, recursive, perms, key })
}

/// Every file rule of a rules text.
#[must_use]
pub fn parse(text: &str) -> Vec<AuditRule> {
    text.lines().filter_map(parse_line).collect()
}

/// The source name of the rules loaded in the kernel, as `auditctl -l` lists them (read by
/// `kubeward node` on a live node when `auditctl` is installed).
pub const AUDITCTL_SOURCE: &str = "auditctl -l";

/// Whether `path` is an auditd rules file kubeward reads (or the `auditctl -l` listing).
#[must_use]
pub fn is_rules_path(path: &str) -> bool {
    path == "/etc/audit/audit.rules"
        || path == AUDITCTL_SOURCE
        || path.strip_prefix("/etc/audit/rules.d/").is_some_and(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_forms() {
        let r = parse_line("-w /usr/bin/docker -p wa -k docker").expect("rule");
        assert_eq!(
            r,
            AuditRule {
                path: "/usr/bin/docker".into(),
                recursive: true,
                perms: Some("wa".into()),
                key: Some("docker".into())
            }
        );
        let r = parse_line("-k docker -p rwa -w /etc/docker/").expect("rule");
        assert_eq!(r.path, "/etc/docker");
        assert!(r.covers("/etc/docker/daemon.json"));
        assert!(r.covers("/etc/docker"));
        assert!(!r.covers("/etc/dockerfoo"));
        assert!(parse_line("-w /var/lib/docker -k docker").expect("rule").covers("/var/lib/docker"));
        assert!(!parse_line("-w /usr/bin/docker -p r -k docker").expect("rule").covers("/usr/bin/docker"));
        assert!(!parse_line("-w /usr/bin/docker -p w").expect("rule").covers("/usr/bin/docker"));
        assert!(!parse_line("-w /usr/bin/containerd-shim-runc-v2 -p wa").expect("rule").covers("/usr/bin/containerd"));
    }

    #[test]
    fn syscall_forms() {
        let r = parse_line("-a always,exit -F path=/run/containerd -F perm=wa -k docker").expect("rule");
        assert!(r.covers("/run/containerd"));
        assert!(!r.covers("/run/containerd/containerd.sock"), "path= is not recursive");
        let r = parse_line("-a exit,always -F dir=/run/containerd -F perm=war -F key=docker").expect("rule");
        assert!(r.covers("/run/containerd/x"));
        assert_eq!(r.key.as_deref(), Some("docker"));
        assert!(parse_line("-a never,exit -F path=/usr/bin/runc").is_none());
        assert!(!parse_line("-a always,exit -F path=/usr/bin/runc -F perm=x").expect("rule").covers("/usr/bin/runc"));
    }

    #[test]
    fn ignored_lines() {
        let text = "# comment\n\n-D\n-b 8192\n-e 2\n-W /usr/bin/docker -p wa\n-w /usr/bin/runc -p wa -k docker\n";
        let rules = parse(text);
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].path, "/usr/bin/runc");
        assert!(is_rules_path("/etc/audit/rules.d/docker.rules"));
        assert!(!is_rules_path("/etc/audit/auditd.conf"));
    }
}
