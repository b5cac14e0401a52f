//! Effective kubelet settings, from a `KubeletConfiguration` object or from the command line
//! of a container running the kubelet, with where each value comes from.
//!
//! Defaults differ with and without a config file (docs/design/cis-kubernetes-1.12.md, 4.2):
//! starting the kubelet with `--config` applies the `KubeletConfiguration` v1beta1 defaults
//! (anonymous auth off, authorization `Webhook`, read-only port 0); without it the old flag
//! defaults apply (anonymous auth on, `AlwaysAllow`, read-only port 10255). Flags override the
//! config file. For a command line with `--config` (or `--config-dir` drop-ins) and without the
//! flag, the value is in a file kubeward does not see here: it is unknown, and rules do not
//! guess (the file is checked when it is scanned).

use crate::analysis::node::component::{ComponentKind, ComponentView};
use crate::context::Context;
use crate::input::node::Node;
use crate::input::object::Object;
use crate::input::path::FieldPath;

/// A kubelet setting: its `KubeletConfiguration` key and its command-line flag.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    /// Path of the key in a `KubeletConfiguration` (empty when the setting has no key).
    pub config: &'static [&'static str],
    /// Flag name without dashes (empty when the setting has no flag).
    pub flag: &'static str,
}

/// Where an effective value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum From {
    /// Written in the config file or on the command line.
    Set,
    /// Not written: the default of a kubelet started with a config file.
    ConfigDefault,
    /// Not written: the default of a kubelet started without `--config`.
    FlagDefault,
    /// Not on the command line, which has `--config`: the value is in the config file.
    Unknown,
}

/// One resolved setting.
#[derive(Clone, Debug)]
pub struct Setting<'n> {
    /// The value as written (`None` when not written).
    pub raw: Option<Raw<'n>>,
    /// Where the value comes from.
    pub from: From,
    /// Where it is written, or where it belongs.
    pub path: FieldPath,
    /// The name to show: `authentication.anonymous.enabled` or `--anonymous-auth`.
    pub name: String,
    /// A flag written `--name word`: a boolean flag reads it as bare `--name` (true), and
    /// `word` is a stray positional argument.
    pub next_arg: bool,
}

/// A written value: a config node or a flag value.
#[derive(Clone, Copy, Debug)]
pub enum Raw<'n> {
    /// A node of the config file.
    Node(&'n Node),
    /// A flag value (`None` for a bare flag).
    Flag(Option<&'n str>),
}

impl Setting<'_> {
    /// The boolean value, `default` applying when not written (both defaults: no config file,
    /// with config file). `None` when unknown or not a boolean.
    #[must_use]
    pub fn bool(&self, default: (bool, bool)) -> Option<bool> {
        match self.raw {
            Some(Raw::Node(n)) => n.as_bool(),
            Some(Raw::Flag(None)) => Some(true),
            Some(Raw::Flag(Some(_))) if self.next_arg => Some(true),
            Some(Raw::Flag(Some(v))) => crate::input::argv::parse_go_bool(v),
            None => self.default(default),
        }
    }

    /// The integer value, defaults as for [`Setting::bool`].
    #[must_use]
    pub fn int(&self, default: (i64, i64)) -> Option<i64> {
        match self.raw {
            Some(Raw::Node(n)) => n.as_i64(),
            Some(Raw::Flag(v)) => v.and_then(|v| v.trim().parse().ok()),
            None => self.default(default),
        }
    }

    /// The string value when written (scalars only), else `None`.
    #[must_use]
    pub fn str(&self) -> Option<&str> {
        match self.raw {
            Some(Raw::Node(n)) => n.as_str(),
            Some(Raw::Flag(v)) => Some(v.unwrap_or("")),
            None => None,
        }
    }

    /// The list value when written: a YAML sequence of strings or a comma-separated flag.
    #[must_use]
    pub fn list(&self) -> Option<Vec<&str>> {
        match self.raw {
            Some(Raw::Node(n)) if n.is_seq() => Some(n.items().iter().filter_map(Node::as_str).collect()),
            Some(Raw::Node(_)) => None,
            Some(Raw::Flag(v)) => Some(v.unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).collect()),
            None => None,
        }
    }

    /// Whether the value is written.
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.raw.is_some()
    }

    fn default<T: Copy>(&self, (no_config, with_config): (T, T)) -> Option<T> {
        match self.from {
            From::FlagDefault => Some(no_config),
            From::ConfigDefault => Some(with_config),
            From::Set | From::Unknown => None,
        }
    }

    /// Describes the value for a message: ``set to `x` `` or ``not set, defaults to `x` ``.
    #[must_use]
    pub fn state(&self, shown: impl std::fmt::Display) -> String {
        match self.from {
            From::Set if self.next_arg => {
                let stray = match self.raw {
                    Some(Raw::Flag(Some(v))) => v,
                    _ => "",
                };
                format!("`{0}` is given as `{0} {stray}`, which a boolean flag reads as `{0}` alone (`{shown}`; `{stray}` is a stray argument)", self.name)
            }
            From::Set => format!("`{}` is set to `{shown}`", self.name),
            From::FlagDefault => format!("`{}` is not set and defaults to `{shown}` without `--config`", self.name),
            From::ConfigDefault | From::Unknown => format!("`{}` is not set and defaults to `{shown}`", self.name),
        }
    }
}

