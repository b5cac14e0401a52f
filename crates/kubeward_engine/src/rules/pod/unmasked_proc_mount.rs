use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::{Rule, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) with `securityContext.procMount: Unmasked`.
    /// Windows pods (`spec.os.name: windows`) are not checked.
    ///
    /// ## Why is this bad?
    /// By default the runtime masks sensitive paths of `/proc` (`/proc/kcore`, `/proc/keys`,
    /// `/proc/sysrq-trigger`, `/proc/timer_list` and more) and makes others read-only.
    /// `Unmasked` removes that protection: the container can read kernel memory and trigger
    /// node-wide actions. It is meant only for nested containers in user namespaces.
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
    /// Remove `procMount` or set it to `Default`.
    pub UnmaskedProcMount {
        code: "POD015",
        name: "unmasked-proc-mount",
        summary: "container mounts /proc unmasked",
        severity: High,
        category: Pod,
        targets: CONTAINER,
        remediation: "remove `securityContext.procMount` or set it to `Default`",
        checklist: ["workload.5"],
        cis: ["5.6.3"],
        since: "0.1.0",
    }
}

impl Rule for UnmaskedProcMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() {
            return;
        }
        let Some(e) = c.effective("procMount") else {
            return;
        };
        if e.value.as_str().map(str::trim) == Some("Unmasked") {
            let name = c.name();
            cx.report(
                pod.object,
                e.path,
                format!("container `{name}` mounts `/proc` unmasked (`procMount: Unmasked`)"),
            )
            .container(name);
        }
    }
}
