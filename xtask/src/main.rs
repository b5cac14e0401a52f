//! Developer tasks. `cargo xtask docs` regenerates the docs generated from the rules;
//! `cargo xtask docs --check` fails when they are stale; `cargo xtask new-rule AREA NAME
//! [--cross]` writes a new rule's file, fixture and registration (see `new_rule`).

mod new_rule;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("docs") => docs(args.iter().any(|a| a == "--check")),
        Some("new-rule") if args.len() == 3 => new_rule(&args[1], &args[2], false),
        Some("new-rule") if args.len() == 4 && args[3] == "--cross" => new_rule(&args[1], &args[2], true),
        _ => {
            eprintln!("usage: cargo xtask docs [--check]\n       cargo xtask new-rule AREA NAME [--cross]    (e.g. new-rule pod shared-process-namespace; --cross: a cross-object rule)");
            ExitCode::from(2)
        }
    }
}

fn new_rule(area: &str, name: &str, cross: bool) -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let existing: Vec<(&str, &str)> =
        kubeward_engine::registry::rules().iter().map(|r| (r.meta().code, r.meta().name)).collect();
    match new_rule::scaffold(&root, area, name, cross, &existing) {
        Ok(w) => {
            let rel = |p: &std::path::Path| p.strip_prefix(&root).unwrap_or(p).display().to_string();
            println!(
                "{} {name}: wrote {}, {}; registered in {}",
                w.code,
                rel(&w.rule_file),
                rel(&w.fixture),
                rel(&w.mod_file)
            );
            println!("next: fill in the TODOs (docs, metadata, the check, the fixture), then");
            println!("  KUBEWARD_RULE={} INSTA_UPDATE=always cargo test -p kubeward_engine rule_fixtures", w.code);
            println!("  cargo xtask docs");
            println!("(CONTRIBUTING.md, \"Adding a rule\"; the suite fails until the example and the fixture's `# fail:` trip the rule)");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("new-rule: {e}");
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
