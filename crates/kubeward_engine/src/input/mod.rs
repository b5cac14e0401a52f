//! What rules look at: the document tree with positions, paths, objects and workload views.

pub mod argv;
pub mod auditd;
pub mod dockerfile;
pub mod hostfile;
pub(crate) mod image_ref;
pub mod node;
pub mod object;
pub mod path;
pub mod text;
pub mod workload;
pub mod yaml;
