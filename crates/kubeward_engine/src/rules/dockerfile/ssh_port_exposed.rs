use crate::context::Context;
use crate::input::dockerfile::Dockerfile;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `EXPOSE` of port 22 (`22`, `22/tcp`, or a range that contains it, such as
    /// `20-25`). CIS Docker Benchmark 4.8 (and 5.7: do not run sshd in containers).
    ///
    /// ## Why is this bad?
    /// An SSH server in a container is a second way in, with its own credentials to steal and
    /// patch, and it bypasses Kubernetes' audited `kubectl exec`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// EXPOSE 8080 22
    /// USER 10001
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12-slim
    /// EXPOSE 8080
    /// USER 10001
    /// ```
    ///
    /// ## How to fix
    /// Remove sshd from the image; use `kubectl exec` or ephemeral debug containers.
    pub SshPortExposed {
        code: "DF010",
        name: "ssh-port-exposed",
        summary: "the image exposes the SSH port 22",
        severity: Medium,
        category: Dockerfile,
        targets: DOCKERFILE,
        remediation: "remove sshd and `EXPOSE 22`; use `kubectl exec` or `kubectl debug`",
        checklist: [],
        cis: [],
        since: "0.1.0",
    }
}

fn covers_22(port: &str) -> bool {
    let p = port.split('/').next().unwrap_or("");
    match p.split_once('-') {
        Some((a, b)) => matches!((a.parse::<u32>(), b.parse::<u32>()), (Ok(a), Ok(b)) if a <= 22 && 22 <= b),
        None => p.parse::<u32>() == Ok(22),
    }
}

impl Rule for SshPortExposed {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &mut Context<'_>) {
        for (idx, ins) in df.instructions.iter().enumerate() {
            if ins.keyword != "EXPOSE" {
                continue;
            }
            for w in ins.words(df.escape) {
                if covers_22(&w.text) {
                    cx.report_dockerfile(df, idx, w.pos, format!("`EXPOSE {}` exposes the SSH port", w.text));
                }
            }
        }
    }
}
