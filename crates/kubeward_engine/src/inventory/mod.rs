//! The inventory: what cross-object rules know of the whole run.
//!
//! While the engine makes its one visit over each document, it fills an [`Inventory`] with the
//! few typed facts cross-object rules compare: namespaces, workloads (pod labels, service
//! account, containers and images), NetworkPolicies with compiled selectors, ServiceAccounts,
//! roles and bindings, Istio PeerAuthentications, scanner reports, what `kubeward cluster`
//! could not list, the objects that show a whole cluster, and the node and Docker host documents.
//! The trees are then dropped: a streaming scan holds one file's trees per thread, not the whole
//! input. Files are audited in parallel; their inventories are appended in file order.
//!
//! Once every file is read, each cross-object rule's
//! [`check_inventory`](crate::rule::Rule::check_inventory) reads the inventory and reports
//! through [`Context::report_at`](crate::context::Context::report_at), with an entry's
//! [`Handle`] (identity, file, exemptions) and an [`Anchor`] or [`Spot`] (a field's position,
//! captured while the tree was there).
//!
//! A rule that needs a fact the inventory lacks adds it here: a field on an entry (or a new
//! section), filled in [`Inventory::add_object`]. Interning happens here, once per run.

pub mod handle;

use std::sync::Arc;

pub use handle::{intern, Anchor, Handle, ObjectHandle, Spot};

use crate::analysis::cluster::{cluster_anchor_rank, gap_resource, namespace_scoped};
use crate::analysis::network::{
    is_fragment, is_namespace_object, ns_of, pod_labels, OwnedSelector, PodLabels, PolicyView,
};
use crate::analysis::rbac::{self, rbac_kind, role_ref, RbacKind};
use crate::images::ScannerReport;
use crate::input::node::{Node, Pos};
use crate::input::object::{Object, Origin};
use crate::input::path::FieldPath;
use crate::input::workload::{ContainerKind, PodSpecView};
use crate::input::yaml::Document;
use crate::settings::Settings;
use crate::snapshot::{Snapshot, SourceFile};

/// Entries of one kind, in file order, kept in chunks of [`Section::CHUNK`]: appending never
/// moves what is stored (a growing vector would hold its old and new buffers at once, and a
/// quarter of its size unused), and at most one chunk is partly empty.
pub struct Section<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Section<T> {
    fn default() -> Self {
        Self { chunks: Vec::new(), len: 0 }
    }
}

impl<T> Section<T> {
    /// Entries per chunk.
    pub const CHUNK: usize = 4096;

    /// Appends one entry (the first chunk grows as a vector does: one file's few entries cost
    /// no chunk of their own).
    pub fn push(&mut self, entry: T) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < Self::CHUNK => c.push(entry),
            _ => {
                let mut c = if self.chunks.is_empty() { Vec::new() } else { Vec::with_capacity(Self::CHUNK) };
                c.push(entry);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }

    /// Appends the entries of a later file, in order.
    pub fn append(&mut self, later: Section<T>) {
        if self.len == 0 {
            *self = later;
            return;
        }
        for e in later.chunks.into_iter().flatten() {
            self.push(e);
        }
    }

    /// How many entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The entries, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks.iter().flatten()
    }
}

impl<'a, T> IntoIterator for &'a Section<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter().flatten()
    }
}

/// A core `Namespace` object.
pub struct Namespace {
    /// The object.
    pub handle: ObjectHandle,
    /// Its `metadata.name`.
    pub name_at: Spot,
}

/// An object with a pod template (or a pod spec: Pods, node `Process` documents).
pub struct Workload {
    /// The object.
    pub handle: ObjectHandle,
    /// Its `metadata.namespace` when written and not empty, else its `metadata`.
    pub namespace_at: Spot,
    /// Its `metadata.name`.
    pub name_at: Spot,
    /// JSON pointer of the pod spec (`/spec/template/spec`).
    pub pod_path: Arc<str>,
    /// Whether the pod labels cannot be known from the manifest (see [`is_fragment`]).
    pub fragment: bool,
    /// Whether the pod runs on the host network.
    pub host_network: bool,
    /// The pod labels (empty for a fragment or a pod on the host network: no policy selects
    /// those).
    pub labels: PodLabels,
    /// Where the pod labels are (see [`Workload::labels_path`]).
    pub labels_at: Spot,
    /// The ServiceAccount the pod names (`serviceAccountName`, else `serviceAccount`).
    pub service_account: Option<Arc<str>>,
    /// The pod's `automountServiceAccountToken`.
    pub automount: Option<bool>,
    /// Where the pod's `automountServiceAccountToken` is (or would be).
    pub automount_at: Spot,
    /// The containers with an image (init, regular, ephemeral), in pod order.
    pub containers: Box<[Container]>,
}

