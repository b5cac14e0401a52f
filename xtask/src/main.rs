//! Developer tasks. `cargo xtask docs` regenerates the docs generated from the rules;
//! `cargo xtask docs --check` fails when they are stale.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("docs") => docs(args.iter().any(|a| a == "--check")),
        _ => {
            eprintln!("usage: cargo xtask docs [--check]");
            ExitCode::from(2)
        }
    }
}

fn docs(check: bool) -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let generated = kubeward_engine::docs::generated();
    let mut stale = 0;
    if !check {
        let _ = std::fs::remove_dir_all(root.join("docs/rules"));
    }
    for (path, content) in &generated {
        let p = root.join(path);
        if std::fs::read_to_string(&p).ok().as_deref() == Some(content.as_str()) {
            continue;
        }
        stale += 1;
        if check {
            eprintln!("stale: {path}");
        } else {
            if let Some(dir) = p.parent() {
                if let Err(e) = std::fs::create_dir_all(dir) {
                    eprintln!("cannot create {}: {e}", dir.display());
                    return ExitCode::from(2);
                }
            }
            if let Err(e) = std::fs::write(&p, content) {
                eprintln!("cannot write {path}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if check && stale > 0 {
        eprintln!("{stale} generated doc file(s) are stale: run `cargo xtask docs`");
        return ExitCode::from(1);
    }
    println!("{} doc files {}", generated.len(), if check { "up to date" } else { "written" });
    ExitCode::SUCCESS
}
