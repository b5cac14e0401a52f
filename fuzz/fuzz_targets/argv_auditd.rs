//! The argv parser (command lines from /proc/PID/cmdline and manifests) and the auditd rule
//! parser on arbitrary bytes.
#![no_main]
use kubeward_engine::input::argv::{parse_go_bool, split_cmdline, Flags};
use kubeward_engine::input::auditd;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let argv = split_cmdline(data);
    for with_program in [true, false] {
        let f = Flags::parse(&argv, with_program);
        for a in &argv {
            let name = a.trim_start_matches('-');
            let _ = f.get(name);
            let _ = f.get_bool(name);
            let _ = f.get_list(name);
            let _ = f.has(name);
        }
    }
    // Also split on whitespace, as a manifest's `command:` is.
    let words: Vec<&str> = std::str::from_utf8(data).unwrap_or("").split_whitespace().collect();
    let _ = Flags::parse(&words, true);
    for w in &words {
        let _ = parse_go_bool(w);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let rules = auditd::parse(text);
        let _ = kubeward_engine::analysis::docker::watches::missing_in(&rules);
        for r in &rules {
            let _ = r.covers("/usr/bin/dockerd");
            let _ = r.covers("/var/lib/docker");
        }
    }
});
