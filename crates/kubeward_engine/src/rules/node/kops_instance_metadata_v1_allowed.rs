use crate::analysis::node::cluster_config::is_kops;
use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a kops `InstanceGroup` with `spec.instanceMetadata.httpTokens: optional`, which
    /// allows IMDSv1 on its AWS instances.
    ///
    /// Unset is not reported: the kops API documents `required` as the default for instance
    /// groups, and kubeward cannot see which kops version manages the cluster. (Old kops
    /// versions left the field to AWS, whose default is `optional`; with such a version, set
    /// `required` explicitly.)
    ///
    /// ## Why is this bad?
    /// IMDSv1 answers plain GET requests: a server-side request forgery in any pod, or any pod
    /// that can reach `169.254.169.254`, obtains the node's IAM role credentials. IMDSv2
    /// requires a session token obtained with a PUT, which SSRF payloads and proxies rarely
    /// allow.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: InstanceGroup
    /// metadata:
    ///   name: nodes-eu-west-1a
    ///   labels:
    ///     kops.k8s.io/cluster: prod.example.com
    /// spec:
    ///   role: Node
    ///   machineType: m6i.large
    ///   minSize: 2
    ///   maxSize: 6
    ///   instanceMetadata:
    ///     httpTokens: optional
    ///     httpPutResponseHopLimit: 1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: kops.k8s.io/v1alpha2
    /// kind: InstanceGroup
    /// metadata:
    ///   name: nodes-eu-west-1a
    ///   labels:
    ///     kops.k8s.io/cluster: prod.example.com
    /// spec:
    ///   role: Node
    ///   machineType: m6i.large
    ///   minSize: 2
    ///   maxSize: 6
    ///   instanceMetadata:
    ///     httpTokens: required
    ///     httpPutResponseHopLimit: 1
    /// ```
    ///
    /// ## How to fix
    /// Set `spec.instanceMetadata.httpTokens: required` (and keep `httpPutResponseHopLimit: 1`
    /// so pods cannot reach IMDSv2 either), then `kops update cluster --yes` and
    /// `kops rolling-update cluster --yes`. Give pods that need AWS access IRSA or EKS Pod
    /// Identity instead of the node role.
    pub KopsInstanceMetadataV1Allowed {
        code: "NODE083",
        name: "kops-instance-metadata-v1-allowed",
        summary: "kops instance group allows IMDSv1",
        severity: High,
        category: Node,
        targets: OBJECT,
        remediation: "set `spec.instanceMetadata.httpTokens: required` on the kops instance group",
        checklist: ["guide.block-aws", "guide.cloud"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for KopsInstanceMetadataV1Allowed {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if !is_kops(obj, "InstanceGroup") {
            return;
        }
        let tokens = obj.root.at(&["spec", "instanceMetadata", "httpTokens"]).and_then(Node::as_str);
        if tokens == Some("optional") {
            cx.report(
                obj,
                FieldPath::root().key("spec").key("instanceMetadata").key("httpTokens"),
                "`spec.instanceMetadata.httpTokens` is `optional`: IMDSv1 hands the node's IAM credentials to any request from the instance",
            );
        }
    }
}
