use crate::context::Context;
use crate::input::dockerfile::Dockerfile;
use crate::rule::Rule;

use crate::analysis::dockerfile::{external_base, is_approved};

crate::declare_rule! {
    /// ## What it does
    /// When `rules.image.standard-base-images` or `rules.image.allowed-registries` is set in
    /// `.kubeward.yaml`, flags every stage whose base image is neither a standard base image
    /// nor from an allowed registry. A `standard-base-images` entry is an image
    /// (`docker.io/library/alpine`, `alpine:3.20`, `gcr.io/distroless/static:nonroot`; the tag
    /// or digest is checked when the entry has one) or a repository prefix ending in `/*`
    /// (`cgr.dev/chainguard/*`). `scratch` and earlier stages (`FROM build`) are not images;
    /// a base whose `ARG` has no default cannot be judged. Without either list the rule
    /// reports nothing.
    ///
    /// ## Why is this bad?
    /// A small set of maintained, scanned base images is what lets a team patch a vulnerable
    /// library once for every image. Random bases from public registries are built by people you
    /// do not know and drift without notice.
    ///
    /// ## Example
    /// With `standard-base-images: [gcr.io/distroless/static, docker.io/library/alpine]`:
    /// ```dockerfile
    /// FROM someuser/alpine-with-tools:3.20
    /// USER 10001
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// USER 10001
    /// ```
    ///
    /// ## How to fix
    /// Build on one of the standard base images (or a mirror in an allowed registry). If the
    /// base is vetted, add it to `rules.image.standard-base-images`.
    pub NonstandardBaseImage {
        code: "DF002",
        name: "nonstandard-base-image",
        summary: "a stage builds on a base image outside the standard base images and allowed registries",
        severity: Medium,
        category: Dockerfile,
        targets: DOCKERFILE,
        remediation: "build on a standard base image (`rules.image.standard-base-images`) or one from an allowed registry",
        checklist: ["image.4", "image.1", "guide.official-images"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for NonstandardBaseImage {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &mut Context<'_>) {
        for stage in &df.stages {
            let Some((base, r)) = external_base(df, stage) else { continue };
            if is_approved(cx.settings, &r) == Some(false) {
                let msg = format!(
                    "base image `{base}` (`{}/{}`) is not a standard base image nor from an allowed registry",
                    r.registry, r.path
                );
                cx.report_dockerfile(df, stage.from, stage.base_pos, msg);
            }
        }
    }
}
