use crate::context::Context;
use crate::input::node::Node;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::{Rule, RuleMeta, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) whose effective `seLinuxOptions` (the
    /// container's, else the pod's) give an unconfined SELinux type, `spc_t` (super-privileged
    /// container) or `unconfined_t` (rated high), or set a custom SELinux `user` or `role`
    /// (rated medium: the Pod Security Standards baseline profile forbids them). Windows pods
    /// (`spec.os.name: windows`) are not checked.
    ///
    /// ## Why is this bad?
    /// On SELinux hosts, the `container_t` type is what keeps a container's processes away from
    /// host files, devices and other containers. `spc_t` and `unconfined_t` are not confined by
    /// the container policy at all: a process escaping the container's namespaces meets no
    /// SELinux barrier. A custom user or role changes which types the process may enter.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   securityContext:
    ///     seLinuxOptions:
    ///       type: spc_t
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   securityContext:
    ///     seLinuxOptions:
    ///       level: "s0:c123,c456"
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    /// ```
    ///
    /// ## How to fix
    /// Remove `seLinuxOptions.type`, `user` and `role` (the runtime assigns `container_t`), or
    /// use one of the container types (`container_t`, `container_init_t`, `container_kvm_t`).
    /// Set only `level` when the pod needs a specific MCS label.
    pub SelinuxPrivilegedType {
        code: "POD014",
        name: "selinux-privileged-type",
        summary: "container runs with an unconfined SELinux type, user or role",
        severity: High,
        category: Pod,
        targets: CONTAINER,
        remediation: "remove `seLinuxOptions.type`, `user` and `role`; set only `level` if needed",
        checklist: ["workload.5", "guide.privileged"],
        cis: ["5.6.3"],
        since: "0.1.0",
    }
}

impl Rule for SelinuxPrivilegedType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() {
            return;
        }
        let Some(e) = c.effective("seLinuxOptions") else {
            return;
        };
        let name = c.name();
        let from = if e.inherited { " (inherited from the pod)" } else { "" };
        if let Some(t) = e.value.get("type").and_then(Node::as_str) {
            if matches!(t.trim(), "spc_t" | "unconfined_t") {
                cx.report(
                    pod.object,
                    e.path.key("type"),
                    format!("container `{name}` runs with the unconfined SELinux type `{}`{from}", t.trim()),
                )
                .container(name);
            }
        }
        for field in ["user", "role"] {
            if let Some(v) = e.value.get(field).and_then(Node::as_str).map(str::trim).filter(|v| !v.is_empty()) {
                cx.report(
                    pod.object,
                    e.path.key(field),
                    format!("container `{name}` sets the custom SELinux {field} `{v}`{from}"),
                )
                .container(name)
                .severity(Severity::Medium)
                .remediation("remove `seLinuxOptions.user` and `seLinuxOptions.role`");
            }
        }
    }
}
