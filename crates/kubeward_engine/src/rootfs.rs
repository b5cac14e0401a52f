//! A node's filesystem seen under a root directory, as if that directory were `/`
//! (`kubeward node --root DIR`): the one resolver every read of the node audit goes through.
//!
//! Paths are resolved component by component with `lstat` and `readlink`, the way
//! `openat2(RESOLVE_IN_ROOT)` or `chroot` would, so that nothing a tree holds can make a read
//! leave it:
//! - an absolute symbolic link is re-rooted: `etc/x -> /etc/shadow` is `DIR/etc/shadow`;
//! - `..` at the root stays at the root, as `/..` is `/` on every Unix, in the path asked (a
//!   `staticPodPath: /../../tmp` read from the tree) and in an absolute link's target;
//! - a *relative* link whose `..` would climb above the root (`etc/x -> ../../../etc/shadow`)
//!   leaves the tree: it is refused ([`RootError::Escapes`], naming the link and its target)
//!   and not followed. A live node (root `/`, not confined) resolves it as the kernel does;
//! - more than [`MAX_LINK_HOPS`] links in one resolution is refused as a loop
//!   ([`RootError::Loop`]);
//! - reads open regular files only, after checking the type with `lstat`, so a FIFO is never
//!   opened and a device never read ([`RootError::NotRegular`]); the file opened must be the
//!   one checked (same device and inode); reads stop at the limit plus one byte, so a file whose
//!   metadata says 0 bytes (`/proc`) is bounded too ([`RootError::TooLarge`]).
//!
//! The guarantee is against what a tree holds, not against a tree changed by someone else
//! while it is audited: without `openat2` (the workspace forbids `unsafe`), a directory swapped
//! for a link between the check and the open could still be followed. The final open checks
//! that it opened the file it checked.

use std::ffi::OsString;
use std::fmt;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

/// Most symbolic links followed in one resolution (Linux's `MAXSYMLINKS`).
pub const MAX_LINK_HOPS: u32 = 40;

/// Why a node path was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootError {
    /// A relative symbolic link whose `..` climbs above the root.
    Escapes {
        /// The link, as a node path.
        link: String,
        /// Where it points.
        target: String,
    },
    /// More than [`MAX_LINK_HOPS`] links: a loop, or a chain too long.
    Loop {
        /// The link at which the resolver gave up, as a node path.
        link: String,
    },
    /// Not a regular file: a FIFO, socket, device or directory.
    NotRegular {
        /// What it is (`a FIFO (named pipe)`).
        what: &'static str,
    },
    /// Larger than the limit (counted while reading, not from metadata).
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Any other I/O error.
    Io(String),
}

impl RootError {
    /// Whether the path was refused for what it is (a link leaving the root, a loop, a
    /// special or oversized file), rather than for an I/O error.
    #[must_use]
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Self::Io(_))
    }

    /// Whether the path is a directory (where a file was wanted).
    #[must_use]
    pub fn is_directory(&self) -> bool {
        matches!(self, Self::NotRegular { what: "a directory" })
    }
}

impl fmt::Display for RootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Escapes { link, target } => write!(
                f,
                "symbolic link {link} -> {target} climbs above the root (it leaves the node's tree); not followed"
            ),
            Self::Loop { link } => {
                write!(f, "more than {MAX_LINK_HOPS} symbolic links (a loop) at {link}; not followed")
            }
            Self::NotRegular { what } => write!(f, "{what}, not a regular file; skipped"),
            Self::TooLarge { limit } => write!(f, "larger than the {limit}-byte limit; skipped"),
            Self::Io(e) => write!(f, "could not check: {e}"),
        }
    }
}

impl std::error::Error for RootError {}

/// A path resolved inside the root.
#[derive(Debug)]
pub struct Resolved {
    /// The path on this machine (under the root, through no symbolic link).
    pub host: PathBuf,
    /// The node path it resolved to (`/etc/kubernetes/admin.conf`).
    pub node: String,
    /// Its metadata (`lstat`; never a symbolic link).
    pub meta: std::fs::Metadata,
}

/// One step of a resolution still to walk (kept with the relative link it comes from, an
/// index in the links seen, if any).
enum Step {
    Parent,
    Name(OsString),
}

