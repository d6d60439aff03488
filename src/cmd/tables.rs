//! `stance tables`: per-speaker, per-side or per-month tone tables from one or
//! many score files (shards merge exactly), with an optional SVG chart.

use anyhow::{Context, Result};
use stance::tables::{By, Tables};
use std::io::Write;
use std::path::PathBuf;

/// Table formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    Csv,
    Md,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// Score files from `stance score` (CSV or JSONL), or `-` for standard
    /// input (the default, so that `stance score … | stance tables` works).
    #[arg(value_name = "SCORES", default_value = "-")]
    pub scores: Vec<PathBuf>,
    /// Group by speaker, side, month or speaker,month.
    #[arg(long, default_value = "speaker", value_parser = clap::value_parser!(By))]
    pub by: By,
    /// Output format.
    #[arg(long, value_enum, default_value = "md")]
    pub format: TableFormat,
    /// Leave out groups with fewer quotes.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub min_quotes: u64,
    /// Also draw the table as an SVG chart into FILE.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    /// Count quotes repeated from an earlier article (marked `duplicate_of`) too.
    #[arg(long)]
    pub include_duplicates: bool,
    /// Write the table to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<u8> {
    if args.scores.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        anyhow::bail!("`-` (standard input) can be given only once");
    }
    let mut tables = Tables::new(args.by, args.include_duplicates);
    for p in &args.scores {
        tables.read_path(p)?;
    }
    let table = tables.finish(args.min_quotes);
    let bytes = match args.format {
        TableFormat::Csv => table.to_csv(),
        TableFormat::Md => table.to_markdown().into_bytes(),
        TableFormat::Json => table.to_json().into_bytes(),
    };
    match &args.output {
        Some(p) => stance::atomic::write_all(p, &bytes).with_context(|| format!("writing {}", p.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(&bytes).and_then(|_| out.flush()) {
                // A reader that stops early (`| head`) is not an error.
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(anyhow::Error::new(e).context("writing to standard output"));
                }
            }
        }
    }
    if let Some(p) = &args.chart {
        let what = match args.by {
            By::Speaker => "speaker",
            By::Side => "side",
            By::Month => "month",
            By::SpeakerMonth => "speaker and month",
        };
        let svg = stance::chart::render(&table, &format!("Tone of quotes by {what}"));
        stance::atomic::write_all(p, svg.as_bytes()).with_context(|| format!("writing chart {}", p.display()))?;
    }
    let mut left_out = String::new();
    if tables.duplicate_rows > 0 {
        left_out += &format!(", {} rows repeating an earlier article left out (--include-duplicates counts them)", tables.duplicate_rows);
    }
    if tables.in_article_rows > 0 {
        left_out += &format!(", {} rows repeating a quote of their own article left out", tables.in_article_rows);
    }
    eprintln!(
        "stance tables: {} rows from {} file(s), {} groups{left_out}",
        tables.rows,
        args.scores.len(),
        table.groups.len()
    );
    Ok(0)
}
