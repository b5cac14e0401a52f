//! Image reference parsing, as the container runtimes read `[registry[:port]/]path[:tag][@digest]`.

/// The default registry of names without one.
pub(crate) const DOCKER_HUB: &str = "docker.io";

/// A parsed image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ImageRef<'a> {
    /// Registry host (with port), lower-case, Docker Hub aliases folded into `docker.io`.
    pub registry: String,
    /// Repository path; `library/` added for Docker Hub official images.
    pub path: String,
    /// Tag, when written.
    pub tag: Option<&'a str>,
    /// Digest (`sha256:...`), when written.
    pub digest: Option<&'a str>,
}

/// Whether a reference is a template or variable filled in later (Helm, kustomize, envsubst).
#[must_use]
pub(crate) fn is_templated(image: &str) -> bool {
    // `$VAR`, `${VAR}`, `{{ .Values.image }}`, `{IMAGE}`: characters no reference may hold.
    !image.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'/' | b'@' | b'-'))
}

/// For a reference whose registry or repository part is a template (`$REGISTRY/app:1.0`,
/// `<PROJECT_ID>/repo/app:latest`) but whose last path component is literal: that component's
/// tag and digest. A template cannot add a tag after a literal last component, so these are
/// what the deployed reference will carry. `None` when the last component is templated too.
#[must_use]
pub(crate) fn literal_tail(image: &str) -> Option<(Option<&str>, Option<&str>)> {
    let (_, tail) = image.trim().rsplit_once('/')?;
    if tail.is_empty() || is_templated(tail) {
        return None;
    }
    let (name_tag, digest) = match tail.split_once('@') {
        Some((n, d)) => (n, Some(d).filter(|d| !d.is_empty())),
        None => (tail, None),
    };
    let tag = name_tag.rsplit_once(':').map(|(_, t)| t).filter(|t| !t.is_empty());
    Some((tag, digest))
}

fn fold_registry(host: &str) -> String {
    let h = host.to_ascii_lowercase();
    match h.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" | "docker.io" => DOCKER_HUB.to_string(),
        _ => h,
    }
}

impl<'a> ImageRef<'a> {
    /// Parses a reference; `None` for empty, templated or malformed ones.
    #[must_use]
    pub(crate) fn parse(image: &'a str) -> Option<Self> {
        let image = image.trim();
        if image.is_empty() || is_templated(image) {
            return None;
        }
        let (name_tag, digest) = match image.split_once('@') {
            Some((n, d)) => (n, Some(d).filter(|d| !d.is_empty())),
            None => (image, None),
        };
        // A tag is after the last `:` of the last path component (a `:` before a `/` is a port).
        let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name_tag[last_slash..].rfind(':') {
            Some(i) => {
                let at = last_slash + i;
                (&name_tag[..at], Some(&name_tag[at + 1..]).filter(|t| !t.is_empty()))
            }
            None => (name_tag, None),
        };
        let (registry, path) = match name.split_once('/') {
            Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (fold_registry(first), rest.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        let path = if registry == DOCKER_HUB && !path.contains('/') { format!("library/{path}") } else { path };
        Some(Self { registry, path, tag, digest })
    }

    /// Whether the reference is pinned by digest.
    #[must_use]
    pub(crate) fn has_digest(&self) -> bool {
        self.digest.is_some()
    }

    /// Whether the runtime pulls `:latest`: tag `latest`, or neither tag nor digest.
    #[must_use]
    pub(crate) fn is_latest(&self) -> bool {
        match self.tag {
            Some(t) => t == "latest",
            None => self.digest.is_none(),
        }
    }

    /// Whether an allowed-registries entry (a host, or a host/path prefix) covers this image.
    #[must_use]
    pub(crate) fn is_from(&self, entry: &str) -> bool {
        let entry = entry.trim().trim_end_matches('/');
        if entry.is_empty() {
            return false;
        }
        let (host, prefix) = match entry.split_once('/') {
            Some((h, p)) => (h, Some(p)),
            None => (entry, None),
        };
        if fold_registry(host) != self.registry {
            return false;
        }
        match prefix {
            None => true,
            Some(p) => self.path == p || self.path.strip_prefix(p).is_some_and(|r| r.starts_with('/')),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templated_prefix_with_literal_tail() {
        assert_eq!(literal_tail("us-docker.pkg.dev/<PROJECT_ID>/repo/app:latest"), Some((Some("latest"), None)));
        assert_eq!(literal_tail("${REGISTRY}/app"), Some((None, None)));
        assert_eq!(literal_tail("$REG/app:1.0@sha256:abc"), Some((Some("1.0"), Some("sha256:abc"))));
        assert_eq!(literal_tail("registry/app:${TAG}"), None);
        assert_eq!(literal_tail("{{ .Values.image }}"), None);
        assert_eq!(literal_tail("$IMAGE_URL"), None);
    }

    fn p(s: &str) -> ImageRef<'_> {
        ImageRef::parse(s).unwrap_or_else(|| unreachable!("parses: {s}"))
    }

    #[test]
    fn parsing() {
        let r = p("nginx");
        assert_eq!((r.registry.as_str(), r.path.as_str(), r.tag, r.digest), ("docker.io", "library/nginx", None, None));
        assert!(r.is_latest());
        let r = p("registry:5000/ns/app");
        assert_eq!((r.registry.as_str(), r.path.as_str(), r.tag), ("registry:5000", "ns/app", None));
        assert!(r.is_latest());
        let r = p("registry:5000/ns/app:1.2");
        assert_eq!(r.tag, Some("1.2"));
        assert!(!r.is_latest());
        let r = p("app@sha256:abcd");
        assert!(r.has_digest() && !r.is_latest() && r.tag.is_none());
        let r = p("ghcr.io/org/app:1.0@sha256:abcd");
        assert_eq!(
            (r.registry.as_str(), r.path.as_str(), r.tag, r.digest),
            ("ghcr.io", "org/app", Some("1.0"), Some("sha256:abcd"))
        );
        assert!(p("bitnami/redis:latest").is_latest());
        assert_eq!(p("bitnami/redis").path, "bitnami/redis");
        assert_eq!(p("localhost/app:1").registry, "localhost");
        assert_eq!(p("Index.Docker.IO/library/nginx:1").registry, "docker.io");
        assert!(ImageRef::parse("").is_none());
        assert!(ImageRef::parse("{{ .Values.image }}").is_none());
        assert!(ImageRef::parse("$IMAGE_URL").is_none());
        assert!(ImageRef::parse("{IMAGE}").is_none());
        assert!(ImageRef::parse("us-docker.pkg.dev/$PROJECT_ID/app:latest").is_none());
    }

    #[test]
    fn registries() {
        assert!(p("nginx:1").is_from("docker.io"));
        assert!(p("nginx:1").is_from("docker.io/library"));
        assert!(!p("bitnami/redis:1").is_from("docker.io/library"));
        assert!(p("ghcr.io/myorg/app:1").is_from("ghcr.io/myorg"));
        assert!(p("ghcr.io/myorg/team/app:1").is_from("ghcr.io/myorg/"));
        assert!(!p("ghcr.io/myorg-evil/app:1").is_from("ghcr.io/myorg"));
        assert!(!p("ghcr.io/other/app:1").is_from("ghcr.io/myorg"));
        assert!(p("registry.example.com/app:1").is_from("REGISTRY.example.com"));
        assert!(!p("registry.example.com.evil.io/app:1").is_from("registry.example.com"));
        assert!(p("registry:5000/app").is_from("registry:5000"));
        assert!(!p("registry:5000/app").is_from("registry"));
    }
}
