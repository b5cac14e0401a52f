//! Helpers of the etcd, controller manager and scheduler rules: component selection, etcd
//! settings given as flags or `ETCD_*` environment variables, loopback addresses and
//! `--feature-gates` parsing.

use std::net::IpAddr;

use crate::analysis::node::component::{ComponentKind, ComponentView};
use crate::input::argv::parse_go_bool;
use crate::input::node::Node;
use crate::input::path::FieldPath;
use crate::input::workload::ContainerView;

/// The component view of `c` when it runs `kind`.
#[must_use]
pub(crate) fn component(c: &ContainerView<'_>, kind: ComponentKind) -> Option<ComponentView> {
    ComponentView::of(c).filter(|comp| comp.kind == kind)
}

/// One etcd setting, from a flag or from an `ETCD_*` environment variable.
#[derive(Debug)]
pub(crate) struct Setting {
    /// The value; `None` for a bare flag (`--auto-tls`) or an environment variable whose value
    /// comes from `valueFrom` (unknown here).
    pub raw: Option<String>,
    /// Where it is written.
    pub path: FieldPath,
    /// The environment variable's name when the setting comes from `env`.
    pub env: Option<String>,
    bool_value: Option<bool>,
    /// Written as `--flag value` (for a boolean flag, pflag then reads `true` and a stray word).
    spaced: bool,
}

impl Setting {
    /// The setting as a boolean (Go `ParseBool`, a bare flag is `true`); `None` when unknown or
    /// not a boolean.
    #[must_use]
    pub(crate) fn as_bool(&self) -> Option<bool> {
        self.bool_value
    }

    /// Whether the value is known (not from `valueFrom`).
    #[must_use]
    pub(crate) fn is_known(&self) -> bool {
        self.env.is_none() || self.raw.is_some()
    }

    /// The setting as written, in backticks: `` `--auto-tls=true` `` or `` `ETCD_AUTO_TLS=true` ``.
    #[must_use]
    pub(crate) fn describe(&self, flag: &str) -> String {
        match (&self.env, &self.raw) {
            (Some(name), Some(v)) => format!("`{name}={v}`"),
            (Some(name), None) => format!("`{name}` (from `valueFrom`)"),
            (None, Some(v)) if self.spaced => format!("`--{flag} {v}`"),
            (None, Some(v)) => format!("`--{flag}={v}`"),
            (None, None) => format!("`--{flag}`"),
        }
    }
}

/// An etcd container: its flags and its environment.
#[derive(Debug)]
pub(crate) struct Etcd<'a> {
    /// The parsed command line.
    pub comp: ComponentView,
    env: Option<&'a Node>,
    env_path: FieldPath,
}

/// The environment variable etcd reads for a flag: `auto-tls` → `ETCD_AUTO_TLS`.
#[must_use]
pub(crate) fn etcd_env_name(flag: &str) -> String {
    let mut s = String::with_capacity(flag.len() + 5);
    s.push_str("ETCD_");
    for ch in flag.chars() {
        s.push(if ch == '-' { '_' } else { ch.to_ascii_uppercase() });
    }
    s
}

impl<'a> Etcd<'a> {
    /// The etcd view of `c`, if it runs etcd and is configured by flags and environment: with
    /// `--config-file` etcd ignores both, and the file is not visible here.
    #[must_use]
    pub(crate) fn of(c: &ContainerView<'a>) -> Option<Self> {
        let comp = component(c, ComponentKind::Etcd)?;
        let etcd = Self { comp, env: c.get("env"), env_path: c.path.key("env") };
        if etcd.setting("config-file").is_some() {
            return None;
        }
        Some(etcd)
    }

    /// A setting: the flag if given (flags win over the environment), else `ETCD_<FLAG>` from
    /// the container's `env` (the last definition of a name wins, as in the kubelet). An empty
    /// environment value is ignored by etcd.
    #[must_use]
    pub(crate) fn setting(&self, flag: &str) -> Option<Setting> {
        if let Some((f, path)) = self.comp.flag(flag) {
            return Some(Setting {
                raw: f.value.clone(),
                path,
                env: None,
                bool_value: self.comp.flags.get_bool(flag),
                spaced: f.value_is_next_arg,
            });
        }
        let name = etcd_env_name(flag);
        let (i, var) = self
            .env?
            .items()
            .iter()
            .enumerate()
            .rev()
            .find(|(_, v)| v.get("name").and_then(Node::as_str) == Some(name.as_str()))?;
        if let Some(v) = var.get("value").and_then(Node::as_str) {
            if v.is_empty() {
                return None;
            }
            return Some(Setting {
                raw: Some(v.to_string()),
                path: self.env_path.index(i).key("value"),
                env: Some(name),
                bool_value: parse_go_bool(v),
                spaced: false,
            });
        }
        var.get("valueFrom")?;
        Some(Setting {
            raw: None,
            path: self.env_path.index(i).key("valueFrom"),
            env: Some(name),
            bool_value: None,
            spaced: false,
        })
    }

