//! One module per subcommand.

pub mod explain;
pub mod output;
pub mod rules;
pub mod scan;
