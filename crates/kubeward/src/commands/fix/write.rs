//! How `kubeward fix` writes files (issue 15, points 2 and 4): never outside the scanned
//! roots, never a partial file.
//!
//! - A fixed file is written to a temporary file in its own folder, synced, given the mode and
//!   owner of the original, then renamed over it: the file is always either the old one or the
//!   new one, whatever happens (full disk, `kill -9`, power loss). A symbolic link is written
//!   through (the link stays a link) only when its target resolves inside the scanned roots.
//! - A new file is created the same way, then linked into place without replacing anything
//!   (`renameat2(RENAME_NOREPLACE)`, else `link`): an existing file or a symbolic link of that
//!   name (even a dangling one) is never replaced or followed. Its folder must resolve inside
//!   the scanned roots and its name must be a plain DNS-1123-based name.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The folders `fix` may write in: the canonical form of each directory given, and of the
/// folder of each file given (the current folder for stdin, where new files go).
pub struct Roots(Vec<PathBuf>);

impl Roots {
    /// The roots of the paths given on the command line.
    #[must_use]
    pub fn of(paths: &[PathBuf]) -> Self {
        let mut roots = Vec::new();
        for p in paths {
            let dir = if p.as_os_str() == "-" {
                PathBuf::from(".")
            } else if std::fs::metadata(p).is_ok_and(|m| m.is_dir()) {
                p.clone()
            } else {
                match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                }
            };
            if let Ok(c) = std::fs::canonicalize(&dir) {
                roots.push(c);
            }
        }
        Self(roots)
    }

    fn inside(&self, real: &Path) -> bool {
        self.0.iter().any(|r| real.starts_with(r))
    }
}

/// A temporary file in `dir` holding `text`, synced to disk, with `mode` (and the owner
/// `owner` when given).
fn staged(dir: &Path, text: &str, mode: u32, owner: Option<(u32, u32)>) -> Result<tempfile::NamedTempFile, String> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".kubeward-fix-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
    tmp.write_all(text.as_bytes()).map_err(|e| format!("cannot write: {e}"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        if let Some((uid, gid)) = owner {
            let now = tmp.as_file().metadata().map_err(|e| format!("cannot write: {e}"))?;
            if (now.uid(), now.gid()) != (uid, gid) {
                std::os::unix::fs::fchown(tmp.as_file(), Some(uid), Some(gid))
                    .map_err(|e| format!("cannot keep its owner {uid}:{gid}: {e}"))?;
            }
        }
        // After the owner: changing the owner clears the set-user-ID bit.
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode & 0o7777))
            .map_err(|e| format!("cannot keep its mode {:o}: {e}", mode & 0o7777))?;
    }
    #[cfg(not(unix))]
    let _ = (mode, owner);
    tmp.as_file().sync_all().map_err(|e| format!("cannot write: {e}"))?;
    Ok(tmp)
}

/// Syncs a folder, so that a rename in it survives a crash (best effort: not every file system
/// can sync a folder).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Replaces the file at `path` with `text`, atomically. Returns a message for people when the
/// file is not written (it is then unchanged).
///
/// # Errors
/// Why the file was not written.
pub fn replace(path: &Path, text: &str, roots: &Roots) -> Result<(), String> {
    let real = std::fs::canonicalize(path).map_err(|e| format!("cannot resolve the path ({e})"))?;
    if !roots.inside(&real) {
        return Err(format!("a symbolic link to {}, outside the scanned folders", real.display()));
    }
    let meta = std::fs::metadata(&real).map_err(|e| format!("cannot read its metadata ({e})"))?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let dir = real.parent().ok_or("it has no folder")?;
    #[cfg(unix)]
    let (mode, owner) = {
        use std::os::unix::fs::MetadataExt as _;
        (meta.mode(), Some((meta.uid(), meta.gid())))
    };
    #[cfg(not(unix))]
    let (mode, owner) = (0o644, None);
    let tmp = staged(dir, text, mode, owner)?;
    tmp.persist(&real).map_err(|e| format!("cannot replace it: {}", e.error))?;
    sync_dir(dir);
    Ok(())
}

/// What became of a new file.
pub enum Created {
    /// Written.
    Written,
    /// A regular file of that name is there already (a previous run wrote it): left alone.
    Exists(PathBuf),
}

/// Creates the new file `name` beside `source` (a display path; `<stdin>`: the current folder),
/// never replacing or following anything.
///
/// # Errors
/// Why the file was not written.
pub fn create(source: &str, name: &str, content: &str, roots: &Roots) -> Result<Created, String> {
    let single = Path::new(name).components().count() == 1;
    if !single || !kubeward_engine::fix::is_safe_file_name(name) {
        return Err("not a plain file name made of DNS-1123 names".into());
    }
    let dir = match Path::new(source).parent() {
        Some(d) if !source.starts_with('<') && !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let real_dir = std::fs::canonicalize(dir).map_err(|e| format!("cannot resolve its folder ({e})"))?;
    if !roots.inside(&real_dir) {
        return Err(format!("its folder is a symbolic link to {}, outside the scanned folders", real_dir.display()));
    }
    let target = real_dir.join(name);
    let shown = dir.join(name);
    let in_the_way = |m: std::fs::Metadata| {
        if m.file_type().is_symlink() {
            Err("a symbolic link of that name is in the way (not followed)".to_string())
        } else {
            Ok(Created::Exists(shown.clone()))
        }
    };
    if let Ok(m) = target.symlink_metadata() {
        return in_the_way(m);
    }
    let tmp = staged(&real_dir, content, 0o644, None)?;
    match tmp.persist_noclobber(&target) {
        Ok(_) => {
            sync_dir(&real_dir);
            Ok(Created::Written)
        }
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => match target.symlink_metadata() {
            Ok(m) => in_the_way(m),
            Err(_) => Err(format!("cannot create it: {}", e.error)),
        },
        Err(e) => Err(format!("cannot create it: {}", e.error)),
    }
}
