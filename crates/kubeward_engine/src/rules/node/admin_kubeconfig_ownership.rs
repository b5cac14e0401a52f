use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `/etc/kubernetes/admin.conf` and `/etc/kubernetes/super-admin.conf` when they are not
    /// owned by `root:root`.
    ///
    /// ## Why is this bad?
    /// The owner of an admin kubeconfig can read it whatever its mode: a non-root owner is a
    /// cluster admin.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/kubernetes/admin.conf
    /// role: admin-kubeconfig
    /// mode: "0600"
    /// owner: kube:kube
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
    /// Run `chown root:root /etc/kubernetes/admin.conf` (and on the other files listed above).
    /// Ownership is compared by uid and gid (0:0), so it is judged right even when the node's
    /// `/etc/passwd` could not be read.
    pub AdminKubeconfigOwnership {
        code: "NODE107",
        name: "admin-kubeconfig-ownership",
        summary: "admin kubeconfig is not owned by root:root",
        severity: Medium,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chown root:root` the file",
        checklist: ["kube-bench"],
        cis: ["1.1.14"],
        since: "0.1.0",
    }
}

impl Rule for AdminKubeconfigOwnership {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_root_owner(f, cx, &[FileRole::AdminKubeconfig]);
    }
}
