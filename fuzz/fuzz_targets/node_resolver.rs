//! The node resolver (`kubeward_engine::rootfs::RootFs`, `kubeward node --root`): builds a
//! small tree of directories, files and symbolic links from the input in a temporary
//! directory, next to an "outside" directory, then resolves and reads paths in it. Invariants:
//! every resolved path is inside the root and through no link (its canonical form is itself),
//! its node path is its place under the root, and no read returns bytes from outside.
#![no_main]
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kubeward_engine::rootfs::{RootError, RootFs};
use libfuzzer_sys::fuzz_target;

const OUTSIDE: &[u8] = b"OUTSIDE-SECRET";

/// `<tmp>/kw-fuzz-node-<pid>`: `outside/` (fixed) and `root/` (rebuilt per input).
fn base() -> &'static PathBuf {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        let b = std::env::temp_dir().join(format!("kw-fuzz-node-{}", std::process::id()));
        let outside = b.join("outside");
        std::fs::create_dir_all(outside.join("d")).expect("mkdir");
        std::fs::write(outside.join("secret"), OUTSIDE).expect("write");
        std::fs::write(outside.join("d/secret"), OUTSIDE).expect("write");
        b
    })
}

/// A path from the input: components from a small alphabet, so that links meet names.
fn path(bytes: &mut impl Iterator<Item = u8>, outside: &str) -> String {
    let len = bytes.next().unwrap_or(0) % 6;
    let mut s = String::new();
    let head = bytes.next().unwrap_or(0);
    match head % 4 {
        0 => s.push('/'),
        1 => s.push_str(outside),
        _ => {}
    }
    for i in 0..len {
        if i > 0 || s.ends_with(|c: char| c != '/') {
            s.push('/');
        }
        // `outside` and `secret` are the names of the sibling directory and its file: a
        // relative link that climbed out of the root would reach them.
        s.push_str(match bytes.next().unwrap_or(0) % 9 {
            0 | 1 => "..",
            2 => ".",
            3 => "a",
            4 => "b",
            5 => "c",
            6 => "d",
            7 => "outside",
            _ => "secret",
        });
    }
    s
}

/// Whether `at` (under `root`) or one of its parents below `root` is a symbolic link.
fn through_link(root: &Path, at: &Path) -> bool {
    let Ok(rel) = at.strip_prefix(root) else { return true };
    let mut p = root.to_path_buf();
    rel.components().any(|c| {
        p.push(c);
        std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink())
    })
}

fuzz_target!(|data: &[u8]| {
    let base = base();
    let root = base.join("root");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("mkdir root");
    let outside = base.join("outside").to_string_lossy().into_owned();
    let mut bytes = data.iter().copied();
    let mut files: Vec<Vec<u8>> = Vec::new();
    // Up to 24 operations building the tree (failures, e.g. a missing parent, are fine).
    for i in 0..24 {
        let Some(op) = bytes.next() else { break };
        let p = path(&mut bytes, &outside);
        let at = root.join(p.trim_start_matches('/'));
        if p.contains("..") || p.starts_with(&outside) || through_link(&root, &at) {
            // Build only inside the root, never through a link made earlier: the tree is what
            // a hostile archive holds, and building it must not write outside.
            continue;
        }
        match op % 3 {
            0 => {
                let _ = std::fs::create_dir_all(&at);
            }
            1 => {
                let content = format!("FILE-{i}").into_bytes();
                if std::fs::write(&at, &content).is_ok() {
                    files.push(content);
                }
            }
            _ => {
                let target = path(&mut bytes, &outside);
                let _ = std::os::unix::fs::symlink(if target.is_empty() { "." } else { &target }, &at);
            }
        }
    }
    let canonical_root = std::fs::canonicalize(&root).expect("root");
    let fs = RootFs::new(&root);
    for _ in 0..8 {
        let p = path(&mut bytes, &outside);
        match fs.resolve(&p) {
            Ok(Some(r)) => {
                assert!(r.host.starts_with(&canonical_root), "{p} resolved outside: {}", r.host.display());
                let real = std::fs::canonicalize(&r.host).expect("a resolved path exists");
                assert_eq!(real, r.host, "{p}: the resolved path goes through no link");
                let under = r.host.strip_prefix(&canonical_root).unwrap_or(Path::new(""));
                assert_eq!(r.node, format!("/{}", under.to_string_lossy()).replace("//", "/"));
                assert!(!r.meta.file_type().is_symlink());
            }
            Ok(None) | Err(RootError::Escapes { .. } | RootError::Loop { .. } | RootError::Io(_)) => {}
            Err(e) => panic!("{p}: resolve gave {e}"),
        }
        match fs.read(&p, 1 << 10) {
            Ok(Some(b)) => assert!(b != OUTSIDE && files.contains(&b), "{p}: read {:?}", String::from_utf8_lossy(&b)),
            Ok(None) | Err(_) => {}
        }
        for name in fs.read_dir(&p).ok().flatten().unwrap_or_default() {
            let child = format!("{}/{name}", p.trim_end_matches('/'));
            if let Ok(Some(b)) = fs.read(&child, 1 << 10) {
                assert!(b != OUTSIDE && files.contains(&b), "{child}: read {:?}", String::from_utf8_lossy(&b));
            }
        }
    }
});