/// Where the settings come from.
enum Input<'n> {
    Config(&'n Node),
    Flags { comp: &'n ComponentView, has_config: bool },
}

/// The kubelet settings of one object or container, and where to report.
pub struct KubeletSettings<'a, 'n> {
    obj: &'a Object<'n>,
    container: Option<&'a str>,
    input: Input<'a>,
    /// Where every config finding goes when the config is embedded in a string (a ConfigMap).
    at: Option<FieldPath>,
}

impl<'a, 'n> KubeletSettings<'a, 'n> {
    /// The settings of a `KubeletConfiguration` (`kubelet.config.k8s.io`).
    #[must_use]
    pub fn from_config(obj: &'a Object<'n>) -> Option<Self> {
        (obj.kind() == "KubeletConfiguration" && obj.group() == "kubelet.config.k8s.io").then_some(Self {
            obj,
            container: None,
            input: Input::Config(obj.root),
            at: None,
        })
    }

    /// The settings of a `KubeletConfiguration` embedded in kubeadm's `kubelet-config`
    /// ConfigMap, parsed with [`embedded_config`]: findings point at `data.kubelet`.
    #[must_use]
    pub fn from_embedded(obj: &'a Object<'n>, config: &'a Node) -> Self {
        Self {
            obj,
            container: None,
            input: Input::Config(config),
            at: Some(FieldPath::root().key("data").key(EMBEDDED_KEY)),
        }
    }

    /// The settings of a kubelet command line (`comp` must be a kubelet).
    #[must_use]
    pub fn from_flags(obj: &'a Object<'n>, container: &'a str, comp: &'a ComponentView) -> Option<Self> {
        (comp.kind == ComponentKind::Kubelet).then(|| Self {
            obj,
            at: None,
            container: Some(container),
            input: Input::Flags {
                comp,
                has_config: ["config", "config-dir"]
                    .iter()
                    .any(|f| comp.flags.get(f).is_some_and(|v| !v.trim().is_empty())),
            },
        })
    }

    /// Whether the settings come from a command line.
    #[must_use]
    pub fn is_flags(&self) -> bool {
        matches!(self.input, Input::Flags { .. })
    }

    /// Resolves a setting. `None` when the setting cannot be written in this input (a flag-only
    /// setting in a config file, a config-only setting on a command line).
    #[must_use]
    pub fn get(&self, key: Key) -> Option<Setting<'a>> {
        match self.input {
            Input::Config(root) => {
                if key.config.is_empty() {
                    return None;
                }
                let mut path = FieldPath::root();
                for k in key.config {
                    path = path.key(k);
                }
                if let Some(at) = &self.at {
                    path = at.clone();
                }
                let raw = root.at(key.config).filter(|n| !n.is_null());
                Some(Setting {
                    raw: raw.map(Raw::Node),
                    from: if raw.is_some() { From::Set } else { From::ConfigDefault },
                    path,
                    name: key.config.join("."),
                    next_arg: false,
                })
            }
            Input::Flags { comp, has_config } => {
                if key.flag.is_empty() {
                    return None;
                }
                let name = format!("--{}", key.flag);
                Some(match comp.flag(key.flag) {
                    Some((f, path)) => Setting {
                        raw: Some(Raw::Flag(f.value.as_deref())),
                        from: From::Set,
                        path,
                        name,
                        next_arg: f.value_is_next_arg && BOOLEAN_FLAGS.contains(&key.flag),
                    },
                    None => Setting {
                        raw: None,
                        from: if has_config { From::Unknown } else { From::FlagDefault },
                        path: comp.insert_path.clone(),
                        name,
                        next_arg: false,
                    },
                })
            }
        }
    }

    /// Reports a finding about `setting`.
    pub fn report(&self, cx: &mut Context<'_>, setting: &Setting<'_>, message: impl Into<String>) {
        self.report_at(cx, setting.path.clone(), message);
    }

    /// Reports a finding at `path`.
    pub fn report_at(&self, cx: &mut Context<'_>, path: FieldPath, message: impl Into<String>) {
        let d = cx.report(self.obj, path, message);
        if let Some(c) = self.container {
            d.container(c);
        }
    }
}

