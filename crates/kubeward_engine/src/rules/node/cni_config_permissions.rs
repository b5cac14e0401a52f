use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags CNI configuration files (`/etc/cni/net.d/*`) whose mode grants anything beyond `0600`.
    ///
    /// ## Why is this bad?
    /// CNI configurations decide how every pod is wired to the network, and some hold the
    /// kubeconfig or credentials of the network plugin. A writable one lets a local user re-route or
    /// bypass network policy; a readable one can leak plugin credentials. Many plugins install their
    /// configs `0644`, so this is hardening advice (the CIS check is Manual).
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/cni/net.d/10-calico.conflist
    /// role: cni-config
    /// mode: "0644"
    /// owner: root:root
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
    /// Run `chmod 600 /etc/cni/net.d/10-calico.conflist`.
    /// Any mode without bits outside `0600` passes (`0400` is fine); setuid, setgid and sticky bits
    /// always fail.
    pub CniConfigPermissions {
        code: "NODE102",
        name: "cni-config-permissions",
        summary: "network plugin (CNI) configuration file is more permissive than 0600",
        severity: Low,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chmod 600` the file (no permission bits beyond 0600)",
        checklist: ["kube-bench"],
        cis: ["1.1.9"],
        since: "0.1.0",
    }
}

impl Rule for CniConfigPermissions {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_mode(f, cx, &[FileRole::CniConfig], 0o600);
    }
}
