//! The `stance` command line: parses arguments and hands each subcommand to
//! its file in `src/cmd/`. All the work is done by the library.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cmd;

/// mimalloc rather than glibc malloc: scoring allocates per article on one
/// worker and frees on another, and glibc's arena locks and cross-thread
/// frees took 15% of the CPU per MB with two threads (their `__lll_lock_wake`
/// in the profile), so two cores ran 1.6-1.9x one. With mimalloc: 12-18%
/// less CPU per MB on one thread, and the same on two (1.9-2.0x).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Keeps freed memory mapped for reuse instead of returning it to the OS
/// after mimalloc's default 10 ms: argmin's L-BFGS allocates a fresh vector
/// of every parameter for most operations, and each returned one came back
/// as zeroed pages (13% of training time in the kernel's page clearing).
/// Called by `stance train` only; the library's
/// [`stance::model::logistic::keep_large_allocations_on_heap`] does the same
/// for programs on glibc's allocator.
pub(crate) fn keep_freed_memory() {
    /// `mi_option_purge_delay` in mimalloc's `mimalloc.h` (v3), which the
    /// Rust bindings do not name.
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: setting an option is thread-safe and only changes when
    // mimalloc returns freed pages to the OS.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

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