/// The `data` key of kubeadm's `kubelet-config` ConfigMap holding the `KubeletConfiguration`.
const EMBEDDED_KEY: &str = "kubelet";

/// The `KubeletConfiguration` in a ConfigMap's `data.kubelet` (kubeadm's `kubelet-config`
/// in `kube-system`), parsed.
#[must_use]
pub fn embedded_config(obj: &Object<'_>) -> Option<Node> {
    if obj.kind() != "ConfigMap" || !obj.group().is_empty() {
        return None;
    }
    let text = obj.root.at(&["data", EMBEDDED_KEY])?.as_str()?;
    let loaded = crate::input::yaml::load(text, crate::input::yaml::Limits::default());
    let root = loaded.documents.into_iter().next()?.root;
    let is_kubelet = root.get("kind").and_then(Node::as_str) == Some("KubeletConfiguration")
        && root.get("apiVersion").and_then(Node::as_str).is_some_and(|v| v.starts_with("kubelet.config.k8s.io/"));
    is_kubelet.then_some(root)
}

/// The kubelet flags among these keys that are booleans: written `--flag word`, pflag reads
/// them as bare `--flag` (true) and leaves `word` as a stray argument.
const BOOLEAN_FLAGS: &[&str] = &[
    "anonymous-auth",
    "make-iptables-util-chains",
    "rotate-certificates",
    "seccomp-default",
    "protect-kernel-defaults",
];

/// `authentication.anonymous.enabled` / `--anonymous-auth`.
pub const ANONYMOUS_AUTH: Key = Key { config: &["authentication", "anonymous", "enabled"], flag: "anonymous-auth" };
/// `authorization.mode` / `--authorization-mode`.
pub const AUTHORIZATION_MODE: Key = Key { config: &["authorization", "mode"], flag: "authorization-mode" };
/// `authentication.x509.clientCAFile` / `--client-ca-file`.
pub const CLIENT_CA_FILE: Key = Key { config: &["authentication", "x509", "clientCAFile"], flag: "client-ca-file" };
/// `readOnlyPort` / `--read-only-port`.
pub const READ_ONLY_PORT: Key = Key { config: &["readOnlyPort"], flag: "read-only-port" };
/// `cAdvisorPort` (v1beta1 before 1.12) / `--cadvisor-port`.
pub const CADVISOR_PORT: Key = Key { config: &["cAdvisorPort"], flag: "cadvisor-port" };
/// `streamingConnectionIdleTimeout` / `--streaming-connection-idle-timeout`.
pub const STREAMING_IDLE_TIMEOUT: Key =
    Key { config: &["streamingConnectionIdleTimeout"], flag: "streaming-connection-idle-timeout" };
/// `makeIPTablesUtilChains` / `--make-iptables-util-chains`.
pub const MAKE_IPTABLES_UTIL_CHAINS: Key =
    Key { config: &["makeIPTablesUtilChains"], flag: "make-iptables-util-chains" };
/// `--hostname-override` (no config key).
pub const HOSTNAME_OVERRIDE: Key = Key { config: &[], flag: "hostname-override" };
/// `tlsCertFile` / `--tls-cert-file`.
pub const TLS_CERT_FILE: Key = Key { config: &["tlsCertFile"], flag: "tls-cert-file" };
/// `tlsPrivateKeyFile` / `--tls-private-key-file`.
pub const TLS_PRIVATE_KEY_FILE: Key = Key { config: &["tlsPrivateKeyFile"], flag: "tls-private-key-file" };
/// `serverTLSBootstrap` (no flag).
pub const SERVER_TLS_BOOTSTRAP: Key = Key { config: &["serverTLSBootstrap"], flag: "" };
/// `rotateCertificates` / `--rotate-certificates`.
pub const ROTATE_CERTIFICATES: Key = Key { config: &["rotateCertificates"], flag: "rotate-certificates" };
/// `featureGates` / `--feature-gates`.
pub const FEATURE_GATES: Key = Key { config: &["featureGates"], flag: "feature-gates" };
/// `tlsCipherSuites` / `--tls-cipher-suites`.
pub const TLS_CIPHER_SUITES: Key = Key { config: &["tlsCipherSuites"], flag: "tls-cipher-suites" };
/// `podPidsLimit` / `--pod-max-pids`.
pub const POD_PIDS_LIMIT: Key = Key { config: &["podPidsLimit"], flag: "pod-max-pids" };
/// `seccompDefault` / `--seccomp-default`.
pub const SECCOMP_DEFAULT: Key = Key { config: &["seccompDefault"], flag: "seccomp-default" };
/// `protectKernelDefaults` / `--protect-kernel-defaults`.
pub const PROTECT_KERNEL_DEFAULTS: Key = Key { config: &["protectKernelDefaults"], flag: "protect-kernel-defaults" };

