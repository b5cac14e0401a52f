//! Helpers of the credential rules (POD021, POD022): which names and values are literal
//! credentials, tuned for precision on real manifests.

use std::sync::LazyLock;

use regex::Regex;

/// Last words of a name that say the value is about a credential, not the credential itself:
/// `PASSWORD_FILE`, `TOKEN_PATH`, `CLIENT_SECRET_NAME`, `tokenAudience`...
const DESCRIPTIVE_LAST_WORDS: &[&str] = &[
    "file",
    "filename",
    "files",
    "path",
    "paths",
    "dir",
    "directory",
    "name",
    "names",
    "namespace",
    "ref",
    "id",
    "version",
    "url",
    "uri",
    "endpoint",
    "host",
    "port",
    "mount",
    "mountpath",
    "location",
    "audience",
    "type",
    "algorithm",
    "alg",
    "ttl",
    "expiry",
    "expiration",
    "lifetime",
    "duration",
    "timeout",
    "interval",
    "period",
    "length",
    "size",
    "format",
    "header",
    "field",
    "provider",
    "mode",
    "enabled",
    "disabled",
    "required",
    "policy",
    "issuer",
    "scope",
    "scopes",
    "kind",
    "source",
    "label",
    "annotation",
    "hint",
    "prompt",
    "regex",
    "pattern",
    "env",
    "var",
];

/// Splits a name into lower-case words: on `_`, `-`, `.`, `/` and camelCase boundaries.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Words that make a credential-like name public material: `PUBLIC_KEY`, `pubKey`,
/// `STRIPE_PUBLISHABLE_KEY`.
const PUBLIC_WORDS: &[&str] = &["public", "pub", "publishable"];

/// Whether a credential-like name describes the credential (its file, path, name, audience...)
/// rather than holding it, or names public material (`PUBLIC_KEY`) or no credential at all
/// (`byPass`).
#[must_use]
pub(crate) fn is_descriptive_name(name: &str) -> bool {
    let w = words(name);
    // etcd's `initial-cluster-token` names the cluster; it authenticates nothing.
    let etcd_cluster_token = w.windows(3).any(|x| x == ["initial", "cluster", "token"]);
    let bypass = w.ends_with(&["by".to_string(), "pass".to_string()]);
    etcd_cluster_token
        || bypass
        || w.iter().any(|x| PUBLIC_WORDS.contains(&x.as_str()))
        || w.last().is_some_and(|l| DESCRIPTIVE_LAST_WORDS.contains(&l.as_str()))
}

/// Values that say they are to be replaced: `<password>`, `REPLACE_ME`, `your-token-here`,
/// `xxxxxxxx`, `********`, `[REDACTED]`. A word that works as a password as it is
/// (`changeme`, `yourpassword`, `admin`, `password`) is a credential, and a weak one: it is not
/// in this list.
fn is_placeholder(v: &str, lower: &str) -> bool {
    let bracketed = |o: char, c: char| v.starts_with(o) && v.ends_with(c);
    if bracketed('<', '>') || bracketed('[', ']') || bracketed('%', '%') || bracketed('@', '@') {
        return true;
    }
    // One character repeated, separators aside (`xxxx`, `****`, `xxxx-xxxx`, `....`).
    let mut chars = lower.chars().filter(|c| !matches!(c, '-' | '_' | '.' | ':' | ' '));
    if let Some(first) = chars.next() {
        if chars.all(|c| c == first) {
            return true;
        }
    }
    const MARKERS: &[&str] = &["replace", "placeholder", "redacted", "fixme", "insert_", "insert-"];
    const WHOLE: &[&str] = &["todo", "tbd", "none_yet", "notset", "not-set", "not_set", "unset"];
    let your = lower.strip_prefix("your").is_some_and(|r| r.starts_with(['-', '_', '.', ' ']));
    your || MARKERS.iter().any(|m| lower.contains(m)) || WHOLE.contains(&lower)
}

