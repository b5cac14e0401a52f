//! What rules look at: the document tree with positions, paths, objects and workload views.

pub mod argv;
pub mod dockerfile;
pub mod hostfile;
pub mod node;
pub mod object;
pub mod path;
pub mod text;
pub mod workload;
pub mod yaml;
