use crate::context::Context;
use crate::fix::{Fix, Safety};
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

use crate::analysis::pod::security::{capability_list, pod_level_note, same_cap};

crate::declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) whose `securityContext` does not set
    /// `allowPrivilegeEscalation: false`. The field is unset by default, and unset means `true`.
    ///
    /// A privileged container, or one that adds `CAP_SYS_ADMIN`, can always escalate: there
    /// `allowPrivilegeEscalation: false` is a contradiction (the API server rejects it), and the
    /// rule reports it too.
    ///
    /// `allowPrivilegeEscalation` exists only on containers: set in the pod-level
    /// `securityContext` it has no effect (POD025 reports that). Windows pods
    /// (`spec.os.name: windows`) are not checked.
    ///
    /// ## Why is this bad?
    /// Without the `no_new_privs` flag that `allowPrivilegeEscalation: false` sets, a process can
    /// gain privileges through setuid/setgid binaries and file capabilities (`sudo`, `su`,
    /// `ping`): an attacker who gets code execution as a non-root user becomes root in the
    /// container, one step closer to the node.
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
    ///         allowPrivilegeEscalation: false
    /// ```
    ///
    /// ## How to fix
    /// Set `securityContext.allowPrivilegeEscalation: false` on every container (it cannot be
    /// set for the whole pod). Images that rely on setuid binaries at run time should be rebuilt
    /// to run as their target user directly.
    ///
    /// ## Fix safety
    /// - **Safe** when the field is unset (or a quoted `"false"`): `allowPrivilegeEscalation: false`
    ///   sets the kernel's `no_new_privs`, which only stops a process from *gaining* privileges
    ///   through `execve` of a setuid/setgid or file-capability binary. A root process keeps its
    ///   capabilities, and the root-then-step-down entrypoints of official images (`gosu`,
    ///   `su-exec`, `setpriv`) drop privileges, which `no_new_privs` allows. What breaks is a
    ///   non-root process running `sudo`, `su` or a setuid `ping`: images do not rely on that at
    ///   run time.
    /// - **Unsafe** (applied with `--unsafe-fixes`) over an explicit `true`: someone asked for
    ///   escalation, presumably for such a binary.
    /// - No fix beside `privileged: true` or `CAP_SYS_ADMIN`, which the API rejects with it.
    pub PrivilegeEscalationAllowed {
        code: "POD002",
        name: "privilege-escalation-allowed",
        summary: "container may gain more privileges than its parent process",
        severity: High,
        category: Pod,
        targets: CONTAINER,
        remediation: "set `securityContext.allowPrivilegeEscalation: false` on the container",
        checklist: ["workload.5", "guide.psp", "kubeaudit"],
        cis: ["5.2.6"],
        since: "0.1.0",
        fix: Sometimes,
    }
}

impl Rule for PrivilegeEscalationAllowed {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() {
            return;
        }
        let name = c.name();
        let obj = pod.object;
        let Some(e) = c.effective("allowPrivilegeEscalation") else {
            let note = pod_level_note(pod, "allowPrivilegeEscalation");
            let path = c.sc_path("allowPrivilegeEscalation");
            // The API rejects `allowPrivilegeEscalation: false` beside `privileged: true` or
            // `CAP_SYS_ADMIN`: no fix there until those go.
            let privileged = c.effective("privileged").is_some_and(|p| p.value.is_true());
            let sys_admin = capability_list(c, "add").any(|(_, cap)| same_cap(cap, "SYS_ADMIN"));
            let d = cx.report(
                obj,
                path.clone(),
                format!(
                    "container `{name}` does not set `allowPrivilegeEscalation: false` (it defaults to true){note}"
                ),
            );
            d.container(name);
            if !privileged && !sys_admin {
                d.fix(Fix::set(Safety::Safe, path, serde_json::Value::Bool(false)));
            }
            return;
        };
        match e.value.as_bool() {
            Some(false) => {
                let privileged = c.effective("privileged").is_some_and(|p| p.value.is_true());
                let sys_admin = capability_list(c, "add").any(|(_, cap)| same_cap(cap, "SYS_ADMIN"));
                if privileged || sys_admin {
                    let why = if privileged { "it is privileged" } else { "it adds `CAP_SYS_ADMIN`" };
                    cx.report(
                        obj,
                        e.path,
                        format!("container `{name}` can escalate privileges although it sets `allowPrivilegeEscalation: false`: {why}"),
                    )
                    .container(name)
                    .remediation("remove `privileged: true` and the `SYS_ADMIN` capability, or the container can always escalate");
                }
            }
            Some(true) => {
                let fix = Fix::set(Safety::Unsafe, e.path.clone(), serde_json::Value::Bool(false));
                cx.report(obj, e.path, format!("container `{name}` sets `allowPrivilegeEscalation: true`"))
                    .container(name)
                    .fix(fix);
            }
            None => {
                // A quoted `"false"` meant `false`: writing the boolean is what was intended.
                let fix = Fix::set(Safety::Safe, e.path.clone(), serde_json::Value::Bool(false));
                cx.report(
                    obj,
                    e.path,
                    format!(
                        "container `{name}` sets `allowPrivilegeEscalation` to `{}`, which is not the boolean `false`",
                        e.value
                    ),
                )
                .container(name)
                .fix(fix);
            }
        }
    }
}