static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z][A-Za-z0-9+.-]*://(?P<auth>[^/?#@\s]*@)?").unwrap_or_else(|e| unreachable!("{e}"))
});

/// Whether a literal value could be a credential: not empty or very short, not a reference,
/// template or path, not a boolean or a number, not a URL without credentials, not the name
/// itself (a placeholder substituted later).
#[must_use]
pub(crate) fn is_credential_value(name: &str, value: &str) -> bool {
    let v = value.trim();
    if v.chars().count() < 4 {
        return false;
    }
    if v.contains("$(") || v.contains("${") || v.contains("{{") {
        return false;
    }
    if v.starts_with('/') || v.starts_with("./") || v.starts_with("~/") {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "null"
            | "none"
            | "enabled"
            | "disabled"
            | "required"
            | "optional"
    ) {
        return false;
    }
    if v.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'_') {
        return false;
    }
    if is_placeholder(v, &lower) {
        return false;
    }
    // An ARN names a resource (`arn:aws:kms:...:key/...`); it grants nothing.
    if lower.starts_with("arn:") {
        return false;
    }
    if let Some(c) = URL.captures(v) {
        // A URL carries a credential only in its user-info (`https://user:pass@host`).
        return c.name("auth").is_some_and(|a| a.as_str().contains(':'));
    }
    // A placeholder naming the variable (`HF_TOKEN`, `INSERT_ETCD_DISCOVERY_TOKEN`).
    let multi_word = name.contains(['_', '-', '.']);
    if v.eq_ignore_ascii_case(name) || (multi_word && lower.contains(&name.to_ascii_lowercase())) {
        return false;
    }
    true
}

/// Shapes of well-known credentials, with what they are.
static TOKEN_SHAPES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", "an AWS access key id"),
        (r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----", "a private key"),
        (r"\bgh[pousr]_[A-Za-z0-9]{36,}\b", "a GitHub token"),
        (r"\bgithub_pat_[A-Za-z0-9_]{50,}", "a GitHub token"),
        (r"\bglpat-[A-Za-z0-9_-]{20,}", "a GitLab token"),
        (r"\bxox[abprs]-[A-Za-z0-9-]{10,}", "a Slack token"),
        (r"\bAIza[0-9A-Za-z_-]{35}\b", "a Google API key"),
        (r"\b[sr]k_live_[0-9A-Za-z]{20,}\b", "a Stripe secret key"),
    ]
    .into_iter()
    .map(|(p, what)| (Regex::new(p).unwrap_or_else(|e| unreachable!("{e}")), what))
    .collect()
});

/// Published example values that are not credentials.
const EXAMPLES: &[&str] = &["AKIAIOSFODNN7EXAMPLE"];

/// What well-known credential a value contains, if any.
#[must_use]
pub(crate) fn token_shape(value: &str) -> Option<&'static str> {
    TOKEN_SHAPES
        .iter()
        .find_map(|(re, what)| {
            re.find_iter(value)
                .any(|m| !EXAMPLES.contains(&m.as_str()) && !is_redacted(value, m.end()))
                .then_some(*what)
        })
        .or_else(|| auth_header(value))
}

/// `Bearer <token>`: a token of 16 characters or more, letters and digits both (a placeholder
/// such as `Bearer ${TOKEN}`, `Bearer <token>` or `Bearer YOUR_TOKEN` has no digit, or stops
/// the match at `$`, `<`, `{`).
static BEARER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bbearer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)").unwrap_or_else(|e| unreachable!("{e}"))
});

/// `Basic <base64 of user:password>`.
static BASIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bbasic[ \t]+([A-Za-z0-9+/]{8,}={0,2})(?:[^A-Za-z0-9+/=]|$)")
        .unwrap_or_else(|e| unreachable!("{e}"))
});

