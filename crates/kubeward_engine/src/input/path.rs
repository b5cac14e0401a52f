//! `FieldPath`: a JSON pointer (RFC 6901) into an object, the address every finding carries.
//!
//! Rules build paths by joining segments to the base path of the pod spec or container they
//! look at; the engine resolves the path to a line and column through the document tree.

use std::fmt;

use super::node::{Node, Pos};

/// A JSON pointer such as `/spec/template/spec/containers/0/securityContext`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath(String);

impl FieldPath {
    /// The root path (`""`).
    #[must_use]
    pub fn root() -> Self {
        Self(String::new())
    }

    /// Parses a `/`-separated path; segments are taken as written (tests and constants).
    #[must_use]
    pub fn parse(s: &str) -> Self {
        Self(s.to_string())
    }

    /// Appends `/`-separated segments (each unescaped; `~` and `/` inside a segment must use
    /// [`FieldPath::key`]).
    #[must_use]
    pub fn join(&self, rel: &str) -> Self {
        let mut s = self.0.clone();
        for seg in rel.split('/').filter(|s| !s.is_empty()) {
            s.push('/');
            s.push_str(seg);
        }
        Self(s)
    }

    /// Appends one key, escaping `~` and `/` as RFC 6901 requires.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut s = self.0.clone();
        s.push('/');
        if key.contains(['~', '/']) {
            s.push_str(&key.replace('~', "~0").replace('/', "~1"));
        } else {
            s.push_str(key);
        }
        Self(s)
    }

    /// Appends a sequence index.
    #[must_use]
    pub fn index(&self, i: usize) -> Self {
        Self(format!("{}/{i}", self.0))
    }

    /// The pointer text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The segments, unescaped.
    pub fn segments(&self) -> impl Iterator<Item = std::borrow::Cow<'_, str>> + '_ {
        self.0.split('/').skip(1).map(|s| {
            if s.contains('~') {
                std::borrow::Cow::Owned(s.replace("~1", "/").replace("~0", "~"))
            } else {
                std::borrow::Cow::Borrowed(s)
            }
        })
    }

    /// Resolves the path in `root` to a position: the key of the deepest existing mapping entry
    /// (or the item of a sequence) on the way. A missing field resolves to its nearest existing
    /// parent, so "no `resources.limits`" points at `resources` (or the container).
    #[must_use]
    pub fn resolve(&self, root: &Node) -> Pos {
        let mut node = root;
        let mut pos = root.pos;
        for seg in self.segments() {
            if node.is_map() {
                match node.entry(&seg) {
                    Some(e) => {
                        pos = e.key_pos;
                        node = &e.value;
                    }
                    None => break,
                }
            } else if node.is_seq() {
                match seg.parse::<usize>().ok().and_then(|i| node.items().get(i)) {
                    Some(n) => {
                        pos = n.pos;
                        node = n;
                    }
                    None => break,
                }
            } else {
                break;
            }
        }
        pos
    }

    /// Looks the path up in `root`.
    #[must_use]
    pub fn lookup<'a>(&self, root: &'a Node) -> Option<&'a Node> {
        let mut node = root;
        for seg in self.segments() {
            node = if node.is_seq() { node.items().get(seg.parse::<usize>().ok()?)? } else { node.get(&seg)? };
        }
        Some(node)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "/" } else { &self.0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::yaml::{load, Limits};

    #[test]
    fn resolves_to_nearest_parent() {
        let l = load("spec:\n  containers:\n    - name: a\n      image: x\n", Limits::default());
        let root = &l.documents[0].root;
        let p = FieldPath::root().join("spec/containers").index(0).join("securityContext/privileged");
        assert_eq!(p.resolve(root), Pos::new(3, 7));
        assert_eq!(FieldPath::root().join("spec/containers/0/image").resolve(root), Pos::new(4, 7));
        assert_eq!(FieldPath::root().key("a/b~c").as_str(), "/a~1b~0c");
    }
}
