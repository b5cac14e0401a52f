use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the kubelet's client CA file when it is not owned by `root:root`.
    ///
    /// ## Why is this bad?
    /// The owner of the client CA file can replace it with a CA of their own.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/kubernetes/pki/ca.crt
    /// role: client-ca-file
    /// mode: "0600"
    /// owner: kube:kube
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /etc/kubernetes/pki/ca.crt
    /// role: client-ca-file
    /// mode: "0600"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chown root:root /etc/kubernetes/pki/ca.crt`.
    /// Ownership is compared by uid and gid (0:0), so it is judged right even when the node's
    /// `/etc/passwd` could not be read.
    pub ClientCaFileOwnership {
        code: "NODE122",
        name: "client-ca-file-ownership",
        summary: "kubelet client CA file is not owned by root:root",
        severity: Low,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chown root:root` the file",
        checklist: ["kube-bench"],
        cis: ["4.1.8"],
        since: "0.1.0",
    }
}

impl Rule for ClientCaFileOwnership {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_root_owner(f, cx, &[FileRole::ClientCaFile]);
    }
}
