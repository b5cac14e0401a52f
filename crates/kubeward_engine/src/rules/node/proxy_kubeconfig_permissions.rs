use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the kube-proxy kubeconfig (`/var/lib/kube-proxy/kubeconfig.conf`) when its mode grants anything beyond `0600`.
    ///
    /// ## Why is this bad?
    /// It holds the credentials kube-proxy uses to talk to the API server; a local user who can
    /// read it can act as kube-proxy, one who can write it can point kube-proxy at another server.
    ///
    /// ## Example
    /// ```yaml
    /// path: /var/lib/kube-proxy/kubeconfig.conf
    /// role: proxy-kubeconfig
    /// mode: "0644"
    /// owner: root:root
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /var/lib/kube-proxy/kubeconfig.conf
    /// role: proxy-kubeconfig
    /// mode: "0600"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chmod 600 /var/lib/kube-proxy/kubeconfig.conf`.
    /// Any mode without bits outside `0600` passes (`0400` is fine); setuid, setgid and sticky bits
    /// always fail.
    pub ProxyKubeconfigPermissions {
        code: "NODE117",
        name: "proxy-kubeconfig-permissions",
        summary: "the kube-proxy kubeconfig is more permissive than 0600",
        severity: Medium,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chmod 600` the file (no permission bits beyond 0600)",
        checklist: ["kube-bench"],
        cis: ["4.1.3"],
        since: "0.1.0",
    }
}

impl Rule for ProxyKubeconfigPermissions {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_mode(f, cx, &[FileRole::ProxyKubeconfig], 0o600);
    }
}
