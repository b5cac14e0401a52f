//! Every item of the two seed documents (`shared/seeds/`), with a stable id.
//!
//! Rules name the items they cover in their `checklist` metadata; docs/checklist-coverage.md is
//! generated from this table and the registry. Items that `scan` cannot check say which later
//! command covers them (`planned`), or why they are out of reach.

/// A seed checklist item.
#[derive(Debug)]
pub struct Item {
    /// Stable id, e.g. `workload.3` or `guide.automount`.
    pub id: &'static str,
    /// Which seed document: the checklist (`000`) or the guide (`002`).
    pub source: &'static str,
    /// Section title in the seed.
    pub section: &'static str,
    /// The item's text.
    pub text: &'static str,
    /// For what `scan` does not cover: the command that will (or the reason it cannot).
    pub planned: &'static str,
}

const C: &str = "checklist (000)";
const G: &str = "guide (002)";

/// All items, in document order.
pub const ITEMS: &[Item] = &[
    Item {
        id: "general.1",
        source: C,
        section: "General guidance",
        text: "Verify that all your security settings are properly enforced",
        planned: "`kubeward cluster` audits the live cluster (issue 4)",
    },
    Item {
        id: "general.2",
        source: C,
        section: "General guidance",
        text: "Always use the latest stable k8s version",
        planned: "`kubeward node` and `kubeward cluster` compare component versions (issues 3, 4)",
    },
    Item {
        id: "general.3",
        source: C,
        section: "General guidance",
        text: "Audit the OS, container runtime and k8s configuration (kube-auto-analyzer, kube-bench)",
        planned: "`kubeward node` (issue 3)",
    },
    Item {
        id: "general.4",
        source: C,
        section: "General guidance",
        text: "Log everything to a location outside the cluster",
        planned: "`kubeward node` checks audit logging; `kubeward serve` logs decisions (issues 3, 5)",
    },
    Item {
        id: "image.1",
        source: C,
        section: "Image security",
        text: "Use private registries and restrict public usage",
        planned: "",
    },
    Item {
        id: "image.2",
        source: C,
        section: "Image security",
        text: "Scan all images for vulnerabilities (CoreOS Clair or Atomic Scan)",
        planned: "`kubeward images` gates scanner reports (issue 6)",
    },
    Item {
        id: "image.3",
        source: C,
        section: "Image security",
        text: "Decide which types/severity of issues should prevent deployments",
        planned: "`--fail-on` and `severity-overrides` in `.kubeward.yaml` gate CI on chosen severities; `kubeward serve --deny-at` at admission (issue 5)",
    },
    Item {
        id: "image.4",
        source: C,
        section: "Image security",
        text: "Maintain standard base images and ensure all workloads use them",
        planned: "Dockerfile base-image rules (issue 6)",
    },
    Item {
        id: "image.5",
        source: C,
        section: "Image security",
        text: "DO NOT run containers as the root user",
        planned: "",
    },
    Item {
        id: "components.1",
        source: C,
        section: "K8s components security",
        text: "Api Server - authorization-mode=Node,RBAC",
        planned: "`kubeward node` (issue 3)",
    },
    Item {
        id: "components.2",
        source: C,
        section: "K8s components security",
        text: "Ensure all services are protected by TLS",
        planned: "`kubeward node` checks component TLS flags (issue 3)",
    },
    Item {
        id: "components.3",
        source: C,
        section: "K8s components security",
        text: "Ensure kubelet protects its API via authorization-mode=Webhook",
        planned: "`kubeward node` (issue 3)",
    },
    Item {
        id: "components.4",
        source: C,
        section: "K8s components security",
        text: "Ensure kube-dashboard uses restrictive RBAC role and v1.7+",
        planned: "",
    },
    Item {
        id: "components.5",
        source: C,
        section: "K8s components security",
        text: "Monitor RBAC policy failures",
        planned: "`kubeward node` checks the audit policy records RBAC denials (issue 3)",
    },
    Item {
        id: "components.6",
        source: C,
        section: "K8s components security",
        text: "Remove default service account permissions",
        planned: "",
    },
    Item {
        id: "network.1",
        source: C,
        section: "Network security",
        text: "Filter access to any cloud provider metadata (APIs, URL, IAM permissions etc.)",
        planned: "",
    },
    Item {
        id: "network.2",
        source: C,
        section: "Network security",
        text: "Use CNI plugin that filters ingress/egress pod traffic",
        planned: "`kubeward cluster` detects CNIs that cannot enforce NetworkPolicy (issue 4)",
    },
    Item { id: "network.2a", source: C, section: "Network security", text: "Properly label all pods", planned: "" },
    Item {
        id: "network.2b",
        source: C,
        section: "Network security",
        text: "Isolate all workloads from each other",
        planned: "",
    },
    Item {
        id: "network.2c",
        source: C,
        section: "Network security",
        text:
            "Prevent workloads from egressing to internet, Pod IP space, Node IP space, and/or other internal networks",
        planned: "",
    },
    Item {
        id: "network.2d",
        source: C,
        section: "Network security",
        text: "Restrict traffic coming into kube-system namespace except kube-dns",
        planned: "",
    },
    Item {
        id: "network.3",
        source: C,
        section: "Network security",
        text: "Consider a service mesh",
        planned: "`kubeward cluster` reports the absence of a mesh with strict mTLS (issue 4)",
    },
    Item {
        id: "workload.1",
        source: C,
        section: "Workload containment and security",
        text: "Namespace per tenant",
        planned: "",
    },
    Item {
        id: "workload.2",
        source: C,
        section: "Workload containment and security",
        text: "Default network deny inbound on all namespaces",
        planned: "",
    },
    Item {
        id: "workload.3",
        source: C,
        section: "Workload containment and security",
        text: "Assign CPU/RAM limits to all containers",
        planned: "",
    },
    Item {
        id: "workload.4",
        source: C,
        section: "Workload containment and security",
        text: "Set automountServiceAccountToken: false on pods who do not need tokens",
        planned: "",
    },
    Item {
        id: "workload.5",
        source: C,
        section: "Workload containment and security",
        text: "Use PodSecurityPolicy to enforce container restrictions and protect the node",
        planned: "",
    },
    Item {
        id: "workload.6",
        source: C,
        section: "Workload containment and security",
        text: "Implement container-aware malicious activity detection",
        planned: "`kubeward cluster` reports the absence of Falco, Tetragon or similar (issue 4)",
    },
    Item {
        id: "misc.1",
        source: C,
        section: "Misc security",
        text: "Collect logs from all containers, especially the RBAC access/deny logs",
        planned: "`kubeward node` checks audit logging flags and policy (issue 3)",
    },
    Item {
        id: "misc.2",
        source: C,
        section: "Misc security",
        text: "Encrypt the content of etcd, and run etcd on dedicated nodes",
        planned: "`kubeward node` checks the EncryptionConfiguration and etcd placement (issue 3)",
    },
    Item {
        id: "misc.3",
        source: C,
        section: "Misc security",
        text: "Separate cloud accounts, VPC/resource groups for cloud providers",
        planned: "out of reach: cloud account layout is not visible in Kubernetes configuration",
    },
    Item {
        id: "misc.4",
        source: C,
        section: "Misc security",
        text: "Separate clusters for dev/test and production environment",
        planned: "out of reach from one manifest set; `kubeward cluster` can report mixed environment labels (issue 4)",
    },
    Item {
        id: "misc.5",
        source: C,
        section: "Misc security",
        text: "Separate node pools for different tenants",
        planned: "",
    },
    Item {
        id: "docker.auditd",
        source: C,
        section: "Docker auditing rules",
        text: "auditd watches on the Docker binaries, directories and unit files (-w ... -p wa -k docker)",
        planned: "`kubeward node` reads the auditd rules (issue 3)",
    },
    Item {
        id: "docker.bench",
        source: C,
        section: "Docker security scanning",
        text: "docker-bench-security checks of the Docker host",
        planned: "`kubeward node` (issue 3)",
    },
    Item {
        id: "kube-bench",
        source: C,
        section: "Kube bench utility",
        text: "Run kube-bench on master and worker nodes",
        planned: "`kubeward node` implements the CIS checks (issue 3)",
    },
    Item {
        id: "kubeaudit",
        source: C,
        section: "Auditing kubernetes cluster components",
        text: "kubeaudit audits (https://github.com/Shopify/kubeaudit#audits)",
        planned: "",
    },
    Item {
        id: "guide.non-root",
        source: G,
        section: "Container Level Security",
        text: "Non-root user inside container",
        planned: "",
    },
    Item {
        id: "guide.official-images",
        source: G,
        section: "Container Level Security",
        text: "Only use official images or custom build images (with imagePullPolicy: Always)",
        planned: "",
    },
    Item {
        id: "guide.no-credentials",
        source: G,
        section: "Container Level Security",
        text: "Never put any credentials inside your image",
        planned: "",
    },
    Item {
        id: "guide.image-scan",
        source: G,
        section: "Container Level Security",
        text: "Security scan for Docker images",
        planned: "`kubeward images` and Dockerfile rules (issue 6)",
    },
    Item { id: "guide.psp", source: G, section: "Pod Level Security", text: "Use Pod Security Policies", planned: "" },
    Item {
        id: "guide.rbac",
        source: G,
        section: "Pod Level Security",
        text: "Enable RBAC (kops `authorization: rbac: {}`; a ServiceAccount per deployment with minimum policies)",
        planned: "kops Cluster specs are read by `kubeward node`-area rules (issue 3)",
    },
    Item {
        id: "guide.automount",
        source: G,
        section: "Pod Level Security",
        text: "Disable auto-mounting ServiceAccount token",
        planned: "",
    },
    Item {
        id: "guide.taints",
        source: G,
        section: "Pod Level Security",
        text: "Isolate pods using taints and tolerations",
        planned: "",
    },
    Item {
        id: "guide.privileged",
        source: G,
        section: "Pod Level Security",
        text: "Don't run containers as privileged",
        planned: "",
    },
    Item {
        id: "guide.capabilities",
        source: G,
        section: "Pod Level Security",
        text: "Drop Linux capabilities (RequiredDropCapabilities, not also allowed or default-added)",
        planned: "",
    },
    Item {
        id: "guide.anonymous-auth",
        source: G,
        section: "Kubelet Security Configurations",
        text: "Disable anonymous-auth on the kubelet (kops `kubelet.anonymousAuth: false`)",
        planned: "`kubeward node` (issue 3)",
    },
    Item {
        id: "guide.metrics-endpoint",
        source: G,
        section: "Kubelet Security Configurations",
        text: "Disable access to the cAdvisor metrics endpoint (port 4194)",
        planned: "`kubeward node` (issue 3)",
    },
    Item {
        id: "guide.api-ip-restriction",
        source: G,
        section: "Kubelet Security Configurations",
        text: "Kubernetes API IP restriction (TODO in the guide)",
        planned: "`kubeward node` checks kops `kubernetesApiAccess` and LoadBalancer source ranges (issue 3)",
    },
    Item {
        id: "guide.encrypt-secrets",
        source: G,
        section: "Kubernetes Secret Management",
        text: "Encrypt secrets at rest (TODO in the guide)",
        planned: "`kubeward node` checks the EncryptionConfiguration (issue 3)",
    },
    Item {
        id: "guide.isolate-namespaces",
        source: G,
        section: "Network Driver Security Configurations",
        text: "Isolate namespaces (TODO in the guide)",
        planned: "",
    },
    Item {
        id: "guide.block-aws",
        source: G,
        section: "Network Driver Security Configurations",
        text: "Block AWS (cloud metadata) access (TODO in the guide)",
        planned: "",
    },
    Item {
        id: "guide.cloud",
        source: G,
        section: "Cloud Provider Security Best Practices",
        text: "Cloud provider security best practices, AWS (TODO in the guide)",
        planned:
            "`kubeward node` reads kops cluster specs (IMDSv2, API access); cloud accounts are out of reach (issue 3)",
    },
];

