use crate::analysis::node::file_perms;
use crate::context::Context;
use crate::input::hostfile::{FileRole, HostFile};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the static pod manifests of the API server, controller manager, scheduler and etcd
    /// (`/etc/kubernetes/manifests/*.yaml`) whose mode grants anything beyond `0600`.
    ///
    /// ## Why is this bad?
    /// The kubelet runs whatever these manifests say, as root, on the host network. Anyone who can
    /// write one owns the control plane; anyone who can read one learns every flag, file path and
    /// sometimes secrets passed on the command line.
    ///
    /// ## Example
    /// ```yaml
    /// path: /etc/kubernetes/manifests/kube-apiserver.yaml
    /// role: apiserver-manifest
    /// mode: "0644"
    /// owner: root:root
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// path: /etc/kubernetes/manifests/kube-apiserver.yaml
    /// role: apiserver-manifest
    /// mode: "0600"
    /// owner: root:root
    /// ```
    ///
    /// ## How to fix
    /// Run `chmod 600 /etc/kubernetes/manifests/kube-apiserver.yaml` (and on the other files listed above).
    /// Any mode without bits outside `0600` passes (`0400` is fine); setuid, setgid and sticky bits
    /// always fail.
    pub ControlPlaneManifestPermissions {
        code: "NODE100",
        name: "control-plane-manifest-permissions",
        summary: "control-plane static pod manifest is more permissive than 0600",
        severity: Medium,
        category: Node,
        targets: HOST_FILE,
        remediation: "`chmod 600` the file (no permission bits beyond 0600)",
        checklist: ["kube-bench"],
        cis: ["1.1.1", "1.1.3", "1.1.5", "1.1.7"],
        since: "0.1.0",
    }
}

impl Rule for ControlPlaneManifestPermissions {
    fn check_host_file(&self, f: &HostFile, cx: &mut Context<'_>) {
        file_perms::check_mode(
            f,
            cx,
            &[
                FileRole::ApiServerManifest,
                FileRole::ControllerManagerManifest,
                FileRole::SchedulerManifest,
                FileRole::EtcdManifest,
            ],
            0o600,
        );
    }
}
