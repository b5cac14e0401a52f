//! Where the Docker rules find the node's files: `/etc/docker/daemon.json` (a parsed document)
//! and the auditd rules files (text), as `kubeward node` loads them; and reporting about them.
//!
//! A document `{kubeward-test-file: PATH, content: {...}}` (daemon.json keys) or
//! `{kubeward-test-file: PATH, text: "..."}` (an auditd rules file) stands for a node file in
//! fixtures and docs examples: each such document is judged on its own. Its findings name the
//! manifest file and line the user gave (the key of `content`, or the `text`), and PATH in the
//! object (`File/PATH`): a finding never names a node path that was not read.

use std::sync::Arc;

use crate::context::Context;
use crate::input::auditd::{self, AuditRule};
use crate::input::hostfile::{FileRole, FileState, HostFile};
use crate::input::node::{Kind, Node, Pos};
use crate::snapshot::Snapshot;

/// The path of the Docker daemon configuration file.
pub const DAEMON_JSON: &str = "/etc/docker/daemon.json";

/// One daemon.json: where it is and its keys (`None` when Docker is installed without one, so
/// every key has its default), with the running dockerd's command-line flags over it.
pub struct DaemonJson<'a> {
    /// Node path (or the test document's `kubeward-test-file`).
    pub path: String,
    /// A test document: the manifest file it is written in and the position of its `content`
    /// key.
    doc: Option<(Arc<str>, Pos)>,
    root: Option<&'a Node>,
    /// The running dockerd's flags as daemon.json keys, and where they come from
    /// (`/proc/<pid>/cmdline`). dockerd refuses to start when a key is in both, so a flag is
    /// the effective value.
    flags: Option<(String, Node)>,
}

/// dockerd flags and the daemon.json key each sets: booleans, strings, and repeatable flags
/// that build a list.
const BOOL_FLAGS: &[&str] = &["icc", "no-new-privileges", "live-restore", "userland-proxy", "tls", "tlsverify"];
const STRING_FLAGS: &[&str] = &["userns-remap", "log-driver"];
const LIST_FLAGS: &[(&str, &str)] = &[("H", "hosts"), ("host", "hosts"), ("insecure-registry", "insecure-registries")];

/// The daemon.json keys a dockerd command line sets.
#[must_use]
pub fn dockerd_flags(argv: &[String]) -> Node {
    let flags = crate::input::argv::Flags::parse(argv, true);
    let mut map = serde_json::Map::new();
    for name in BOOL_FLAGS {
        if let Some(b) = flags.get_bool(name) {
            map.insert((*name).to_string(), serde_json::Value::Bool(b));
        }
    }
    for name in STRING_FLAGS {
        if let Some(v) = flags.get(name) {
            map.insert((*name).to_string(), serde_json::Value::String(v.to_string()));
        }
    }
    for (flag, key) in LIST_FLAGS {
        for f in flags.all.iter().filter(|f| f.name == *flag) {
            if let Some(v) = &f.value {
                let list = map.entry((*key).to_string()).or_insert_with(|| serde_json::Value::Array(Vec::new()));
                if let serde_json::Value::Array(items) = list {
                    items.push(serde_json::Value::String(v.clone()));
                }
            }
        }
    }
    Node::from_json(&serde_json::Value::Object(map))
}

/// The running dockerd (a `Process` object `kubeward node` read from `/proc`): its source
/// path and argv.
fn dockerd_process(snap: &Snapshot) -> Option<(String, Vec<String>)> {
    snap.files.iter().find_map(|f| {
        let path = f.path.as_deref()?;
        let doc = f.documents.first()?;
        if doc.root.get("kind").and_then(Node::as_str) != Some("Process") {
            return None;
        }
        let command = doc.root.at(&["spec", "template", "spec", "containers"])?.items().first()?.get("command")?;
        let argv: Vec<String> = command.items().iter().filter_map(Node::as_str).map(str::to_string).collect();
        (argv.first()?.rsplit('/').next() == Some("dockerd")).then(|| (path.to_string(), argv))
    })
}

