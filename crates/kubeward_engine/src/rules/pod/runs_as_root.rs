use crate::context::Context;
use crate::fix::{Fix, Safety};
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags containers (init, regular and ephemeral) that may run as root: neither
    /// `runAsNonRoot: true` nor a non-zero `runAsUser` applies to them, or `runAsUser: 0` does.
    /// Both fields are inherited from the pod-level `securityContext` unless the container sets
    /// its own, exactly as the kubelet applies them.
    ///
    /// `runAsUser: 0` together with `runAsNonRoot: true` is reported too: the kubelet refuses to
    /// start such a container, so the manifest is broken rather than safe. Windows pods
    /// (`spec.os.name: windows`) are not checked: they use `windowsOptions.runAsUserName`.
    ///
    /// A non-zero `runAsUser` alone passes: the process cannot be root. Note that the Pod
    /// Security Standards `restricted` profile also demands `runAsNonRoot: true`, so a namespace
    /// enforcing it (see NS002) rejects such a pod; set both, as below.
    ///
    /// ## Why is this bad?
    /// Without these fields the container runs as the user of its image, which is root for most
    /// images. Root in a container is root on the node's kernel: every kernel or runtime flaw,
    /// every writable host mount, every added capability turns into node compromise.
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
    ///   securityContext:
    ///     runAsNonRoot: true
    ///     runAsUser: 10001
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.0
    /// ```
    ///
    /// ## How to fix
    /// Build the image with a numeric non-root `USER`, then set `runAsNonRoot: true` (and a
    /// non-zero `runAsUser`) in the pod-level `securityContext`. Remove `runAsUser: 0`.
    ///
    /// ## Fix safety
    /// **Unsafe** (applied with `--unsafe-fixes`): `kubeward fix` sets `runAsNonRoot: true`, and
    /// the kubelet then refuses to start every image whose user is root (or named, not numeric):
    /// most official images (`nginx`, `postgres`, `redis`) start as root. Apply it once the image
    /// runs as a numeric non-root `USER`.
    pub RunsAsRoot {
        code: "POD003",
        name: "runs-as-root",
        summary: "container may run as root",
        severity: High,
        category: Pod,
        targets: CONTAINER,
        remediation: "set `runAsNonRoot: true` and a non-zero `runAsUser` in the pod `securityContext`",
        checklist: ["image.5", "guide.non-root", "workload.5", "kubeaudit"],
        cis: ["5.2.7"],
        since: "0.1.0",
        fix: Unsafe,
    }
}

impl Rule for RunsAsRoot {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() {
            return;
        }
        let name = c.name();
        let obj = pod.object;
        let non_root = c.effective("runAsNonRoot");
        let non_root_true = non_root.as_ref().is_some_and(|e| e.value.is_true());
        if let Some(user) = c.effective("runAsUser") {
            match user.value.as_i64() {
                Some(0) => {
                    let msg = if non_root_true {
                        let from = if user.inherited { " (inherited from the pod)" } else { "" };
                        format!(
                            "container `{name}` has `runAsUser: 0`{from} and `runAsNonRoot: true`: the kubelet refuses to start it"
                        )
                    } else {
                        let from = if user.inherited { ", inherited from the pod" } else { "" };
                        format!("container `{name}` runs as root (`runAsUser: 0`{from})")
                    };
                    cx.report(obj, user.path, msg).container(name);
                    return;
                }
                Some(_) => return,
                None => {}
            }
        }
        if non_root_true {
            return;
        }
        match non_root {
            Some(e) => {
                let from = if e.inherited { " (inherited from the pod)" } else { "" };
                // Set on the container, which overrides the pod's value.
                let fix = Fix::set(Safety::Unsafe, c.sc_path("runAsNonRoot"), serde_json::Value::Bool(true));
                cx.report(
                    obj,
                    e.path,
                    format!("container `{name}` may run as root: `runAsNonRoot` is `{}`{from} and no non-zero `runAsUser` is set", e.value),
                )
                .container(name)
                .fix(fix);
            }
            None => {
                let path = c.sc_path("runAsNonRoot");
                cx.report(
                    obj,
                    path.clone(),
                    format!("container `{name}` may run as root: neither `runAsNonRoot: true` nor a non-zero `runAsUser` is set"),
                )
                .container(name)
                .fix(Fix::set(Safety::Unsafe, path, serde_json::Value::Bool(true)));
            }
        }
    }
}
