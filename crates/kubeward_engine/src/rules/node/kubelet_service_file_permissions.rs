use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the kubelet systemd unit and its kubeadm drop-in (`10-kubeadm.conf`) when their mode
    /// grants anything beyond `0600`.
    ///
    /// ## Why is this bad?
    /// The unit decides the kubelet's command line: a local user who can write it can turn off
    /// authentication or authorization the next time the kubelet starts.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
    /// role: kubelet-service
    /// mode: "0644"
    /// owner: root:root
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
    /// role: kubelet-service
    /// mode: "0600"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chmod 600 /etc/systemd/system/kubelet.service.d/10-kubeadm.conf` (and on the other files listed above).
    /// Any mode without bits outside `0600` passes (`0400` is fine); setuid, setgid and sticky bits
    /// always fail.
    pub KubeletServiceFilePermissions {
        code: "NODE115",
        name: "kubelet-service-file-permissions",
        summary: "kubelet service file is more permissive than 0600",
        severity: Medium,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chmod 600` the file (no permission bits beyond 0600)",
        checklist: ["kube-bench"],
        cis: ["4.1.1"],
        since: "0.1.0",
    }
}

impl Rule for KubeletServiceFilePermissions {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_mode(f, cx, &[FileRole::KubeletService], 0o600);
    }
}
