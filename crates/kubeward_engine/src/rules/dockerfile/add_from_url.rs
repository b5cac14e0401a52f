use crate::context::Context;
use crate::input::dockerfile::Dockerfile;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `ADD` with a remote source (`http://`, `https://`, a Git URL) and no `--checksum`.
    /// hadolint's DL3020 prefers `COPY` for local files; CIS Docker Benchmark 4.9 says use
    /// `COPY` instead of `ADD`. BuildKit verifies `ADD --checksum=sha256:...`, so that passes.
    ///
    /// ## Why is this bad?
    /// The file is fetched at build time from a server you do not control, without integrity
    /// checking: whoever controls the URL (or the network) controls what goes into the image.
    /// `ADD` also unpacks local archives implicitly, which surprises reviewers.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ADD https://example.com/tool.tar.gz /opt/
    /// USER 10001
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tar.gz /opt/
    /// USER 10001
    /// ```
    ///
    /// ## How to fix
    /// Give `--checksum=sha256:...`, or download in a `RUN` step that verifies a checksum or
    /// signature, or vendor the file and `COPY` it.
    pub AddFromUrl {
        code: "DF007",
        name: "add-from-url",
        summary: "`ADD` fetches a remote URL without a checksum",
        severity: Medium,
        category: Dockerfile,
        targets: DOCKERFILE,
        remediation: "verify the download (`ADD --checksum=sha256:...`) or `COPY` a vendored file",
        checklist: ["guide.image-scan"],
        cis: [],
        since: "0.1.0",
    }
}

fn is_remote(src: &str) -> bool {
    let s = src.to_ascii_lowercase();
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("git@") || s.starts_with("git://")
}

impl Rule for AddFromUrl {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &mut Context<'_>) {
        for (idx, ins) in df.instructions.iter().enumerate() {
            if ins.keyword != "ADD" || ins.flag("checksum").is_some() {
                continue;
            }
            let words: Vec<(String, crate::input::node::Pos)> = match &ins.exec {
                Some(v) => v.iter().map(|w| (w.clone(), ins.pos_at(0))).collect(),
                None => ins.words(df.escape).into_iter().map(|w| (w.text, w.pos)).collect(),
            };
            let Some((_, sources)) = words.split_last() else { continue };
            for (src, pos) in sources {
                if is_remote(src) {
                    cx.report_dockerfile(
                        df,
                        idx,
                        *pos,
                        format!("`ADD {src}` downloads a remote file without `--checksum`"),
                    );
                }
            }
        }
    }
}