/// Looks an item up.
#[must_use]
pub fn item(id: &str) -> Option<&'static Item> {
    ITEMS.iter().find(|i| i.id == id)
}

/// CIS Kubernetes Benchmark v1.12 section 5 (policies) ids and titles, as kube-bench's
/// `cfg/cis-1.12/policies.yaml` has them (docs/design/cis-kubernetes-1.12.md). Rule metadata
/// may only cite ids listed here (a test checks it); node checks add sections 1 to 4.
pub const CIS: &[(&str, &str)] = &[
    ("5.1.1", "Ensure that the cluster-admin role is only used where required"),
    ("5.1.2", "Minimize access to secrets"),
    ("5.1.3", "Minimize wildcard use in Roles and ClusterRoles"),
    ("5.1.4", "Minimize access to create pods"),
    ("5.1.5", "Ensure that default service accounts are not actively used"),
    ("5.1.6", "Ensure that Service Account Tokens are only mounted where necessary"),
    ("5.1.7", "Avoid use of system:masters group"),
    ("5.1.8", "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster"),
    ("5.1.9", "Minimize access to create persistent volumes"),
    ("5.1.10", "Minimize access to the proxy sub-resource of nodes"),
    ("5.1.11", "Minimize access to the approval sub-resource of certificatesigningrequests objects"),
    ("5.1.12", "Minimize access to webhook configuration objects"),
    ("5.1.13", "Minimize access to the service account token creation"),
    ("5.2.1", "Ensure that the cluster has at least one active policy control mechanism in place"),
    ("5.2.2", "Minimize the admission of privileged containers"),
    ("5.2.3", "Minimize the admission of containers wishing to share the host process ID namespace"),
    ("5.2.4", "Minimize the admission of containers wishing to share the host IPC namespace"),
    ("5.2.5", "Minimize the admission of containers wishing to share the host network namespace"),
    ("5.2.6", "Minimize the admission of containers with allowPrivilegeEscalation"),
    ("5.2.7", "Minimize the admission of root containers"),
    ("5.2.8", "Minimize the admission of containers with the NET_RAW capability"),
    ("5.2.9", "Minimize the admission of containers with capabilities assigned"),
    ("5.2.10", "Minimize the admission of Windows HostProcess containers"),
    ("5.2.11", "Minimize the admission of HostPath volumes"),
    ("5.2.12", "Minimize the admission of containers which use HostPorts"),
    ("5.3.1", "Ensure that the CNI in use supports NetworkPolicies"),
    ("5.3.2", "Ensure that all Namespaces have NetworkPolicies defined"),
    ("5.4.1", "Prefer using Secrets as files over Secrets as environment variables"),
    ("5.4.2", "Consider external secret storage"),
    ("5.5.1", "Configure Image Provenance using ImagePolicyWebhook admission controller"),
    ("5.6.1", "Create administrative boundaries between resources using namespaces"),
    ("5.6.2", "Ensure that the seccomp profile is set to docker/default in your Pod definitions"),
    ("5.6.3", "Apply SecurityContext to your Pods and Containers"),
    ("5.6.4", "The default namespace should not be used"),
];

/// The title of a CIS id.
#[must_use]
pub fn cis_title(id: &str) -> Option<&'static str> {
    CIS.iter().find(|(i, _)| *i == id).map(|(_, t)| *t)
}
