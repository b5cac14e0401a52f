//! Kubernetes components in static pod manifests (and, through `kubeward node`, in running
//! processes): which binary a container runs and its flags, each flag mapped back to the JSON
//! path where it is written, so findings point at the exact `command`/`args` item.
//!
//! A container runs a component when the basename of `command[0]` is the component's binary
//! (`kube-apiserver`, `/usr/local/bin/etcd`...), or `hyperkube <component>`, or, with no
//! `command`, when the image's repository name is the binary (`registry.k8s.io/kube-apiserver`)
//! and the flags are in `args`.

use crate::input::argv::{Flag, Flags};
use crate::input::node::Node;
use crate::input::path::FieldPath;
use crate::input::workload::ContainerView;

/// The components whose flags CIS sections 1 to 4 check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComponentKind {
    /// kube-apiserver (CIS 1.2).
    ApiServer,
    /// kube-controller-manager (CIS 1.3).
    ControllerManager,
    /// kube-scheduler (CIS 1.4).
    Scheduler,
    /// etcd (CIS 2).
    Etcd,
    /// kubelet (CIS 4.2).
    Kubelet,
    /// kube-proxy (CIS 4.3).
    KubeProxy,
}

impl ComponentKind {
    /// The binary name.
    #[must_use]
    pub fn binary(self) -> &'static str {
        match self {
            Self::ApiServer => "kube-apiserver",
            Self::ControllerManager => "kube-controller-manager",
            Self::Scheduler => "kube-scheduler",
            Self::Etcd => "etcd",
            Self::Kubelet => "kubelet",
            Self::KubeProxy => "kube-proxy",
        }
    }

    /// The component a binary name (a path or a basename) is.
    #[must_use]
    pub fn from_binary(name: &str) -> Option<Self> {
        let base = name.rsplit('/').next().unwrap_or(name);
        Some(match base {
            "kube-apiserver" => Self::ApiServer,
            "kube-controller-manager" => Self::ControllerManager,
            "kube-scheduler" => Self::Scheduler,
            "etcd" => Self::Etcd,
            "kubelet" => Self::Kubelet,
            "kube-proxy" => Self::KubeProxy,
            _ => return None,
        })
    }
}

/// A component's command line, with the path of every argument.
#[derive(Debug)]
pub struct ComponentView {
    /// Which component.
    pub kind: ComponentKind,
    /// Parsed flags.
    pub flags: Flags,
    /// Path of each argv element (same indices as the argv given to the parser).
    arg_paths: Vec<FieldPath>,
    /// Where a missing flag should be added (the container's `command`, or `args`).
    pub insert_path: FieldPath,
}

fn strings(list: Option<&Node>) -> Vec<(String, usize)> {
    list.map(|l| l.items().iter().enumerate().filter_map(|(i, n)| n.as_str().map(|s| (s.to_string(), i))).collect())
        .unwrap_or_default()
}

