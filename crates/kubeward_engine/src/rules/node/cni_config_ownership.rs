use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags CNI configuration files (`/etc/cni/net.d/*`) not owned by `root:root`.
    ///
    /// ## Why is this bad?
    /// The owner of a CNI configuration can rewrite it and change how every new pod is attached to
    /// the network.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/cni/net.d/10-calico.conflist
    /// role: cni-config
    /// mode: "0600"
    /// owner: kube:kube
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /etc/cni/net.d/10-calico.conflist
    /// role: cni-config
    /// mode: "0600"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chown root:root /etc/cni/net.d/10-calico.conflist`.
    /// Ownership is compared by uid and gid (0:0), so it is judged right even when the node's
    /// `/etc/passwd` could not be read.
    pub CniConfigOwnership {
        code: "NODE103",
        name: "cni-config-ownership",
        summary: "network plugin (CNI) configuration file is not owned by root:root",
        severity: Low,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chown root:root` the file",
        checklist: ["kube-bench"],
        cis: ["1.1.10"],
        since: "0.1.0",
    }
}

impl Rule for CniConfigOwnership {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_root_owner(f, cx, &[FileRole::CniConfig]);
    }
}
