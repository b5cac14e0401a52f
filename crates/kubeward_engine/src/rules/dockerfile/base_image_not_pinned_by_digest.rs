use crate::context::Context;
use crate::input::dockerfile::Dockerfile;
use crate::rule::Rule;

use crate::analysis::dockerfile::external_base;

crate::declare_rule! {
    /// ## What it does
    /// Flags stages whose base image has no digest (`@sha256:...`). Tags are mutable: the
    /// registry can serve another image under the same tag.
    ///
    /// ## Why is this bad?
    /// Without a digest, the build is not reproducible and a re-pushed tag (by the maintainer,
    /// or by whoever took over the account) changes your image silently.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// USER 10001
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d
    /// USER 10001
    /// ```
    ///
    /// ## How to fix
    /// Append the digest (`docker buildx imagetools inspect alpine:3.20`), keep the tag for
    /// readability, and let a bot update both.
    pub BaseImageNotPinnedByDigest {
        code: "DF004",
        name: "base-image-not-pinned-by-digest",
        summary: "a base image is not pinned by digest",
        severity: Low,
        category: Dockerfile,
        targets: DOCKERFILE,
        remediation: "pin the base image by digest (`image:tag@sha256:...`)",
        checklist: ["image.4"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for BaseImageNotPinnedByDigest {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &mut Context<'_>) {
        for stage in &df.stages {
            let Some((base, r)) = external_base(df, stage) else { continue };
            if !r.has_digest() {
                cx.report_dockerfile(
                    df,
                    stage.from,
                    stage.base_pos,
                    format!("base image `{base}` is not pinned by digest"),
                );
            }
        }
    }
}
