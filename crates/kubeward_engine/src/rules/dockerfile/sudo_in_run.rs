use std::sync::LazyLock;

use regex::Regex;

use crate::context::Context;
use crate::input::dockerfile::Dockerfile;
use crate::rule::Rule;

use crate::analysis::dockerfile::command_pos;

/// `sudo` as a command word (start of a command, after `;`, `&&`, `||`, `|`, `(`).
static SUDO: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(^|[;&|(\n]|\s)\s*sudo(\s|$)").ok());

crate::declare_rule! {
    /// ## What it does
    /// Flags `RUN` instructions that call `sudo` (hadolint's DL3004), in the shell form, the
    /// exec form or a heredoc.
    ///
    /// ## Why is this bad?
    /// `sudo` in an image means the image ships `sudo` and a sudoers policy, so a process that
    /// runs as an unprivileged user can become root again. Its TTY and signal handling is also
    /// unpredictable in builds.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM ubuntu:24.04
    /// USER app
    /// RUN sudo apt-get update
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM ubuntu:24.04
    /// RUN apt-get update
    /// USER app
    /// ```
    ///
    /// ## How to fix
    /// Run root-only steps before `USER`, and do not install `sudo` in the image; use `gosu`
    /// or `setpriv` in an entrypoint if a step must drop privileges at run time.
    pub SudoInRun {
        code: "DF009",
        name: "sudo-in-run",
        summary: "`RUN` uses `sudo`",
        severity: Medium,
        category: Dockerfile,
        targets: DOCKERFILE,
        remediation: "run root-only steps before `USER` instead of using `sudo`, and do not install `sudo`",
        checklist: ["image.5", "guide.non-root"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for SudoInRun {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &mut Context<'_>) {
        let Some(re) = SUDO.as_ref() else { return };
        for (idx, ins) in df.instructions.iter().enumerate() {
            if ins.keyword != "RUN" {
                continue;
            }
            let text = ins.command_text();
            if let Some(m) = re.find(&text) {
                let at = m.start() + m.as_str().find("sudo").unwrap_or(0);
                cx.report_dockerfile(df, idx, command_pos(ins, at), "`RUN` uses `sudo`");
            }
        }
    }
}
