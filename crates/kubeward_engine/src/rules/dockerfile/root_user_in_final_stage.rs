use crate::context::Context;
use crate::input::dockerfile::Dockerfile;
use crate::rule::Rule;

use crate::analysis::dockerfile::{effective_user, is_root_user};

crate::declare_rule! {
    /// ## What it does
    /// Flags Dockerfiles whose final stage (the image `docker build` produces without
    /// `--target`) runs as root: its last `USER` is `root` or `0` (`root:root`, `0:0`), or no
    /// `USER` is set at all. A stage built `FROM` an earlier stage inherits that stage's `USER`,
    /// as BuildKit does; a `USER` in a builder stage does not count for the final one. Bases
    /// whose tag says they run unprivileged (`...:nonroot`, `...-rootless`) count as non-root
    /// when the stage sets no `USER`. Same semantics as hadolint's DL3002, plus the missing
    /// `USER` case (CIS Docker Benchmark 4.1).
    ///
    /// ## Why is this bad?
    /// A process running as root in the container is root on the host once it escapes
    /// (a kernel or runtime bug, a writable host mount). Kubernetes can force a user at run time
    /// (`runAsNonRoot`, `runAsUser`), but an image that needs root breaks then, so the fix
    /// belongs in the image.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22 AS build
    /// USER 1000
    /// RUN go build -o /out/app .
    ///
    /// FROM debian:12-slim
    /// COPY --from=build /out/app /app
    /// ENTRYPOINT ["/app"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.22 AS build
    /// RUN go build -o /out/app .
    ///
    /// FROM debian:12-slim
    /// RUN useradd --uid 10001 --no-create-home app
    /// COPY --from=build /out/app /app
    /// USER 10001
    /// ENTRYPOINT ["/app"]
    /// ```
    ///
    /// ## How to fix
    /// Create an unprivileged user in the final stage and end with `USER <uid>` (a numeric uid
    /// lets Kubernetes verify `runAsNonRoot`). Do root-only work (package installs) before it.
    pub RootUserInFinalStage {
        code: "DF001",
        name: "root-user-in-final-stage",
        summary: "the image's final stage runs as root",
        severity: High,
        category: Dockerfile,
        targets: DOCKERFILE,
        remediation: "end the final stage with `USER <non-root uid>`",
        checklist: ["image.5", "guide.non-root"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for RootUserInFinalStage {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &mut Context<'_>) {
        let Some(stage) = df.final_stage() else { return };
        match effective_user(df, stage) {
            Some((idx, ins)) => {
                let user = ins.args.trim();
                if is_root_user(user) {
                    let msg = if ins.stage == Some(stage.index) {
                        format!("the final stage runs as root (`USER {user}`)")
                    } else {
                        format!("the final stage runs as root: it inherits `USER {user}` from the stage it is built on")
                    };
                    cx.report_dockerfile(df, idx, ins.pos, msg);
                }
            }
            None => {
                let base = stage.base_resolved.as_deref().unwrap_or(&stage.base).to_ascii_lowercase();
                let tag = base.rsplit('/').next().unwrap_or("");
                if tag.contains("nonroot") || tag.contains("rootless") {
                    return;
                }
                let pos = df.instructions.get(stage.from).map_or(stage.base_pos, |i| i.pos);
                cx.report_dockerfile(
                    df,
                    stage.from,
                    pos,
                    "the final stage sets no `USER`, so the container runs as root",
                );
            }
        }
    }
}
