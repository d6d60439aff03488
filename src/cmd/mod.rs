//! One file per subcommand. Each has an `Args` (clap) and a `run` returning
//! the process exit status: 0 success, 1 finished with skipped input, 2 error.

pub mod eval;
pub mod explain;
pub mod predict;
pub mod quotes;
pub mod score;
pub mod tables;
pub mod train;

use anyhow::Result;
use stance::actors::Actors;
use std::path::PathBuf;

/// The actor-dictionary flags `quotes` and `score` share, so that both read
/// the same dictionary from the same flags.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ActorArgs {
    /// Actor dictionary CSV (alias,canonical,side) used instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub actors: Option<PathBuf>,
    /// Actor dictionary CSV added to the built-in one (or to --actors); its
    /// rows win on a conflict. May be repeated.
    #[arg(long, value_name = "FILE")]
    pub add_actors: Vec<PathBuf>,
}

impl ActorArgs {
    /// Loads the dictionary the flags name.
    pub fn load(&self) -> Result<Actors> {
        let mut actors = match &self.actors {
            Some(p) => Actors::from_csv(p)?,
            None => Actors::builtin(),
        };
        for p in &self.add_actors {
            actors.extend(Actors::from_csv(p)?);
        }
        Ok(actors)
    }
}
