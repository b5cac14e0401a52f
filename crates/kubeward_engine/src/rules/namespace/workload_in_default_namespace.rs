use crate::context::Context;
use crate::input::object::Object;
use crate::input::path::FieldPath;
use crate::rule::Rule;

/// Built-in and common cluster-scoped kinds: a namespace written on them means nothing.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "APIService",
    "PodSecurityPolicy",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "VolumeSnapshotClass",
    "CertificateSigningRequest",
    "ComponentStatus",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "ClusterTrustBundle",
    "SecurityContextConstraints",
];

crate::declare_rule! {
    /// ## What it does
    /// Flags namespaced objects (workloads, Services, ConfigMaps, Secrets, Roles...) whose
    /// `metadata.namespace` is explicitly `default`. Cluster-scoped kinds (`ClusterRole`,
    /// `Namespace`, `StorageClass`...) are skipped, and so are objects without a namespace (they
    /// go wherever they are applied), and the objects the control plane itself creates in
    /// `default`, which cannot be moved or deleted: the Service, Endpoints and EndpointSlice
    /// `kubernetes`, the ServiceAccount `default` and the ConfigMap `kube-root-ca.crt`.
    ///
    /// ## Why is this bad?
    /// `default` is the namespace everything lands in by accident: it mixes unrelated
    /// workloads, so RBAC, NetworkPolicies, quotas and Pod Security levels cannot be set per
    /// application, and anything granted there is granted to all of them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: app-config
    ///   namespace: default
    /// data:
    ///   log-level: info
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: app-config
    ///   namespace: shop
    /// data:
    ///   log-level: info
    /// ```
    ///
    /// ## How to fix
    /// Create a namespace per application or tenant, with its own RBAC, NetworkPolicies,
    /// ResourceQuota and Pod Security labels, and deploy there.
    pub WorkloadInDefaultNamespace {
        code: "NS001",
        name: "workload-in-default-namespace",
        summary: "object is deployed in the default namespace",
        severity: Low,
        category: Namespace,
        targets: OBJECT,
        remediation: "deploy into a dedicated namespace for the application or tenant",
        checklist: ["workload.1"],
        cis: ["5.6.1", "5.6.4"],
        since: "0.1.0",
    }
}

impl Rule for WorkloadInDefaultNamespace {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.namespace().map(str::trim) != Some("default") {
            return;
        }
        let kind = obj.kind();
        if CLUSTER_SCOPED.contains(&kind) || kind.starts_with("Cluster") || obj.is_api_server_owned() {
            return;
        }
        cx.report(
            obj,
            FieldPath::root().key("metadata").key("namespace"),
            format!("the {kind} `{}` is in the `default` namespace", obj.name()),
        );
    }
}
