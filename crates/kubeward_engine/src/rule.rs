//! The rule model: metadata, the `declare_rule!` macro and the `Rule` trait.
//!
//! One file per rule; the file opens with `declare_rule!`, whose doc comment (what, why,
//! example, fix) becomes `kubeward explain`, docs/rules/*.md and SARIF help text.

use std::fmt;
use std::str::FromStr;

use crate::context::Context;
use crate::input::object::Object;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::inventory::Inventory;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Informational: worth knowing, rarely a problem by itself.
    Info,
    /// Hardening advice.
    Low,
    /// A weakness that helps an attacker.
    Medium,
    /// A direct path to compromise of the workload or its data.
    High,
    /// A direct path to the node or the cluster.
    Critical,
}

impl Severity {
    /// All severities, most severe first.
    pub const ALL: [Severity; 5] = [Self::Critical, Self::High, Self::Medium, Self::Low, Self::Info];

    /// Lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "info" => Self::Info,
            "low" => Self::Low,
            "medium" => Self::Medium,
            "high" => Self::High,
            "critical" => Self::Critical,
            _ => return Err(format!("unknown severity `{s}` (expected critical, high, medium, low or info)")),
        })
    }
}

/// The area a rule belongs to; each has its own code prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// `GEN`: manifest well-formedness that changes meaning (duplicate keys, misplaced fields).
    General,
    /// `POD`: pod and container security settings.
    Pod,
    /// `IMG`: image references.
    Image,
    /// `RBAC`: roles and bindings.
    Rbac,
    /// `NET`: network policies and exposure.
    Network,
    /// `NS`: namespaces, tenancy, Pod Security admission and PodSecurityPolicy.
    Namespace,
    /// `NODE`: control-plane and kubelet configuration (CIS sections 1 to 4): component flags
    /// in static pod manifests and processes, KubeletConfiguration, EncryptionConfiguration,
    /// audit Policy, kops cluster specs, node file permissions.
    Node,
    /// `DOCKER`: the Docker host (CIS Docker Benchmark / docker-bench sections 1 to 3): auditd
    /// rules, daemon configuration, Docker file permissions.
    Docker,
    /// `DF`: Dockerfiles and Containerfiles (CIS Docker Benchmark section 4, hadolint's security
    /// checks): root user, base images, credentials, remote downloads.
    Dockerfile,
}

impl Category {
    /// All categories in documentation order.
    pub const ALL: [Category; 9] = [
        Self::Pod,
        Self::Image,
        Self::Rbac,
        Self::Network,
        Self::Namespace,
        Self::Node,
        Self::Docker,
        Self::Dockerfile,
        Self::General,
    ];

    /// The code prefix.
    #[must_use]
    pub fn prefix(self) -> &'static str {
        match self {
            Self::General => "GEN",
            Self::Pod => "POD",
            Self::Image => "IMG",
            Self::Rbac => "RBAC",
            Self::Network => "NET",
            Self::Namespace => "NS",
            Self::Node => "NODE",
            Self::Docker => "DOCKER",
            Self::Dockerfile => "DF",
        }
    }

    /// Kebab-case name, used in settings and output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::Pod => "pod",
            Self::Image => "image",
            Self::Rbac => "rbac",
            Self::Network => "network",
            Self::Namespace => "namespace",
            Self::Node => "node",
            Self::Docker => "docker",
            Self::Dockerfile => "dockerfile",
        }
    }

    /// Human title.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::General => "General",
            Self::Pod => "Pods and containers",
            Self::Image => "Images",
            Self::Rbac => "RBAC",
            Self::Network => "Network",
            Self::Namespace => "Namespaces and tenancy",
            Self::Node => "Control plane and nodes",
            Self::Docker => "Docker host",
            Self::Dockerfile => "Dockerfiles",
        }
    }
}

/// What a rule is called for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Targets(pub u8);

impl Targets {
    /// Every Kubernetes object.
    pub const OBJECT: Targets = Targets(1);
    /// Every pod spec (of any workload kind).
    pub const POD_SPEC: Targets = Targets(2);
    /// Every container (init, regular, ephemeral).
    pub const CONTAINER: Targets = Targets(4);
    /// Once per run, with the inventory of all scanned objects (cross-object rules).
    pub const INVENTORY: Targets = Targets(8);
    /// Every node file whose permissions and ownership are audited (`kubeward node`).
    pub const HOST_FILE: Targets = Targets(16);
    /// Every Dockerfile / Containerfile of the scan.
    pub const DOCKERFILE: Targets = Targets(32);
    /// Marks a rule about objects only `kubeward cluster` makes (`AuditGap`):
    /// no manifest can be expected to trip it. Combined with `OBJECT` for dispatch.
    pub const CLUSTER: Targets = Targets(64);
    /// Every YAML document, once (its first object stands for it).
    pub const DOCUMENT: Targets = Targets(128);

    /// Whether `other` is included.
    #[must_use]
    pub fn has(self, other: Targets) -> bool {
        self.0 & other.0 != 0
    }
}

/// Static description of a rule.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code such as `POD001`.
    pub code: &'static str,
    /// Kebab-case name of the bad pattern such as `privileged-container`.
    pub name: &'static str,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Area.
    pub category: Category,
    /// What the rule is called for.
    pub targets: Targets,
    /// Default remediation text (a finding may give a more specific one).
    pub remediation: &'static str,
    /// Seed checklist item ids (see `checklist.rs`).
    pub checklist: &'static [&'static str],
    /// CIS Kubernetes / Docker benchmark ids.
    pub cis: &'static [&'static str],
    /// Version the rule appeared in.
    pub since: &'static str,
    /// The rule's documentation (Markdown), from its doc comment.
    pub docs: &'static str,
    /// Source file of the rule.
    pub file: &'static str,
    /// Whether `kubeward fix` can fix its findings, and how safely.
    pub fix: FixAvailability,
}

