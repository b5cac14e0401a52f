use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags certificates (`*.crt`) under `/etc/kubernetes/pki` and `pki/etcd` whose mode grants
    /// anything beyond `0644` (group or world write, execute, special bits).
    ///
    /// ## Why is this bad?
    /// Certificates are public, but they are trust anchors: a local user who can replace `ca.crt`
    /// or `etcd/ca.crt` can make components trust a CA they control.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/kubernetes/pki/apiserver.crt
    /// role: pki-certificate
    /// mode: "0666"
    /// owner: root:root
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /etc/kubernetes/pki/apiserver.crt
    /// role: pki-certificate
    /// mode: "0644"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chmod 644 /etc/kubernetes/pki/apiserver.crt`.
    /// Any mode without bits outside `0644` passes (`0400` is fine); setuid, setgid and sticky bits
    /// always fail.
    pub PkiCertificatePermissions {
        code: "NODE113",
        name: "pki-certificate-permissions",
        summary: "cluster PKI certificate is more permissive than 0644",
        severity: Medium,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chmod 644` the file (no permission bits beyond 0644)",
        checklist: ["kube-bench"],
        cis: ["1.1.20"],
        since: "0.1.0",
    }
}

impl Rule for PkiCertificatePermissions {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_mode(f, cx, &[FileRole::PkiCertificate], 0o644);
    }
}
