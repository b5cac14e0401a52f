use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the certificate authority file the kubelet trusts for client certificates
    /// (`--client-ca-file`, kubeadm's `/etc/kubernetes/pki/ca.crt`) when its mode grants anything
    /// beyond `0644`.
    ///
    /// ## Why is this bad?
    /// A local user who can write the client CA file can make the kubelet accept client
    /// certificates signed by their own CA, and so run commands in every pod of the node.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/kubernetes/pki/ca.crt
    /// role: client-ca-file
    /// mode: "0666"
    /// owner: root:root
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /etc/kubernetes/pki/ca.crt
    /// role: client-ca-file
    /// mode: "0644"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chmod 644 /etc/kubernetes/pki/ca.crt`.
    /// Any mode without bits outside `0644` passes (`0400` is fine); setuid, setgid and sticky bits
    /// always fail.
    pub ClientCaFilePermissions {
        code: "NODE121",
        name: "client-ca-file-permissions",
        summary: "kubelet client CA file is more permissive than 0644",
        severity: Medium,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chmod 644` the file (no permission bits beyond 0644)",
        checklist: ["kube-bench"],
        cis: ["4.1.7"],
        since: "0.1.0",
    }
}

impl Rule for ClientCaFilePermissions {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_mode(f, cx, &[FileRole::ClientCaFile], 0o644);
    }
}