impl Workload {
    /// JSON pointer of the pod labels: the pod's metadata beside the pod spec.
    #[must_use]
    pub fn labels_path(&self) -> FieldPath {
        let parent = self.pod_path.rsplit_once('/').map_or("", |(p, _)| p);
        FieldPath::parse(parent).key("metadata").key("labels")
    }

    /// The anchor of `automountServiceAccountToken` of the pod spec.
    #[must_use]
    pub fn automount_anchor(&self) -> Anchor {
        self.automount_at.anchor(FieldPath::parse(&self.pod_path).key("automountServiceAccountToken"))
    }

    /// The cluster component this workload runs, when its kind is one of `kinds`: the first
    /// container whose image repository (see [`crate::analysis::cluster::image_repository`])
    /// holds one of `needles`, else the object's name; with the anchor of that image or name.
    #[must_use]
    pub fn component(&self, kinds: &[&str], needles: &[&'static str]) -> Option<(&'static str, Anchor)> {
        if !kinds.contains(&self.handle.kind()) {
            return None;
        }
        for c in &self.containers {
            let repo = crate::analysis::cluster::image_repository(&c.image).to_ascii_lowercase();
            if let Some(n) = needles.iter().find(|n| repo.contains(**n)) {
                return Some((n, Anchor { path: c.image_path(&self.pod_path), pos: c.image_at, exists: true }));
            }
        }
        let name = self.handle.name().to_ascii_lowercase();
        needles
            .iter()
            .find(|n| name.contains(**n))
            .map(|n| (*n, self.name_at.anchor(FieldPath::root().key("metadata").key("name"))))
    }
}

/// A container with an image (strings interned: they repeat across workloads).
pub struct Container {
    /// `name`.
    pub name: Arc<str>,
    /// `image`.
    pub image: Arc<str>,
    /// Where its `image` is.
    pub image_at: Pos,
    /// Its list (`initContainers`, `containers`, `ephemeralContainers`) and index there.
    pub list: ContainerKind,
    /// Its index in the list.
    pub index: u32,
}

impl Container {
    /// JSON pointer of its `image`, given the pod spec's.
    #[must_use]
    pub fn image_path(&self, pod_path: &str) -> FieldPath {
        FieldPath::parse(pod_path).key(self.list.field()).index(self.index as usize).key("image")
    }
}

/// A Kubernetes NetworkPolicy (`networking.k8s.io` or `extensions`).
pub struct NetworkPolicy {
    /// Its namespace key (`None` when unset or empty; interned).
    pub namespace: Option<Arc<str>>,
    /// Whether its group is `networking.k8s.io`.
    pub networking_group: bool,
    /// Whether it is a default deny of ingress (see [`PolicyView::is_default_deny`]).
    pub deny_ingress: bool,
    /// Whether it is a default deny of egress.
    pub deny_egress: bool,
    /// Its `spec.podSelector`, compiled.
    pub pod_selector: OwnedSelector,
}

/// A core ServiceAccount.
pub struct ServiceAccount {
    /// `metadata.namespace`, as written (interned).
    pub namespace: Option<Arc<str>>,
    /// `metadata.name`.
    pub name: Box<str>,
    /// Its `automountServiceAccountToken`.
    pub automount: Option<bool>,
}

/// A Role or ClusterRole.
pub struct Role {
    /// `Role` or `ClusterRole`.
    pub kind: RbacKind,
    /// `metadata.name` (interned: role names repeat across namespaces).
    pub name: Arc<str>,
    /// `metadata.namespace` (never for a ClusterRole; interned).
    pub namespace: Option<Arc<str>>,
    /// What its rules allow, in words ([`rbac::describe_rules`]; interned).
    pub rules: Option<Arc<str>>,
    /// A ClusterRole other than `cluster-admin` with a rule allowing `*` verbs on `*` resources.
    pub allows_all: bool,
    /// The read verbs a ClusterRole grants on secrets ([`rbac::secret_read_verbs`]).
    pub secret_read_verbs: Box<[&'static str]>,
}

/// A RoleBinding or ClusterRoleBinding.
pub struct Binding {
    /// The binding (kind, namespace, name, file, exemptions).
    pub handle: ObjectHandle,
    /// `RoleBinding` or `ClusterRoleBinding`.
    pub kind: RbacKind,
    /// What rules written on the binding itself would allow (a malformed binding).
    pub rules: Option<Arc<str>>,
    /// `roleRef.kind` and `roleRef.name` (see [`role_ref`]; interned).
    pub role_ref: Option<(Arc<str>, Arc<str>)>,
    /// A built-in binding of Kubernetes (`kubernetes.io/bootstrapping: rbac-defaults`).
    pub builtin_default: bool,
    /// The subjects with a kind and a name.
    pub subjects: Box<[BindingSubject]>,
}

impl Binding {
    /// ``role binding `name` `` for messages.
    #[must_use]
    pub fn describe(&self) -> String {
        rbac::describe_ref(&self.handle.oref())
    }

