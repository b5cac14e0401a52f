//! Kubeconfig exec credential plugins (`users[].user.exec`), run by kubeward itself rather
//! than by kube-rs: kube-rs runs the plugin synchronously with no time limit (a plugin that
//! hangs hangs the audit) and reports a failure as a Rust debug structure. Here the plugin runs
//! as a child process with a time limit (killed when it is over), its output is bounded, and a
//! failure says what happened in a sentence. The token is sent by the collector on each request
//! and asked for again when it is about to expire.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kube::config::ExecConfig;
use serde_json::{json, Value};
use tokio::io::AsyncReadExt;

/// Largest plugin output read (an ExecCredential is a few KB).
const MAX_STDOUT: u64 = 1 << 20;
/// Stderr kept for the message.
const MAX_STDERR: u64 = 64 << 10;
/// A token is asked for again this long before it expires (as client-go and kube-rs do).
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// What a plugin gave.
#[derive(Debug, Default)]
pub struct Credential {
    /// Bearer token.
    pub token: Option<String>,
    /// Client certificate and key (PEM).
    pub cert: Option<(String, String)>,
    /// When the credential expires.
    pub expiry: Option<SystemTime>,
}

/// The plugin's name for messages: its command as written.
fn name(cfg: &ExecConfig) -> String {
    printable(cfg.command.as_deref().unwrap_or(""), 200)
}

/// Escapes control characters and shortens, for text a plugin or kubeconfig controls.
fn printable(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if out.len() >= max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs the plugin, with `limit` to answer.
///
/// # Errors
/// A sentence naming the plugin and what went wrong.
pub async fn run(cfg: &ExecConfig, limit: Duration) -> Result<Credential, String> {
    let Some(command) = cfg.command.as_deref().filter(|c| !c.is_empty()) else {
        return Err("the kubeconfig's exec credential plugin has no command".into());
    };
    let who = format!("the credential plugin `{}`", name(cfg));
    let mut cmd = tokio::process::Command::new(command);
    cmd.args(cfg.args.iter().flatten());
    for env in cfg.env.iter().flatten() {
        if let (Some(n), Some(v)) = (env.get("name"), env.get("value")) {
            cmd.env(n, v);
        }
    }
    // Never interactive: kubeward runs unattended (a CronJob, CI).
    let mut spec = json!({"interactive": false});
    if cfg.provide_cluster_info {
        if let Some(c) = &cfg.cluster {
            spec["cluster"] = serde_json::to_value(c).unwrap_or(Value::Null);
        }
    }
    let info = json!({
        "apiVersion": cfg.api_version.as_deref().unwrap_or("client.authentication.k8s.io/v1"),
        "kind": "ExecCredential",
        "spec": spec,
    });
    cmd.env("KUBERNETES_EXEC_INFO", info.to_string());
    for e in cfg.drop_env.iter().flatten() {
        cmd.env_remove(e);
    }
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| {
        let hint = cfg.install_hint.as_deref().map(|h| format!(" ({})", printable(h, 300))).unwrap_or_default();
        format!("cannot run {who}: {e}{hint}")
    })?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(format!("cannot read the output of {who}"));
    };
    let work = async {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let (mut so, mut se) = (stdout.take(MAX_STDOUT), stderr.take(MAX_STDERR));
        let (o, e) = tokio::join!(so.read_to_end(&mut out), se.read_to_end(&mut err));
        o.and(e)?;
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((status, out, err))
    };
    let (status, stdout, stderr) = match tokio::time::timeout(limit, work).await {
        Err(_) => {
            // Dropping the future drops the child: kill_on_drop stops it.
            return Err(format!("{who} did not answer within {} s; stopped it", limit.as_secs_f32()));
        }
        Ok(Err(e)) => return Err(format!("{who}: {e}")),
        Ok(Ok(x)) => x,
    };
    if !status.success() {
        let text = String::from_utf8_lossy(&stderr);
        let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
        let said = if last.is_empty() { "no message".to_string() } else { printable(last, 500) };
        let how =
            status.code().map_or_else(|| "was killed by a signal".to_string(), |c| format!("exited with status {c}"));
        return Err(format!("{who} failed: it {how}: {said}"));
    }
    parse(&stdout).map_err(|e| format!("{who} {e}"))
}

