use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `/etc/kubernetes/scheduler.conf` when it is not owned by `root:root`.
    ///
    /// ## Why is this bad?
    /// The owner of this kubeconfig can read the `system:kube-scheduler` credentials whatever the
    /// file's mode.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/kubernetes/scheduler.conf
    /// role: scheduler-kubeconfig
    /// mode: "0600"
    /// owner: kube:kube
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /etc/kubernetes/scheduler.conf
    /// role: scheduler-kubeconfig
    /// mode: "0600"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chown root:root /etc/kubernetes/scheduler.conf`.
    /// Ownership is compared by uid and gid (0:0), so it is judged right even when the node's
    /// `/etc/passwd` could not be read.
    pub SchedulerKubeconfigOwnership {
        code: "NODE109",
        name: "scheduler-kubeconfig-ownership",
        summary: "scheduler kubeconfig is not owned by root:root",
        severity: Low,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chown root:root` the file",
        checklist: ["kube-bench"],
        cis: ["1.1.16"],
        since: "0.1.0",
    }
}

impl Rule for SchedulerKubeconfigOwnership {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_root_owner(f, cx, &[FileRole::SchedulerKubeconfig]);
    }
}