    /// A subject of this binding, described for messages.
    #[must_use]
    pub fn describe_subject(&self, s: &BindingSubject) -> String {
        s.describe(self.handle.namespace())
    }
}

/// A subject of a binding (one with a kind and a name).
#[derive(Clone, Debug)]
pub struct BindingSubject {
    /// `kind` (interned).
    pub kind: Arc<str>,
    /// `name`.
    pub name: Box<str>,
    /// `namespace`, when written (interned).
    pub namespace: Option<Arc<str>>,
    /// Index in `subjects`.
    pub index: u32,
    /// Position of the subject.
    pub pos: Pos,
}

impl BindingSubject {
    fn of(binding: &Object<'_>, s: &rbac::Subject<'_>) -> Self {
        Self {
            kind: intern(s.kind),
            name: s.name.into(),
            namespace: s.namespace.map(intern),
            index: u32::try_from(s.index).unwrap_or(u32::MAX),
            pos: binding.pos(&s.path),
        }
    }

    /// The subject's namespace: its own, else the binding's (`binding_ns`).
    #[must_use]
    pub fn effective_namespace<'b>(&'b self, binding_ns: Option<&'b str>) -> Option<&'b str> {
        self.namespace.as_deref().filter(|n| !n.is_empty()).or(binding_ns)
    }

    /// ``service account `ns/name` ``, ``group `name` `` for messages, given the binding's
    /// namespace.
    #[must_use]
    pub fn describe(&self, binding_ns: Option<&str>) -> String {
        rbac::describe_subject(&self.kind, &self.name, self.effective_namespace(binding_ns))
    }

    /// The subject's path (`/subjects/0`) and position.
    #[must_use]
    pub fn anchor(&self) -> Anchor {
        Anchor { path: FieldPath::root().key("subjects").index(self.index as usize), pos: self.pos, exists: true }
    }
}

/// An Istio `PeerAuthentication`.
pub struct PeerAuthentication {
    /// Its namespace when it sets `mtls.mode: STRICT` without a selector.
    pub strict_namespace: Option<Box<str>>,
}

/// A scanner report with blocking vulnerabilities.
pub struct ScannerReportEntry {
    /// The report, as an object named after its image.
    pub handle: ObjectHandle,
    /// The report, with its blocking vulnerabilities only.
    pub report: ScannerReport,
    /// The place of each blocking vulnerability in the report.
    pub anchors: Vec<Anchor>,
}

/// What shows a whole cluster, in the order rules prefer them to anchor a finding about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClusterAnchor {
    /// The `kube-system` Namespace.
    KubeSystem = 0,
    /// The API server's `KubernetesVersion` (made by `kubeward cluster`).
    ApiServerVersion = 1,
    /// A Node.
    Node = 2,
}

/// What cross-object rules know of the run. See the module docs.
#[derive(Default)]
pub struct Inventory {
    namespaces: Section<Namespace>,
    workloads: Section<Workload>,
    network_policies: Section<NetworkPolicy>,
    service_accounts: Section<ServiceAccount>,
    roles: Section<Role>,
    bindings: Section<Binding>,
    peer_authentications: Section<PeerAuthentication>,
    scanner_reports: Section<ScannerReportEntry>,
    /// The first object of each [`ClusterAnchor`] kind, at its `metadata.name`.
    cluster_anchors: [Option<(ObjectHandle, Spot)>; 3],
    /// The resources `kubeward cluster` could not list (`AuditGap` objects).
    gaps: Vec<Box<str>>,
    /// Whether the run reads one namespace of a cluster (`kubeward cluster --namespace`).
    namespace_scoped: bool,
    /// Node and Docker host documents: daemon.json, auditd rules, `Process` documents, pods of
    /// the control plane.
    host: Snapshot,
}

impl Inventory {
    /// The core Namespace objects.
    #[must_use]
    pub fn namespaces(&self) -> &Section<Namespace> {
        &self.namespaces
    }

