use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `/etc/kubernetes/controller-manager.conf` when its mode grants anything beyond `0600`.
    ///
    /// ## Why is this bad?
    /// This kubeconfig holds the client certificate and key of `system:kube-controller-manager`. Any local
    /// user who can read it can act as the controller-manager, which can read every Secret and mint
    /// service account tokens.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/kubernetes/controller-manager.conf
    /// role: controller-manager-kubeconfig
    /// mode: "0644"
    /// owner: root:root
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /etc/kubernetes/controller-manager.conf
    /// role: controller-manager-kubeconfig
    /// mode: "0600"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chmod 600 /etc/kubernetes/controller-manager.conf`.
    /// Any mode without bits outside `0600` passes (`0400` is fine); setuid, setgid and sticky bits
    /// always fail.
    pub ControllerManagerKubeconfigPermissions {
        code: "NODE110",
        name: "controller-manager-kubeconfig-permissions",
        summary: "controller-manager kubeconfig is more permissive than 0600",
        severity: Medium,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chmod 600` the file (no permission bits beyond 0600)",
        checklist: ["kube-bench"],
        cis: ["1.1.17"],
        since: "0.1.0",
    }
}

impl Rule for ControllerManagerKubeconfigPermissions {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_mode(f, cx, &[FileRole::ControllerManagerKubeconfig], 0o600);
    }
}
