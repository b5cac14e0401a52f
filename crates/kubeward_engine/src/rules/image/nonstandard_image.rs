use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

use crate::analysis::dockerfile::matches_standard;
use crate::input::image_ref::ImageRef;

crate::declare_rule! {
    /// ## What it does
    /// When `rules.image.standard-base-images` is set, flags containers whose image is neither
    /// one of the standard images nor from an allowed registry (`rules.image.allowed-registries`,
    /// where your own builds are pushed). Entries are matched as in DF002: an image
    /// (`docker.io/library/nginx`, `nginx:1.27`; Docker Hub short names are normalised) or a
    /// repository prefix ending in `/*`. Without `standard-base-images` the rule reports nothing
    /// (IMG003 covers the registry list alone).
    ///
    /// ## Why is this bad?
    /// Images built on your standard bases (and pushed to your registry) are the ones your
    /// patching and scanning cover. A workload running anything else escapes that process.
    ///
    /// ## Example
    /// With `standard-base-images: [docker.io/library/nginx]` and
    /// `allowed-registries: [registry.example.com]`:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: bitnami/nginx:1.27
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    /// ```
    ///
    /// ## How to fix
    /// Run a standard image, or build your image on a standard base and push it to an allowed
    /// registry.
    pub NonstandardImage {
        code: "IMG005",
        name: "nonstandard-image",
        summary: "a container runs an image that is neither a standard image nor from an allowed registry",
        severity: Medium,
        category: Image,
        targets: CONTAINER,
        remediation: "use a standard image or one built on a standard base and pushed to an allowed registry",
        checklist: ["image.4", "image.1"],
        cis: ["5.5.1"],
        since: "0.1.0",
    }
}

impl Rule for NonstandardImage {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let std = &cx.settings.rules.image.standard_base_images;
        if std.is_empty() {
            return;
        }
        let Some(image) = c.image() else { return };
        let Some(r) = ImageRef::parse(image) else { return };
        let allowed = &cx.settings.rules.image.allowed_registries;
        if std.iter().any(|e| matches_standard(&r, e)) || allowed.iter().any(|a| r.is_from(a)) {
            return;
        }
        let msg = format!(
            "container `{}` runs image `{image}` (`{}/{}`), which is not a standard image nor from an allowed registry",
            c.name(),
            r.registry,
            r.path
        );
        cx.report(pod.object, c.path.key("image"), msg).container(c.name());
    }
}