    /// The objects with a pod spec.
    #[must_use]
    pub fn workloads(&self) -> &Section<Workload> {
        &self.workloads
    }

    /// The NetworkPolicies.
    #[must_use]
    pub fn network_policies(&self) -> &Section<NetworkPolicy> {
        &self.network_policies
    }

    /// The core ServiceAccounts.
    #[must_use]
    pub fn service_accounts(&self) -> &Section<ServiceAccount> {
        &self.service_accounts
    }

    /// The Roles and ClusterRoles.
    #[must_use]
    pub fn roles(&self) -> &Section<Role> {
        &self.roles
    }

    /// The RoleBindings and ClusterRoleBindings.
    #[must_use]
    pub fn bindings(&self) -> &Section<Binding> {
        &self.bindings
    }

    /// The Istio PeerAuthentications.
    #[must_use]
    pub fn peer_authentications(&self) -> &Section<PeerAuthentication> {
        &self.peer_authentications
    }

    /// The scanner reports with blocking vulnerabilities.
    #[must_use]
    pub fn scanner_reports(&self) -> &Section<ScannerReportEntry> {
        &self.scanner_reports
    }

    /// The first object of kind `which`, and the position of its `metadata.name`.
    #[must_use]
    pub fn cluster_anchor(&self, which: ClusterAnchor) -> Option<(&ObjectHandle, Spot)> {
        self.cluster_anchors.get(which as usize).and_then(Option::as_ref).map(|(h, at)| (h, *at))
    }

    /// The object a finding about the whole cluster is reported on: the `kube-system` Namespace,
    /// else the API server's version, else the first Node; `None` when the objects do not
    /// describe a whole cluster. The anchor is its `metadata.name`.
    #[must_use]
    pub fn whole_cluster(&self) -> Option<(&ObjectHandle, Anchor)> {
        self.cluster_anchors
            .iter()
            .flatten()
            .next()
            .map(|(h, at)| (h, at.anchor(FieldPath::root().key("metadata").key("name"))))
    }

    /// Whether `kubeward cluster` could not list one of `resources` (or a whole API group:
    /// `/api...`), so that what a rule looks for may exist unseen.
    #[must_use]
    pub fn hides(&self, resources: &[&str]) -> bool {
        self.gaps.iter().any(|g| g.starts_with("/api") || resources.contains(&&**g))
    }

    /// Whether the run reads one namespace of a cluster: whole-cluster absences are unknown.
    #[must_use]
    pub fn namespace_scoped(&self) -> bool {
        self.namespace_scoped
    }

    /// The node and Docker host documents (small; kept whole).
    #[must_use]
    pub fn host_documents(&self) -> &Snapshot {
        &self.host
    }