    /// Where a setting is written, else where the flag belongs.
    #[must_use]
    pub(crate) fn path_of(&self, flag: &str) -> FieldPath {
        self.setting(flag).map_or_else(|| self.comp.insert_path.clone(), |s| s.path)
    }

    /// Whether a file setting (`--cert-file`...) is missing or empty.
    #[must_use]
    pub(crate) fn lacks(&self, flag: &str) -> bool {
        match self.setting(flag) {
            None => true,
            Some(s) => s.is_known() && s.raw.as_deref().is_none_or(|v| v.trim().is_empty()),
        }
    }
}

/// Whether `host` (an address or name, IPv6 maybe in brackets) is loopback: `localhost`,
/// 127.0.0.0/8 or `::1`.
#[must_use]
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The host of a URL such as `http://10.0.0.1:2379` or `http://[::1]:2379/`.
#[must_use]
pub(crate) fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(stripped) = authority.strip_prefix('[') {
        return stripped.split(']').next().unwrap_or(stripped);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// The value of a feature gate in a `--feature-gates` value (`A=true,B=false`; the last
/// occurrence wins). `None` when the gate is not named or its value is not a boolean.
#[must_use]
pub(crate) fn feature_gate(value: &str, gate: &str) -> Option<bool> {
    value
        .rsplit(',')
        .filter_map(|item| item.split_once('='))
        .find(|(k, _)| k.trim() == gate)
        .and_then(|(_, v)| parse_go_bool(v.trim()))
}

/// What is wrong with a component's `--profiling` (default `true`): the flag as written, or
/// "not set, defaults to true"; `None` when profiling is off.
#[must_use]
pub(crate) fn profiling_issue(comp: &ComponentView) -> Option<(String, FieldPath)> {
    match comp.flags.get_bool("profiling") {
        Some(false) => None,
        _ if !comp.flags.has("profiling") => {
            Some(("`--profiling` is not set, defaults to true".to_string(), comp.insert_path.clone()))
        }
        _ => Some((written(comp, "profiling"), comp.path_of("profiling"))),
    }
}

/// What is wrong with a component's `--bind-address` (default `0.0.0.0`): the flag as
/// written, or "not set, defaults to 0.0.0.0"; `None` when it is a loopback address.
#[must_use]
pub(crate) fn bind_address_issue(comp: &ComponentView) -> Option<(String, FieldPath)> {
    match comp.flags.get("bind-address") {
        None => Some(("`--bind-address` is not set, defaults to 0.0.0.0".to_string(), comp.insert_path.clone())),
        Some(v) if is_loopback_host(v.trim()) && !v.trim().eq_ignore_ascii_case("localhost") => None,
        Some(_) => Some((written(comp, "bind-address"), comp.path_of("bind-address"))),
    }
}

/// A flag as written, in backticks: `` `--profiling=true` `` (or `` `--profiling` `` when bare).
#[must_use]
pub(crate) fn written(comp: &ComponentView, flag: &str) -> String {
    match comp.flags.flag(flag).and_then(|f| f.value.as_deref()) {
        Some(v) => format!("`--{flag}={v}`"),
        None => format!("`--{flag}`"),
    }
}

/// CIS 2.1/2.4: reports an etcd container lacking its `cert`/`key` flag pair (`what` is
/// `client` or `peer`), at the first missing flag, naming every missing one.
pub(crate) fn check_tls_pair(
    pod: &crate::input::workload::PodSpecView<'_>,
    c: &crate::input::workload::ContainerView<'_>,
    flags: [&str; 2],
    what: &str,
    cx: &mut crate::context::Context<'_>,
) {
    let Some(etcd) = Etcd::of(c) else { return };
    let missing: Vec<&str> = flags.into_iter().filter(|f| etcd.lacks(f)).collect();
    let Some(first) = missing.first() else { return };
    let names = missing.iter().map(|f| format!("`--{f}`")).collect::<Vec<_>>().join(" and ");
    let verb = if missing.len() == 1 { "is" } else { "are" };
    cx.report(
        pod.object,
        etcd.path_of(first),
        format!("etcd container `{}` has no {what} TLS certificate: {names} {verb} not set", c.name()),
    )
    .container(c.name());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_gates() {
        assert_eq!(url_host("http://10.0.0.1:2379"), "10.0.0.1");
        assert_eq!(url_host("http://[::1]:2379/x"), "::1");
        assert_eq!(url_host("https://localhost"), "localhost");
        assert!(is_loopback_host("127.0.0.2"));
        assert!(is_loopback_host("[::1]"));
        assert!(!is_loopback_host("0.0.0.0"));
        assert!(!is_loopback_host("etcd.example.com"));
        assert_eq!(
            feature_gate("A=true,RotateKubeletServerCertificate=false", "RotateKubeletServerCertificate"),
            Some(false)
        );
        assert_eq!(feature_gate("X=false,X=true", "X"), Some(true));
        assert_eq!(feature_gate("XY=false", "X"), None);
        assert_eq!(etcd_env_name("peer-auto-tls"), "ETCD_PEER_AUTO_TLS");
    }
}
