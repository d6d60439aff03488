//! `stance quotes`: one row per quote part, with speaker and side.
//!
//! Articles are read one at a time (`stance::input`) and extracted in small
//! parallel chunks, so memory stays flat; rows are written in input order,
//! which makes the output deterministic whatever the number of threads
//! (`RAYON_NUM_THREADS`).

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;
use stance::actors::Actors;
use stance::article::Article;
use stance::extract::Quote;
use stance::input::{articles, InputArgs, Item};
use stance::output::{is_broken_pipe, OutputArgs, RowWriter};

const AFTER_HELP: &str = "\
Columns: doc, quote (number in the article), part and parts (a quote broken by \
its attribution is one quote in several parts), start and end (Unicode code-point \
offsets of the quoted words, marks excluded, into the article text as read; for \
HTML, into the page's extracted visible text), text, speaker (canonical), \
speaker_mention with mention_start/mention_end, side, cue, then the article's \
title, date, outlet and url where the input has them.

Exit status: 0 when every input was read, 1 when some inputs or rows were \
skipped (each is reported on stderr with the reason), 2 on an error (bad \
arguments, a missing text column, an unwritable output).";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub actors: super::ActorArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// One output row: the quote part and the article context needed to check it.
#[derive(Serialize)]
struct Row<'a> {
    doc: &'a str,
    #[serde(flatten)]
    quote: &'a Quote,
    title: Option<&'a str>,
    date: Option<&'a str>,
    outlet: Option<&'a str>,
    url: Option<&'a str>,
}

/// The CSV columns of a [`Row`], from a placeholder row run through the same
/// serializer (`None` if `Quote` ever gains a field the placeholder lacks;
/// a unit test catches that).
fn header() -> Option<Vec<String>> {
    let quote: Quote =
        serde_json::from_value(serde_json::json!({"quote": 1, "part": 1, "parts": 1, "start": 0, "end": 0, "text": ""}))
            .ok()?;
    let row = Row { doc: "", quote: &quote, title: None, date: None, outlet: None, url: None };
    stance::output::column_names(&row).ok()
}


/// What a run read and wrote, for the closing summary.
#[derive(Default)]
struct Counts {
    articles: u64,
    quotes: u64,
    skipped: u64,
    warned: u64,
}

pub fn run(args: Args) -> Result<u8> {
    let actors = args.actors.load()?;
    let items = articles(&args.input)?;
    let mut out = RowWriter::from_args(&args.output)?;
    if let Some(cols) = header() {
        // So that a run that finds no quotes still writes a CSV header.
        out.set_columns(&cols.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let mut counts = Counts::default();
    match write_all(items, &actors, &mut out, &mut counts).and_then(|()| out.finish()) {
        Ok(()) => {}
        Err(e) if is_broken_pipe(&e) => return Ok(0),
        Err(e) => return Err(e),
    }
    eprintln!(
        "stance quotes: {} article{}, {} quote part{}, {} skipped, {} with warnings",
        counts.articles,
        plural(counts.articles),
        counts.quotes,
        plural(counts.quotes),
        counts.skipped,
        counts.warned
    );
    Ok(if counts.skipped > 0 { 1 } else { 0 })
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Articles extracted together in parallel; rows are still written in input
/// order, so the output does not depend on the number of threads.
const CHUNK: usize = 64;

fn write_all(items: impl Iterator<Item = Item>, actors: &Actors, out: &mut RowWriter, counts: &mut Counts) -> Result<()> {
    let mut items = items.peekable();
    while items.peek().is_some() {
        let chunk: Vec<Item> = items.by_ref().take(CHUNK).collect();
        let extracted: Vec<Option<Vec<Quote>>> = chunk
            .par_iter()
            .map(|item| match item {
                Item::Article(a) => Some(stance::extract::extract(&a.text, actors)),
                Item::Skipped { .. } => None,
            })
            .collect();
        for (item, quotes) in chunk.into_iter().zip(extracted) {
            match item {
                Item::Skipped { doc, reason } => {
                    counts.skipped += 1;
                    eprintln!("stance: skipped {doc}: {reason}");
                }
                Item::Article(article) => {
                    counts.articles += 1;
                    if !article.warnings.is_empty() {
                        counts.warned += 1;
                        for w in &article.warnings {
                            eprintln!("stance: warning: {}: {w}", article.doc);
                        }
                    }
                    let quotes = quotes.unwrap_or_default();
                    write_article(&article, &quotes, out)
                        .with_context(|| format!("writing the quotes of {}", article.doc))?;
                    counts.quotes += quotes.len() as u64;
                }
            }
        }
    }
    Ok(())
}

fn write_article(a: &Article, quotes: &[Quote], out: &mut RowWriter) -> Result<()> {
    for q in quotes {
        out.write_row(&Row {
            doc: &a.doc,
            quote: q,
            title: a.meta.title.as_deref(),
            date: a.meta.date.as_deref(),
            outlet: a.meta.outlet.as_deref(),
            url: a.meta.url.as_deref(),
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_header_is_known_before_any_quote() {
        let cols = super::header().expect("a placeholder Quote deserializes; add new required fields to header()");
        assert_eq!(cols[0], "doc");
        for c in ["start", "end", "text", "speaker", "side", "title", "date"] {
            assert!(cols.iter().any(|x| x == c), "{c} in {cols:?}");
        }
    }
}
