//! Exact command-line flag parsing for Kubernetes components (kube-apiserver, kubelet, etcd...).
//!
//! Components use the pflag conventions: `--name=value`, `--name value`, bare `--name` for
//! booleans, and the last occurrence of a repeated flag wins. Lookups are by exact flag name,
//! never by substring: kube-bench's substring tests let `--admission-control-config-file`
//! satisfy a test of `--admission-control` (docs/design/cis-kubernetes-1.12.md).
//!
//! A bare `--name` followed by a word that is not a flag is ambiguous: it is `--name value`
//! for string flags and `--name` plus a positional argument for booleans (pflag never gives a
//! boolean flag a space-separated value: `--anonymous-auth false` sets it to **true** and
//! leaves a stray `false`). The parser keeps both readings: [`Flags::get`] returns the
//! following word as the value, and [`Flags::get_bool`] reads the flag as `true`.

use std::collections::HashMap;

/// Where a flag was written: index of the argument in the argv.
pub type ArgIndex = usize;

/// One flag occurrence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Name without dashes.
    pub name: String,
    /// The value written with `=` or as the next argument; `None` for a bare flag at the end or
    /// before another flag.
    pub value: Option<String>,
    /// Whether the value came from the next argument (ambiguous for booleans).
    pub value_is_next_arg: bool,
    /// Index of the flag's argument in the argv.
    pub index: ArgIndex,
}

/// Parsed flags of one command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    /// The program (argv\[0\]), when given.
    pub program: Option<String>,
    /// Every flag occurrence in order.
    pub all: Vec<Flag>,
    last: HashMap<String, usize>,
}

impl Flags {
    /// Parses an argv. `with_program`: whether `argv[0]` is the program name.
    #[must_use]
    pub fn parse<S: AsRef<str>>(argv: &[S], with_program: bool) -> Self {
        let mut flags = Flags::default();
        let mut i = 0;
        if with_program {
            flags.program = argv.first().map(|s| s.as_ref().to_string());
            i = 1;
        }
        while i < argv.len() {
            let arg = argv[i].as_ref();
            if arg == "--" {
                break;
            }
            let Some(body) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-').filter(|b| !b.is_empty())) else {
                i += 1;
                continue;
            };
            let (name, value, next) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string()), false),
                None => match argv.get(i + 1).map(AsRef::as_ref) {
                    Some(v) if takes_as_value(v) => (body, Some(v.to_string()), true),
                    _ => (body, None, false),
                },
            };
            if !name.is_empty() {
                flags.last.insert(name.to_string(), flags.all.len());
                flags.all.push(Flag { name: name.to_string(), value, value_is_next_arg: next, index: i });
            }
            i += if next { 2 } else { 1 };
        }
        flags
    }

    /// The last occurrence of a flag.
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.last.get(name).and_then(|&i| self.all.get(i))
    }

    /// Whether the flag is given at all.
    #[must_use]
    pub fn has(&self, name: &str) -> bool {
        self.last.contains_key(name)
    }

    /// The value of the last occurrence (empty string for a bare flag).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.flag(name).map(|f| f.value.as_deref().unwrap_or(""))
    }

    /// A boolean flag as pflag reads it: bare `--name` (even when followed by a word, which is
    /// then a positional argument) is true; `--name=false` is false; `--name=x` with a
    /// non-boolean `x` is `None` (the component refuses to start).
    #[must_use]
    pub fn get_bool(&self, name: &str) -> Option<bool> {
        let f = self.flag(name)?;
        match f.value.as_deref() {
            Some(_) if f.value_is_next_arg => Some(true),
            None => Some(true),
            Some(v) => parse_go_bool(v),
        }
    }

    /// A comma-separated list value (`--authorization-mode=Node,RBAC`), trimmed, empty items
    /// dropped.
    #[must_use]
    pub fn get_list(&self, name: &str) -> Option<Vec<&str>> {
        self.get(name).map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).collect())
    }
}

