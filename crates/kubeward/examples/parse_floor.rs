//! The "parse floor" for benchmarks: what `kubeward scan` does before any rule runs. It finds
//! the files with the same walker (`.gitignore`, `--exclude`, hidden directories scanned), reads
//! and parses them in parallel with the default limits, counts the objects, and prints the
//! counts. `bench/speed.py` compares `kubeward scan` against it.
//!
//!   cargo run --release -p kubeward --example parse_floor -- [--exclude GLOB]... [PATH]...

use std::path::PathBuf;
use std::process::ExitCode;

use kubeward::walk;
use kubeward_engine::input::yaml::Limits;
use kubeward_engine::Settings;

fn main() -> ExitCode {
    let mut paths = Vec::new();
    let mut excludes = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--exclude" {
            match args.next() {
                Some(g) => excludes.push(g),
                None => {
                    eprintln!("--exclude needs a glob");
                    return ExitCode::from(2);
                }
            }
        } else if let Some(g) = a.strip_prefix("--exclude=") {
            excludes.push(g.to_string());
        } else {
            paths.push(PathBuf::from(a));
        }
    }
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let exclude = match walk::exclude_set(&excludes) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let (inputs, walk_errors) = walk::collect(&paths, &exclude, true);
    let snap = walk::load(&inputs, Settings::default().max_file_size, Limits::default(), &|| {});
    let mut objects = 0usize;
    for i in 0..snap.files.len() {
        snap.objects_of_file(i, |_| objects += 1);
    }
    println!(
        "{{\"inputs\": {}, \"files\": {}, \"objects\": {}, \"errors\": {}}}",
        inputs.len(),
        snap.files.len(),
        objects,
        snap.errors.len() + walk_errors.len()
    );
    ExitCode::SUCCESS
}
