//! One module per subcommand.

pub mod bench;
pub mod check;
pub mod docs;
pub mod eval;
pub mod explain;
pub mod run;
pub mod test;
