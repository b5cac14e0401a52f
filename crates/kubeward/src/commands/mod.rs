//! One module per subcommand.

pub mod explain;
pub mod fix;
pub mod node;
pub mod output;
pub mod rules;
pub mod scan;
