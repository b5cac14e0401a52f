use crate::context::Context;
use crate::input::workload::{ContainerKind, ContainerView, PodSpecView};
use crate::rule::Rule;

use crate::analysis::pod::resource::{describe_missing, sets};

crate::declare_rule! {
    /// ## What it does
    /// Flags init and regular containers without `resources.requests.cpu` or
    /// `resources.requests.memory`, and says which is missing. A limit without a request sets
    /// the request to the limit, so only containers with neither are reported. Ephemeral
    /// containers cannot have resources and are skipped.
    ///
    /// ## Why is this bad?
    /// The scheduler places pods by their requests. Without them, pods land on nodes that cannot
    /// hold them and are the first evicted under pressure (`BestEffort`), and one busy pod can
    /// crowd out its neighbours.
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
    ///         requests: {cpu: 100m, memory: 128Mi}
    /// ```
    ///
    /// ## How to fix
    /// Set `resources.requests.cpu` and `resources.requests.memory` on every container, from the
    /// usage you measure.
    pub MissingResourceRequests {
        code: "POD018",
        name: "missing-resource-requests",
        summary: "container has no CPU or memory request",
        severity: Low,
        category: Pod,
        targets: CONTAINER,
        remediation: "set `resources.requests.cpu` and `resources.requests.memory`",
        checklist: ["workload.3"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for MissingResourceRequests {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if c.kind == ContainerKind::Ephemeral {
            return;
        }
        // The API server defaults a missing request to the limit.
        let (rc, rm) = sets(c, "requests");
        let (lc, lm) = sets(c, "limits");
        if let Some(what) = describe_missing(rc || lc, rm || lm, "request") {
            cx.report(
                pod.object,
                c.path.key("resources").key("requests"),
                format!("container `{}` has no {what}", c.name()),
            )
            .container(c.name());
        }
    }
}
