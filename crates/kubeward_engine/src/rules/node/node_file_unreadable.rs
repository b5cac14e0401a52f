use crate::context::Context;
use crate::input::hostfile::{FileState, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports every node file whose permissions or ownership a rule should check but that could
    /// not be examined (`stat` failed with permission denied or an I/O error), whatever its role.
    ///
    /// ## Why is this bad?
    /// An unchecked file is not a passing file. Without this finding a `kubeward node` run as an
    /// unprivileged user would silently pass every file permission check it could not do.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/kubernetes/admin.conf
    /// role: admin-kubeconfig
    /// state: unreadable
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
    /// Run `kubeward node` as root (or with read access to the node's filesystem when auditing an
    /// offline copy with `--root`), so that every file can be examined.
    pub NodeFileUnreadable {
        code: "NODE125",
        name: "node-file-unreadable",
        summary: "node file could not be checked",
        severity: Info,
        category: Node,
        targets: HOST_FILE,
        remediation: "run `kubeward node` as root so the file can be examined",
        checklist: ["kube-bench"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for NodeFileUnreadable {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        if let FileState::Unreadable(reason) = &f.state {
            cx.report_host_file(f, format!("could not check `{}` ({}): {reason}", f.path, f.role));
        }
    }
}