/// A node's filesystem under a root directory.
#[derive(Debug, Clone)]
pub struct RootFs {
    root: PathBuf,
    confined: bool,
}

impl RootFs {
    /// The tree under `root`, confined: relative links climbing above it are refused.
    #[must_use]
    pub fn new(root: &Path) -> Self {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        Self { root, confined: true }
    }

    /// The live node: root `/`, links resolved as the kernel resolves them.
    #[must_use]
    pub fn live() -> Self {
        Self { root: PathBuf::from("/"), confined: false }
    }

    /// The root directory on this machine.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn host_of(&self, at: &[OsString]) -> PathBuf {
        let mut p = self.root.clone();
        p.extend(at);
        p
    }

    /// Resolves a node path inside the root, following every link (the last one too, like
    /// `stat`). `Ok(None)`: it does not exist (or a component is not a directory).
    ///
    /// # Errors
    /// A link leaving the root, a loop, an I/O error other than "not found".
    pub fn resolve(&self, node_path: &str) -> Result<Option<Resolved>, RootError> {
        let mut todo: Vec<(Step, Option<usize>)> = Vec::new();
        push_steps(&mut todo, Path::new(node_path), None);
        let mut links: Vec<(String, String)> = Vec::new();
        let mut at: Vec<OsString> = Vec::new();
        let mut hops = 0u32;
        while let Some((step, origin)) = todo.pop() {
            match step {
                Step::Parent => {
                    if at.pop().is_none() && self.confined {
                        if let Some((link, target)) = origin.and_then(|i| links.get(i)) {
                            return Err(RootError::Escapes { link: link.clone(), target: target.clone() });
                        }
                    }
                }
                Step::Name(name) => {
                    let host = self.host_of(&at).join(&name);
                    let m = match std::fs::symlink_metadata(&host) {
                        Ok(m) => m,
                        Err(e) if absent(&e) => return Ok(None),
                        Err(e) => return Err(RootError::Io(e.to_string())),
                    };
                    if m.file_type().is_symlink() {
                        hops += 1;
                        let link = node_of(&at, Some(&name));
                        if hops > MAX_LINK_HOPS {
                            return Err(RootError::Loop { link });
                        }
                        let target = std::fs::read_link(&host).map_err(|e| RootError::Io(e.to_string()))?;
                        let origin = if target.is_absolute() {
                            at.clear();
                            None
                        } else {
                            links.push((link, target.to_string_lossy().into_owned()));
                            Some(links.len() - 1)
                        };
                        push_steps(&mut todo, &target, origin);
                    } else if !m.is_dir() && !todo.is_empty() {
                        // A file with more path below it: ENOTDIR, absent like ENOENT.
                        return Ok(None);
                    } else {
                        at.push(name);
                    }
                }
            }
        }
        let host = self.host_of(&at);
        let meta = match std::fs::symlink_metadata(&host) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(RootError::Io("changed while being resolved".to_string()));
            }
            Ok(m) => m,
            Err(e) if absent(&e) => return Ok(None),
            Err(e) => return Err(RootError::Io(e.to_string())),
        };
        Ok(Some(Resolved { host, node: node_of(&at, None), meta }))
    }

    /// The metadata of a node path, links followed inside the root; `Ok(None)` when absent.
    ///
    /// # Errors
    /// As [`RootFs::resolve`].
    pub fn metadata(&self, node_path: &str) -> Result<Option<std::fs::Metadata>, RootError> {
        Ok(self.resolve(node_path)?.map(|r| r.meta))
    }

    /// Whether a node path is a regular file (links followed inside the root).
    #[must_use]
    pub fn is_file(&self, node_path: &str) -> bool {
        matches!(self.metadata(node_path), Ok(Some(m)) if m.is_file())
    }

    /// Whether a node path is a directory (links followed inside the root).
    #[must_use]
    pub fn is_dir(&self, node_path: &str) -> bool {
        matches!(self.metadata(node_path), Ok(Some(m)) if m.is_dir())
    }

    /// The names in a node directory, sorted; `Ok(None)` when absent or not a directory.
    ///
    /// # Errors
    /// As [`RootFs::resolve`], and an unreadable directory.
    pub fn read_dir(&self, node_dir: &str) -> Result<Option<Vec<String>>, RootError> {
        let Some(r) = self.resolve(node_dir)? else { return Ok(None) };
        if !r.meta.is_dir() {
            return Ok(None);
        }
        let dir = std::fs::read_dir(&r.host).map_err(|e| RootError::Io(e.to_string()))?;
        let mut names: Vec<String> = dir.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        Ok(Some(names))
    }

    /// Opens a regular file checked with `lstat`: never a FIFO, device, socket or directory.
    fn open(&self, node_path: &str) -> Result<Option<std::fs::File>, RootError> {
        let Some(r) = self.resolve(node_path)? else { return Ok(None) };
        if !r.meta.is_file() {
            return Err(RootError::NotRegular { what: kind_of(&r.meta.file_type()) });
        }
        let f = std::fs::File::open(&r.host).map_err(|e| RootError::Io(e.to_string()))?;
        let opened = f.metadata().map_err(|e| RootError::Io(e.to_string()))?;
        if !same_file(&opened, &r.meta) || !opened.is_file() {
            return Err(RootError::Io("changed while being opened".to_string()));
        }
        Ok(Some(f))
    }

    /// Reads a regular file, at most `limit` bytes; `Ok(None)` when absent.
    ///
    /// # Errors
    /// As [`RootFs::resolve`]; not a regular file; more than `limit` bytes.
    pub fn read(&self, node_path: &str, limit: u64) -> Result<Option<Vec<u8>>, RootError> {
        let Some(f) = self.open(node_path)? else { return Ok(None) };
        let mut buf = Vec::new();
        f.take(limit.saturating_add(1)).read_to_end(&mut buf).map_err(|e| RootError::Io(e.to_string()))?;
        if buf.len() as u64 > limit {
            return Err(RootError::TooLarge { limit });
        }
        Ok(Some(buf))
    }

    /// Reads a regular file as UTF-8 text, at most `limit` bytes; `Ok(None)` when absent.
    ///
    /// # Errors
    /// As [`RootFs::read`], and text that is not UTF-8.
    pub fn read_to_string(&self, node_path: &str, limit: u64) -> Result<Option<String>, RootError> {
        match self.read(node_path, limit)? {
            None => Ok(None),
            Some(bytes) => String::from_utf8(bytes).map(Some).map_err(|e| {
                RootError::Io(format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()))
            }),
        }
    }

    /// The last `max` bytes of a regular file (a log); `Ok(None)` when absent.
    ///
    /// # Errors
    /// As [`RootFs::resolve`]; not a regular file.
    pub fn read_tail(&self, node_path: &str, max: u64) -> Result<Option<(Vec<u8>, bool)>, RootError> {
        let Some(mut f) = self.open(node_path)? else { return Ok(None) };
        let len = f.metadata().map_err(|e| RootError::Io(e.to_string()))?.len();
        let start = len.saturating_sub(max);
        f.seek(SeekFrom::Start(start)).map_err(|e| RootError::Io(e.to_string()))?;
        let mut buf = Vec::new();
        f.take(max).read_to_end(&mut buf).map_err(|e| RootError::Io(e.to_string()))?;
        Ok(Some((buf, start > 0)))
    }
}

/// Pushes the steps of `path` on the stack `todo` (whose last element is walked first).
fn push_steps(todo: &mut Vec<(Step, Option<usize>)>, path: &Path, origin: Option<usize>) {
    let steps: Vec<Step> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(Step::Name(n.to_os_string())),
            Component::ParentDir => Some(Step::Parent),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
        })
        .collect();
    todo.extend(steps.into_iter().rev().map(|s| (s, origin)));
}

/// The node path of the components `at` (and `name`).
fn node_of(at: &[OsString], name: Option<&OsString>) -> String {
    let mut s = String::new();
    for c in at.iter().chain(name) {
        s.push('/');
        s.push_str(&c.to_string_lossy());
    }
    if s.is_empty() {
        s.push('/');
    }
    s
}

/// "Not found" and "not a directory": the path does not exist on the node.
fn absent(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::NotFound || e.kind() == std::io::ErrorKind::NotADirectory
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

/// What a file that is not regular is, for messages.
#[must_use]
pub fn kind_of(t: &std::fs::FileType) -> &'static str {
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    "not a regular file"
}
