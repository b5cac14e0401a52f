//! What the node rules share: control-plane components and their flags, kubelet settings,
//! cluster configuration files, file permissions and the Kubernetes release table.

pub(crate) mod apiserver_flags;
pub mod cluster_config;
pub mod cluster_versions;
pub mod component;
pub(crate) mod file_perms;
pub mod kubelet_settings;
pub(crate) mod plane_flags;
pub mod releases;

/// Whether `file` holds what the rules that compare control-plane components across pods read
/// (etcd beside other components, shared CAs), so that the inventory keeps it whole: a `Pod` or
/// `Process` (or a `List` holding one) that names a control-plane binary. Files read from disk
/// are searched as text; pages of API objects (no text) through their trees, keys and values.
#[must_use]
pub fn control_plane_file(file: &crate::snapshot::SourceFile) -> bool {
    use crate::input::node::Node;
    const BINARIES: [&str; 4] = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"];
    fn pod_like(n: &Node) -> bool {
        match n.get("kind").and_then(Node::as_str) {
            Some("Pod" | "Process") => true,
            Some(k) if k.ends_with("List") => n.get("items").is_some_and(|i| i.items().iter().any(pod_like)),
            _ => false,
        }
    }
    fn mentions(n: &Node) -> bool {
        n.as_str().is_some_and(|s| BINARIES.iter().any(|b| s.contains(b)))
            || n.entries().iter().any(|e| BINARIES.iter().any(|b| e.key.contains(b)) || mentions(&e.value))
            || n.items().iter().any(mentions)
    }
    let mut pods = file.documents.iter().filter(|d| pod_like(&d.root)).peekable();
    if pods.peek().is_none() {
        return false;
    }
    if file.text.is_empty() {
        pods.any(|d| mentions(&d.root))
    } else {
        BINARIES.iter().any(|b| file.text.contains(b))
    }
}
