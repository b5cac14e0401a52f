use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the etcd data directory (`/var/lib/etcd`) when its mode grants anything beyond `0700`.
    ///
    /// ## Why is this bad?
    /// The etcd data directory is the whole cluster state, Secrets included (in clear unless
    /// encryption at rest is configured). Any local user who can read it can read every Secret.
    ///
    /// ## Example
    /// ```yaml
    /// path: /var/lib/etcd
    /// role: etcd-data-dir
    /// mode: "0755"
    /// owner: root:root
    /// dir: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /var/lib/etcd
    /// role: etcd-data-dir
    /// mode: "0700"
    /// owner: root:root
    /// dir: true
    /// ```
    ///
    /// ## How to fix
    /// Run `chmod 700 /var/lib/etcd`.
    /// Any mode without bits outside `0700` passes; setuid, setgid and sticky bits
    /// always fail.
    pub EtcdDataDirPermissions {
        code: "NODE104",
        name: "etcd-data-dir-permissions",
        summary: "etcd data directory is more permissive than 0700",
        severity: High,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chmod 700` the directory (no permission bits beyond 0700)",
        checklist: ["kube-bench"],
        cis: ["1.1.11"],
        since: "0.1.0",
    }
}

impl Rule for EtcdDataDirPermissions {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_mode(f, cx, &[FileRole::EtcdDataDir], 0o700);
    }
}
