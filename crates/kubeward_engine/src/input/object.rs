//! Kubernetes objects found in the loaded documents.
//!
//! A document is an object when it is a mapping with string `apiVersion` and `kind`. `kind:
//! List` and every `*List` kind with an `items` sequence contribute their items instead. Other
//! documents (Helm values, kustomization files, plain config) are skipped quietly.

use std::fmt;
use std::sync::Arc;

use super::node::{Node, Pos};
use super::path::FieldPath;

/// Identifies an object in messages and reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`, when written.
    pub namespace: Option<String>,
    /// `metadata.name` (or `generateName`, or empty).
    pub name: String,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            // Unnamed objects (a kubeconfig, a KubeletConfiguration) are shown by kind alone.
            None if self.name.is_empty() => f.write_str(&self.kind),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// Identifies an object within a run: file index, document index, List item index.
pub type ObjectKey = (usize, usize, Option<usize>);

/// Where an object came from: a file (with a display path) or an API source (no file).
#[derive(Clone, Debug)]
pub struct Origin {
    /// The file's display path; `None` for cluster and admission input.
    pub file: Option<Arc<str>>,
    /// Index of the file in the snapshot.
    pub file_index: usize,
    /// Index of the document in the file.
    pub doc_index: usize,
    /// Index within a `List`'s `items`, when the object is one.
    pub item: Option<usize>,
    /// The object is a partial one (a kustomize patch, or a custom resource whose pod template
    /// its operator completes): fields it lacks are not missing.
    pub partial: bool,
}

impl Origin {
    /// The object's key: file, document and List item indexes.
    #[must_use]
    pub fn key(&self) -> ObjectKey {
        (self.file_index, self.doc_index, self.item)
    }
}

/// A Kubernetes object borrowed from the snapshot.
#[derive(Clone, Debug)]
pub struct Object<'a> {
    /// The object's tree (the item, for objects inside a List).
    pub root: &'a Node,
    /// Identity.
    pub oref: ObjectRef,
    /// Origin.
    pub origin: Origin,
}

impl<'a> Object<'a> {
    /// Builds an object view when `root` looks like a Kubernetes object.
    #[must_use]
    pub fn from_node(root: &'a Node, origin: Origin) -> Option<Self> {
        let api_version = root.get("apiVersion")?.as_str()?;
        let kind = root.get("kind")?.as_str()?;
        if api_version.is_empty() || kind.is_empty() {
            return None;
        }
        let meta = root.get("metadata");
        let namespace = meta.and_then(|m| m.get("namespace")).and_then(Node::as_str).map(str::to_string);
        let name = meta
            .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let mut origin = origin;
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        // A custom resource's container without an image is completed by its operator.
        origin.partial |= super::workload::completed_by_operator(root, kind, group);
        Some(Self {
            root,
            oref: ObjectRef { api_version: api_version.to_string(), kind: kind.to_string(), namespace, name },
            origin,
        })
    }

    /// `kind`.
    #[must_use]
    pub fn kind(&self) -> &str {
        &self.oref.kind
    }

    /// The API group (`""` for the core group).
    #[must_use]
    pub fn group(&self) -> &str {
        self.oref.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// `metadata.name`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.oref.name
    }

    /// `metadata.namespace` when written.
    #[must_use]
    pub fn namespace(&self) -> Option<&str> {
        self.oref.namespace.as_deref()
    }

    /// `metadata`.
    #[must_use]
    pub fn metadata(&self) -> Option<&'a Node> {
        self.root.get("metadata")
    }

    /// One annotation of the object.
    #[must_use]
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.metadata()?.get("annotations")?.get(key)?.as_str()
    }

    /// One label of the object.
    #[must_use]
    pub fn label(&self, key: &str) -> Option<&'a str> {
        self.metadata()?.get("labels")?.get(key)?.as_str()
    }

    /// Whether the control plane creates this object in every cluster, where the user can
    /// neither move nor delete it (it comes back): a rule about the object's placement skips it
    /// (NS001: "deploy into a dedicated namespace" is advice no one can follow for them). Rules
    /// about what is written in it still judge it (a user can add `externalIPs` to the
    /// `kubernetes` Service, `automountServiceAccountToken: false` to a `default`
    /// ServiceAccount). The list, and why each is in it:
    ///
    /// - Service `kubernetes`, Endpoints `kubernetes` and EndpointSlice `kubernetes` in
    ///   `default`: the API server creates them and resets their ports, type and addresses.
    /// - ServiceAccount `default` in every namespace: the service account controller creates it
    ///   and recreates it when deleted. Its *use* by a workload is the workload's choice and is
    ///   still reported (POD020, RBAC bindings to it), and the facts it gives other rules
    ///   (`automountServiceAccountToken`) are still read.
    /// - ConfigMap `kube-root-ca.crt` in every namespace: the root CA publisher writes the
    ///   cluster CA there (a public certificate) and rewrites it.
    /// - ConfigMaps `extension-apiserver-authentication` and
    ///   `kube-apiserver-legacy-service-account-token-tracking` in `kube-system`: the API
    ///   server writes them at start.
    ///
    /// Not in the list, on purpose: the Namespaces `default`, `kube-system`, `kube-public` and
    /// `kube-node-lease` (they cannot be deleted, but their Pod Security labels and
    /// NetworkPolicies are the user's choice, and CIS 5.2/5.3.2 ask for them in every
    /// namespace); the bootstrap RBAC roles and bindings (`kubernetes.io/bootstrapping:
    /// rbac-defaults`): reconciliation adds their default rules and subjects back but keeps
    /// what a user added, so an addition is a choice that must stay visible; the RBAC rules
    /// judge the defaults themselves (`analysis::rbac::is_builtin_default`).
    #[must_use]
    pub fn is_api_server_owned(&self) -> bool {
        let (ns, name) = (self.namespace().map(str::trim), self.name());
        match (self.group(), self.kind()) {
            ("", "Service" | "Endpoints") | ("discovery.k8s.io", "EndpointSlice") => {
                name == "kubernetes" && ns == Some("default")
            }
            ("", "ServiceAccount") => name == "default",
            ("", "ConfigMap") => {
                name == "kube-root-ca.crt"
                    || (ns == Some("kube-system")
                        && matches!(
                            name,
                            "extension-apiserver-authentication"
                                | "kube-apiserver-legacy-service-account-token-tracking"
                        ))
            }
            _ => false,
        }
    }

    /// Resolves a path of this object to a file position.
    #[must_use]
    pub fn pos(&self, path: &FieldPath) -> Pos {
        path.resolve(self.root)
    }
}

/// Calls `f` for every object in a document: the document itself, or the items of a List.
pub fn objects_in<'a>(root: &'a Node, origin: &Origin, mut f: impl FnMut(Object<'a>)) {
    let Some(obj) = Object::from_node(root, origin.clone()) else {
        return;
    };
    if obj.kind().ends_with("List") {
        if let Some(items) = root.get("items").filter(|i| i.is_seq()) {
            for (i, item) in items.items().iter().enumerate() {
                let o = Origin { item: Some(i), ..origin.clone() };
                if let Some(x) = Object::from_node(item, o) {
                    f(x);
                }
            }
            return;
        }
    }
    f(obj);
}
