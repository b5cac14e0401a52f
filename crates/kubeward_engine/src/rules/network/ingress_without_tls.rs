use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

/// Annotations with which a cloud load balancer terminates TLS for the Ingress without
/// `spec.tls` (AWS Load Balancer Controller, GKE).
const LB_TLS_ANNOTATIONS: &[&str] = &[
    "alb.ingress.kubernetes.io/certificate-arn",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "networking.gke.io/managed-certificates",
];

crate::declare_rule! {
    /// ## What it does
    /// Flags Ingresses (`networking.k8s.io/v1`, `extensions/v1beta1`, `networking.k8s.io/v1beta1`)
    /// without `spec.tls`, and, when `spec.tls` is set, every `spec.rules[].host` that no
    /// `spec.tls[].hosts` entry covers (one finding per host). A wildcard `*.example.com`
    /// covers exactly one label (`a.example.com`, not `a.b.example.com` nor `example.com`); a
    /// `tls` entry without `hosts` covers every host. Ingresses whose TLS is terminated by
    /// the cloud load balancer through an annotation
    /// (`alb.ingress.kubernetes.io/certificate-arn`, `ingress.gcp.kubernetes.io/pre-shared-cert`,
    /// `networking.gke.io/managed-certificates`) are accepted.
    ///
    /// ## Why is this bad?
    /// Without TLS, credentials, session cookies and data cross the network in clear text and
    /// can be read or modified by anyone on the path. A host missing from `tls` is served over
    /// plain HTTP (or with the controller's default, usually self-signed, certificate).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: shop
    ///   namespace: shop
    /// spec:
    ///   rules:
    ///     - host: shop.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service: {name: web, port: {number: 80}}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: shop
    ///   namespace: shop
    /// spec:
    ///   tls:
    ///     - hosts: [shop.example.com]
    ///       secretName: shop-tls
    ///   rules:
    ///     - host: shop.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service: {name: web, port: {number: 80}}
    /// ```
    ///
    /// ## How to fix
    /// Add a `spec.tls` entry listing every host with the Secret holding its certificate
    /// (cert-manager can issue it), and redirect HTTP to HTTPS in the controller.
    pub IngressWithoutTls {
        code: "NET008",
        name: "ingress-without-tls",
        summary: "ingress serves hosts without tls",
        severity: Medium,
        category: Network,
        targets: OBJECT,
        remediation: "add a `spec.tls` entry with the host and the Secret holding its certificate",
        checklist: ["components.2"],
        cis: [],
        since: "0.1.0",
    }
}

/// Whether a TLS host pattern covers a rule host (case-insensitive, one-label wildcards).
fn covers(pattern: &str, host: &str) -> bool {
    if pattern.eq_ignore_ascii_case(host) {
        return true;
    }
    match (pattern.strip_prefix("*."), host.split_once('.')) {
        (Some(suffix), Some((first, rest))) => !first.is_empty() && first != "*" && rest.eq_ignore_ascii_case(suffix),
        _ => false,
    }
}

impl Rule for IngressWithoutTls {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind() != "Ingress" || !matches!(obj.group(), "networking.k8s.io" | "extensions") {
            return;
        }
        if LB_TLS_ANNOTATIONS.iter().any(|a| obj.annotation(a).is_some_and(|v| !v.trim().is_empty())) {
            return;
        }
        let spec = obj.root.get("spec");
        let tls = spec.and_then(|s| s.get("tls")).map_or(&[][..], Node::items);
        let spec_path = FieldPath::root().key("spec");
        if tls.is_empty() {
            cx.report(
                obj,
                spec_path.key("tls"),
                format!("ingress `{}` has no `spec.tls`: its hosts are served over plain HTTP", obj.name()),
            );
            return;
        }
        if tls.iter().any(|t| t.get("hosts").is_none_or(|h| h.items().is_empty())) {
            return;
        }
        let patterns: Vec<&str> =
            tls.iter().flat_map(|t| t.get("hosts").map_or(&[][..], Node::items)).filter_map(Node::as_str).collect();
        let rules = spec.and_then(|s| s.get("rules")).map_or(&[][..], Node::items);
        for (i, r) in rules.iter().enumerate() {
            let Some(host) = r.get("host").and_then(Node::as_str).filter(|h| !h.is_empty()) else {
                continue;
            };
            if !patterns.iter().any(|p| covers(p, host)) {
                cx.report(
                    obj,
                    spec_path.key("rules").index(i).key("host"),
                    format!(
                        "host `{host}` of ingress `{}` is not in any `spec.tls[].hosts`: it is served over plain HTTP",
                        obj.name()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn wildcards() {
        assert!(covers("*.example.com", "a.example.com"));
        assert!(covers("*.example.com", "A.Example.com"));
        assert!(!covers("*.example.com", "a.b.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(covers("*.example.com", "*.example.com"));
        assert!(covers("shop.example.com", "SHOP.example.com"));
        assert!(!covers("shop.example.com", "api.example.com"));
    }
}
