//! One file per subcommand. Each has an `Args` (clap) and a `run` returning
//! the process exit status: 0 success, 1 finished with skipped input, 2 error.

pub mod eval;
pub mod explain;
pub mod predict;
pub mod quotes;
pub mod score;
pub mod tables;
pub mod train;
