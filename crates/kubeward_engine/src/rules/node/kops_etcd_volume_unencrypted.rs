use crate::analysis::node::cluster_config::is_kops;
use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags every member of a kops `Cluster`'s `spec.etcdClusters[].etcdMembers[]` whose
    /// `encryptedVolume` is not `true` (unset means an unencrypted volume).
    ///
    /// ## Why is this bad?
    /// The etcd volume holds the whole cluster state, Secrets included (in plain text unless
    /// encryption at rest is configured). An unencrypted volume, or its snapshots, can be read
    /// by anyone who can attach or share it in the cloud account.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: Cluster
    /// metadata:
    ///   name: prod.example.com
    /// spec:
    ///   kubernetesVersion: 1.35.9
    ///   etcdClusters:
    ///     - name: main
    ///       etcdMembers:
    ///         - name: a
    ///           instanceGroup: control-plane-eu-west-1a
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: Cluster
    /// metadata:
    ///   name: prod.example.com
    /// spec:
    ///   kubernetesVersion: 1.35.9
    ///   etcdClusters:
    ///     - name: main
    ///       etcdMembers:
    ///         - name: a
    ///           instanceGroup: control-plane-eu-west-1a
    ///           encryptedVolume: true
    /// ```
    ///
    /// ## How to fix
    /// Set `encryptedVolume: true` (optionally `kmsKeyID`) on every etcd member. Existing
    /// volumes are not converted: add encrypted members or restore an etcd backup onto new
    /// encrypted volumes.
    pub KopsEtcdVolumeUnencrypted {
        code: "NODE082",
        name: "kops-etcd-volume-unencrypted",
        summary: "kops etcd member volume is not encrypted",
        severity: Medium,
        category: Node,
        targets: OBJECT,
        remediation: "set `encryptedVolume: true` on every etcd member of the kops cluster spec",
        checklist: ["misc.2", "guide.cloud"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for KopsEtcdVolumeUnencrypted {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if !is_kops(obj, "Cluster") {
            return;
        }
        let clusters = obj.root.at(&["spec", "etcdClusters"]).map(Node::items).unwrap_or_default();
        for (ci, cluster) in clusters.iter().enumerate() {
            let cname = cluster.get("name").and_then(Node::as_str).unwrap_or("?");
            let members = cluster.get("etcdMembers").map(Node::items).unwrap_or_default();
            for (mi, member) in members.iter().enumerate() {
                // A value that is not a boolean is rejected by kops: not reported.
                let enc = member.get("encryptedVolume");
                if enc.is_some_and(|e| e.as_bool() != Some(false)) {
                    continue;
                }
                let mname = member.get("name").and_then(Node::as_str).unwrap_or("?");
                let path = FieldPath::root()
                    .key("spec")
                    .key("etcdClusters")
                    .index(ci)
                    .key("etcdMembers")
                    .index(mi)
                    .key("encryptedVolume");
                let value = if enc.is_some() { "is `false`" } else { "is not set" };
                cx.report(obj, path, format!("etcd member `{mname}` of etcd cluster `{cname}`: `encryptedVolume` {value}, its volume is not encrypted"));
            }
        }
    }
}
