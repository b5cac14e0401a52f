use crate::context::Context;
use crate::input::node::Node;
use crate::input::path::FieldPath;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::{Rule, Severity};

crate::declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) whose effective `seLinuxOptions` (the
    /// container's, else the pod's) give an unconfined SELinux type, `spc_t` (super-privileged
    /// container) or `unconfined_t` (rated high), any other type outside the container types
    /// `container_t`, `container_init_t`, `container_kvm_t` and `container_engine_t` (rated
    /// medium), or set a custom SELinux `user` or `role` (rated medium). These are the values the
    /// Pod Security Standards' baseline level forbids (check `seLinuxOptions`). The container's
    /// `seLinuxOptions` replace the pod's as a whole, as the kubelet does; a bad pod-level value
    /// that no container inherits is still reported once (rated medium): it labels the pod
    /// sandbox, and any container added later without its own options (an ephemeral debug
    /// container) inherits it. Windows pods (`spec.os.name: windows`) are not checked.
    ///
    /// ## Why is this bad?
    /// On SELinux hosts, the `container_t` type is what keeps a container's processes away from
    /// host files, devices and other containers. `spc_t` and `unconfined_t` are not confined by
    /// the container policy at all: a process escaping the container's namespaces meets no
    /// SELinux barrier. Any other type is one the host policy defines for something else (a
    /// host daemon's type may reach what it reaches). A custom user or role changes which types
    /// the process may enter.
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
    /// use one of the container types (`container_t`, `container_init_t`, `container_kvm_t`,
    /// `container_engine_t`).
    /// Set only `level` when the pod needs a specific MCS label.
    pub SelinuxPrivilegedType {
        code: "POD014",
        name: "selinux-privileged-type",
        summary: "container runs with a non-container SELinux type, or a custom SELinux user or role",
        severity: High,
        category: Pod,
        targets: POD_SPEC | CONTAINER,
        remediation: "remove `seLinuxOptions.type`, `user` and `role`; set only `level` if needed",
        checklist: ["workload.5", "guide.privileged"],
        cis: ["5.6.3"],
        since: "0.1.0",
    }
}

/// The SELinux types of the container policy that the Pod Security Standards allow.
const CONTAINER_TYPES: &[&str] = &["container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

/// Reports the bad values of one `seLinuxOptions` struct: `who` names the container or the pod
/// in messages, `from` is appended to them. Pod-level findings (`container` is `None`) are
/// rated medium at most.
fn report_options(
    pod: &PodSpecView<'_>,
    opts: &Node,
    path: &FieldPath,
    who: &str,
    from: &str,
    container: Option<&str>,
    cx: &mut Context<'_>,
) {
    let mut found: Vec<(FieldPath, String, Severity, Option<&'static str>)> = Vec::new();
    if let Some(t) = opts.get("type").and_then(Node::as_str).map(str::trim).filter(|t| !t.is_empty()) {
        if matches!(t, "spc_t" | "unconfined_t") {
            found.push((
                path.key("type"),
                format!("{who} runs with the unconfined SELinux type `{t}`{from}"),
                Severity::High,
                None,
            ));
        } else if !CONTAINER_TYPES.contains(&t) {
            found.push((
                path.key("type"),
                format!("{who} runs with the SELinux type `{t}`, not one of the container types{from}"),
                Severity::Medium,
                None,
            ));
        }
    }
    for field in ["user", "role"] {
        if let Some(v) = opts.get(field).and_then(Node::as_str).map(str::trim).filter(|v| !v.is_empty()) {
            found.push((
                path.key(field),
                format!("{who} sets the custom SELinux {field} `{v}`{from}"),
                Severity::Medium,
                Some("remove `seLinuxOptions.user` and `seLinuxOptions.role`"),
            ));
        }
    }
    for (at, message, severity, remediation) in found {
        let d = cx.report(pod.object, at, message);
        if let Some(name) = container {
            d.container(name);
        }
        if severity != Severity::High || container.is_none() {
            d.severity(Severity::Medium);
        }
        if let Some(r) = remediation {
            d.remediation(r);
        }
    }
}

impl Rule for SelinuxPrivilegedType {
    fn check_pod(&self, pod: &PodSpecView<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() {
            return;
        }
        let Some(opts) = pod.security_context().and_then(|s| s.get("seLinuxOptions")).filter(|v| !v.is_null()) else {
            return;
        };
        // A container that inherits the pod's options reports them (check_container).
        if pod.containers().iter().any(|c| c.effective("seLinuxOptions").is_some_and(|e| e.inherited)) {
            return;
        }
        let path = pod.path.key("securityContext").key("seLinuxOptions");
        report_options(
            pod,
            opts,
            &path,
            "the pod",
            " (no container inherits it, but it labels the pod sandbox and any container added without its own)",
            None,
            cx,
        );
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
        report_options(pod, e.value, &e.path, &format!("container `{name}`"), from, Some(name), cx);
    }
}
