//! The `stance` command line: parses arguments and hands each subcommand to
//! its file in `src/cmd/`. All the work is done by the library.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cmd;

#[derive(Parser)]
#[command(name = "stance", version, about = "Find quotes in news articles, attribute them, and tag their tone", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Find every quoted statement with its speaker and side.
    Quotes(cmd::quotes::Args),
    /// Extract quotes and tag each with a tone label and probabilities.
    Score(cmd::score::Args),
    /// Per-speaker, per-side or per-month tone tables from score files.
    Tables(cmd::tables::Args),
    /// Train a tone model from labelled CSV files.
    Train(cmd::train::Args),
    /// Metrics and confusion matrix of a model on a labelled CSV.
    Eval(cmd::eval::Args),
    /// Label each row of a CSV with the model.
    Predict(cmd::predict::Args),
    /// The n-grams that drive each label, or one text's prediction.
    Explain(cmd::explain::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Quotes(a) => cmd::quotes::run(a),
        Command::Score(a) => cmd::score::run(a),
        Command::Tables(a) => cmd::tables::run(a),
        Command::Train(a) => cmd::train::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Predict(a) => cmd::predict::run(a),
        Command::Explain(a) => cmd::explain::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("stance: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
