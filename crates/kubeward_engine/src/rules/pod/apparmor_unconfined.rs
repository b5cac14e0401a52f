use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

use crate::analysis::pod::security::{apparmor_source, ProfileSource};

crate::declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) that explicitly run without AppArmor: the
    /// effective `appArmorProfile.type` is `Unconfined`, or the legacy annotation
    /// `container.apparmor.security.beta.kubernetes.io/<container>` is `unconfined`.
    ///
    /// The profile is looked up as the kubelet does: the container's `appArmorProfile`, then the
    /// legacy container annotation, then the pod's `appArmorProfile`. An unset profile is not a
    /// finding: on AppArmor hosts the runtime's default profile applies. Windows pods
    /// (`spec.os.name: windows`) are not checked.
    ///
    /// ## Why is this bad?
    /// The runtime's default AppArmor profile denies writes to `/proc` and `/sys` files and
    /// mounts that container escapes rely on. Opting out removes that layer for the container.
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
    ///         appArmorProfile:
    ///           type: Unconfined
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
    ///         appArmorProfile:
    ///           type: RuntimeDefault
    /// ```
    ///
    /// ## How to fix
    /// Remove the `Unconfined` profile (or the `unconfined` annotation), or set
    /// `appArmorProfile.type: RuntimeDefault` or `Localhost` with a profile tailored to the
    /// application.
    pub ApparmorUnconfined {
        code: "POD013",
        name: "apparmor-unconfined",
        summary: "container runs without AppArmor confinement",
        severity: Medium,
        category: Pod,
        targets: CONTAINER,
        remediation: "remove the `Unconfined` AppArmor profile or use `RuntimeDefault`",
        checklist: ["workload.5", "kubeaudit"],
        cis: ["5.6.3"],
        since: "0.1.0",
    }
}

impl Rule for ApparmorUnconfined {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() {
            return;
        }
        let name = c.name();
        match apparmor_source(pod, c) {
            Some(ProfileSource::Field { kind: Some("Unconfined"), path, inherited }) => {
                let from = if inherited { " (inherited from the pod)" } else { "" };
                cx.report(pod.object, path, format!("container `{name}` runs with AppArmor `Unconfined`{from}"))
                    .container(name);
            }
            Some(ProfileSource::Annotation { key, value, path, .. }) if value.trim() == "unconfined" => {
                cx.report(
                    pod.object,
                    path,
                    format!("container `{name}` runs with AppArmor `unconfined` (legacy annotation `{key}`)"),
                )
                .container(name)
                .remediation("remove the AppArmor annotation or set it to `runtime/default`");
            }
            _ => {}
        }
    }
}
