use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the kubelet configuration file (`/var/lib/kubelet/config.yaml`) when its mode grants anything beyond `0600`.
    ///
    /// ## Why is this bad?
    /// It sets the kubelet's authentication, authorization and read-only port: a local user who
    /// can write it can open the kubelet API to anyone the next time the kubelet starts.
    ///
    /// ## Example
    /// ```yaml
    /// path: /var/lib/kubelet/config.yaml
    /// role: kubelet-config
    /// mode: "0644"
    /// owner: root:root
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /var/lib/kubelet/config.yaml
    /// role: kubelet-config
    /// mode: "0600"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chmod 600 /var/lib/kubelet/config.yaml`.
    /// Any mode without bits outside `0600` passes (`0400` is fine); setuid, setgid and sticky bits
    /// always fail.
    pub KubeletConfigPermissions {
        code: "NODE123",
        name: "kubelet-config-permissions",
        summary: "the kubelet configuration file is more permissive than 0600",
        severity: Medium,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chmod 600` the file (no permission bits beyond 0600)",
        checklist: ["kube-bench"],
        cis: ["4.1.9"],
        since: "0.1.0",
    }
}

impl Rule for KubeletConfigPermissions {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_mode(f, cx, &[FileRole::KubeletConfig], 0o600);
    }
}
