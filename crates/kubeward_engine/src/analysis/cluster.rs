//! Helpers of the rules that judge a whole cluster (issue 4): whether the scanned objects
//! describe one, and which cluster components run.
//!
//! Rules about something *absent* from a cluster (runtime threat detection, a service mesh)
//! only make sense over a whole cluster: what `kubeward cluster` reads, or a cluster exported
//! as files. The objects describe a whole cluster when they hold the API server's version
//! (a `KubernetesVersion` named `kube-apiserver`, made by `kubeward cluster` from `/version`), the `kube-system` Namespace or a Node;
//! application manifests in a repository hold none of these.

use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::input::workload::PodSpecView;

/// The object a whole-cluster finding is reported on, when the objects describe a cluster:
/// the `kube-system` Namespace (in a cluster and in its export alike), else the
/// API server's `KubernetesVersion`, else the first Node. Findings point at its `metadata.name`.
#[must_use]
pub fn cluster_anchor<'o, 'a>(objects: &'o [Object<'a>]) -> Option<&'o Object<'a>> {
    (0..3).find_map(|rank| objects.iter().find(|o| cluster_anchor_rank(o) == Some(rank)))
}

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

/// Whether `o` is `kubeward cluster`'s record (an `AuditGap`, `kubeward.io/v1`) of a read that
/// was refused or failed and could have returned one of `resources` (plural names, e.g.
/// `daemonsets`). A rule about something *absent* from the cluster says nothing then: the
/// refused list may have held it (the GEN003 finding reports the gap). A refused discovery
/// (`/api/v1`, `/apis`, a group's version) hides every resource.
#[must_use]
pub fn gap_hides(o: &Object<'_>, resources: &[&str]) -> bool {
    if o.kind() != "AuditGap" || o.group() != "kubeward.io" {
        return false;
    }
    let resource = o.root.at(&["spec", "resource"]).and_then(crate::input::node::Node::as_str).unwrap_or("");
    resource.starts_with("/api") || resources.contains(&resource)
}

/// Whether `o` is the API server's version as `kubeward cluster --namespace` records it: the
/// audit sees one namespace, so a rule about something absent from the whole cluster (a
/// runtime detection agent, a mesh, which run in namespaces of their own) says nothing.
#[must_use]
pub fn namespace_scoped(o: &Object<'_>) -> bool {
    o.kind() == "KubernetesVersion" && o.group() == "kubeward.io" && o.root.at(&["spec", "namespace"]).is_some()
}

/// A component found running: the workload and the container image (or name) that matched.
#[derive(Clone, Debug)]
pub struct Component<'o, 'a> {
    /// The workload object.
    pub object: &'o Object<'a>,
    /// The needle that matched.
    pub needle: &'static str,
    /// Path of the matching container's image (or of the object's name).
    pub path: FieldPath,
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

/// The workloads of `kinds` whose name or a container's image repository contains one of
/// `needles` (lowercase).
#[must_use]
pub fn components<'o, 'a>(
    objects: &'o [Object<'a>],
    kinds: &[&str],
    needles: &[&'static str],
) -> Vec<Component<'o, 'a>> {
    objects.iter().filter_map(|o| component_of(o, kinds, needles)).collect()
}

/// `o` as a component: when it is of `kinds` and its name or a container's image repository
/// contains one of `needles` (lowercase). The first container whose image matches wins, else
/// the name.
#[must_use]
pub fn component_of<'o, 'a>(o: &'o Object<'a>, kinds: &[&str], needles: &[&'static str]) -> Option<Component<'o, 'a>> {
    if !kinds.contains(&o.kind()) {
        return None;
    }
    let pod = PodSpecView::of(o)?;
    for c in pod.containers() {
        let repo = c.image().map(image_repository).unwrap_or_default().to_ascii_lowercase();
        if let Some(n) = needles.iter().find(|n| repo.contains(**n)) {
            return Some(Component { object: o, needle: n, path: c.path.key("image") });
        }
    }
    let name = o.name().to_ascii_lowercase();
    needles.iter().find(|n| name.contains(**n)).map(|n| Component {
        object: o,
        needle: n,
        path: FieldPath::root().key("metadata").key("name"),
    })
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
