use crate::context::Context;
use crate::input::dockerfile::Dockerfile;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `COPY` and `ADD` (and `COPY <<EOF` heredoc destinations) of files that hold
    /// credentials: SSH private keys (`id_rsa`, `id_ed25519`...), `*.pem`, `*.key`, `*.p12`,
    /// `*.pfx`, `*.pem` (unless named as a CA bundle or certificate: `ca.pem`, `cert.pem`,
    /// `fullchain.pem`), `.env` files, `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`,
    /// `.docker/config.json`, `.aws/credentials`, kubeconfigs (`.kube/config`, `kubeconfig`,
    /// `*.kubeconfig`) and cloud service-account key files (`*-sa.json`, `credentials.json`).
    /// CIS Docker Benchmark 4.10.
    ///
    /// ## Why is this bad?
    /// Every layer of an image is readable by whoever can pull it; deleting the file in a later
    /// layer does not remove it. A key copied in a builder stage stays in that stage's cache and
    /// history.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// COPY id_rsa /root/.ssh/id_rsa
    /// USER 10001
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN --mount=type=ssh git clone git@github.com:org/repo.git /src
    /// USER 10001
    /// ```
    ///
    /// ## How to fix
    /// Use BuildKit secret and SSH mounts (`RUN --mount=type=secret`, `--mount=type=ssh`) for
    /// build-time credentials, mount run-time ones from a Secret, list credential files in
    /// `.dockerignore`, and rotate what was copied.
    pub CredentialFileCopied {
        code: "DF006",
        name: "credential-file-copied",
        summary: "`COPY`/`ADD` puts a credential file in the image",
        severity: High,
        category: Dockerfile,
        targets: DOCKERFILE,
        remediation: "use a BuildKit secret or SSH mount instead of copying the file, add it to `.dockerignore`, and rotate it",
        checklist: ["guide.no-credentials"],
        cis: [],
        since: "0.1.0",
    }
}

/// What credential a path names, if any.
pub(crate) fn credential_kind(path: &str) -> Option<&'static str> {
    let p = path.trim().trim_end_matches('/').to_ascii_lowercase();
    let name = p.rsplit('/').next().unwrap_or(&p);
    let ssh = ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"];
    if ssh.contains(&name) {
        return Some("an SSH private key");
    }
    if [".key", ".p12", ".pfx", ".jks", ".keystore"].iter().any(|x| name.ends_with(x)) {
        return Some("a private key or keystore");
    }
    // `.pem` holds keys or certificates; CA bundles and certificate chains are public.
    if name.ends_with(".pem") {
        let stem = name.trim_end_matches(".pem");
        let public = stem.split(['-', '_', '.']).any(|part| part == "ca" || part == "crt")
            || ["cert", "chain", "bundle", "trust", "public", "root"].iter().any(|w| stem.contains(w));
        if !public || stem.contains("key") {
            return Some("a private key");
        }
    }
    if name == ".env" || (name.starts_with(".env.") && !name.ends_with(".example") && !name.ends_with(".sample")) {
        return Some("an environment file with secrets");
    }
    match name {
        ".npmrc" | ".pypirc" | ".netrc" | "_netrc" | ".git-credentials" | ".dockercfg" => {
            return Some("a credentials file")
        }
        "kubeconfig" | "credentials.json" => return Some("a credentials file"),
        _ => {}
    }
    if name.ends_with(".kubeconfig") || name.ends_with("-sa.json") || name.ends_with("-sa-key.json") {
        return Some("a credentials file");
    }
    if p.ends_with(".aws/credentials") || p.ends_with(".docker/config.json") || p.ends_with(".kube/config") {
        return Some("a credentials file");
    }
    None
}

impl Rule for CredentialFileCopied {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &mut Context<'_>) {
        for (idx, ins) in df.instructions.iter().enumerate() {
            if ins.keyword != "COPY" && ins.keyword != "ADD" {
                continue;
            }
            let words: Vec<(String, crate::input::node::Pos)> = match &ins.exec {
                Some(v) => v.iter().map(|w| (w.clone(), ins.pos_at(0))).collect(),
                None => ins.words(df.escape).into_iter().map(|w| (w.text, w.pos)).collect(),
            };
            let Some(((dest, dest_pos), sources)) = words.split_last() else { continue };
            for (src, pos) in sources {
                if src.starts_with("<<") {
                    continue;
                }
                if let Some(kind) = credential_kind(src) {
                    let msg = format!("`{} {src}` copies {kind} into the image", ins.keyword);
                    cx.report_dockerfile(df, idx, *pos, msg);
                }
            }
            if !ins.heredocs.is_empty() {
                if let Some(kind) = credential_kind(dest) {
                    let msg = format!("`{}` writes {kind} to `{dest}` in the image", ins.keyword);
                    cx.report_dockerfile(df, idx, *dest_pos, msg);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::credential_kind;

    #[test]
    fn kinds() {
        for yes in [
            "id_rsa",
            "./keys/server.key",
            "tls.pem",
            ".env",
            ".env.production",
            "home/.aws/credentials",
            ".kube/config",
            "prod.kubeconfig",
            ".npmrc",
        ] {
            assert!(credential_kind(yes).is_some(), "{yes}");
        }
        for yes in ["privkey.pem", "server-key.pem", "server.pem", "key.pem"] {
            assert!(credential_kind(yes).is_some(), "{yes}");
        }
        for no in [
            "app.py",
            ".env.example",
            "ca.crt",
            "keys/",
            "config.json",
            "id_rsa.pub",
            "ca.pem",
            "corp-root-ca.pem",
            "fullchain.pem",
            "cacert.pem",
            "cert.pem",
        ] {
            assert!(credential_kind(no).is_none(), "{no}");
        }
    }
}