impl DaemonJson<'_> {
    /// A key's effective value: the dockerd flag, else daemon.json.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.flags.as_ref().and_then(|(_, f)| f.get(key)).or_else(|| self.root.and_then(|r| r.get(key)))
    }

    /// Where a key's effective value comes from: the dockerd command line or daemon.json (for
    /// a test document: its manifest file, at the key, or at `content` when the key is not set).
    #[must_use]
    pub fn source(&self, key: &str) -> FileAt<'_> {
        match (&self.flags, &self.doc, self.root) {
            (Some((path, f)), _, _) if f.get(key).is_some() => FileAt::from(path.as_str()),
            (_, Some((file, content)), Some(root)) => {
                let pos = root.entries().iter().find(|e| &*e.key == key).map_or(*content, |e| e.key_pos);
                FileAt { path: &self.path, doc: Some((file, pos)) }
            }
            _ => FileAt::from(self.path.as_str()),
        }
    }

    /// Whether a boolean key is set to `value` (a JSON boolean).
    #[must_use]
    pub fn is(&self, key: &str, value: bool) -> bool {
        self.get(key).and_then(Node::as_bool) == Some(value)
    }

    /// A key's value for messages: `` `key` is X ``, `` `key` is not set``, or for a quoted
    /// scalar `` `key` is the string "X" `` (dockerd rejects strings for booleans).
    #[must_use]
    pub fn describe(&self, key: &str) -> String {
        if let Some((_, f)) = &self.flags {
            if let Some(v) = f.get(key) {
                let flag = LIST_FLAGS.iter().find(|(_, k)| *k == key).map_or(key, |(fl, _)| fl);
                return match v.as_str() {
                    Some(t) => format!("dockerd runs with `--{flag}={t}`"),
                    None => format!("dockerd runs with `--{flag}` `{}`", v.to_json()),
                };
            }
        }
        match self.get(key) {
            Some(Node { kind: Kind::Scalar(s), .. }) if s.text.is_empty() => format!("`{key}` is empty"),
            Some(Node { kind: Kind::Scalar(s), .. }) if !s.plain => format!("`{key}` is the string `\"{}\"`", s.text),
            Some(Node { kind: Kind::Scalar(s), .. }) => format!("`{key}` is `{}`", s.text),
            Some(v) => format!("`{key}` is `{}`", v.to_json()),
            None if self.root.is_none() => format!("`{key}` is not set (no daemon.json)"),
            None => format!("`{key}` is not set"),
        }
    }

    /// `describe`, followed by `, defaults to DEFAULT` when the key is not set.
    #[must_use]
    pub fn describe_default(&self, key: &str, default: &str) -> String {
        let d = self.describe(key);
        if self.get(key).is_none() {
            format!("{d}, defaults to `{default}`")
        } else {
            d
        }
    }
}

fn test_file(doc: &Node) -> Option<&str> {
    doc.get("kubeward-test-file").and_then(Node::as_str)
}

/// Whether the node runs Docker: a Docker unit, socket or config directory exists, or
/// daemon.json was loaded.
#[must_use]
pub fn docker_present(snap: &Snapshot) -> bool {
    snap.host_files.iter().any(|f| {
        matches!(
            f.role,
            FileRole::DockerUnit | FileRole::DockerSocket | FileRole::DockerConfigDir | FileRole::DockerDaemonJson
        ) && matches!(f.state, FileState::Present { .. })
    }) || snap.files.iter().any(|f| f.path.as_deref() == Some(DAEMON_JSON))
        || dockerd_process(snap).is_some()
}

