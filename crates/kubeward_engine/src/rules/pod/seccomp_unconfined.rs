use crate::context::Context;
use crate::fix::{Fix, Safety};
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::{Rule, Severity};

use crate::analysis::pod::security::{seccomp_source, ProfileSource};

crate::declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) that run without a seccomp profile: the
    /// effective `seccompProfile.type` is unset or `Unconfined`. `RuntimeDefault` and
    /// `Localhost` are fine.
    ///
    /// The profile is looked up as the kubelet does: the container's `seccompProfile`, then the
    /// legacy annotation `container.seccomp.security.alpha.kubernetes.io/<container>`, then the
    /// pod's `seccompProfile`, then the legacy annotation `seccomp.security.alpha.kubernetes.io/pod`
    /// (`runtime/default`, `docker/default` and `localhost/<path>` confine, `unconfined` does
    /// not). An explicit `Unconfined` (field or annotation) is rated high, an unset profile
    /// medium. Windows pods (`spec.os.name: windows`) are not checked.
    ///
    /// ## Why is this bad?
    /// Kubernetes runs containers `Unconfined` unless a profile is set (or the kubelet's
    /// `seccompDefault` is enabled on every node). Unconfined, the container can call every
    /// system call of the node's kernel, including the rarely used ones behind most container
    /// escapes (`unshare`, `keyctl`, `bpf`, `userfaultfd`, `io_uring`).
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
    ///         seccompProfile:
    ///           type: Unconfined
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   securityContext:
    ///     seccompProfile:
    ///       type: RuntimeDefault
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    /// ```
    ///
    /// ## How to fix
    /// Set `securityContext.seccompProfile.type: RuntimeDefault` at pod level (containers
    /// inherit it), or `Localhost` with a profile tailored to the application. Replace the
    /// deprecated seccomp annotations with the field.
    ///
    /// ## Fix safety
    /// - **Safe** when no profile is set: `RuntimeDefault` is the profile Docker, containerd and
    ///   CRI-O apply to every container they run by default (`docker run`, `seccompDefault`), so
    ///   images are built and tested under it; it blocks only system calls applications do not make
    ///   (`mount`, `reboot`, kernel module and clock changes, `unshare` of new user namespaces).
    /// - **Unsafe** (applied with `--unsafe-fixes`) over an explicit `Unconfined`: someone turned
    ///   the profile off, usually because the workload needs a blocked call (a sandboxing browser,
    ///   an image builder, a debugger).
    pub SeccompUnconfined {
        code: "POD012",
        name: "seccomp-unconfined",
        summary: "container runs without a seccomp profile",
        severity: Medium,
        category: Pod,
        targets: CONTAINER,
        remediation: "set `securityContext.seccompProfile.type: RuntimeDefault` in the pod `securityContext`",
        checklist: ["workload.5", "kubeaudit"],
        cis: ["5.6.2"],
        since: "0.1.0",
        fix: Sometimes,
    }
}

impl Rule for SeccompUnconfined {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() {
            return;
        }
        let name = c.name();
        let obj = pod.object;
        match seccomp_source(pod, c) {
            None => {
                let path = c.sc_path("seccompProfile/type");
                cx.report(
                    obj,
                    path.clone(),
                    format!("container `{name}` has no seccomp profile: it runs `Unconfined` unless the kubelet enables `seccompDefault`"),
                )
                .container(name)
                .fix(Fix::set(Safety::Safe, path, serde_json::Value::String("RuntimeDefault".into())));
            }
            Some(ProfileSource::Field { kind, path, inherited }) => match kind {
                Some("RuntimeDefault" | "Localhost") => {}
                Some("Unconfined") => {
                    let from = if inherited { " (inherited from the pod)" } else { "" };
                    let fix = Fix::set(
                        Safety::Unsafe,
                        c.sc_path("seccompProfile/type"),
                        serde_json::Value::String("RuntimeDefault".into()),
                    );
                    cx.report(obj, path, format!("container `{name}` runs with seccomp `Unconfined`{from}"))
                        .container(name)
                        .severity(Severity::High)
                        .fix(fix);
                }
                Some(other) => {
                    cx.report(
                        obj,
                        path,
                        format!("container `{name}` has an invalid seccomp profile type `{other}` (expected `RuntimeDefault` or `Localhost`)"),
                    )
                    .container(name);
                }
                None => {
                    cx.report(obj, path, format!("container `{name}` has a `seccompProfile` without a `type`"))
                        .container(name);
                }
            },
            Some(ProfileSource::Annotation { key, value, path, pod_wide }) => {
                let v = value.trim();
                if v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/") {
                    return;
                }
                let scope = if pod_wide { "pod annotation" } else { "annotation" };
                if v == "unconfined" {
                    cx.report(
                        obj,
                        path,
                        format!("container `{name}` runs with seccomp `unconfined` (legacy {scope} `{key}`)"),
                    )
                    .container(name)
                    .severity(Severity::High)
                    .remediation(
                        "remove the seccomp annotation and set `securityContext.seccompProfile.type: RuntimeDefault`",
                    );
                } else {
                    cx.report(
                        obj,
                        path,
                        format!(
                            "container `{name}` has an invalid seccomp profile `{v}` in the legacy {scope} `{key}`"
                        ),
                    )
                    .container(name)
                    .remediation(
                        "remove the seccomp annotation and set `securityContext.seccompProfile.type: RuntimeDefault`",
                    );
                }
            }
        }
    }
}
