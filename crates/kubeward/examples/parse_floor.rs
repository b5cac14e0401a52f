//! The "parse floor" for benchmarks: what `kubeward scan` does before any rule runs. It finds
//! the files with the same walker (`.gitignore`, `--exclude`, hidden directories scanned), reads
//! and parses them in parallel with the default limits, counts the objects, drops each tree (as
//! the streaming scan does), and prints the counts. `bench/speed.py` compares `kubeward scan` against it.
//!
//!   cargo run --release -p kubeward --example parse_floor -- [--exclude GLOB]... [PATH]...

use std::path::PathBuf;
use std::process::ExitCode;

use kubeward::walk;
use kubeward_engine::input::object::{objects_in, Origin};
use kubeward_engine::input::yaml::Limits;
use kubeward_engine::{Settings, Snapshot};
use rayon::prelude::*;

/// The allocator `kubeward` uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    // Like `scan`, each file is read, parsed and dropped (in parallel); nothing is kept.
    let max = Settings::default().max_file_size;
    let (files, objects, errors) = inputs
        .par_iter()
        .map(|input| match walk::read_input(input, max) {
            Ok((name, text)) => {
                let (f, e) = Snapshot::parse_file(&name, text, Limits::default());
                let mut objects = 0usize;
                let origin = Origin { file: None, file_index: 0, doc_index: 0, item: None, partial: false };
                for d in &f.documents {
                    objects_in(&d.root, &origin, |_| objects += 1);
                }
                (1usize, objects, usize::from(e.is_some()))
            }
            Err(_) => (0, 0, 1),
        })
        .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    println!(
        "{{\"inputs\": {}, \"files\": {}, \"objects\": {}, \"errors\": {}}}",
        inputs.len(),
        files,
        objects,
        errors + walk_errors.len()
    );
    ExitCode::SUCCESS
}
