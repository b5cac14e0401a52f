use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `/etc/kubernetes/admin.conf` and `/etc/kubernetes/super-admin.conf` when their mode grants
    /// anything beyond `0600`.
    ///
    /// ## Why is this bad?
    /// These kubeconfigs hold a client certificate of `system:masters` (or `kubeadm:cluster-admins`):
    /// full, unrevocable cluster-admin. Any local user who can read one is cluster admin.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/kubernetes/admin.conf
    /// role: admin-kubeconfig
    /// mode: "0644"
    /// owner: root:root
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /etc/kubernetes/admin.conf
    /// role: admin-kubeconfig
    /// mode: "0600"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chmod 600 /etc/kubernetes/admin.conf` (and on the other files listed above).
    /// Any mode without bits outside `0600` passes (`0400` is fine); setuid, setgid and sticky bits
    /// always fail.
    pub AdminKubeconfigPermissions {
        code: "NODE106",
        name: "admin-kubeconfig-permissions",
        summary: "admin kubeconfig is more permissive than 0600",
        severity: High,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chmod 600` the file (no permission bits beyond 0600)",
        checklist: ["kube-bench"],
        cis: ["1.1.13"],
        since: "0.1.0",
    }
}

impl Rule for AdminKubeconfigPermissions {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_mode(f, cx, &[FileRole::AdminKubeconfig], 0o600);
    }
}