/// Every daemon.json to judge: the node's (or an empty one when Docker is present without it,
/// unless it was refused as input) and every test document.
#[must_use]
pub fn daemon_jsons(snap: &Snapshot) -> Vec<DaemonJson<'_>> {
    let mut out = Vec::new();
    let mut real = false;
    let flags = || dockerd_process(snap).map(|(path, argv)| (path, dockerd_flags(&argv)));
    for f in &snap.files {
        if f.path.as_deref() == Some(DAEMON_JSON) {
            real = true;
            if let Some(d) = f.documents.first() {
                out.push(DaemonJson { path: DAEMON_JSON.to_string(), doc: None, root: Some(&d.root), flags: flags() });
            }
            continue;
        }
        for d in &f.documents {
            let content = d.root.entries().iter().find(|e| &*e.key == "content");
            if let (Some(p), Some(c), Some(file)) = (test_file(&d.root), content, &f.path) {
                if p.ends_with("daemon.json") {
                    let doc = Some((file.clone(), c.key_pos));
                    out.push(DaemonJson { path: p.to_string(), doc, root: Some(&c.value), flags: None });
                }
            }
        }
    }
    // A daemon.json that exists but could not be read (a link out of `--root`, a FIFO, too
    // large) is an input error, not a missing file: it is not judged as "not set".
    let refused = snap.errors.iter().any(|e| e.file.as_deref() == Some(DAEMON_JSON));
    if !real && !refused && docker_present(snap) {
        out.insert(0, DaemonJson { path: DAEMON_JSON.to_string(), doc: None, root: None, flags: flags() });
    }
    out
}

/// One set of auditd rules judged together: the node's files, or one test document.
pub struct AuditCase {
    /// Where findings are reported; `None` when the node has no rules file at all.
    pub path: Option<String>,
    /// A test document: its manifest file and the position of its `text`.
    pub doc: Option<(Arc<str>, Pos)>,
    /// The rules.
    pub rules: Vec<AuditRule>,
}

impl AuditCase {
    /// Where its findings are reported (`None`: the node has no rules file).
    #[must_use]
    pub fn at(&self) -> Option<FileAt<'_>> {
        let path = self.path.as_deref()?;
        Some(FileAt { path, doc: self.doc.as_ref().map(|(f, p)| (f, *p)) })
    }
}

/// The auditd cases: the node's rules files (when the node has Docker or any rules file) and
/// every test document.
#[must_use]
pub fn audit_cases(snap: &Snapshot) -> Vec<AuditCase> {
    let mut out = Vec::new();
    let real: Vec<&str> =
        snap.files.iter().filter_map(|f| f.path.as_deref()).filter(|p| auditd::is_rules_path(p)).collect();
    // A rules file that could not be read leaves the node's rules unknown: its watches are not
    // judged as missing (the input error says why).
    let refused = snap.errors.iter().any(|e| e.file.as_deref().is_some_and(auditd::is_rules_path));
    if (!real.is_empty() || docker_present(snap)) && !refused {
        out.push(AuditCase {
            path: real.first().map(|p| (*p).to_string()),
            doc: None,
            rules: crate::analysis::docker::watches::node_rules(snap),
        });
    }
    for f in &snap.files {
        for d in &f.documents {
            let text = d.root.entries().iter().find(|e| &*e.key == "text");
            if let (Some(p), Some(t), Some(file)) = (test_file(&d.root), text.and_then(|e| e.value.as_str()), &f.path) {
                if auditd::is_rules_path(p) {
                    let pos = text.map_or(d.root.pos, |e| e.key_pos);
                    out.push(AuditCase {
                        path: Some(p.to_string()),
                        doc: Some((file.clone(), pos)),
                        rules: auditd::parse(t),
                    });
                }
            }
        }
    }
    out
}

/// Where a finding about a node file is reported: the node path, and for a document that
/// stands for the file (`kubeward-test-file`), the manifest file and position it is written at.
#[derive(Clone, Copy, Debug)]
pub struct FileAt<'a> {
    /// The node path.
    pub path: &'a str,
    /// The manifest file and position of a test document.
    pub doc: Option<(&'a Arc<str>, Pos)>,
}