/// An HTTP `Authorization` credential written out, whatever the variable is called:
/// `Bearer <token>`, or `Basic <b64>` whose decoded text is `user:password` (which tells it
/// from prose such as "Basic authentication").
#[must_use]
pub(crate) fn auth_header(value: &str) -> Option<&'static str> {
    let bearer = BEARER.captures_iter(value).any(|c| {
        c.get(1).is_some_and(|t| {
            let t = t.as_str();
            t.bytes().any(|b| b.is_ascii_digit())
                && t.bytes().any(|b| b.is_ascii_alphabetic())
                && !is_placeholder(t, &t.to_ascii_lowercase())
        })
    });
    if bearer {
        return Some("a bearer token");
    }
    let basic = BASIC.captures_iter(value).any(|c| {
        c.get(1).and_then(|t| crate::base64::decode(t.as_str())).is_some_and(|d| {
            d.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
                && d.iter().position(|b| *b == b':').is_some_and(|i| i > 0 && i + 1 < d.len())
        })
    });
    basic.then_some("HTTP Basic credentials")
}

/// A PEM header followed by a placeholder body (`...`, `<key>`) is documentation.
fn is_redacted(value: &str, end: usize) -> bool {
    let rest = value.get(end..).unwrap_or("").trim_start();
    rest.starts_with("...") || rest.starts_with('<') || rest.starts_with("-----END")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_descriptive_name("PASSWORD_FILE"));
        assert!(is_descriptive_name("webhook-secret-name"));
        assert!(is_descriptive_name("tokenAudience"));
        assert!(is_descriptive_name("KF_PIPELINES_SA_TOKEN_PATH"));
        assert!(!is_descriptive_name("MYSQL_ROOT_PASSWORD"));
        assert!(!is_descriptive_name("clientSecret"));
        assert!(!is_descriptive_name("MINIO_SECRET_KEY"));
        assert_eq!(words("apiKeyID"), vec!["api", "key", "id"]);
    }

    #[test]
    fn values() {
        assert!(is_credential_value("PASSWORD", "hunter22"));
        assert!(is_credential_value("PASSWORD", "changeme"));
        assert!(!is_credential_value("PASSWORD", "abc"));
        assert!(!is_credential_value("PASSWORD", "$(DB_PASSWORD)"));
        assert!(!is_credential_value("PASSWORD", "${DB_PASSWORD}"));
        assert!(!is_credential_value("PASSWORD", "{{ .Values.password }}"));
        assert!(!is_credential_value("TOKEN", "/var/run/secrets/token"));
        assert!(!is_credential_value("ALLOW_EMPTY_PASSWORD", "true"));
        assert!(!is_credential_value("TOKEN", "3600"));
        assert!(!is_credential_value("HF_TOKEN", "hf_token"));
        assert!(is_credential_value("password", "my-password-1"));
        assert!(!is_credential_value("ETCD_DISCOVERY_TOKEN", "INSERT_ETCD_DISCOVERY_TOKEN"));
        assert!(is_descriptive_name("ETCD_INITIAL_CLUSTER_TOKEN"));
        assert!(!is_credential_value("TOKEN", "https://auth.example.com/token"));
        assert!(is_credential_value("TOKEN", "https://user:s3cret@git.example.com/repo"));
    }

    #[test]
    fn names_issue_16() {
        let s = crate::settings::Settings::default();
        let secret = |n: &str| s.is_secret_name(n) && !is_descriptive_name(n);
        for n in [
            "pwd",
            "DB_PWD",
            "dbPwd",
            "DB_PASS",
            "SMTP_PASS",
            "smtpPass",
            "pass",
            "DB_PASSWD",
            "GPG_PASSPHRASE",
            "AZURE_STORAGE_ACCOUNT_KEY",
            "AZURE_STORAGE_KEY",
            "AZURE_CLIENT_KEY",
            "azure_batch_key",
            "AZ_BATCH_KEY",
            "batchKey",
            "OCI_CLI_KEY_CONTENT",
            "OCI_PRIVATE_KEY",
            "DJANGO_SECRET_KEY",
            "STRIPE_API_KEY",
            "MINIO_ACCESS_KEY",
            "ENCRYPTION_KEY",
            "storageAccountKey",
            "GITHUB_TOKEN",
            "DB_CREDS",
        ] {
            assert!(secret(n), "{n} is a credential name");
        }
        for n in [
            "PASSWORD_FILE",
            "SSL_PASS_THROUGH",
            "PASS_THROUGH",
            "BYPASS",
            "byPass",
            "COMPASS",
            "compassHeading",
            "KEY_PATH",
            "PUBLIC_KEY",
            "SSH_PUBLIC_KEY",
            "AZURE_PUBLIC_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "PARTITION_KEY",
            "ROUTING_KEY",
            "SORT_KEY",
            "AWS_ACCESS_KEY_ID",
            "AZURE_KEY_VAULT_NAME",
            "PASSENGER_APP_ENV",
            "KEYBOARD",
            "PWD_DIR",
            "PASSIVE",
        ] {
            assert!(!secret(n), "{n} is not a credential name");
        }
    }

    #[test]
    fn placeholders() {
        for v in [
            "<password>",
            "<your-token>",
            "REPLACE_ME",
            "replace-with-your-key",
            "your-password-here",
            "YOUR_API_KEY",
            "xxxx",
            "xxxxxxxx",
            "XXXX-XXXX-XXXX",
            "********",
            "[REDACTED]",
            "%PASSWORD%",
            "TODO",
            "arn:aws:kms:eu-west-1:111122223333:key/1234abcd",
        ] {
            assert!(!is_credential_value("PASSWORD", v), "{v} is a placeholder");
        }
        for v in ["changeme", "yourpassword", "admin123", "s3cr3t-pa55", "password", "younger-42"] {
            assert!(is_credential_value("DB_PASSWORD", v), "{v} is a credential");
        }
    }

    #[test]
    fn auth_headers() {
        assert_eq!(token_shape("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc123"), Some("a bearer token"));
        assert_eq!(token_shape("Authorization: bearer 9f8e7d6c5b4a39281706f5e4"), Some("a bearer token"));
        assert_eq!(token_shape("Basic dXNlcjpzM2NyM3Q="), Some("HTTP Basic credentials"));
        assert_eq!(token_shape("header: Basic YWRtaW46YWRtaW4=\n"), Some("HTTP Basic credentials"));
        for v in [
            "Bearer ${TOKEN}",
            "Bearer $(TOKEN)",
            "Bearer <token>",
            "Bearer {{ .Values.token }}",
            "Bearer YOUR_ACCESS_TOKEN_HERE",
            "Bearer xxxxxxxxxxxxxxxxxxxx",
            "Bearer token",
            "uses bearer authentication",
            "Basic authentication",
            "Basic realm=\"kubeward\"",
            "Basic $AUTH",
            "Basic Zm9vYmFy",
        ] {
            assert_eq!(token_shape(v), None, "{v}");
        }
    }

    #[test]
    fn shapes() {
        assert_eq!(token_shape("key: AKIAABCDEFGHIJKLMNOP"), Some("an AWS access key id"));
        assert_eq!(token_shape("AKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(token_shape("-----BEGIN RSA PRIVATE KEY-----\nMIIE..."), Some("a private key"));
        assert_eq!(token_shape("-----BEGIN PRIVATE KEY-----\n..."), None);
        assert_eq!(token_shape("-----BEGIN CERTIFICATE-----\nMIIE"), None);
        assert_eq!(token_shape("xoxb-1234567890-abcdefghij"), Some("a Slack token"));
        assert_eq!(token_shape(&format!("ghp_{}", "a".repeat(36))), Some("a GitHub token"));
        assert_eq!(token_shape("plain text"), None);
    }
}
