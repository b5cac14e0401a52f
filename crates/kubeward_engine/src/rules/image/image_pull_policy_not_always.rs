use crate::context::Context;
use crate::fix::{Fix, Safety};
use crate::input::node::Node;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::{Rule, RuleMeta};

use super::reference::ImageRef;

crate::declare_rule! {
    /// ## What it does
    /// Flags containers whose `imagePullPolicy` is not `Always`. An unset policy counts as the
    /// API server's default: `Always` for `:latest` and untagged images (not reported),
    /// `IfNotPresent` otherwise (reported). Turned off by `rules.image.require-pull-policy-always:
    /// false`.
    ///
    /// ## Why is this bad?
    /// With `IfNotPresent` or `Never`, a pod uses whatever image is cached on the node without
    /// asking the registry: a pod without the pull credentials can run a private image another
    /// tenant pulled, and a locally tampered image is never replaced. `Always` makes the registry
    /// check credentials and (with a digest) return exactly the expected image.
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
    ///       imagePullPolicy: IfNotPresent
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
    ///       imagePullPolicy: Always
    /// ```
    ///
    /// ## How to fix
    /// Set `imagePullPolicy: Always` (with a digest, pulls are cheap: only the manifest is
    /// checked), or enable the `AlwaysPullImages` admission plugin cluster-wide.
    pub ImagePullPolicyNotAlways {
        code: "IMG004",
        name: "image-pull-policy-not-always",
        summary: "image pull policy is not `Always`",
        severity: Low,
        category: Image,
        targets: CONTAINER,
        remediation: "set `imagePullPolicy: Always`",
        checklist: ["guide.official-images"],
        cis: [],
        since: "0.1.0",
        fix: Safe,
    }
}

impl Rule for ImagePullPolicyNotAlways {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        if !cx.settings.require_pull_policy_always() {
            return;
        }
        let Some(image) = c.image() else {
            return;
        };
        let Some(r) = ImageRef::parse(image) else {
            return;
        };
        let path = c.path.key("imagePullPolicy");
        match c.get("imagePullPolicy").and_then(Node::as_str).filter(|p| !p.is_empty()) {
            Some("Always") => {}
            Some(p) => {
                let fix = Fix::set(Safety::Safe, path.clone(), serde_json::Value::String("Always".into()));
                cx.report(pod.object, path, format!("container `{}` has `imagePullPolicy: {p}`", c.name()))
                    .container(c.name())
                    .fix(fix);
            }
            None if r.is_latest() => {}
            None => {
                let msg = format!(
                    "container `{}` does not set `imagePullPolicy`, which defaults to `IfNotPresent` for `{image}`",
                    c.name()
                );
                let fix = Fix::set(Safety::Safe, path.clone(), serde_json::Value::String("Always".into()));
                cx.report(pod.object, path, msg).container(c.name()).fix(fix);
            }
        }
    }
}
