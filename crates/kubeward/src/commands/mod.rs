//! One module per subcommand.

pub mod cluster;
pub mod explain;
pub mod fix;
pub mod images;
pub mod node;
pub mod output;
pub mod rules;
pub mod scan;
pub mod serve;
pub mod verify;
