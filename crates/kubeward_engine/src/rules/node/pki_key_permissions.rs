use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags private keys (`*.key`) under `/etc/kubernetes/pki` and `pki/etcd` whose mode grants
    /// anything beyond `0600`.
    ///
    /// ## Why is this bad?
    /// These are the keys of the cluster CAs, the API server, etcd and the service account signer.
    /// A local user who can read `ca.key` can sign a `system:masters` certificate; one who can read
    /// `sa.key` can mint a token for any service account.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/kubernetes/pki/ca.key
    /// role: pki-key
    /// mode: "0644"
    /// owner: root:root
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
    /// Run `chmod 600 /etc/kubernetes/pki/ca.key` (and on the other files listed above).
    /// Any mode without bits outside `0600` passes (`0400` is fine); setuid, setgid and sticky bits
    /// always fail.
    pub PkiKeyPermissions {
        code: "NODE114",
        name: "pki-key-permissions",
        summary: "cluster PKI key is more permissive than 0600",
        severity: High,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chmod 600` the file (no permission bits beyond 0600)",
        checklist: ["kube-bench"],
        cis: ["1.1.21"],
        since: "0.1.0",
    }
}

impl Rule for PkiKeyPermissions {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_mode(f, cx, &[FileRole::PkiKey], 0o600);
    }
}
