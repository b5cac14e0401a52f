use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

use super::unmasked_proc_mount::{in_user_namespace, unmasked};

crate::declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) with `securityContext.procMount: Unmasked`
    /// in a pod that runs in its own user namespace (`spec.hostUsers: false`). The Pod Security
    /// Standards' baseline level allows this since Kubernetes 1.35; the restricted level forbids
    /// it (check `procMount_restricted`). In the host's user namespace,
    /// `unmasked-proc-mount` (POD015, high) reports it instead. Windows pods (`spec.os.name:
    /// windows`) are not checked.
    ///
    /// ## Why is this bad?
    /// In a user namespace, the container's root is an unprivileged user of the node, so most of
    /// what an unmasked `/proc` exposes (`/proc/kcore`, `/proc/sysrq-trigger`) stays out of its
    /// reach. What is left is attack surface: the paths the runtime masks are the ones that
    /// leaked host information or were abused in past kernel and runtime escapes, and a flaw in
    /// the user namespace itself would meet no second barrier. Only nested container runtimes
    /// (building images, running containers inside a pod) need it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: builder}
    /// spec:
    ///   hostUsers: false
    ///   containers:
    ///     - name: buildkit
    ///       image: registry.example.com/buildkit:1.0
    ///       securityContext:
    ///         procMount: Unmasked
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: builder}
    /// spec:
    ///   hostUsers: false
    ///   containers:
    ///     - name: buildkit
    ///       image: registry.example.com/buildkit:1.0
    ///       securityContext:
    ///         procMount: Default
    /// ```
    ///
    /// ## How to fix
    /// Remove `procMount` or set it to `Default`. When the pod runs a nested container runtime
    /// that needs it, keep it in a namespace at the baseline level and exempt it with a reason.
    pub UnmaskedProcMountInUserNamespace {
        code: "POD030",
        name: "unmasked-proc-mount-in-user-namespace",
        summary: "container mounts /proc unmasked in a user namespace",
        severity: Low,
        category: Pod,
        targets: CONTAINER,
        remediation: "remove `securityContext.procMount` or set it to `Default`",
        checklist: ["workload.5"],
        cis: ["5.6.3"],
        since: "0.1.0",
    }
}

impl Rule for UnmaskedProcMountInUserNamespace {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() || !in_user_namespace(pod) {
            return;
        }
        if let Some(e) = unmasked(c) {
            let name = c.name();
            cx.report(
                pod.object,
                e.path,
                format!(
                    "container `{name}` mounts `/proc` unmasked (`procMount: Unmasked`) in the pod's user namespace"
                ),
            )
            .container(name);
        }
    }
}
