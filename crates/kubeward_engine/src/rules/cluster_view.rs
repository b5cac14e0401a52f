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

/// Whether `o` says the objects are a view of one namespace, not of the whole cluster: the
/// API server's `KubernetesVersion` of a `kubeward cluster --namespace` run (`spec.namespace`).
/// The rules about something absent from the cluster stay silent then.
#[must_use]
pub fn one_namespace_view(o: &Object<'_>) -> bool {
    o.kind() == "KubernetesVersion"
        && o.group() == "kubeward.io"
        && o.root.at(&["spec", "namespace"]).and_then(crate::input::node::Node::as_str).is_some_and(|n| !n.is_empty())
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
