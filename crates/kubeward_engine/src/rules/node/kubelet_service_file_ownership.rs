use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the kubelet systemd unit and its kubeadm drop-in when they are not owned by `root:root`.
    ///
    /// ## Why is this bad?
    /// The owner of the unit can rewrite the kubelet's command line.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
    /// role: kubelet-service
    /// mode: "0600"
    /// owner: kube:kube
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
    /// Run `chown root:root /etc/systemd/system/kubelet.service.d/10-kubeadm.conf`.
    /// Ownership is compared by uid and gid (0:0), so it is judged right even when the node's
    /// `/etc/passwd` could not be read.
    pub KubeletServiceFileOwnership {
        code: "NODE116",
        name: "kubelet-service-file-ownership",
        summary: "kubelet service file is not owned by root:root",
        severity: Low,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chown root:root` the file",
        checklist: ["kube-bench"],
        cis: ["4.1.2"],
        since: "0.1.0",
    }
}

impl Rule for KubeletServiceFileOwnership {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_root_owner(f, cx, &[FileRole::KubeletService]);
    }
}