/// Reads an `ExecCredential` (JSON; YAML too, which client-go accepts).
fn parse(stdout: &[u8]) -> Result<Credential, String> {
    let v: Value = match serde_json::from_slice(stdout) {
        Ok(v) => v,
        Err(json_err) => {
            let text = std::str::from_utf8(stdout).map_err(|_| "printed output that is not UTF-8 text".to_string())?;
            let snap = kubeward_engine::Snapshot::from_text("exec", text);
            match snap.objects().first() {
                Some(o) if snap.errors.is_empty() => o.root.to_json(),
                // The output is not echoed: it may hold a secret.
                _ => return Err(format!("printed something that is not an ExecCredential (not JSON: {json_err})")),
            }
        }
    };
    if v.get("kind").and_then(Value::as_str) != Some("ExecCredential") {
        return Err("printed something that is not an ExecCredential (no `kind: ExecCredential`)".into());
    }
    let status = v.get("status").cloned().unwrap_or(Value::Null);
    let s = |k: &str| status.get(k).and_then(Value::as_str).filter(|t| !t.is_empty()).map(str::to_string);
    let mut c = Credential { token: s("token"), ..Credential::default() };
    if let (Some(cert), Some(key)) = (s("clientCertificateData"), s("clientKeyData")) {
        c.cert = Some((cert, key));
    }
    if c.token.is_none() && c.cert.is_none() {
        return Err("gave no credential (no `status.token`, no client certificate and key)".into());
    }
    if let Some(t) = s("expirationTimestamp") {
        c.expiry = Some(rfc3339(&t).ok_or_else(|| {
            format!("gave an `expirationTimestamp` that is not an RFC 3339 time: `{}`", printable(&t, 60))
        })?);
    }
    Ok(c)
}

/// Parses an RFC 3339 time (`2026-12-07T18:00:00Z`, fractions and offsets allowed).
fn rfc3339(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d, h, mi, se) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let o = num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset;
    u64::try_from(secs).ok().map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

/// A plugin's token, asked for again when it is about to expire.
pub struct ExecAuth {
    cfg: ExecConfig,
    state: tokio::sync::Mutex<(String, Option<SystemTime>)>,
}

impl ExecAuth {
    /// From the first run's credential, which has a token.
    #[must_use]
    pub fn new(cfg: ExecConfig, token: String, expiry: Option<SystemTime>) -> Self {
        Self { cfg, state: tokio::sync::Mutex::new((token, expiry)) }
    }

    /// The `Authorization` header, running the plugin again first when the token is about to
    /// expire (`limit` to answer).
    ///
    /// # Errors
    /// As [`run`], and a new answer without a token.
    pub async fn header(&self, limit: Duration) -> Result<http::HeaderValue, String> {
        let mut st = self.state.lock().await;
        if st.1.is_some_and(|e| SystemTime::now() + REFRESH_MARGIN >= e) {
            let c = run(&self.cfg, limit).await?;
            let Some(t) = c.token else {
                return Err(format!("the credential plugin `{}` gave no token when asked again", name(&self.cfg)));
            };
            *st = (t, c.expiry);
        }
        let mut h = http::HeaderValue::try_from(format!("Bearer {}", st.0)).map_err(|_| {
            format!("the credential plugin `{}` gave a token that is not a valid header", name(&self.cfg))
        })?;
        h.set_sensitive(true);
        Ok(h)
    }
}

pub use kubeward_engine::base64::encode as base64;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times() {
        let at = |s: &str| rfc3339(s).map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs());
        assert_eq!(at("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(at("2026-12-07T18:00:00Z"), Some(1_796_666_400));
        assert_eq!(at("2026-12-07T19:00:00.123+01:00"), Some(1_796_666_400));
        assert_eq!(at("2026-12-07"), None);
        assert_eq!(at("2026-13-07T18:00:00Z"), None);
        assert_eq!(at("2026-12-07T18:00:00"), None);
    }

    #[test]
    fn plugin_output_is_read_or_refused_without_echoing_it() {
        let ok = parse(
            br#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t"}}"#,
        )
        .unwrap();
        assert_eq!(ok.token.as_deref(), Some("t"));
        let yaml =
            parse(b"kind: ExecCredential\napiVersion: client.authentication.k8s.io/v1\nstatus:\n  token: abc123\n")
                .unwrap();
        assert_eq!(yaml.token.as_deref(), Some("abc123"));
        let e = parse(b"secret-password garbage {").unwrap_err();
        assert!(e.contains("not an ExecCredential") && !e.contains("secret-password"), "{e}");
        let e = parse(br#"{"kind":"ExecCredential","status":{}}"#).unwrap_err();
        assert!(e.contains("gave no credential"), "{e}");
    }
}
