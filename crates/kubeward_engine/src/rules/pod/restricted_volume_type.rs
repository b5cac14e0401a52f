use crate::context::Context;
use crate::input::node::Node;
use crate::input::workload::PodSpecView;
use crate::rule::{Rule, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Flags pod volumes whose source is not one of the types the Pod Security Standards'
    /// restricted level allows (`configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`,
    /// `image`, `persistentVolumeClaim`, `projected`, `secret`): the in-tree network and disk
    /// sources written inline in the pod (`nfs`, `iscsi`, `rbd`, `cephfs`, `glusterfs`, `fc`,
    /// `cinder`, `azureDisk`, `azureFile`, `awsElasticBlockStore`, `gcePersistentDisk`,
    /// `vsphereVolume`, `flexVolume`, `gitRepo` and the other legacy drivers). `hostPath` is
    /// left to `host-path-volume` (POD010). Severity depends on the type: `gitRepo` high (the
    /// node runs `git` on a repository the pod names, CVE-2024-10220), `flexVolume` medium (the
    /// node runs a driver binary as root with the pod's options), the others low.
    ///
    /// ## Why is this bad?
    /// A volume written inline in the pod bypasses the PersistentVolume model, where the
    /// cluster's administrators decide which storage exists and who may claim it: whoever
    /// writes the pod picks any server, share or disk the node can reach, and the kubelet
    /// mounts it as root with the pod's parameters (and often credentials written in the
    /// spec). Most of these drivers are deprecated or removed in favour of CSI.
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
    ///       volumeMounts: [{name: data, mountPath: /data}]
    ///   volumes:
    ///     - name: data
    ///       nfs: {server: nfs.example.com, path: /exports/data}
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
    ///       volumeMounts: [{name: data, mountPath: /data}]
    ///   volumes:
    ///     - name: data
    ///       persistentVolumeClaim: {claimName: data}
    /// ```
    ///
    /// ## How to fix
    /// Let an administrator create a PersistentVolume (or a StorageClass with a CSI driver) for
    /// the storage and claim it with a `persistentVolumeClaim` volume; replace `gitRepo` with an
    /// init container that clones the repository into an `emptyDir`.
    pub RestrictedVolumeType {
        code: "POD029",
        name: "restricted-volume-type",
        summary: "pod mounts an inline volume type outside the restricted set",
        severity: Low,
        category: Pod,
        targets: POD_SPEC,
        remediation: "use a `persistentVolumeClaim` volume backed by a PersistentVolume an administrator manages",
        checklist: ["workload.5"],
        cis: ["5.6.3"],
        since: "0.1.0",
    }
}

/// The volume sources the restricted level forbids (`restrictedVolumes`), `hostPath` aside,
/// with the severity kubeward gives each.
const RESTRICTED: &[(&str, Severity)] = &[
    ("gitRepo", Severity::High),
    ("flexVolume", Severity::Medium),
    ("awsElasticBlockStore", Severity::Low),
    ("azureDisk", Severity::Low),
    ("azureFile", Severity::Low),
    ("cephfs", Severity::Low),
    ("cinder", Severity::Low),
    ("fc", Severity::Low),
    ("flocker", Severity::Low),
    ("gcePersistentDisk", Severity::Low),
    ("glusterfs", Severity::Low),
    ("iscsi", Severity::Low),
    ("nfs", Severity::Low),
    ("photonPersistentDisk", Severity::Low),
    ("portworxVolume", Severity::Low),
    ("quobyte", Severity::Low),
    ("rbd", Severity::Low),
    ("scaleIO", Severity::Low),
    ("storageos", Severity::Low),
    ("vsphereVolume", Severity::Low),
];

impl Rule for RestrictedVolumeType {
    fn check_pod(&self, pod: &PodSpecView<'_>, cx: &mut Context<'_>) {
        let Some(volumes) = pod.get("volumes") else {
            return;
        };
        for (i, v) in volumes.items().iter().enumerate() {
            for (kind, severity) in RESTRICTED {
                if v.get(kind).is_none_or(Node::is_null) {
                    continue;
                }
                let name = v.get("name").and_then(Node::as_str).unwrap_or("");
                let d = cx.report(
                    pod.object,
                    pod.path.key("volumes").index(i).key(kind),
                    format!("volume `{name}` is an inline `{kind}` volume, outside the restricted volume types"),
                );
                if *severity != Severity::Low {
                    d.severity(*severity);
                }
                if *kind == "gitRepo" {
                    d.remediation("clone the repository from an init container into an `emptyDir` volume");
                }
            }
        }
    }
}
