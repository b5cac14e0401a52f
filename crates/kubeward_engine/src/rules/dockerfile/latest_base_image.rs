use crate::context::Context;
use crate::input::dockerfile::Dockerfile;
use crate::rule::Rule;

use crate::analysis::dockerfile::external_base;

crate::declare_rule! {
    /// ## What it does
    /// Flags stages whose base image uses the `latest` tag or no tag at all (which pulls
    /// `latest`), after substituting global `ARG` defaults (`FROM ${BASE}`). A digest pins the
    /// image, so `FROM alpine@sha256:...` passes. hadolint's DL3006 and DL3007.
    ///
    /// ## Why is this bad?
    /// `latest` moves: two builds of the same Dockerfile give different images, a broken or
    /// compromised upstream release goes straight into your image, and nobody can tell which
    /// base a running container has.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python
    /// USER 10001
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// USER 10001
    /// ```
    ///
    /// ## How to fix
    /// Name a version tag (and a digest, see DF004), and update it on purpose (Renovate,
    /// Dependabot).
    pub LatestBaseImage {
        code: "DF003",
        name: "latest-base-image",
        summary: "a base image is untagged or uses the `latest` tag",
        severity: Medium,
        category: Dockerfile,
        targets: DOCKERFILE,
        remediation: "use a version tag for the base image",
        checklist: ["image.4", "guide.official-images"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for LatestBaseImage {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &mut Context<'_>) {
        for stage in &df.stages {
            let Some((base, r)) = external_base(df, stage) else { continue };
            if r.is_latest() {
                let msg = if r.tag.is_some() {
                    format!("base image `{base}` uses the `latest` tag")
                } else {
                    format!("base image `{base}` has no tag, so it pulls `latest`")
                };
                cx.report_dockerfile(df, stage.from, stage.base_pos, msg);
            }
        }
    }
}
