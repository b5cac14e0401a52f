use crate::context::Context;
use crate::fix::{Fix, Safety};
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

use crate::analysis::pod::security::{capability_list, pod_level_note};

crate::declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) whose `securityContext.capabilities.drop`
    /// does not contain `ALL` (any case). `capabilities` exists only on containers: a pod-level
    /// setting has no effect (POD025 reports it). Windows pods (`spec.os.name: windows`) are not
    /// checked.
    ///
    /// ## Why is this bad?
    /// Container runtimes grant a default set of about fourteen capabilities (`CHOWN`,
    /// `DAC_OVERRIDE`, `FOWNER`, `SETUID`, `SETGID`, `NET_RAW`, `MKNOD`, `SYS_CHROOT` and more).
    /// Most applications need none of them, and each one widens what an attacker can do after
    /// taking over the process: spoof packets with `NET_RAW`, bypass file permissions with
    /// `DAC_OVERRIDE`, create device nodes with `MKNOD`.
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
    ///         capabilities:
    ///           drop: [NET_RAW]
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
    ///         capabilities:
    ///           drop: [ALL]
    ///           add: [NET_BIND_SERVICE]
    /// ```
    ///
    /// ## How to fix
    /// Set `securityContext.capabilities.drop: [ALL]` on every container and add back, in
    /// `capabilities.add`, only the capabilities the process really needs.
    ///
    /// ## Fix safety
    /// `kubeward fix` adds `ALL` to `capabilities.drop` (capabilities in `add` stay).
    /// - **Unsafe** (applied with `--unsafe-fixes`) when the container may run as root: no
    ///   effective `runAsNonRoot: true` and no non-zero `runAsUser`. Many images start as root and
    ///   need `CHOWN`, `SETUID`, `SETGID`, `DAC_OVERRIDE` or `FOWNER` before stepping down to their
    ///   own user: the official `postgres`, `mysql`, `mariadb`, `redis` and `rabbitmq` images
    ///   `chown` their data directories and switch user with `gosu`/`su-exec`; `httpd` and
    ///   `nginx` bind port 80 and switch to their worker user themselves. All fail to start with
    ///   no capabilities.
    /// - **Safe** when the container is proven non-root (effective `runAsUser` above 0, or
    ///   `runAsNonRoot: true` without `runAsUser: 0`): a non-root process holds no capabilities
    ///   to lose. The exception is a binary carrying file capabilities (`setcap`, such as
    ///   `cap_net_bind_service` to bind port 80 as non-root): add that one back in
    ///   `capabilities.add`.
    pub CapabilitiesNotDropped {
        code: "POD004",
        name: "capabilities-not-dropped",
        summary: "container keeps the runtime's default capabilities",
        severity: Medium,
        category: Pod,
        targets: CONTAINER,
        remediation: "set `securityContext.capabilities.drop: [ALL]` and add back only what the container needs",
        checklist: ["guide.capabilities", "workload.5", "kubeaudit"],
        cis: ["5.2.9"],
        since: "0.1.0",
        fix: Sometimes,
    }
}

impl Rule for CapabilitiesNotDropped {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() {
            return;
        }
        if capability_list(c, "drop").any(|(_, cap)| cap.trim().eq_ignore_ascii_case("ALL")) {
            return;
        }
        let name = c.name();
        let has_drop = c.security_context().and_then(|s| s.at(&["capabilities", "drop"])).is_some_and(|d| !d.is_null());
        let msg = if has_drop {
            format!("container `{name}` does not drop all capabilities: `capabilities.drop` lacks `ALL`")
        } else {
            let note = pod_level_note(pod, "capabilities");
            format!("container `{name}` does not drop all capabilities: no `capabilities.drop: [ALL]`{note}")
        };
        let path = c.sc_path("capabilities/drop");
        // A process that may be root may need its capabilities to start (see Fix safety).
        let safety = if c.runs_as_non_root() { Safety::Safe } else { Safety::Unsafe };
        let fix = Fix::append(safety, path.clone(), serde_json::Value::String("ALL".into()));
        cx.report(pod.object, path, msg).container(name).fix(fix);
    }
}
