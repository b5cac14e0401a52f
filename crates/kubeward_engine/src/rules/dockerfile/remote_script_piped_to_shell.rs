use std::sync::LazyLock;

use regex::Regex;

use crate::context::Context;
use crate::input::dockerfile::Dockerfile;
use crate::rule::Rule;

use crate::analysis::dockerfile::command_pos;

/// `curl ... | sh`, `wget -O- ... | sudo bash`, `sh -c "$(curl ...)"`, `bash <(curl ...)`.
static PIPED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"\b(curl|wget)\b[^|;&\n]*\|\s*(sudo\s+(-\S+\s+)*)?(env\s+\S+\s+)*(/usr)?(/bin/)?(ba|z|da|k|a|fi)?sh\b",
        r"\b(curl|wget)\b[^|;&\n]*\|\s*(sudo\s+)?(/usr/bin/)?(python[0-9.]*|perl|ruby|node)\b",
        r"\b(ba|z|da)?sh\s+(-c\s+)?['\x22]?\$\((curl|wget)\b",
        r"\b(ba|z|da)?sh\s+<\(\s*(curl|wget)\b",
    ]
    .into_iter()
    .filter_map(|r| Regex::new(r).ok())
    .collect()
});

crate::declare_rule! {
    /// ## What it does
    /// Flags `RUN` instructions (shell form, exec form and heredocs) that download a script
    /// and run it straight away: `curl ... | sh`, `wget -qO- ... | bash`, `| sudo sh`,
    /// `| python`, `sh -c "$(curl ...)"`, `bash <(curl ...)`.
    ///
    /// ## Why is this bad?
    /// The script is not verified: whoever controls the server, the DNS or the network path
    /// runs code in your build, as root, and its output lands in the image. A server can even
    /// serve different content to `curl | sh` than to a browser.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// RUN curl -fsSL https://get.example.com/install.sh | sh
    /// USER 10001
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12-slim
    /// RUN curl -fsSLo /tmp/install.sh https://get.example.com/install.sh \
    ///  && echo "24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d  /tmp/install.sh" | sha256sum -c - \
    ///  && sh /tmp/install.sh
    /// USER 10001
    /// ```
    ///
    /// ## How to fix
    /// Download to a file, verify its checksum or signature, then run it; better, install from
    /// the distribution's signed packages.
    pub RemoteScriptPipedToShell {
        code: "DF008",
        name: "remote-script-piped-to-shell",
        summary: "`RUN` pipes a downloaded script into a shell",
        severity: High,
        category: Dockerfile,
        targets: DOCKERFILE,
        remediation: "download to a file, verify its checksum or signature, then run it",
        checklist: ["guide.image-scan"],
        cis: [],
        since: "0.1.0",
    }
}

impl Rule for RemoteScriptPipedToShell {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &mut Context<'_>) {
        for (idx, ins) in df.instructions.iter().enumerate() {
            if ins.keyword != "RUN" {
                continue;
            }
            let text = ins.command_text();
            if let Some(m) = PIPED.iter().find_map(|r| r.find(&text)) {
                let snippet: String = m.as_str().chars().take(80).collect();
                let msg = format!("`RUN` pipes a downloaded script into an interpreter (`{snippet}`)");
                cx.report_dockerfile(df, idx, command_pos(ins, m.start()), msg);
            }
        }
    }
}