    /// Appends the inventory of a later file (or a later part of a file), in order.
    pub fn append(&mut self, later: Inventory) {
        let Inventory {
            namespaces,
            workloads,
            network_policies,
            service_accounts,
            roles,
            bindings,
            peer_authentications,
            scanner_reports,
            cluster_anchors,
            gaps,
            namespace_scoped,
            host,
        } = later;
        self.namespaces.append(namespaces);
        self.workloads.append(workloads);
        self.network_policies.append(network_policies);
        self.service_accounts.append(service_accounts);
        self.roles.append(roles);
        self.bindings.append(bindings);
        self.peer_authentications.append(peer_authentications);
        self.scanner_reports.append(scanner_reports);
        for (mine, theirs) in self.cluster_anchors.iter_mut().zip(cluster_anchors) {
            if mine.is_none() {
                *mine = theirs;
            }
        }
        for g in gaps {
            if !self.gaps.contains(&g) {
                self.gaps.push(g);
            }
        }
        self.namespace_scoped |= namespace_scoped;
        let Snapshot { files, host_files, errors } = host;
        self.host.files.extend(files);
        self.host.host_files.extend(host_files);
        self.host.errors.extend(errors);
    }

    /// Keeps `file` when it is a node or Docker host document.
    pub fn add_file(&mut self, file: &SourceFile) {
        if crate::analysis::docker::node_files::docker_host_file(file)
            || crate::analysis::node::control_plane_file(file)
        {
            self.host.files.push(file.clone());
        }
    }

    /// Adds the node files whose permissions `kubeward node` read (Docker host rules look for
    /// the Docker unit among them).
    pub fn add_host_files(&mut self, files: &[crate::input::hostfile::HostFile]) {
        self.host.host_files.extend(files.iter().cloned());
    }

    /// Keeps the read errors of node and Docker host documents: the Docker host rules tell a
    /// refused daemon.json or auditd rules file from a missing one.
    pub fn add_input_errors(&mut self, errors: &[crate::diagnostic::InputError]) {
        let host = |e: &&crate::diagnostic::InputError| {
            e.file.as_deref().is_some_and(crate::analysis::docker::node_files::docker_host_path)
        };
        self.host.errors.extend(errors.iter().filter(host).cloned());
    }

    /// Reads document `doc_index` of file `file_index` (a scanner report is a document, not an
    /// object).
    pub fn add_document(
        &mut self,
        file: &SourceFile,
        file_index: usize,
        doc_index: usize,
        doc: &Document,
        settings: &Settings,
    ) {
        let Some(mut r) = ScannerReport::read(file.path.clone(), &doc.root, None, &settings.images, &settings.today)
        else {
            return;
        };
        if r.blocking().next().is_none() {
            return;
        }
        // The report entry keeps its blocking vulnerabilities only.
        let obj = Object {
            root: &doc.root,
            oref: crate::input::object::ObjectRef {
                api_version: String::new(),
                kind: "VulnerabilityReport".into(),
                namespace: None,
                name: r.image.clone(),
            },
            origin: Origin { file: file.path.clone(), file_index, doc_index, item: None, partial: false },
        };
        r.vulns.retain(|v| v.decision == crate::images::Decision::Blocking);
        let anchors = r.vulns.iter().map(|v| Anchor::of(&obj, v.path.clone())).collect();
        self.scanner_reports.push(ScannerReportEntry { handle: Handle::of(&obj, settings), report: r, anchors });
    }

