use crate::context::Context;
use crate::input::workload::{ContainerView, PodSpecView};
use crate::rule::Rule;

use crate::input::image_ref::{literal_tail, ImageRef};

crate::declare_rule! {
    /// ## What it does
    /// Flags containers whose image reference has no `@sha256:` digest. Templated references
    /// (`{{ }}`, `${VAR}`) are skipped.
    ///
    /// ## Why is this bad?
    /// Tags are mutable: whoever can push to the repository (or compromises the registry) can
    /// point `app:1.4.2` at different content, and nodes pull it at the next restart. Only a
    /// digest names exactly the image that was built, scanned and approved.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: app}
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
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
    ///       image: registry.example.com/app:1.4.2@sha256:8e4f6b3b2f1d0c9a7e5d3b1f0e9c8a7b6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a
    /// ```
    ///
    /// ## How to fix
    /// Append the digest of the image you tested (`crane digest`, `docker buildx imagetools
    /// inspect`) and let a bot such as Renovate update tag and digest together.
    pub ImageNotPinnedByDigest {
        code: "IMG002",
        name: "image-not-pinned-by-digest",
        summary: "image is not pinned by digest",
        severity: Low,
        category: Image,
        targets: CONTAINER,
        remediation: "pin the image by digest (`image:tag@sha256:...`)",
        checklist: ["guide.official-images"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for ImageNotPinnedByDigest {
    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, cx: &mut Context<'_>) {
        let Some(image) = c.image() else {
            return;
        };
        let unpinned = match ImageRef::parse(image) {
            Some(r) => !r.has_digest(),
            None => literal_tail(image).is_some_and(|(_, digest)| digest.is_none()),
        };
        if unpinned {
            cx.report(
                pod.object,
                c.path.key("image"),
                format!("container `{}` uses image `{image}` without a digest", c.name()),
            )
            .container(c.name());
        }
    }
}
