use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `/etc/kubernetes/pki`, and the certificates and keys in it and in `pki/etcd`, when they
    /// are not owned by `root:root`.
    ///
    /// ## Why is this bad?
    /// The PKI directory holds the cluster CA keys: whoever owns them can sign a certificate for
    /// any identity, `system:masters` included.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/kubernetes/pki/ca.key
    /// role: pki-key
    /// mode: "0600"
    /// owner: kube:kube
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /etc/kubernetes/pki/ca.key
    /// role: pki-key
    /// mode: "0600"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chown -R root:root /etc/kubernetes/pki/`. Ownership is compared by uid and gid (0:0), so it is
    /// judged right even when the node's `/etc/passwd` could not be read.
    pub PkiOwnership {
        code: "NODE112",
        name: "pki-ownership",
        summary: "cluster PKI directory or file is not owned by root:root",
        severity: Medium,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chown -R root:root /etc/kubernetes/pki/`",
        checklist: ["kube-bench"],
        cis: ["1.1.19"],
        since: "0.1.0",
    }
}

impl Rule for PkiOwnership {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_root_owner(f, cx, &[FileRole::Pki, FileRole::PkiCertificate, FileRole::PkiKey]);
    }
}