/// Whether the argument after a bare `--name` is read as its value. pflag gives a non-boolean
/// flag the next argument whatever it looks like (`--v -1`, `--audit-log-maxage -1`); a word
/// that starts with a dash is another flag, except `-` alone and negative numbers, which no
/// component has as a flag name.
fn takes_as_value(next: &str) -> bool {
    match next.strip_prefix('-') {
        None | Some("") => true,
        Some(rest) => rest.parse::<f64>().is_ok() && !rest.starts_with(['-', '+']),
    }
}

/// Booleans as Go's `strconv.ParseBool` accepts them.
#[must_use]
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Splits a `/proc/<pid>/cmdline` (NUL-separated, maybe NUL-terminated) into arguments.
#[must_use]
pub fn split_cmdline(raw: &[u8]) -> Vec<String> {
    raw.split(|b| *b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_last_wins() {
        let f = Flags::parse(
            &[
                "kube-apiserver",
                "--authorization-mode=AlwaysAllow",
                "--anonymous-auth",
                "false",
                "--profiling",
                "--authorization-mode",
                "Node,RBAC",
                "--admission-control-config-file=/etc/x.yaml",
                "-v=2",
            ],
            true,
        );
        assert_eq!(f.program.as_deref(), Some("kube-apiserver"));
        assert_eq!(f.get_list("authorization-mode"), Some(vec!["Node", "RBAC"]));
        // pflag: a boolean flag never takes a space-separated value.
        assert_eq!(f.get_bool("anonymous-auth"), Some(true));
        assert_eq!(f.get_bool("profiling"), Some(true));
        assert!(!f.has("admission-control"), "no prefix matching");
        assert!(f.has("admission-control-config-file"));
        assert!(!f.has("contention-profiling"));
        assert_eq!(f.get("v"), Some("2"));
    }

    #[test]
    fn bare_boolean_before_positional() {
        let f = Flags::parse(&["etcd", "--auto-tls", "extra"], true);
        assert_eq!(f.get_bool("auto-tls"), Some(true));
        let g = Flags::parse(&["--client-cert-auth=false"], false);
        assert_eq!(g.get_bool("client-cert-auth"), Some(false));
        let h = Flags::parse(&["--x=notabool"], false);
        assert_eq!(h.get_bool("x"), None);
    }

    #[test]
    fn negative_numbers_are_values() {
        let f =
            Flags::parse(&["kube-apiserver", "--audit-log-maxage", "-1", "--v", "-2.5", "--profiling", "--x"], true);
        assert_eq!(f.get("audit-log-maxage"), Some("-1"));
        assert_eq!(f.get("v"), Some("-2.5"));
        assert_eq!(f.get_bool("profiling"), Some(true), "a flag after a bare boolean is not its value");
        assert!(f.has("x"));
        let g = Flags::parse(&["--a", "--1", "--b", "-"], false);
        assert_eq!(g.get("a"), Some(""), "`--1` is a flag, not a value");
        assert_eq!(g.get("b"), Some("-"));
    }

    #[test]
    fn cmdline_bytes() {
        assert_eq!(
            split_cmdline(b"kubelet\0--config=/var/lib/kubelet/config.yaml\0"),
            vec!["kubelet", "--config=/var/lib/kubelet/config.yaml"]
        );
    }

    /// Property: for random argv built from known flags, the parser's answer for every flag
    /// equals the last value written for it, in whichever form it was written.
    #[test]
    fn property_last_written_value_wins() {
        let names = ["a", "ab", "abc", "b-c", "profiling", "contention-profiling"];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..2000 {
            let mut argv: Vec<String> = Vec::new();
            let mut expected: HashMap<&str, String> = HashMap::new();
            for _ in 0..(next() % 8) {
                let name = names[(next() % names.len() as u64) as usize];
                let value = if next() % 3 == 0 { format!("-{}", next() % 100) } else { format!("v{}", next() % 100) };
                if next() % 2 == 0 {
                    argv.push(format!("--{name}={value}"));
                } else {
                    argv.push(format!("--{name}"));
                    argv.push(value.clone());
                }
                expected.insert(name, value);
            }
            let f = Flags::parse(&argv, false);
            for name in names {
                assert_eq!(f.get(name), expected.get(name).map(String::as_str), "{argv:?} {name}");
            }
        }
    }
}
