use std::sync::LazyLock;

use regex::Regex;

use crate::context::Context;
use crate::input::dockerfile::Dockerfile;
use crate::rule::Rule;

use crate::analysis::dockerfile::token_shape;

/// Names ending in `_KEY` (`STRIPE_KEY`, `SIGNING_KEY`), on top of `secret-name-patterns`.
static KEY_SUFFIX: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?i)(^|_)(KEY|PASS|PWD|AUTH)$").ok());

/// Names that hold no secret although they look like it: public keys and fingerprints
/// (`GPG_KEY` in the official python images), and pointers to a secret (`DB_PASSWORD_FILE`).
static NOT_SECRET: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)(public|(^|_)pub_|gpg|pgp|fingerprint|keyring|key_?id$|_(file|path|dir|url|name|type|length|size|env|var)$)").ok()
});

crate::declare_rule! {
    /// ## What it does
    /// Flags `ENV` and `ARG` instructions that put a credential in the image: a variable whose
    /// name looks like a credential (`PASSWORD`, `TOKEN`, `SECRET`, `API_KEY`, `*_KEY`; the
    /// names of `rules.pod.secret-name-patterns`) with a literal value, or any value shaped like
    /// a known credential (AWS access key ids `AKIA...`, GitHub `ghp_...`, GitLab `glpat-...`,
    /// Slack `xox...`, Stripe, Google API keys, npm tokens, private key blocks, HTTP
    /// `Authorization` credentials: `Bearer <token>`, `Basic <base64 of user:password>`). A value that is
    /// only a reference (`$OTHER`, `${OTHER}`) is not literal. Names of public material or of a
    /// pointer to the secret (`GPG_KEY`, `PUBLIC_KEY`, `*_KEY_ID`, `DB_PASSWORD_FILE`,
    /// `*_PATH`, `*_URL`) are not credential names. CIS Docker Benchmark 4.10.
    ///
    /// ## Why is this bad?
    /// `ENV` values are stored in the image config and `ARG` values in its history (`docker
    /// history`): anyone who can pull the image can read them, for as long as the image exists.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22-slim
    /// ENV NPM_TOKEN=npm_a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8
    /// USER node
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22-slim
    /// RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
    /// USER node
    /// ```
    ///
    /// ## How to fix
    /// Pass build-time secrets with BuildKit secret mounts (`RUN --mount=type=secret`), and
    /// run-time secrets from a Kubernetes Secret; rotate any credential that was in an image.
    pub SecretInEnvOrArg {
        code: "DF005",
        name: "secret-in-env-or-arg",
        summary: "an `ENV` or `ARG` holds a credential",
        severity: High,
        category: Dockerfile,
        targets: DOCKERFILE,
        remediation: "use a BuildKit secret mount (`RUN --mount=type=secret`) or a run-time Secret, and rotate the credential",
        checklist: ["guide.no-credentials"],
        cis: [],
        since: "0.1.0",
    }
}

fn is_reference(v: &str) -> bool {
    let v = v.trim();
    v.starts_with('$') && !v[1..].contains('$') && {
        let inner = v.trim_start_matches("${").trim_start_matches('$');
        let name_end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(inner.len());
        let rest = &inner[name_end..];
        rest.is_empty() || rest == "}" || rest.starts_with(":-$") || rest.starts_with(":-}")
    }
}

impl Rule for SecretInEnvOrArg {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &mut Context<'_>) {
        for (idx, ins) in df.instructions.iter().enumerate() {
            if ins.keyword != "ENV" && ins.keyword != "ARG" {
                continue;
            }
            for kv in ins.key_values(df.escape) {
                let Some(value) = kv.value.as_deref() else { continue };
                if let Some(what) = token_shape(value) {
                    let msg = format!("`{} {}` holds what looks like {what}", ins.keyword, kv.key);
                    cx.report_dockerfile(df, idx, kv.value_pos, msg);
                    continue;
                }
                let secret_name = (cx.settings.is_secret_name(&kv.key)
                    || KEY_SUFFIX.as_ref().is_some_and(|r| r.is_match(&kv.key)))
                    && !NOT_SECRET.as_ref().is_some_and(|r| r.is_match(&kv.key));
                if secret_name && !value.trim().is_empty() && !is_reference(value) {
                    let msg =
                        format!("`{} {}` sets a credential-like variable to a literal value", ins.keyword, kv.key);
                    cx.report_dockerfile(df, idx, kv.value_pos, msg);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn references() {
        assert!(super::is_reference("$TOKEN"));
        assert!(super::is_reference("${TOKEN}"));
        assert!(!super::is_reference("abc$TOKEN"));
        assert!(!super::is_reference("hunter2"));
    }
}
