use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, FileState, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the etcd data directory (`/var/lib/etcd`) when it is owned by neither `etcd:etcd` nor
    /// `root:root`.
    ///
    /// CIS 1.1.12 asks for `etcd:etcd`. That is right when etcd runs as a dedicated `etcd` user, but
    /// kubeadm runs etcd in a static pod as root and creates no `etcd` account, so the directory is
    /// `root:root` and kube-bench fails it on every kubeadm cluster. A `root:root` data directory is no
    /// weaker (only root, or the etcd user, should own it), so this rule accepts both and flags any
    /// other owner.
    ///
    /// ## Why is this bad?
    /// The owner of the data directory can change its mode and read or replace the whole cluster
    /// state, Secrets included.
    ///
    /// ## Example
    /// ```yaml
    /// path: /var/lib/etcd
    /// role: etcd-data-dir
    /// mode: "0700"
    /// owner: kube:kube
    /// dir: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /var/lib/etcd
    /// role: etcd-data-dir
    /// mode: "0700"
    /// owner: etcd:etcd
    /// dir: true
    /// ```
    ///
    /// ## How to fix
    /// Run `chown -R etcd:etcd /var/lib/etcd` when etcd runs as an `etcd` user, or
    /// `chown -R root:root /var/lib/etcd` when it runs as root (kubeadm).
    pub EtcdDataDirOwnership {
        code: "NODE105",
        name: "etcd-data-dir-ownership",
        summary: "etcd data directory is owned by neither etcd:etcd nor root:root",
        severity: Medium,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chown -R etcd:etcd` the etcd data directory (or `root:root` when etcd runs as root, as with kubeadm)",
        checklist: ["kube-bench"],
        cis: ["1.1.12"],
        since: "0.1.0",
    }
}

impl Rule for EtcdDataDirOwnership {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        if f.role != FileRole::EtcdDataDir || file_perms::root_owned(f) {
            return;
        }
        if let FileState::Present { user, group, .. } = &f.state {
            if user.as_deref() == Some("etcd") && group.as_deref() == Some("etcd") {
                return;
            }
        }
        let Some(owner) = f.owner() else { return };
        cx.report_host_file(f, format!("`{}` is owned by `{owner}`, neither `etcd:etcd` nor `root:root`", f.path));
    }
}