/// Whether a rule's findings can be fixed automatically (`kubeward fix`), and how safely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixAvailability {
    /// No automated fix.
    None,
    /// A safe fix, applied by default: it cannot break a working workload.
    Safe,
    /// An unsafe fix, applied with `--unsafe-fixes`: it can break a workload that relies on
    /// what it removes.
    Unsafe,
    /// Safe in some cases and unsafe in others (the rule's docs say which).
    Sometimes,
}

impl FixAvailability {
    /// How the docs say it.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Safe => "safe (applied by `kubeward fix`)",
            Self::Unsafe => "unsafe (applied by `kubeward fix --unsafe-fixes`)",
            Self::Sometimes => "safe or unsafe depending on the case (see Fix safety)",
        }
    }
}

impl RuleMeta {
    /// The docs with the leading space of each doc-comment line removed.
    #[must_use]
    pub fn docs_markdown(&self) -> String {
        self.docs.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect::<Vec<_>>().join("\n")
    }

    /// Relative link of the rule's docs page.
    #[must_use]
    pub fn docs_path(&self) -> String {
        format!("docs/rules/{}-{}.md", self.code, self.name)
    }

    /// The rule's documentation page on the web.
    #[must_use]
    pub fn docs_url(&self) -> String {
        format!("{}/blob/main/{}", crate::project::HOME, self.docs_path())
    }
}

/// A rule's metadata, implemented by [`declare_rule!`](crate::declare_rule) for the struct it declares.
pub trait Declared {
    /// The rule's metadata.
    fn meta(&self) -> &'static RuleMeta;
}

/// A check. Implement only the methods for the targets declared in the metadata
/// ([`declare_rule!`](crate::declare_rule) declares the struct and its metadata).
pub trait Rule: Declared + Send + Sync + 'static {
    /// Called for every object when `targets` has `OBJECT`.
    fn check_object(&self, _obj: &Object<'_>, _cx: &mut Context<'_>) {}
    /// Called for every pod spec when `targets` has `POD_SPEC`.
    fn check_pod(&self, _pod: &PodSpecView<'_>, _cx: &mut Context<'_>) {}
    /// Called for every container when `targets` has `CONTAINER`.
    fn check_container(&self, _pod: &PodSpecView<'_>, _c: &ContainerView<'_>, _cx: &mut Context<'_>) {}
    /// Called for every YAML document holding an object when `targets` has `DOCUMENT`.
    fn check_document(&self, _doc: &DocumentView<'_>, _cx: &mut Context<'_>) {}
    /// Called once per run when `targets` has `INVENTORY`, with what the engine gathered of
    /// every object (see [`crate::inventory`]).
    fn check_inventory(&self, _inv: &Inventory, _cx: &mut Context<'_>) {}
    /// Called for every node file when `targets` has `HOST_FILE`.
    fn check_host_file(&self, _file: &crate::input::hostfile::HostFile, _cx: &mut Context<'_>) {}
    /// Called for every Dockerfile when `targets` has `DOCKERFILE`.
    fn check_dockerfile(&self, _df: &crate::input::dockerfile::Dockerfile, _cx: &mut Context<'_>) {}
}

/// A YAML document, for [`Rule::check_document`].
pub struct DocumentView<'a> {
    /// The document's tree.
    pub root: &'a crate::input::node::Node,
    /// Where the document is (no List item: the document itself).
    pub origin: crate::input::object::Origin,
    /// Keys written twice in the document.
    pub duplicates: &'a [crate::input::yaml::DuplicateKey],
}

impl<'a> DocumentView<'a> {
    /// The document as an object (a `List` stands for its items), made when a rule asks: most
    /// documents need no view of their own.
    #[must_use]
    pub fn object(&self) -> Option<Object<'a>> {
        Object::from_node(self.root, self.origin.clone())
    }
}

/// Declares a rule: its unit struct and its `static META`. The doc comment is the rule's
/// documentation and must have the sections `## What it does`, `## Why is this bad?`,
/// `## Example` and `## How to fix`.
#[macro_export]
macro_rules! declare_rule {
    (@fix) => { $crate::rule::FixAvailability::None };
    (@fix $fix:ident) => { $crate::rule::FixAvailability::$fix };
    (
        $(#[doc = $doc:literal])*
        pub $name:ident {
            code: $code:literal,
            name: $kebab:literal,
            summary: $summary:literal,
            severity: $sev:ident,
            category: $cat:ident,
            targets: $($target:ident)|+,
            remediation: $remediation:literal,
            checklist: [$($item:literal),* $(,)?],
            cis: [$($cis:literal),* $(,)?],
            since: $since:literal
            $(, fix: $fix:ident)? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        /// Metadata of this rule.
        pub static META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
            code: $code,
            name: $kebab,
            summary: $summary,
            severity: $crate::rule::Severity::$sev,
            category: $crate::rule::Category::$cat,
            targets: $crate::rule::Targets(0 $(| $crate::rule::Targets::$target.0)+),
            remediation: $remediation,
            checklist: &[$($item),*],
            cis: &[$($cis),*],
            since: $since,
            docs: concat!($($doc, "\n"),*),
            file: file!(),
            fix: $crate::declare_rule!(@fix $($fix)?),
        };

        impl $crate::rule::Declared for $name {
            fn meta(&self) -> &'static $crate::rule::RuleMeta {
                &META
            }
        }
    };
}
