//! Helpers of the host rules: host path normalisation and matching.

/// Normalises an absolute host path the way the kernel resolves it: repeated and trailing
/// slashes dropped, `.` removed, `..` applied. Non-absolute paths (Windows `C:\...`) are
/// returned unchanged.
#[must_use]
pub(crate) fn normalize_host_path(path: &str) -> String {
    let path = path.trim();
    if !path.starts_with('/') {
        return path.to_string();
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return "/".to_string();
    }
    let mut out = String::with_capacity(path.len());
    for p in parts {
        out.push('/');
        out.push_str(p);
    }
    out
}

/// Whether `path` is `base` or under it (both normalised). `/` only matches `/` itself.
#[must_use]
pub(crate) fn is_same_or_under(path: &str, base: &str) -> bool {
    if base == "/" {
        return path == "/";
    }
    path == base || path.strip_prefix(base).is_some_and(|rest| rest.starts_with('/'))
}

/// How a host path relates to the sensitive paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Sensitivity {
    /// The path is a sensitive path or under one.
    Is(String),
    /// The path is a parent directory of a sensitive path (mounting `/var` exposes `/var/run`).
    Contains(String),
}

/// Matches a host path against the sensitive paths: first a sensitive path it equals or is under
/// (the longest), else one it contains.
#[must_use]
pub(crate) fn sensitivity(path: &str, sensitive: &[String]) -> Option<Sensitivity> {
    let p = normalize_host_path(path);
    if !p.starts_with('/') {
        return None;
    }
    let mut best: Option<String> = None;
    for s in sensitive {
        let s = normalize_host_path(s);
        if is_same_or_under(&p, &s) && best.as_ref().is_none_or(|b| s.len() > b.len()) {
            best = Some(s);
        }
    }
    if let Some(b) = best {
        return Some(Sensitivity::Is(b));
    }
    // A parent of a sensitive path: the shortest such path is the most telling.
    let mut contained: Option<String> = None;
    for s in sensitive {
        let s = normalize_host_path(s);
        if s != "/" && is_same_or_under(&s, &p) && contained.as_ref().is_none_or(|c| s.len() < c.len()) {
            contained = Some(s);
        }
    }
    contained.map(Sensitivity::Contains)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Vec<String> {
        crate::settings::DEFAULT_SENSITIVE_HOST_PATHS.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize_host_path("/etc/"), "/etc");
        assert_eq!(normalize_host_path("//var//run/./docker.sock"), "/var/run/docker.sock");
        assert_eq!(normalize_host_path("/data/../etc"), "/etc");
        assert_eq!(normalize_host_path("/.."), "/");
        assert_eq!(normalize_host_path("///"), "/");
        assert_eq!(normalize_host_path(r"C:\data"), r"C:\data");
    }

    #[test]
    fn matching() {
        let l = list();
        assert_eq!(sensitivity("/", &l), Some(Sensitivity::Is("/".into())));
        assert_eq!(sensitivity("/etc/ssl/certs", &l), Some(Sensitivity::Is("/etc".into())));
        assert_eq!(sensitivity("/etc/kubernetes/pki/", &l), Some(Sensitivity::Is("/etc/kubernetes".into())));
        assert_eq!(sensitivity("/var/run/docker.sock", &l), Some(Sensitivity::Is("/var/run/docker.sock".into())));
        assert_eq!(sensitivity("/var", &l), Some(Sensitivity::Contains("/var/run".into())));
        assert_eq!(sensitivity("/data", &l), None);
        assert_eq!(sensitivity("/etcd-data", &l), None);
        assert_eq!(sensitivity("/tmp", &l), None);
        assert_eq!(sensitivity("/var/lib/mysql", &l), None);
        assert_eq!(sensitivity(r"C:\etc", &l), None);
        assert!(is_same_or_under("/", "/"));
        assert!(!is_same_or_under("/etc", "/"));
    }
}
