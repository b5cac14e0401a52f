//! What the Docker rules share: the node's Docker files, their expected owners and modes, and
//! the auditd watch list.

pub(crate) mod expected;
pub(crate) mod node_files;
pub mod watches;
