//! Pod specs and containers, found in every workload kind (and in workload CRDs), with
//! securityContext inheritance as the kubelet applies it.
//!
//! Rules look at a [`PodSpecView`] or a [`ContainerView`] and never branch on Deployment versus
//! CronJob. OpenShift's `DeploymentConfig` is read like a Deployment. A custom resource whose
//! `spec.template.spec` (or `spec.jobTemplate.spec.template.spec`) is a pod spec with a
//! `containers` list is a workload too (Argo Rollouts, OpenKruise, Knative).
//!
//! A container need not have an `image`: a DeploymentConfig, or a workload CRD, may leave it to
//! an image trigger (or to kustomize, or to a mutating webhook) and the API server fills it in.
//! Its privileges are known all the same, so it is audited; the image rules have nothing to
//! judge and report nothing. In a custom resource such a container is completed by its operator
//! (CloudNativePG's `Pooler` template names the container and sets resources; the operator adds
//! the image and its own securityContext), so the object is read as partial, like a kustomize
//! patch: what it sets is judged, what it leaves out is not reported missing
//! ([`completed_by_operator`]).

use super::node::Node;
use super::object::Object;
use super::path::FieldPath;

/// Fields of `PodSecurityContext` that containers inherit unless their own `securityContext`
/// sets them (kubelet: `DetermineEffectiveSecurityContext`).
pub const INHERITED_FIELDS: &[&str] = &[
    "runAsNonRoot",
    "runAsUser",
    "runAsGroup",
    "seccompProfile",
    "seLinuxOptions",
    "appArmorProfile",
    "windowsOptions",
];

/// Fields that exist only on the container `securityContext`; at pod level they do nothing.
pub const CONTAINER_ONLY_FIELDS: &[&str] =
    &["allowPrivilegeEscalation", "capabilities", "privileged", "readOnlyRootFilesystem", "procMount"];

/// Which list a container is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    /// `initContainers`.
    Init,
    /// `containers`.
    Regular,
    /// `ephemeralContainers`.
    Ephemeral,
}

impl ContainerKind {
    /// The field name of the list.
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            Self::Init => "initContainers",
            Self::Regular => "containers",
            Self::Ephemeral => "ephemeralContainers",
        }
    }
}

/// A pod spec inside an object.
#[derive(Clone, Debug)]
pub struct PodSpecView<'a> {
    /// The object holding the spec.
    pub object: &'a Object<'a>,
    /// The pod spec.
    pub spec: &'a Node,
    /// Path of the pod spec in the object.
    pub path: FieldPath,
    /// The pod's metadata (the object's for a Pod, the template's for workloads).
    pub meta: Option<&'a Node>,
    /// Path of that metadata.
    pub meta_path: FieldPath,
}

/// The pod spec locations of the built-in workload kinds (and of OpenShift's
/// `DeploymentConfig`, which OpenShift 3 served in the core group `v1` and OpenShift 4 serves
/// in `apps.openshift.io`).
fn builtin_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &["spec"],
        "PodTemplate" => &["template", "spec"],
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicationController"
        | "DeploymentConfig" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

/// The API groups whose kinds [`builtin_spec_path`] knows.
fn is_builtin_group(group: &str) -> bool {
    matches!(group, "" | "apps" | "batch" | "extensions" | "apps.openshift.io")
}

/// Whether a custom resource's `template.spec` is a pod spec: a non-empty `containers` list
/// of mappings that each have a `name` or an `image` (the API server requires `name`; `image`
/// may be left to an image trigger). A `containers` key holding names, or mappings of other
/// things, is some other schema and is not audited as a pod.
fn looks_like_pod_spec(n: &Node) -> bool {
    n.get("containers").is_some_and(|c| {
        c.is_seq()
            && !c.items().is_empty()
            && c.items().iter().all(|i| i.is_map() && (i.get("name").is_some() || i.get("image").is_some()))
    })
}

