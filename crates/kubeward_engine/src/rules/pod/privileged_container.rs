use crate::context::Context;
use crate::fix::{Fix, Safety};
use crate::input::object::Object;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) with `securityContext.privileged: true`.
    ///
    /// ## Why is this bad?
    /// A privileged container gets every Linux capability and access to all host devices, and
    /// runs without seccomp or AppArmor confinement: escaping to the node is trivial, and from
    /// the node to the cluster.
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
    ///         privileged: true
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
    ///         privileged: false
    /// ```
    ///
    /// ## How to fix
    /// Remove `privileged: true` (or set it to `false`) and add only the capabilities the
    /// workload needs. Node agents that really need host devices (CNI and CSI drivers) belong in
    /// a dedicated namespace with a documented exemption.
    ///
    /// ## Fix safety
    /// **Unsafe** (applied with `--unsafe-fixes`): `privileged: true` is always set on
    /// purpose, and the workload uses what it grants even without host namespaces or host
    /// paths: devices (`/dev/fuse`, GPUs, loop devices), mounts (Docker-in-Docker, image
    /// builders), kernel settings (the `sysctl -w vm.max_map_count` init containers of
    /// Elasticsearch and SonarQube charts), `iptables`. Setting `privileged: false` breaks all
    /// of them; replace it with the capabilities the workload needs, then apply the fix.
    pub PrivilegedContainer {
        code: "POD001",
        name: "privileged-container",
        summary: "container runs privileged",
        severity: Critical,
        category: Pod,
        targets: CONTAINER,
        remediation: "set `securityContext.privileged: false` and add only the capabilities the container needs",
        checklist: ["workload.5", "guide.privileged", "kubeaudit"],
        cis: ["5.2.2"],
        since: "0.1.0",
        fix: Unsafe,
    }
}

impl Rule for PrivilegedContainer {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(e) = c.effective("privileged") else {
            return;
        };
        if e.value.is_true() {
            let obj: &Object<'_> = pod.object;
            // Always unsafe: a privileged container uses what privilege grants (see Fix safety).
            let fix = Fix::set(Safety::Unsafe, e.path.clone(), serde_json::Value::Bool(false));
            cx.report(obj, e.path, format!("container `{}` runs privileged", c.name())).container(c.name()).fix(fix);
        }
    }
}