impl ComponentView {
    /// The component a container runs, if any.
    #[must_use]
    pub fn of(c: &ContainerView<'_>) -> Option<Self> {
        // Most containers run no control-plane component: decide that before allocating.
        let first = c.get("command").and_then(|l| l.items().first()).and_then(Node::as_str);
        match first {
            Some(f) if ComponentKind::from_binary(f).is_none() && f.rsplit('/').next() != Some("hyperkube") => {
                return None;
            }
            None if c.get("command").is_none_or(|l| l.items().is_empty()) => {
                let image = c.image()?;
                let repo = image.split(['@']).next().unwrap_or(image);
                let last = repo.rsplit('/').next().unwrap_or(repo);
                let name = last.split(':').next().unwrap_or(last);
                ComponentKind::from_binary(name.trim_end_matches("-amd64").trim_end_matches("-arm64"))?;
            }
            _ => {}
        }
        let command = strings(c.get("command"));
        let args = strings(c.get("args"));
        let cmd_path = c.path.key("command");
        let args_path = c.path.key("args");
        let mut argv: Vec<String> = Vec::new();
        let mut paths: Vec<FieldPath> = Vec::new();
        let kind = if let Some((first, _)) = command.first() {
            let mut skip = 0;
            let kind = match ComponentKind::from_binary(first) {
                Some(k) => k,
                None if first.rsplit('/').next() == Some("hyperkube") => {
                    skip = 1;
                    ComponentKind::from_binary(command.get(1).map(|(s, _)| s.as_str()).unwrap_or(""))?
                }
                None => return None,
            };
            for (s, i) in command.iter().skip(skip) {
                argv.push(s.clone());
                paths.push(cmd_path.index(*i));
            }
            kind
        } else {
            let image = c.image()?;
            let repo = image.split(['@']).next().unwrap_or(image);
            let last = repo.rsplit('/').next().unwrap_or(repo);
            let name = last.split(':').next().unwrap_or(last);
            let kind = ComponentKind::from_binary(name.trim_end_matches("-amd64").trim_end_matches("-arm64"))?;
            argv.push(kind.binary().to_string());
            paths.push(c.path.key("image"));
            kind
        };
        for (s, i) in &args {
            argv.push(s.clone());
            paths.push(args_path.index(*i));
        }
        let insert_path = if c.get("command").is_some() && args.is_empty() { cmd_path } else { args_path };
        Some(Self { kind, flags: Flags::parse(&argv, true), arg_paths: paths, insert_path })
    }

    /// The last occurrence of a flag and the path where it is written.
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<(&Flag, FieldPath)> {
        let f = self.flags.flag(name)?;
        let path = self.arg_paths.get(f.index).cloned().unwrap_or_else(|| self.insert_path.clone());
        Some((f, path))
    }

    /// The path to report a finding about `name`: where it is written, else where it belongs.
    #[must_use]
    pub fn path_of(&self, name: &str) -> FieldPath {
        self.flag(name).map_or_else(|| self.insert_path.clone(), |(_, p)| p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::object::{Object, Origin};
    use crate::input::workload::PodSpecView;
    use crate::input::yaml::{load, Limits};

    #[test]
    fn static_pod_flags_map_to_paths() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n    - name: kube-apiserver\n      image: registry.k8s.io/kube-apiserver:v1.33.1\n      command:\n        - kube-apiserver\n        - --anonymous-auth=false\n        - --authorization-mode\n        - Node,RBAC\n";
        let l = load(text, Limits::default());
        let origin = Origin { file: None, file_index: 0, doc_index: 0, item: None, partial: false };
        let obj = Object::from_node(&l.documents[0].root, origin).expect("object");
        let pod = PodSpecView::of(&obj).expect("pod");
        let c = &pod.containers()[0];
        let comp = ComponentView::of(c).expect("component");
        assert_eq!(comp.kind, ComponentKind::ApiServer);
        assert_eq!(comp.flags.get_bool("anonymous-auth"), Some(false));
        let (f, path) = comp.flag("authorization-mode").expect("flag");
        assert_eq!(f.value.as_deref(), Some("Node,RBAC"));
        assert_eq!(path.as_str(), "/spec/containers/0/command/2");
        assert_eq!(comp.path_of("profiling").as_str(), "/spec/containers/0/command");
    }

    #[test]
    fn image_entrypoint_and_args() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: etcd}\nspec:\n  containers:\n    - name: etcd\n      image: quay.io/coreos/etcd:v3.5.0\n      args: [--client-cert-auth=true]\n";
        let l = load(text, Limits::default());
        let origin = Origin { file: None, file_index: 0, doc_index: 0, item: None, partial: false };
        let obj = Object::from_node(&l.documents[0].root, origin).expect("object");
        let pod = PodSpecView::of(&obj).expect("pod");
        let comp = ComponentView::of(&pod.containers()[0]).expect("component");
        assert_eq!(comp.kind, ComponentKind::Etcd);
        assert_eq!(comp.path_of("client-cert-auth").as_str(), "/spec/containers/0/args/0");
        assert_eq!(comp.path_of("auto-tls").as_str(), "/spec/containers/0/args");
    }
}