/// Whether a custom resource's pod template has a container without `image`: its operator
/// fills the container in (image, and often securityContext and resources), so fields the
/// template lacks are not missing. Built-in kinds and `DeploymentConfig` are complete as written
/// (an image trigger sets only the image).
#[must_use]
pub fn completed_by_operator(root: &Node, kind: &str, group: &str) -> bool {
    if builtin_spec_path(kind).is_some() && is_builtin_group(group) {
        return false;
    }
    let Some(spec) = PodSpecView::crd_path(root).and_then(|k| root.at(k)) else {
        return false;
    };
    [ContainerKind::Init, ContainerKind::Regular]
        .iter()
        .any(|k| spec.get(k.field()).is_some_and(|l| l.items().iter().any(|c| c.is_map() && c.get("image").is_none())))
}

impl<'a> PodSpecView<'a> {
    /// Finds the pod spec of a workload object, built-in or custom.
    #[must_use]
    pub fn of(object: &'a Object<'a>) -> Option<Self> {
        let root = object.root;
        let keys: &[&str] = if let Some(k) = builtin_spec_path(object.kind()) {
            if is_builtin_group(object.group()) {
                k
            } else {
                Self::crd_path(root)?
            }
        } else {
            Self::crd_path(root)?
        };
        let spec = root.at(keys)?;
        if !spec.is_map() {
            return None;
        }
        let path = keys.iter().fold(FieldPath::root(), |p, k| p.key(k));
        let meta_keys = &keys[..keys.len() - 1];
        let (meta, meta_path) = if meta_keys.is_empty() {
            (root.get("metadata"), FieldPath::root().key("metadata"))
        } else {
            (
                root.at(meta_keys).and_then(|t| t.get("metadata")),
                meta_keys.iter().fold(FieldPath::root(), |p, k| p.key(k)).key("metadata"),
            )
        };
        Some(Self { object, spec, path, meta, meta_path })
    }

    fn crd_path(root: &Node) -> Option<&'static [&'static str]> {
        const CANDIDATES: &[&[&str]] =
            &[&["spec", "template", "spec"], &["spec", "jobTemplate", "spec", "template", "spec"]];
        CANDIDATES.iter().copied().find(|k| root.at(k).is_some_and(looks_like_pod_spec))
    }

    /// A field of the pod spec.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.spec.get(key)
    }

    /// The pod-level `securityContext`.
    #[must_use]
    pub fn security_context(&self) -> Option<&'a Node> {
        self.spec.get("securityContext")
    }

    /// A pod annotation (template metadata for workloads).
    #[must_use]
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.meta?.get("annotations")?.get(key)?.as_str()
    }

    /// The pod's labels.
    #[must_use]
    pub fn labels(&self) -> Option<&'a Node> {
        self.meta?.get("labels")
    }

    /// Whether the pod runs on Windows (`spec.os.name: windows`), where Linux-only settings do not apply.
    #[must_use]
    pub fn is_windows(&self) -> bool {
        self.spec.at(&["os", "name"]).and_then(Node::as_str) == Some("windows")
    }

    /// The service account the pod runs as (`default` when unset).
    #[must_use]
    pub fn service_account(&self) -> &'a str {
        self.spec
            .get("serviceAccountName")
            .or_else(|| self.spec.get("serviceAccount"))
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
    }

    /// Every container: init, regular and ephemeral.
    #[must_use]
    pub fn containers(&self) -> Vec<ContainerView<'a>> {
        let mut out = Vec::new();
        for kind in [ContainerKind::Init, ContainerKind::Regular, ContainerKind::Ephemeral] {
            if let Some(list) = self.spec.get(kind.field()) {
                for (i, c) in list.items().iter().enumerate() {
                    if c.is_map() {
                        out.push(ContainerView {
                            node: c,
                            path: self.path.key(kind.field()).index(i),
                            kind,
                            index: i,
                            pod_spec: self.spec,
                            pod_path: self.path.clone(),
                        });
                    }
                }
            }
        }
        out
    }
}

