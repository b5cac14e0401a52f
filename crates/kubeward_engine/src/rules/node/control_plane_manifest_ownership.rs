use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the static pod manifests of the API server, controller manager, scheduler and etcd
    /// that are not owned by `root:root`.
    ///
    /// ## Why is this bad?
    /// The owner of a static pod manifest can change its mode and rewrite it: an unprivileged owner
    /// can make the kubelet run any container, privileged, on a control-plane node.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/kubernetes/manifests/kube-apiserver.yaml
    /// role: apiserver-manifest
    /// mode: "0600"
    /// owner: kube:kube
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /etc/kubernetes/manifests/kube-apiserver.yaml
    /// role: apiserver-manifest
    /// mode: "0600"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chown root:root /etc/kubernetes/manifests/kube-apiserver.yaml` (and on the other files listed above).
    /// Ownership is compared by uid and gid (0:0), so it is judged right even when the node's
    /// `/etc/passwd` could not be read.
    pub ControlPlaneManifestOwnership {
        code: "NODE101",
        name: "control-plane-manifest-ownership",
        summary: "control-plane static pod manifest is not owned by root:root",
        severity: Medium,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chown root:root` the file",
        checklist: ["kube-bench"],
        cis: ["1.1.2", "1.1.4", "1.1.6", "1.1.8"],
        since: "0.1.0",
    }
}

impl Rule for ControlPlaneManifestOwnership {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_root_owner(
            f,
            cx,
            &[
                FileRole::ApiServerManifest,
                FileRole::ControllerManagerManifest,
                FileRole::SchedulerManifest,
                FileRole::EtcdManifest,
            ],
        );
    }
}