impl<'a> From<&'a str> for FileAt<'a> {
    fn from(path: &'a str) -> Self {
        Self { path, doc: None }
    }
}

impl<'a> From<&'a String> for FileAt<'a> {
    fn from(path: &'a String) -> Self {
        Self { path, doc: None }
    }
}

/// Reports a finding about a node file that is not a stat'ed host file (daemon.json, auditd
/// rules): the finding names the file (a test document's finding names its manifest file and
/// line; its object names the node path it stands for).
pub fn report_file<'a>(cx: &mut Context<'_>, at: impl Into<FileAt<'a>>, message: impl Into<String>) {
    let at = at.into();
    let f = HostFile { path: at.path.to_string(), role: FileRole::DockerDaemonJson, state: FileState::Absent };
    let d = cx.report_host_file(&f, message);
    if let Some((file, pos)) = at.doc {
        d.file = Some(file.clone());
        d.pos = pos;
    }
}

/// Whether `path` is one the Docker host rules read whole: daemon.json or an auditd rules file
/// (a read error of such a file tells them it was refused, not missing).
#[must_use]
pub fn docker_host_path(path: &str) -> bool {
    path == DAEMON_JSON || crate::input::auditd::is_rules_path(path)
}

/// Whether the inventory keeps `file` whole for the Docker host rules: daemon.json, auditd
/// rules, a `Process` document (a running dockerd) or a `kubeward-test-file` document.
#[must_use]
pub fn docker_host_file(file: &crate::snapshot::SourceFile) -> bool {
    file.path.as_deref().is_some_and(docker_host_path)
        || file
            .documents
            .iter()
            .any(|d| test_file(&d.root).is_some() || d.root.get("kind").and_then(Node::as_str) == Some("Process"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::hostfile::FileState;

    #[test]
    fn dockerd_flags_as_daemon_json_keys() {
        let argv: Vec<String> = [
            "/usr/bin/dockerd",
            "-H",
            "fd://",
            "--host=tcp://0.0.0.0:2376",
            "--tlsverify",
            "--icc=false",
            "--userns-remap",
            "default",
            "--insecure-registry=a:5000",
            "--insecure-registry",
            "b:5000",
        ]
        .map(String::from)
        .into();
        assert_eq!(
            dockerd_flags(&argv).to_json(),
            serde_json::json!({
                "icc": false,
                "tlsverify": true,
                "userns-remap": "default",
                "hosts": ["fd://", "tcp://0.0.0.0:2376"],
                "insecure-registries": ["a:5000", "b:5000"],
            })
        );
    }

    #[test]
    fn node_without_rules_files() {
        let mut snap = Snapshot::default();
        assert!(audit_cases(&snap).is_empty());
        snap.host_files.push(HostFile {
            path: "/var/run/docker.sock".into(),
            role: FileRole::DockerSocket,
            state: FileState::Present { mode: 0o660, uid: 0, gid: 999, user: None, group: None, dir: false },
        });
        let cases = audit_cases(&snap);
        assert_eq!(cases.len(), 1);
        assert!(cases[0].path.is_none());
        let d = daemon_jsons(&snap);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].describe_default("icc", "true"), "`icc` is not set (no daemon.json), defaults to `true`");
    }

    #[test]
    fn test_documents() {
        let snap = Snapshot::from_text(
            "x.yaml",
            "kubeward-test-file: /etc/docker/a/daemon.json\ncontent: {icc: false}\n---\nkubeward-test-file: /etc/audit/rules.d/a.rules\ntext: \"-w /usr/bin/runc -p wa\\n\"\n",
        );
        let d = daemon_jsons(&snap);
        assert_eq!(d.len(), 1);
        assert!(d[0].is("icc", false));
        let a = audit_cases(&snap);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].rules.len(), 1);
    }
}