/// A setting read from the container or inherited from the pod.
#[derive(Clone, Debug)]
pub struct Effective<'a> {
    /// The value.
    pub value: &'a Node,
    /// Where it is written.
    pub path: FieldPath,
    /// Whether it comes from the pod-level securityContext.
    pub inherited: bool,
}

/// One container of a pod spec.
#[derive(Clone, Debug)]
pub struct ContainerView<'a> {
    /// The container's tree.
    pub node: &'a Node,
    /// Its path in the object.
    pub path: FieldPath,
    /// Init, regular or ephemeral.
    pub kind: ContainerKind,
    /// Its index in its list.
    pub index: usize,
    pod_spec: &'a Node,
    pod_path: FieldPath,
}

impl<'a> ContainerView<'a> {
    /// The container's name.
    #[must_use]
    pub fn name(&self) -> &'a str {
        self.node.get("name").and_then(Node::as_str).unwrap_or("")
    }

    /// The image reference.
    #[must_use]
    pub fn image(&self) -> Option<&'a str> {
        self.node.get("image").and_then(Node::as_str)
    }

    /// A field of the container.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key)
    }

    /// The container's own `securityContext`.
    #[must_use]
    pub fn security_context(&self) -> Option<&'a Node> {
        self.node.get("securityContext")
    }

    /// Path of the container's `securityContext` (or a field in it).
    #[must_use]
    pub fn sc_path(&self, field: &str) -> FieldPath {
        self.path.key("securityContext").join(field)
    }

    /// A securityContext field as the kubelet sees it: the container's, else (for inheritable
    /// fields) the pod's.
    #[must_use]
    pub fn effective(&self, field: &str) -> Option<Effective<'a>> {
        if let Some(v) = self.security_context().and_then(|s| s.get(field)).filter(|v| !v.is_null()) {
            return Some(Effective { value: v, path: self.sc_path(field), inherited: false });
        }
        if INHERITED_FIELDS.contains(&field) {
            if let Some(v) = self.pod_spec.get("securityContext").and_then(|s| s.get(field)).filter(|v| !v.is_null()) {
                return Some(Effective {
                    value: v,
                    path: self.pod_path.key("securityContext").key(field),
                    inherited: true,
                });
            }
        }
        None
    }

    /// A key of an inheritable securityContext struct that the kubelet merges key by key
    /// (`windowsOptions`): the container's `field.key`, else the pod's. (`seLinuxOptions` is
    /// not merged: the container's struct replaces the pod's whole, use [`Self::effective`].)
    #[must_use]
    pub fn effective_key(&self, field: &str, key: &str) -> Option<Effective<'a>> {
        let own = self.security_context().and_then(|s| s.get(field)).and_then(|o| o.get(key));
        if let Some(v) = own.filter(|v| !v.is_null()) {
            return Some(Effective { value: v, path: self.sc_path(field).key(key), inherited: false });
        }
        if !INHERITED_FIELDS.contains(&field) {
            return None;
        }
        let v = self.pod_spec.get("securityContext")?.get(field)?.get(key).filter(|v| !v.is_null())?;
        Some(Effective { value: v, path: self.pod_path.key("securityContext").key(field).key(key), inherited: true })
    }

    /// Whether the container is certain to run as a non-root user: `runAsUser` non-zero, or
    /// `runAsNonRoot: true` with no `runAsUser: 0` (the kubelet then refuses to start a root image).
    #[must_use]
    pub fn runs_as_non_root(&self) -> bool {
        let user = self.effective("runAsUser").and_then(|e| e.value.as_i64());
        match user {
            Some(0) => false,
            Some(_) => true,
            None => self.effective("runAsNonRoot").is_some_and(|e| e.value.is_true()),
        }
    }
}