/// A feature gate's value, path and a description (``featureGates.X` is set to `false` ``)
/// when written in `featureGates` (a map of booleans) or `--feature-gates` (`A=true,B=false`,
/// last wins).
#[must_use]
pub fn feature_gate(s: &KubeletSettings<'_, '_>, gate: &str) -> Option<(bool, FieldPath, String)> {
    let set = s.get(FEATURE_GATES)?;
    match set.raw? {
        Raw::Node(n) => {
            let v = n.get(gate)?.as_bool()?;
            Some((v, set.path.key(gate), format!("`featureGates.{gate}` is set to `{v}`")))
        }
        Raw::Flag(v) => {
            let mut found = None;
            for item in v.unwrap_or("").split(',') {
                if let Some((k, val)) = item.split_once('=') {
                    if k.trim() == gate {
                        found = crate::input::argv::parse_go_bool(val.trim()).or(found);
                    }
                }
            }
            found.map(|b| (b, set.path, format!("`--feature-gates` sets `{gate}={b}`")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::object::Origin;
    use crate::input::workload::PodSpecView;
    use crate::input::yaml::{load, Limits};

    fn origin() -> Origin {
        Origin { file: None, file_index: 0, doc_index: 0, item: None, partial: false }
    }

    #[test]
    fn config_file_values_and_defaults() {
        let text = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\nfeatureGates: {RotateKubeletServerCertificate: false}\n";
        let l = load(text, Limits::default());
        let obj = Object::from_node(&l.documents[0].root, origin()).expect("object");
        let s = KubeletSettings::from_config(&obj).expect("kubelet config");
        let port = s.get(READ_ONLY_PORT).expect("setting");
        assert_eq!((port.from, port.int((10255, 0)), port.path.as_str()), (From::Set, Some(10255), "/readOnlyPort"));
        let anon = s.get(ANONYMOUS_AUTH).expect("setting");
        assert_eq!(anon.from, From::ConfigDefault);
        assert_eq!(anon.bool((true, false)), Some(false));
        assert_eq!(anon.path.as_str(), "/authentication/anonymous/enabled");
        assert!(s.get(HOSTNAME_OVERRIDE).is_none());
        let (v, path, _) = feature_gate(&s, "RotateKubeletServerCertificate").expect("gate");
        assert_eq!((v, path.as_str()), (false, "/featureGates/RotateKubeletServerCertificate"));
    }

    #[test]
    fn command_line_values_and_defaults() {
        let kubelet = |args: &str| {
            format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: k}}\nspec:\n  containers:\n    - name: kubelet\n      image: registry.k8s.io/kubelet:v1.33.1\n      command: [kubelet{args}]\n")
        };
        for (args, from, value) in [
            ("", From::FlagDefault, Some(true)),
            (", --config=/var/lib/kubelet/config.yaml", From::Unknown, None),
            (", --config-dir=/etc/kubernetes/kubelet.conf.d", From::Unknown, None),
            (", --config=/c.yaml, --anonymous-auth=false", From::Set, Some(false)),
            (", --anonymous-auth", From::Set, Some(true)),
        ] {
            let l = load(&kubelet(args), Limits::default());
            let obj = Object::from_node(&l.documents[0].root, origin()).expect("object");
            let pod = PodSpecView::of(&obj).expect("pod");
            let c = &pod.containers()[0];
            let comp = ComponentView::of(c).expect("component");
            let s = KubeletSettings::from_flags(&obj, c.name(), &comp).expect("kubelet");
            let anon = s.get(ANONYMOUS_AUTH).expect("setting");
            assert_eq!((anon.from, anon.bool((true, false))), (from, value), "{args}");
            assert!(s.get(SERVER_TLS_BOOTSTRAP).is_none());
        }
    }
}