    /// Reads one object.
    pub fn add_object(&mut self, obj: &Object<'_>, settings: &Settings) {
        let mut handle: Option<ObjectHandle> = None;
        let mut handle = || handle.get_or_insert_with(|| Handle::of(obj, settings)).clone();
        if let Some(resource) = gap_resource(obj) {
            if !self.gaps.iter().any(|g| **g == *resource) {
                self.gaps.push(resource.into());
            }
            return;
        }
        if namespace_scoped(obj) {
            self.namespace_scoped = true;
        }
        if let Some(rank) = cluster_anchor_rank(obj) {
            if let Some(slot @ None) = self.cluster_anchors.get_mut(usize::from(rank)) {
                let at = Spot::of(obj, &FieldPath::root().key("metadata").key("name"));
                *slot = Some((handle(), at));
            }
        }
        match (obj.kind(), obj.group()) {
            ("Namespace", "") => {
                let at = Spot::of(obj, &FieldPath::root().key("metadata").key("name"));
                self.namespaces.push(Namespace { handle: handle(), name_at: at });
                return;
            }
            ("ServiceAccount", "") => self.service_accounts.push(ServiceAccount {
                namespace: obj.namespace().map(intern),
                name: obj.name().into(),
                automount: obj.root.get("automountServiceAccountToken").and_then(Node::as_bool),
            }),
            ("PeerAuthentication", "security.istio.io") => {
                let strict = obj.root.at(&["spec", "mtls", "mode"]).and_then(Node::as_str) == Some("STRICT");
                let selector_less =
                    obj.root.at(&["spec", "selector"]).is_none_or(|s| s.is_null() || s.entries().is_empty());
                let ns = (strict && selector_less).then(|| obj.namespace()).flatten();
                self.peer_authentications.push(PeerAuthentication { strict_namespace: ns.map(Into::into) });
            }
            _ => {}
        }
        if let Some(p) = PolicyView::of(obj) {
            use crate::analysis::network::{Direction, LabelSelector};
            self.network_policies.push(NetworkPolicy {
                namespace: ns_of(obj).map(intern),
                networking_group: obj.group() == "networking.k8s.io",
                deny_ingress: p.is_default_deny(Direction::Ingress),
                deny_egress: p.is_default_deny(Direction::Egress),
                pod_selector: LabelSelector::new(obj.root.get("spec").and_then(|s| s.get("podSelector"))).owned(),
            });
            return;
        }
        if let Some(kind) = rbac_kind(obj) {
            self.add_rbac(obj, kind, &mut handle);
            return;
        }
        if is_namespace_object(obj) {
            return;
        }
        if let Some(pod) = PodSpecView::of(obj) {
            let w = workload(obj, &pod, handle());
            self.workloads.push(w);
        }
    }

    fn add_rbac(&mut self, obj: &Object<'_>, kind: RbacKind, handle: &mut impl FnMut() -> ObjectHandle) {
        let rules = rbac::describe_rules(obj).as_deref().map(intern);
        if kind.is_role() {
            let cluster = kind == RbacKind::ClusterRole;
            self.roles.push(Role {
                kind,
                name: intern(obj.name()),
                namespace: if cluster { None } else { obj.namespace().map(intern) },
                rules,
                allows_all: cluster && rbac::allows_all(obj),
                secret_read_verbs: if cluster { rbac::secret_read_verbs(obj).into() } else { Box::default() },
            });
            return;
        }
        self.bindings.push(Binding {
            handle: handle(),
            kind,
            rules,
            role_ref: role_ref(obj).map(|r| (intern(r.kind), intern(r.name))),
            builtin_default: rbac::is_builtin_default(obj),
            subjects: rbac::subjects(obj).iter().map(|s| BindingSubject::of(obj, s)).collect(),
        });
    }
}

/// The workload entry of `obj`.
fn workload(obj: &Object<'_>, pod: &PodSpecView<'_>, handle: ObjectHandle) -> Workload {
    let ns_path = FieldPath::root().join(if ns_of(obj).is_some() { "metadata/namespace" } else { "metadata" });
    let fragment = is_fragment(pod);
    let host_network = pod.get("hostNetwork").is_some_and(Node::is_true);
    let (labels, labels_at) = if fragment || host_network {
        (PodLabels::default(), Spot::default())
    } else {
        (PodLabels::of(pod_labels(pod)), Spot::of(obj, &pod.meta_path.key("labels")))
    };
    let automount = pod.get("automountServiceAccountToken").and_then(Node::as_bool);
    let automount_at = if automount == Some(false) {
        Spot::default()
    } else {
        Spot::of(obj, &pod.path.key("automountServiceAccountToken"))
    };
    let containers = pod
        .containers()
        .iter()
        .filter_map(|c| {
            let image = c.image()?;
            let path = c.path.key("image");
            Some(Container {
                name: intern(c.name()),
                image: intern(image),
                image_at: obj.pos(&path),
                list: c.kind,
                index: u32::try_from(c.index).unwrap_or(u32::MAX),
            })
        })
        .collect();
    Workload {
        namespace_at: Spot::of(obj, &ns_path),
        name_at: Spot::of(obj, &FieldPath::root().key("metadata").key("name")),
        pod_path: intern(pod.path.as_str()),
        fragment,
        host_network,
        labels,
        labels_at,
        service_account: crate::analysis::pod::account::named_service_account(pod).1.map(intern),
        automount,
        automount_at,
        containers,
        handle,
    }
}

#[cfg(test)]
mod tests;
