use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

use crate::input::image_ref::ImageRef;

crate::declare_rule! {
    /// ## What it does
    /// When `rules.image.allowed-registries` is set, flags containers whose image comes from
    /// another registry. Entries are a registry host (`registry.example.com`,
    /// `registry:5000`) or a host and path prefix (`ghcr.io/myorg`, `docker.io/library` for
    /// Docker Hub official images). Names without a registry are Docker Hub (`nginx` is
    /// `docker.io/library/nginx`). Without the option the rule reports nothing.
    ///
    /// ## Why is this bad?
    /// Images from public registries are built by people you do not know, from sources you have
    /// not reviewed, and can change or disappear. A private registry (or a vetted mirror) is
    /// where images are scanned, signed and kept available.
    ///
    /// ## Example
    /// With `allowed-registries: [registry.example.com]`:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: randomuser/app:1.0
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
    /// ```
    ///
    /// ## How to fix
    /// Mirror the image into an allowed registry (after scanning it) and reference the mirror,
    /// or add the registry to `rules.image.allowed-registries` if it is trusted. Enforce the same
    /// list at admission (Kyverno, Gatekeeper, ValidatingAdmissionPolicy).
    pub UntrustedRegistry {
        code: "IMG003",
        name: "untrusted-registry",
        summary: "image comes from a registry outside the allowed list",
        severity: High,
        category: Image,
        targets: CONTAINER,
        remediation: "pull the image from an allowed registry (mirror it there after scanning)",
        checklist: ["image.1", "guide.official-images"],
        cis: ["5.5.1"],
        since: "0.1.0",
    }
}

impl Rule for UntrustedRegistry {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let allowed = &cx.settings.rules.image.allowed_registries;
        if allowed.is_empty() {
            return;
        }
        let Some(image) = c.image() else {
            return;
        };
        let Some(r) = ImageRef::parse(image) else {
            return;
        };
        if !allowed.iter().any(|a| r.is_from(a)) {
            let msg = format!(
                "container `{}` uses image `{image}` from `{}/{}`, which is not an allowed registry",
                c.name(),
                r.registry,
                r.path
            );
            cx.report(pod.object, c.path.key("image"), msg).container(c.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::run_rules;
    use crate::settings::Settings;
    use crate::snapshot::Snapshot;

    #[test]
    fn silent_without_allowed_registries() {
        let snap = Snapshot::from_text(
            "p.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: a, image: quay.io/x/y:1}\n",
        );
        let report = run_rules(&snap, &Settings::default(), &[&super::UntrustedRegistry]);
        assert_eq!(report.finding_count(), 0);
    }
}
