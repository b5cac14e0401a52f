//! The `kubeward` binary: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the engine allocates many small trees and strings from two threads; mimalloc is
/// faster at that than glibc's allocator and returns freed memory sooner (bench/, docs/benchmarks.md).
/// (Build with `--features system-allocator` to profile memory with heaptrack, which sees only
/// the system allocator.)
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = kubeward::args::Cli::parse();
    let result = kubeward::run(args);
    if std::env::var_os("KUBEWARD_PEAK_RSS").is_some() {
        // For tests and benchmarks: the process's peak resident memory (Linux only).
        if let Some(kb) = kubeward::peak_rss_kib() {
            eprintln!("kubeward: peak RSS {kb} KiB");
        }
    }
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // A closed stdout (`kubeward scan | head -1`) ends the output quietly: the reader
            // has what it wanted. The I/O error may sit under context added on the way up.
            // (serde_json hides the I/O error behind its own: it tells the kind.)
            let closed = |c: &(dyn std::error::Error + 'static)| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
                    || c.downcast_ref::<serde_json::Error>()
                        .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
            };
            if e.chain().any(closed) {
                return ExitCode::SUCCESS;
            }
            // Errors name files and values from the input: no raw control characters.
            eprintln!("kubeward: error: {}", kubeward_engine::report::printable::printable(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}
