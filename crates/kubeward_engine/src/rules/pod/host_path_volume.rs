use crate::context::Context;
use crate::input::node::Node;
use crate::input::workload::PodSpecView;
use crate::rule::{Rule, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Flags `hostPath` volumes, one finding per volume. The finding is critical when the path
    /// is a sensitive host path (container runtime sockets, `/`, `/etc`, `/proc`,
    /// `/var/lib/kubelet`, `/etc/kubernetes`..., see the `rules.pod.sensitive-host-paths`
    /// option), lies under one, or contains one (`/var` holds `/var/run/docker.sock`). Paths are
    /// normalised first (`/etc/`, `//etc`, `/data/../etc` are all `/etc`); `/` only matches the
    /// root itself. A volume that is only mounted read-only is still reported: reading the node's
    /// files leaks its credentials, and a runtime socket works the same on a read-only mount.
    ///
    /// ## Why is this bad?
    /// A `hostPath` volume gives the container the node's file system. Writing to it can change
    /// the node's configuration or plant binaries; reading it leaks the kubelet's credentials,
    /// other pods' secrets and the node's keys; a container runtime socket lets the container
    /// start a privileged container on the node. It also ties the pod to the node's layout.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       volumeMounts:
    ///         - {name: docker, mountPath: /var/run/docker.sock}
    ///   volumes:
    ///     - name: docker
    ///       hostPath:
    ///         path: /var/run/docker.sock
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       volumeMounts:
    ///         - {name: scratch, mountPath: /scratch}
    ///   volumes:
    ///     - name: scratch
    ///       emptyDir: {}
    /// ```
    ///
    /// ## How to fix
    /// Use an `emptyDir`, a `configMap`/`secret`/`projected` volume or a PersistentVolumeClaim
    /// instead. Node agents that really need host files (log collectors, CSI drivers) should
    /// mount the narrowest path, read-only, from a dedicated namespace with a documented
    /// exemption.
    pub HostPathVolume {
        code: "POD010",
        name: "host-path-volume",
        summary: "pod mounts a directory or file of the node",
        severity: Medium,
        category: Pod,
        targets: POD_SPEC,
        remediation: "replace the `hostPath` volume with an `emptyDir`, a ConfigMap, Secret or projected volume, or a PersistentVolumeClaim",
        checklist: ["workload.5", "guide.psp", "kubeaudit"],
        cis: ["5.2.11"],
        since: "0.1.0",
    }
}

/// How the containers of a pod mount a volume.
enum Use {
    /// No container mounts it.
    Unused,
    /// Every mount is `readOnly: true`.
    ReadOnly,
    /// At least one mount is writable.
    Writable,
}

fn use_of(pod: &PodSpecView<'_>, volume: &str) -> Use {
    let mut seen = false;
    for c in pod.containers() {
        for m in c.get("volumeMounts").map(Node::items).unwrap_or_default() {
            if m.get("name").and_then(Node::as_str) == Some(volume) {
                seen = true;
                if !m.get("readOnly").is_some_and(Node::is_true) {
                    return Use::Writable;
                }
            }
        }
    }
    if seen {
        Use::ReadOnly
    } else {
        Use::Unused
    }
}

impl Rule for HostPathVolume {
    fn check_pod(&self, pod: &PodSpecView<'_>, cx: &mut Context<'_>) {
        let Some(volumes) = pod.get("volumes") else {
            return;
        };
        for (i, v) in volumes.items().iter().enumerate() {
            let Some(hp) = v.get("hostPath").filter(|h| !h.is_null()) else {
                continue;
            };
            let name = v.get("name").and_then(Node::as_str).unwrap_or("");
            let vpath = pod.path.key("volumes").index(i).key("hostPath");
            let host = hp.get("path").and_then(Node::as_str).unwrap_or("");
            let (path, host_shown) = if host.is_empty() { (vpath, "?") } else { (vpath.key("path"), host) };
            let ro = match use_of(pod, name) {
                Use::Unused => " (no container mounts it)",
                Use::ReadOnly => " (mounted read-only, which still exposes it)",
                Use::Writable => "",
            };
            let (msg, critical) = match sensitivity(host, &cx.settings.sensitive_host_paths) {
                Some(Sensitivity::Is(s)) if s == normalize_host_path(host) => {
                    (format!("volume `{name}` mounts the sensitive host path `{host_shown}`{ro}"), true)
                }
                Some(Sensitivity::Is(s)) => (
                    format!("volume `{name}` mounts host path `{host_shown}`, under the sensitive path `{s}`{ro}"),
                    true,
                ),
                Some(Sensitivity::Contains(s)) => (
                    format!(
                        "volume `{name}` mounts host path `{host_shown}`, which contains the sensitive path `{s}`{ro}"
                    ),
                    true,
                ),
                None => (format!("volume `{name}` mounts host path `{host_shown}`{ro}"), false),
            };
            let d = cx.report(pod.object, path, msg);
            if critical {
                d.severity(Severity::Critical).remediation(
                    "do not mount this host path; if a node agent really needs it, mount the narrowest file read-only from a dedicated namespace and document an exemption",
                );
            }
        }
    }
}

// Host path normalisation and matching.

/// Normalises an absolute host path the way the kernel resolves it: repeated and trailing
/// slashes dropped, `.` removed, `..` applied. Non-absolute paths (Windows `C:\...`) are
/// returned unchanged.
#[must_use]
fn normalize_host_path(path: &str) -> String {
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
fn is_same_or_under(path: &str, base: &str) -> bool {
    if base == "/" {
        return path == "/";
    }
    path == base || path.strip_prefix(base).is_some_and(|rest| rest.starts_with('/'))
}

/// How a host path relates to the sensitive paths.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Sensitivity {
    /// The path is a sensitive path or under one.
    Is(String),
    /// The path is a parent directory of a sensitive path (mounting `/var` exposes `/var/run`).
    Contains(String),
}

/// Matches a host path against the sensitive paths: first a sensitive path it equals or is under
/// (the longest), else one it contains.
#[must_use]
fn sensitivity(path: &str, sensitive: &[String]) -> Option<Sensitivity> {
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
