use crate::context::Context;
use crate::input::node::Node;
use crate::input::workload::{ContainerView, Effective, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) with `securityContext.procMount: Unmasked`
    /// in a pod that shares the host's user namespace (`spec.hostUsers` unset or `true`).
    /// With `hostUsers: false` the Pod Security Standards' baseline level allows it (since
    /// Kubernetes 1.35) and `unmasked-proc-mount-in-user-namespace` (POD030, low) reports it
    /// instead, as the restricted level still forbids it. Windows pods (`spec.os.name:
    /// windows`) are not checked.
    ///
    /// ## Why is this bad?
    /// By default the runtime masks sensitive paths of `/proc` (`/proc/kcore`, `/proc/keys`,
    /// `/proc/sysrq-trigger`, `/proc/timer_list` and more) and makes others read-only.
    /// `Unmasked` removes that protection: in the host's user namespace, the container's root
    /// can read kernel memory and trigger node-wide actions. It is meant only for nested
    /// containers in user namespaces (recent API servers refuse it without `hostUsers: false`).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       securityContext:
    ///         procMount: Unmasked
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       securityContext:
    ///         procMount: Default
    /// ```
    ///
    /// ## How to fix
    /// Remove `procMount` or set it to `Default`. A nested container runtime that needs it must
    /// run in a user namespace (`spec.hostUsers: false`).
    pub UnmaskedProcMount {
        code: "POD015",
        name: "unmasked-proc-mount",
        summary: "container mounts /proc unmasked in the host's user namespace",
        severity: High,
        category: Pod,
        targets: CONTAINER,
        remediation: "remove `securityContext.procMount` or set it to `Default`",
        checklist: ["workload.5"],
        cis: ["5.6.3"],
        since: "0.1.0",
    }
}

/// Whether the pod runs in its own user namespace (`spec.hostUsers: false`).
pub(super) fn in_user_namespace(pod: &PodSpecView<'_>) -> bool {
    pod.get("hostUsers").and_then(Node::as_bool) == Some(false)
}

/// The container's `procMount: Unmasked`, if set.
pub(super) fn unmasked<'a>(c: &ContainerView<'a>) -> Option<Effective<'a>> {
    c.effective("procMount").filter(|e| e.value.as_str().map(str::trim) == Some("Unmasked"))
}

impl Rule for UnmaskedProcMount {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() || in_user_namespace(pod) {
            return;
        }
        if let Some(e) = unmasked(c) {
            let name = c.name();
            cx.report(
                pod.object,
                e.path,
                format!(
                    "container `{name}` mounts `/proc` unmasked (`procMount: Unmasked`) in the host's user namespace"
                ),
            )
            .container(name);
        }
    }
}
