use crate::context::Context;
use crate::input::dockerfile::Dockerfile;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags Dockerfiles whose final stage has no `HEALTHCHECK` (or ends with
    /// `HEALTHCHECK NONE`); a `HEALTHCHECK` of the stage the final stage is built on counts.
    /// CIS Docker Benchmark 4.6. Kubernetes ignores `HEALTHCHECK` and uses the pod's probes,
    /// so for images that only run on Kubernetes this is advice: ignore it there with
    /// `ignore: [DF011]` or `per-path-ignores`.
    ///
    /// ## Why is this bad?
    /// Without a health check, Docker and Compose keep a hung container in service; nothing
    /// restarts it.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx:1.27
    /// USER 101
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM nginx:1.27
    /// HEALTHCHECK --interval=30s CMD curl -fsS http://localhost/ || exit 1
    /// USER 101
    /// ```
    ///
    /// ## How to fix
    /// Add `HEALTHCHECK CMD ...` to the final stage, and readiness/liveness probes to the
    /// Kubernetes workload.
    pub HealthcheckMissing {
        code: "DF011",
        name: "healthcheck-missing",
        summary: "the image's final stage has no `HEALTHCHECK`",
        severity: Low,
        category: Dockerfile,
        targets: DOCKERFILE,
        remediation: "add `HEALTHCHECK CMD ...` to the final stage",
        checklist: [],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for HealthcheckMissing {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &mut Context<'_>) {
        let Some(last) = df.final_stage() else { return };
        let mut cur = Some(last);
        for _ in 0..=df.stages.len() {
            let Some(s) = cur else { break };
            if let Some((_, hc)) = df.stage_instructions(s).filter(|(_, i)| i.keyword == "HEALTHCHECK").last() {
                if !hc.args.trim().eq_ignore_ascii_case("none") {
                    return;
                }
                break;
            }
            cur = s.parent.and_then(|p| df.stages.get(p)).filter(|p| p.index < s.index);
        }
        let pos = df.instructions.get(last.from).map_or(last.base_pos, |i| i.pos);
        cx.report_dockerfile(df, last.from, pos, "the final stage has no `HEALTHCHECK`");
    }
}
