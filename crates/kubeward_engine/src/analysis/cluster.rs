//! What the rules that judge a whole cluster need of an object: whether it shows a whole
//! cluster, what `kubeward cluster` could not list, and image repositories (which cluster
//! components run: [`crate::inventory::Workload::component`]).
//!
//! Rules about something *absent* from a cluster (runtime threat detection, a service mesh)
//! only make sense over a whole cluster: what `kubeward cluster` reads, or a cluster exported
//! as files. The objects describe a whole cluster when they hold the API server's version
//! (a `KubernetesVersion` named `kube-apiserver`, made by `kubeward cluster` from `/version`), the `kube-system` Namespace or a Node;
//! application manifests in a repository hold none of these.

use crate::input::object::Object;

/// Whether an object can anchor a whole-cluster finding, and its preference (lower first):
/// 0 for the `kube-system` Namespace, 1 for the API server's `KubernetesVersion`, 2 for a Node.
#[must_use]
pub fn cluster_anchor_rank(o: &Object<'_>) -> Option<u8> {
    match o.kind() {
        "Namespace" if o.group().is_empty() && o.name() == "kube-system" => Some(0),
        "KubernetesVersion" if o.group() == "kubeward.io" && o.name() == "kube-apiserver" => Some(1),
        "Node" if o.group().is_empty() => Some(2),
        _ => None,
    }
}

/// The resource an `AuditGap` object (made by `kubeward cluster` for a list it could not read)
/// names; `None` for other objects.
#[must_use]
pub fn gap_resource<'a>(o: &Object<'a>) -> Option<&'a str> {
    if o.kind() != "AuditGap" || o.group() != "kubeward.io" {
        return None;
    }
    Some(o.root.at(&["spec", "resource"]).and_then(crate::input::node::Node::as_str).unwrap_or(""))
}

/// Whether `o` is the API server's version as `kubeward cluster --namespace` records it: the
/// audit sees one namespace, so a rule about something absent from the whole cluster (a
/// runtime detection agent, a mesh, which run in namespaces of their own) says nothing.
#[must_use]
pub fn namespace_scoped(o: &Object<'_>) -> bool {
    o.kind() == "KubernetesVersion" && o.group() == "kubeward.io" && o.root.at(&["spec", "namespace"]).is_some()
}

/// The image repository without registry host, tag or digest: `falcosecurity/falco`.
#[must_use]
pub fn image_repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    let (head, last) = image.rsplit_once('/').map_or(("", image), |(h, l)| (h, l));
    let last_len = last.split(':').next().map_or(last.len(), str::len);
    let without_tag = image.get(..head.len() + usize::from(!head.is_empty()) + last_len).unwrap_or(image);
    // Drop a registry host (has a dot or a port, or is localhost).
    match without_tag.split_once('/') {
        Some((host, rest)) if host.contains('.') || host.contains(':') || host == "localhost" => rest,
        _ => without_tag,
    }
}

#[cfg(test)]
mod tests {
    use super::image_repository;

    #[test]
    fn repositories() {
        assert_eq!(image_repository("docker.io/falcosecurity/falco:0.39.1"), "falcosecurity/falco");
        assert_eq!(image_repository("quay.io/cilium/tetragon:v1.2@sha256:abc"), "cilium/tetragon");
        assert_eq!(image_repository("flannel/flannel:v0.26.1"), "flannel/flannel");
        assert_eq!(image_repository("localhost:5000/x/y"), "x/y");
        assert_eq!(image_repository("busybox"), "busybox");
    }
}

#[cfg(test)]
mod gap_tests {
    use crate::registry;
    use crate::testing::count_findings;

    /// A cluster as `kubeward cluster` reads it (with a pod in namespace `shop`), with a refused
    /// list of `resource`.
    fn cluster_with_gap(resource: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Namespace\nmetadata: {{name: kube-system}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: app, namespace: shop, labels: {{app: shop}}}}\nspec: {{containers: [{{name: app, image: registry.example.com/app:1.0}}]}}\n---\napiVersion: kubeward.io/v1\nkind: AuditGap\nmetadata: {{name: list-{resource}}}\nspec: {{path: /x, verb: list, group: apps, resource: {resource}, reason: forbidden, message: denied}}\n"
        )
    }

    /// Rules about what is absent from a cluster (or from a namespace: no NetworkPolicy) claim
    /// nothing when the lists that could have shown it were refused; a gap in an unrelated list
    /// changes nothing.
    #[test]
    fn absence_rules_are_silent_when_a_gap_hides_what_they_look_for() {
        for (code, hidden_by) in [
            ("POD026", &["daemonsets", "/apis"][..]),
            ("NET011", &["deployments", "daemonsets", "statefulsets", "peerauthentications", "/api/v1"][..]),
            ("NET001", &["networkpolicies", "/apis"][..]),
            ("NET002", &["networkpolicies"][..]),
            ("NET003", &["networkpolicies"][..]),
        ] {
            let rule = registry::find(code).expect("rule");
            assert!(count_findings(rule, &cluster_with_gap("configmaps")).0 > 0, "{code}: an unrelated gap");
            for resource in hidden_by {
                assert_eq!(count_findings(rule, &cluster_with_gap(resource)).0, 0, "{code}: a gap of {resource}");
            }
        }
    }

    /// `kubeward cluster --namespace` sees one namespace: the rules about what the whole
    /// cluster lacks say nothing; without `--namespace` they judge.
    #[test]
    fn whole_cluster_absence_rules_are_silent_in_namespace_mode() {
        let version = |scope: &str| {
            format!("apiVersion: kubeward.io/v1\nkind: KubernetesVersion\nmetadata: {{name: kube-apiserver}}\nspec: {{version: v1.37.2{scope}}}\n")
        };
        for code in ["POD026", "NET011"] {
            let rule = registry::find(code).expect("rule");
            assert_eq!(count_findings(rule, &version("")).0, 1, "{code}: the whole cluster");
            assert_eq!(count_findings(rule, &version(", namespace: team")).0, 0, "{code}: one namespace");
        }
    }
}
