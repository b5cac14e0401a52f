use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the kubelet kubeconfig (`/etc/kubernetes/kubelet.conf`) when its mode grants anything beyond `0600`.
    ///
    /// ## Why is this bad?
    /// It holds the node's client credentials (`system:node:<name>`): a local user who can read it
    /// can act as the kubelet, read the Secrets of the node's pods and change its Node object.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/kubernetes/kubelet.conf
    /// role: kubelet-kubeconfig
    /// mode: "0644"
    /// owner: root:root
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /etc/kubernetes/kubelet.conf
    /// role: kubelet-kubeconfig
    /// mode: "0600"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chmod 600 /etc/kubernetes/kubelet.conf`.
    /// Any mode without bits outside `0600` passes (`0400` is fine); setuid, setgid and sticky bits
    /// always fail.
    pub KubeletKubeconfigPermissions {
        code: "NODE119",
        name: "kubelet-kubeconfig-permissions",
        summary: "the kubelet kubeconfig is more permissive than 0600",
        severity: Medium,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chmod 600` the file (no permission bits beyond 0600)",
        checklist: ["kube-bench"],
        cis: ["4.1.5"],
        since: "0.1.0",
    }
}

impl Rule for KubeletKubeconfigPermissions {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_mode(f, cx, &[FileRole::KubeletKubeconfig], 0o600);
    }
}
