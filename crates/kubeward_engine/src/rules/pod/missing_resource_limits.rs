use crate::context::Context;
use crate::input::workload::{ContainerKind, ContainerView, PodSpecView};
use crate::rule::Rule;

use crate::analysis::pod::resource::{describe_missing, sets};

crate::declare_rule! {
    /// ## What it does
    /// Flags init and regular containers without `resources.limits.cpu` or
    /// `resources.limits.memory`, and says which is missing. Ephemeral containers cannot have
    /// resources and are skipped.
    ///
    /// ## Why is this bad?
    /// A container without a memory limit can use all the memory of its node, and one without a
    /// CPU limit all its CPU: a bug, a leak or an attacker in one pod then starves every other pod
    /// on the node (and the kubelet), a denial of service across tenants. Limits also bound the
    /// cost of a compromised container used for crypto-mining.
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
    ///       resources:
    ///         limits: {cpu: 500m, memory: 256Mi}
    /// ```
    ///
    /// ## How to fix
    /// Set `resources.limits.cpu` and `resources.limits.memory` on every container, from the
    /// usage you measure. A `LimitRange` in the namespace can also supply defaults; this rule
    /// does not see it, so exempt or ignore the rule for such namespaces.
    pub MissingResourceLimits {
        code: "POD017",
        name: "missing-resource-limits",
        summary: "container has no CPU or memory limit",
        severity: Medium,
        category: Pod,
        targets: CONTAINER,
        remediation: "set `resources.limits.cpu` and `resources.limits.memory`",
        checklist: ["workload.3", "kubeaudit"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for MissingResourceLimits {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if c.kind == ContainerKind::Ephemeral {
            return;
        }
        let (cpu, memory) = sets(c, "limits");
        if let Some(what) = describe_missing(cpu, memory, "limit") {
            cx.report(
                pod.object,
                c.path.key("resources").key("limits"),
                format!("container `{}` has no {what}", c.name()),
            )
            .container(c.name());
        }
    }
}
