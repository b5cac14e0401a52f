//! kubeward's command line: subcommands over the engine. Exit codes: 0 nothing at or above
//! `--fail-on`, 1 findings at or above it, 2 usage errors or unreadable input.

pub mod args;
pub mod commands;
pub mod config;
pub mod progress;
pub mod render;
pub mod walk;

use args::{Cli, Command};

/// The peak resident set size of this process in KiB (`VmHWM` of `/proc/self/status`), where
/// the system has it. `KUBEWARD_PEAK_RSS=1` prints it to stderr at exit.
#[must_use]
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs a command and returns the exit code.
///
/// # Errors
/// Usage and I/O errors (exit code 2).
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Scan(a) => commands::scan::run(&a),
        Command::Node(a) => commands::node::run(&a),
        Command::Images(a) => commands::images::run(&a),
        Command::Fix(a) => commands::fix::run(&a),
        Command::Cluster(a) => commands::cluster::run(&a),
        Command::Serve(a) => commands::serve::run(&a),
        Command::Verify(a) => commands::verify::run(&a),
        Command::Rules(a) => commands::rules::run(&a),
        Command::Explain(a) => commands::explain::run(&a),
    }
}
