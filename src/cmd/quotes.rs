//! `stance quotes`: one row per quote part, with speaker and side.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Files or folders (searched recursively) of articles.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, default_value = "jsonl")]
    pub format: String,
}

pub fn run(args: Args) -> Result<u8> {
    let actors = stance::actors::Actors::builtin();
    let mut files = Vec::new();
    for p in &args.paths {
        for e in walkdir::WalkDir::new(p).sort_by_file_name() {
            let e = e.with_context(|| format!("reading {}", p.display()))?;
            if e.file_type().is_file() {
                files.push(e.into_path());
            }
        }
    }
    let out = std::io::stdout();
    let mut out = out.lock();
    for f in files {
        let text = std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
        for q in stance::extract::extract(&text, &actors) {
            let mut v = serde_json::to_value(&q)?;
            v["doc"] = serde_json::Value::String(f.display().to_string());
            writeln!(out, "{v}")?;
        }
    }
    Ok(0)
}
