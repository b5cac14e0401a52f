use crate::context::Context;
use crate::input::workload::{PodSpecView, CONTAINER_ONLY_FIELDS};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags fields of the pod-level `securityContext` that exist only on containers:
    /// `allowPrivilegeEscalation`, `capabilities`, `privileged`, `readOnlyRootFilesystem` and
    /// `procMount`. One finding per misplaced field.
    ///
    /// ## Why is this bad?
    /// `PodSecurityContext` has no such fields: the API server drops them (or rejects the object
    /// under strict field validation), so they have no effect. Whoever wrote
    /// `allowPrivilegeEscalation: false` or `readOnlyRootFilesystem: true` there believes the
    /// pod is hardened while every container runs with the defaults.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   securityContext:
    ///     runAsNonRoot: true
    ///     allowPrivilegeEscalation: false
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
    ///     runAsNonRoot: true
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    ///       securityContext:
    ///         allowPrivilegeEscalation: false
    /// ```
    ///
    /// ## How to fix
    /// Move the field into the `securityContext` of each container (init and ephemeral
    /// containers included).
    pub ContainerFieldAtPodLevel {
        code: "POD025",
        name: "container-field-at-pod-level",
        summary: "pod securityContext sets a container-only field, which has no effect",
        severity: Medium,
        category: Pod,
        targets: POD_SPEC,
        remediation: "move the field into each container's `securityContext`",
        checklist: ["workload.5"],
        cis: ["5.6.3"],
        since: "0.1.0",
    }
}

impl Rule for ContainerFieldAtPodLevel {
    fn check_pod(&self, pod: &PodSpecView<'_>, cx: &mut Context<'_>) {
        let Some(sc) = pod.security_context() else {
            return;
        };
        for e in sc.entries() {
            if !CONTAINER_ONLY_FIELDS.contains(&&*e.key) {
                continue;
            }
            let key = &*e.key;
            cx.report(
                pod.object,
                pod.path.key("securityContext").key(key),
                format!("`{key}` in the pod-level `securityContext` has no effect: it belongs in each container's `securityContext`"),
            )
            .remediation(format!("move `{key}` into the `securityContext` of each container"));
        }
    }
}
