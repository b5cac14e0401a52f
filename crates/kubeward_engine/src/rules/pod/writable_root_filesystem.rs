use crate::context::Context;
use crate::fix::{Fix, Safety};
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

use crate::analysis::pod::security::pod_level_note;

crate::declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) without
    /// `securityContext.readOnlyRootFilesystem: true`. The field exists only on containers: a
    /// pod-level setting has no effect (POD025 reports it). Windows pods
    /// (`spec.os.name: windows`) are not checked: they do not support it.
    ///
    /// ## Why is this bad?
    /// A writable root filesystem lets an attacker who takes over the process drop tools and
    /// binaries, alter the application's code or configuration, and persist until the container
    /// restarts. A read-only root makes the image immutable at run time; the few paths the
    /// application writes to become explicit volumes.
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
    ///         readOnlyRootFilesystem: true
    ///       volumeMounts:
    ///         - {name: tmp, mountPath: /tmp}
    ///   volumes:
    ///     - name: tmp
    ///       emptyDir: {}
    /// ```
    ///
    /// ## How to fix
    /// Set `securityContext.readOnlyRootFilesystem: true` on the container and mount an
    /// `emptyDir` volume on each path the application writes to (`/tmp`, caches, sockets).
    ///
    /// ## Fix safety
    /// **Unsafe** (applied with `--unsafe-fixes`): `readOnlyRootFilesystem: true` fails every
    /// write outside a mounted volume: temporary files, caches, PID files, `nginx`'s
    /// `/var/cache/nginx`. Mount an `emptyDir` on each such path first.
    pub WritableRootFilesystem {
        code: "POD011",
        name: "writable-root-filesystem",
        summary: "container root filesystem is writable",
        severity: Medium,
        category: Pod,
        targets: CONTAINER,
        remediation: "set `securityContext.readOnlyRootFilesystem: true` and mount `emptyDir` volumes where the container writes",
        checklist: ["workload.5", "kubeaudit"],
        cis: ["5.6.3"],
        since: "0.1.0",
        fix: Unsafe,
    }
}

impl Rule for WritableRootFilesystem {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() {
            return;
        }
        let name = c.name();
        let msg = match c.effective("readOnlyRootFilesystem") {
            Some(e) if e.value.is_true() => return,
            Some(e) if e.value.as_bool() == Some(false) => {
                format!("container `{name}` sets `readOnlyRootFilesystem: false`: its root filesystem is writable")
            }
            Some(e) => format!(
                "container `{name}` sets `readOnlyRootFilesystem` to `{}`, which is not the boolean `true`: its root filesystem is writable",
                e.value
            ),
            None => {
                let note = pod_level_note(pod, "readOnlyRootFilesystem");
                format!("container `{name}` has a writable root filesystem: `readOnlyRootFilesystem: true` is not set{note}")
            }
        };
        let path = c.sc_path("readOnlyRootFilesystem");
        let fix = Fix::set(Safety::Unsafe, path.clone(), serde_json::Value::Bool(true));
        cx.report(pod.object, path, msg).container(name).fix(fix);
    }
}
