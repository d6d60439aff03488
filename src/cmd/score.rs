//! `stance score`: articles in, one scored row per quote part out.
//!
//! Streaming: articles are read in chunks, each chunk is scored in parallel
//! (rayon, order kept), then near-duplicates are marked and the rows written
//! in input order. Memory holds a few chunks and the duplicate index, which
//! `--dedup-window` bounds; the output is byte-identical for any `--threads`.
//!
//! With `-o FILE` the rows go to `FILE.partial`, appended one chunk at a
//! time with a single write; every few chunks ([`CHECKPOINT_CHUNKS`]) the
//! file is synced, and only then is the small sidecar `FILE.partial.json`
//! (articles done, bytes committed) replaced atomically. `FILE` itself appears, by rename, only when the run is
//! complete, so a run killed at any moment leaves `FILE` as it was, and
//! `--resume` cuts `FILE.partial` back to the last checkpoint, rebuilds
//! the duplicate index from the articles already done (extraction only, no
//! model) and scores the rest: no article twice, none missed, and the same
//! bytes as an uninterrupted run.

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use stance::dedup::{self, Index};
use stance::input::{articles, InputArgs, Item, Raw, UniqueIds};
use stance::model::Model;
use stance::score::{score_article, Classifier, Format, Formatted, RowWriter};
use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Model file (from `stance train`); the embedded default model otherwise.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub actors: super::ActorArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// Write to FILE (atomically, resumable) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: all cores). The output does not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Continue an interrupted `-o FILE` run from FILE.partial.
    #[arg(long, requires = "output")]
    pub resume: bool,
    /// Near-duplicates are looked for among the last N articles (at least
    /// N/2 back, sometimes N), so memory stays flat on any input: about
    /// 0.8 KB per article remembered. 0: among all of them.
    #[arg(long, default_value_t = DEDUP_WINDOW, value_name = "N")]
    pub dedup_window: usize,
    /// Articles per chunk (scored in parallel, written together).
    #[arg(long, default_value_t = 256, value_name = "N", hide = true)]
    pub chunk: usize,
}

/// Default `--dedup-window`: some 80 MB of index at most, and a story's
/// reprints are found if they come within 50,000 articles of it (a month of
/// a large news feed in date order).
const DEDUP_WINDOW: usize = 100_000;

/// What the sidecar records at each checkpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
struct Progress {
    /// Identifies the arguments the partial output was written with.
    fingerprint: String,
    /// Input items (articles and skipped inputs) consumed.
    items: u64,
    /// The last item's doc, checked on resume.
    last_doc: String,
    /// Length of FILE.partial that is committed.
    bytes: u64,
    counts: Counts,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
struct Counts {
    read: u64,
    scored: u64,
    skipped: u64,
    quotes: u64,
    parts: u64,
    duplicates: u64,
    #[serde(default)]
    in_article: u64,
    warnings: u64,
    text_bytes: u64,
}

/// Where rows go.
enum Sink {
    /// Standard output, or a device or pipe named by `-o` (`/dev/null`),
    /// written in place: renaming a partial file over it would replace it.
    Stream(std::io::BufWriter<Box<dyn Write + Send>>, String),
    /// `progress` is the last checkpoint handed to `syncer`; `written`
    /// counts every byte appended since the file was opened or cut back to
    /// a checkpoint, and `pending` the chunks appended since the last
    /// checkpoint.
    File {
        target: PathBuf,
        partial: PathBuf,
        sidecar: PathBuf,
        file: File,
        syncer: Syncer,
        progress: Progress,
        written: u64,
        pending: usize,
    },
}

/// Makes the checkpoints of a file output on a thread of its own: syncs
/// the partial output, then replaces the progress file. A checkpoint waits
/// on the disk, and on the scoring thread that wait stopped the scoring
/// (on one thread, a second per GB of input on this machine's disk, and
/// far more on a slow or network disk). The progress file still never
/// claims bytes that are not synced: a checkpoint is handed over after its
/// bytes are written, and the sync covers at least them. One checkpoint
/// waits while the one before is made, so the output is never more than
/// two checkpoints ahead of the disk.
struct Syncer {
    tx: Option<std::sync::mpsc::SyncSender<Progress>>,
    handle: Option<std::thread::JoinHandle<Result<()>>>,
}

impl Syncer {
    fn start(file: &File, partial: &Path, sidecar: &Path) -> Result<Syncer> {
        let file = file.try_clone().with_context(|| format!("opening {}", partial.display()))?;
        let (partial, sidecar) = (partial.to_path_buf(), sidecar.to_path_buf());
        let (tx, rx) = std::sync::mpsc::sync_channel::<Progress>(1);
        let handle = std::thread::Builder::new()
            .name("stance-checkpoint".into())
            .spawn(move || -> Result<()> {
                for next in rx {
                    file.sync_data().with_context(|| format!("syncing {}", partial.display()))?;
                    let json = serde_json::to_vec(&next)?;
                    stance::atomic::write_all(&sidecar, &json).with_context(|| format!("writing {}", sidecar.display()))?;
                }
                Ok(())
            })
            .context("starting the checkpoint thread")?;
        Ok(Syncer { tx: Some(tx), handle: Some(handle) })
    }

    /// Hands over a checkpoint whose bytes are written; fails with the
    /// thread's error if an earlier checkpoint failed.
    fn checkpoint(&mut self, progress: Progress) -> Result<()> {
        match &self.tx {
            Some(tx) if tx.send(progress).is_ok() => Ok(()),
            _ => {
                self.stop()?;
                bail!("the checkpoint thread has stopped")
            }
        }
    }

    /// Waits until every checkpoint handed over is made.
    fn stop(&mut self) -> Result<()> {
        drop(self.tx.take());
        match self.handle.take() {
            Some(h) => h.join().unwrap_or_else(|_| bail!("the checkpoint thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for Syncer {
    /// On an error elsewhere, the checkpoints already handed over are still
    /// made, so that `--resume` loses as little as it can.
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// A checkpoint (sync the output, then replace the progress file) is made
/// after this many chunks, or sooner once this many bytes are unsynced, and
/// after the header. Made after every chunk, the fsync and the atomic
/// progress file cost about a second per GB of input with two workers; in
/// exchange `--resume` now redoes at most 16 chunks (4,096 articles by default).
const CHECKPOINT_CHUNKS: usize = 16;
const CHECKPOINT_BYTES: u64 = 8 << 20;

fn partial_paths(target: &Path) -> (PathBuf, PathBuf) {
    let mut p = target.as_os_str().to_owned();
    p.push(".partial");
    let partial = PathBuf::from(p);
    let mut s = partial.as_os_str().to_owned();
    s.push(".json");
    (partial, PathBuf::from(s))
}

impl Sink {
    /// Appends one chunk's bytes and records the progress.
    fn commit(&mut self, bytes: &[u8], progress: &Progress) -> Result<()> {
        match self {
            Sink::Stream(w, name) => {
                w.write_all(bytes).with_context(|| format!("writing to {name}"))?;
                w.flush().with_context(|| format!("writing to {name}"))
            }
            Sink::File { partial, file, syncer, progress: p, written, pending, .. } => {
                // One write call: a killed process leaves whole chunks only,
                // and the sidecar never claims bytes that are not synced (a
                // resume cuts back to what it claims).
                file.write_all(bytes).with_context(|| format!("writing {}", partial.display()))?;
                *written += bytes.len() as u64;
                *pending += 1;
                let first = p.bytes == 0;
                if !first && *pending < CHECKPOINT_CHUNKS && *written - p.bytes < CHECKPOINT_BYTES {
                    return Ok(());
                }
                let mut next = progress.clone();
                next.bytes = *written;
                syncer.checkpoint(next.clone())?;
                *p = next;
                *pending = 0;
                Ok(())
            }
        }
    }

    /// Renames the finished partial output over the target.
    fn finish(self) -> Result<()> {
        match self {
            Sink::Stream(mut w, name) => w.flush().with_context(|| format!("writing to {name}")),
            Sink::File { target, partial, sidecar, file, mut syncer, .. } => {
                syncer.stop()?;
                file.sync_all().with_context(|| format!("syncing {}", partial.display()))?;
                drop(file);
                std::fs::rename(&partial, &target)
                    .with_context(|| format!("renaming {} to {}", partial.display(), target.display()))?;
                std::fs::remove_file(&sidecar).with_context(|| format!("removing {}", sidecar.display()))?;
                Ok(())
            }
        }
    }
}

/// A hash of everything that decides the output bytes, so that `--resume`
/// refuses to continue a partial file written with other arguments.
fn fingerprint(args: &Args, labels: &[String]) -> String {
    let mut h = Sha256::new();
    let i = &args.input;
    let desc = format!(
        "v1|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}|{}|{}|{}|{}|{}|{:?}",
        args.format,
        args.model,
        (&args.actors.actors, &args.actors.add_actors),
        labels,
        i.paths,
        i.input_format,
        i.text_col,
        i.id_col,
        i.date_col,
        i.title_col,
        i.url_col,
        i.outlet_col,
        args.chunk
    );
    // Only when set otherwise than the default, so that partial outputs
    // written before the option existed still resume.
    let desc = if args.dedup_window == DEDUP_WINDOW { desc } else { format!("{desc}|window {}", args.dedup_window) };
    h.update(desc.as_bytes());
    if let Some(m) = &args.model {
        if let Ok(bytes) = std::fs::read(m) {
            h.update(&bytes);
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens the output. Returns the sink and, when resuming, the progress to
/// continue from.
fn open_sink(args: &Args, fp: &str, writer: &RowWriter) -> Result<(Sink, Option<Progress>)> {
    let stream = match &args.output {
        None => Some((Box::new(std::io::stdout()) as Box<dyn Write + Send>, "standard output".to_string())),
        Some(t) if stance::model::is_special_file(t) => {
            if args.resume {
                bail!("{} is not a regular file: --resume needs a file to continue", t.display());
            }
            let f = OpenOptions::new().write(true).open(t).with_context(|| format!("opening {}", t.display()))?;
            Some((Box::new(f) as Box<dyn Write + Send>, t.display().to_string()))
        }
        Some(_) => None,
    };
    if let Some((out, name)) = stream {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
        let mut head = Vec::new();
        writer.header(&mut head);
        w.write_all(&head).with_context(|| format!("writing to {name}"))?;
        return Ok((Sink::Stream(w, name), None));
    }
    let target = args.output.as_ref().expect("the stream case returned above");
    let (partial, sidecar) = partial_paths(target);
    let has_state = sidecar.exists() && partial.exists();
    if !args.resume && has_state {
        bail!(
            "{} holds an interrupted run of this output: add --resume to continue it, or delete it and {} to start again",
            partial.display(),
            sidecar.display()
        );
    }
    if args.resume && has_state {
        let raw = std::fs::read(&sidecar).with_context(|| format!("reading {}", sidecar.display()))?;
        let progress: Progress = serde_json::from_slice(&raw)
            .with_context(|| format!("{}: not a progress file of `stance score`", sidecar.display()))?;
        if progress.fingerprint != fp {
            bail!(
                "{} was written with other arguments (inputs, model, actors or format); run again with the same ones, or delete it and {} to start again",
                partial.display(),
                sidecar.display()
            );
        }
        let file = OpenOptions::new().write(true).open(&partial).with_context(|| format!("opening {}", partial.display()))?;
        let len = file.metadata().with_context(|| format!("reading {}", partial.display()))?.len();
        if len < progress.bytes {
            bail!(
                "{} is shorter ({len} bytes) than its progress file records ({} bytes); it was changed by something else; delete it and {} to start again",
                partial.display(),
                progress.bytes,
                sidecar.display()
            );
        }
        // Drop whatever a killed run appended after its last commit.
        file.set_len(progress.bytes).with_context(|| format!("truncating {}", partial.display()))?;
        let mut file = file;
        use std::io::Seek;
        file.seek(std::io::SeekFrom::End(0)).with_context(|| format!("opening {}", partial.display()))?;
        let written = progress.bytes;
        let syncer = Syncer::start(&file, &partial, &sidecar)?;
        let sink = Sink::File { target: target.clone(), partial, sidecar, file, syncer, progress: progress.clone(), written, pending: 0 };
        return Ok((sink, Some(progress)));
    }
    if args.resume {
        eprintln!("stance score: nothing to resume for {}; scoring from the start", target.display());
    }
    let file = File::create(&partial).with_context(|| format!("creating {}", partial.display()))?;
    let syncer = Syncer::start(&file, &partial, &sidecar)?;
    let mut sink = Sink::File {
        target: target.clone(),
        partial,
        sidecar,
        file,
        syncer,
        progress: Progress { fingerprint: fp.into(), ..Progress::default() },
        written: 0,
        pending: 0,
    };
    let mut head = Vec::new();
    writer.header(&mut head);
    let p = Progress { fingerprint: fp.into(), ..Progress::default() };
    sink.commit(&head, &p)?;
    Ok((sink, None))
}

fn item_doc(it: &Item) -> &str {
    match it {
        Item::Article(a) => &a.doc,
        Item::Skipped { doc, .. } => doc,
    }
}

/// Progress bar on a terminal only: articles, quotes, rate and (for files)
/// an ETA from the input size.
fn progress_bar(input: &InputArgs) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let mut total = 0u64;
    for p in &input.paths {
        for e in walkdir::WalkDir::new(p).into_iter().flatten() {
            if e.file_type().is_file() {
                total += e.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{wide_bar}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}  {msg}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    let pb = if total > 0 { indicatif::ProgressBar::new(total) } else { indicatif::ProgressBar::no_length() };
    pb.set_style(style);
    pb
}

/// One input item as the in-order stage needs it. A worker reduces a scored
/// article to this (its rows formatted but for `duplicate_of`, its sketch,
/// its counts) and frees the rest (the text, the quotes and their many small
/// strings) itself: freeing them on the in-order thread made that thread a
/// fifth of the work, and every cycle it takes from the workers costs
/// scaling on two cores.
// Boxing the large variant would buy nothing: a chunk holds a few hundred.
#[allow(clippy::large_enum_variant)]
enum Done {
    Skipped { doc: String, reason: String },
    Scored { doc: String, text_len: u64, warnings: Vec<String>, sketch: dedup::Sketch, quotes: u64, parts: u64, rows: Formatted },
}

impl Done {
    fn of(item: Item, actors: &stance::actors::Actors, clf: &dyn Classifier, writer: &RowWriter) -> Done {
        match item {
            Item::Skipped { doc, reason } => Done::Skipped { doc, reason },
            Item::Article(a) => {
                let s = score_article(&a, actors, clf);
                let rows = writer.format_rows(&s);
                Done::Scored {
                    text_len: a.text.len() as u64,
                    warnings: a.warnings,
                    quotes: s.quote_count() as u64,
                    parts: s.quotes.len() as u64,
                    doc: s.doc,
                    sketch: s.sketch,
                    rows,
                }
            }
        }
    }
}

/// A scored chunk, in input order.
type Ready = Vec<Done>;

/// The next `n` items, unparsed: for JSONL only cutting the input into
/// lines, a task run beside the scoring of the chunk before.
fn read_chunk(items: &mut stance::input::Articles, n: usize) -> Vec<Raw> {
    std::iter::from_fn(|| items.next_unparsed()).take(n).collect()
}

/// Parses a chunk on the workers, then gives repeated ids their suffixes
/// in input order (a hash-set lookup per article, on the calling thread,
/// itself a worker when the loop runs in the pool).
fn parse_chunk(pool: &rayon::ThreadPool, raw: Vec<Raw>, ids: &mut UniqueIds) -> Vec<Item> {
    let mut items: Vec<Item> = pool.install(|| raw.into_par_iter().map(Raw::parse).collect());
    for it in &mut items {
        ids.assign(it);
    }
    items
}

/// The in-order stage: duplicate marks, counts, messages, commit.
struct Ordered<'a> {
    index: &'a mut Index,
    sink: &'a mut Sink,
    counts: &'a mut Counts,
    consumed: &'a mut u64,
    last_doc: &'a mut String,
    buf: Vec<u8>,
    pb: &'a indicatif::ProgressBar,
    writer: &'a RowWriter,
    fp: &'a str,
}

impl Ordered<'_> {
    /// Marks and commits one chunk; `Ok(false)` when standard output was
    /// closed by its reader.
    fn commit_chunk(&mut self, batch: Ready) -> Result<bool> {
        let counts = &mut *self.counts;
        let pb = self.pb;
        self.buf.clear();
        let items = batch.len() as u64;
        for done in batch {
            counts.read += 1;
            let doc = match done {
                Done::Skipped { doc, reason } => {
                    counts.skipped += 1;
                    pb.suspend(|| eprintln!("stance score: skipped {doc}: {reason}"));
                    doc
                }
                Done::Scored { doc, text_len, warnings, sketch, quotes, parts, rows } => {
                    counts.scored += 1;
                    counts.text_bytes += text_len;
                    for w in &warnings {
                        counts.warnings += 1;
                        pb.suspend(|| eprintln!("stance score: warning: {doc}: {w}"));
                    }
                    let verdict = self.index.add(&doc, &sketch);
                    counts.quotes += quotes;
                    counts.parts += parts;
                    for (_, d) in &verdict.repeats {
                        if d.rsplit_once(':').is_some_and(|(d, _)| d == doc) {
                            counts.in_article += 1;
                        } else {
                            counts.duplicates += 1;
                        }
                    }
                    self.writer.finish_rows(&mut self.buf, &rows, &verdict);
                    pb.inc(text_len);
                    doc
                }
            };
            *self.last_doc = doc;
        }
        *self.consumed += items;
        let progress =
            Progress { fingerprint: self.fp.to_string(), items: *self.consumed, last_doc: self.last_doc.clone(), bytes: 0, counts: *counts };
        if let Err(e) = self.sink.commit(&self.buf, &progress) {
            if stance::output::is_broken_pipe(&e) {
                return Ok(false);
            }
            return Err(e);
        }
        pb.set_message(format!("{} articles, {} quotes", counts.scored, counts.quotes));
        Ok(true)
    }
}

pub fn run(args: Args) -> Result<u8> {
    let started = Instant::now();
    let actors = args.actors.load()?;
    let loaded;
    let model: &Model = match &args.model {
        Some(p) => {
            loaded = Model::load(p)?;
            &loaded
        }
        None => Model::builtin(),
    };
    let clf: &dyn Classifier = model;
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        if n == 0 {
            bail!("--threads must be at least 1");
        }
        builder = builder.num_threads(n);
    }
    let pool = builder.build().context("starting worker threads")?;
    let chunk = args.chunk.max(1);
    let writer = RowWriter::new(args.format, clf.labels());
    let fp = fingerprint(&args, clf.labels());

    let mut items = articles(&args.input)?;
    let mut ids = UniqueIds::new();
    let (mut sink, resumed) = open_sink(&args, &fp, &writer)?;
    let mut index = Index::with_window(args.dedup_window);
    let mut counts = Counts::default();
    let mut consumed = 0u64;
    let mut last_doc = String::new();

    if let Some(p) = &resumed {
        // Rebuild the duplicate index from the articles already done, with
        // extraction only: none of them is scored again.
        let mut left = p.items;
        while left > 0 {
            let batch = parse_chunk(&pool, read_chunk(&mut items, chunk.min(left as usize)), &mut ids);
            if batch.is_empty() {
                bail!("the input now has fewer articles ({consumed}) than the interrupted run had done ({}); it has changed", p.items);
            }
            let sketches: Vec<Option<dedup::Sketch>> = pool.install(|| {
                batch
                    .par_iter()
                    .map(|it| match it {
                        Item::Article(a) => Some(dedup::sketch(&a.text, &stance::extract::extract(&a.text, &actors))),
                        Item::Skipped { .. } => None,
                    })
                    .collect()
            });
            for (it, sk) in batch.iter().zip(sketches) {
                if let Some(sk) = sk {
                    index.add(item_doc(it), &sk);
                }
                last_doc = item_doc(it).to_string();
            }
            consumed += batch.len() as u64;
            left -= batch.len() as u64;
        }
        if last_doc != p.last_doc {
            bail!(
                "the input has changed since the interrupted run: its article {} is `{last_doc}`, not `{}`",
                p.items,
                p.last_doc
            );
        }
        counts = p.counts;
        eprintln!(
            "stance score: resuming: {} articles already scored in the partial output were skipped, not scored again",
            p.items
        );
    }

    let pb = progress_bar(&args.input);
    pb.inc(counts.text_bytes);

    // A pipeline: the workers score chunk N+1 while, as one more task
    // beside the scoring, chunk N+2 is cut from the input and parsed and
    // chunk N gets its duplicate marks (in input order) and is committed,
    // so the ordered part overlaps the parallel one instead of idling the
    // cores. The parsing of N+2 is inside that task rather than a step of
    // its own before the scoring: as a step, its end was a second barrier
    // per chunk where one worker waited for the other (on two cores the
    // workers were busy 95.5% of the time; with the parsing moved, 98.6%).
    // Work outside the pool is serial, and on two cores it competes with
    // the workers, capping the speed-up: the JSON parsing was on a reader
    // thread of its own, and so was the reading until it became a task
    // beside the scoring.
    let mut state = Ordered {
        index: &mut index,
        sink: &mut sink,
        counts: &mut counts,
        consumed: &mut consumed,
        last_doc: &mut last_doc,
        buf: Vec::with_capacity(1 << 20),
        pb: &pb,
        writer: &writer,
        fp: &fp,
    };
    // The whole loop runs on a worker of the pool, and the in-order stage
    // of chunk N is one more task beside the scoring of chunk N+1 (after
    // cutting and parsing chunk N+2): with threads of their own, the
    // reading and the in-order stage competed with the workers for the
    // cores, and every hand-over between threads waited for a time slice
    // while the workers idled. The checkpoints of `-o` (every 16 chunks or
    // 8 MB, [`CHECKPOINT_CHUNKS`]) are handed to the [`Syncer`], whose
    // thread waits on the disk instead of a worker. The loop stops at the
    // first error, or when the reader of standard output has gone.
    let (ids, actors, writer, pool_ref, items, state) = (&mut ids, &actors, &writer, &pool, &mut items, &mut state);
    let committed: Result<bool> = pool.install(move || {
        let next_batch = |items: &mut stance::input::Articles, ids: &mut UniqueIds| {
            let raw = read_chunk(items, chunk);
            if raw.is_empty() {
                None
            } else {
                Some(parse_chunk(pool_ref, raw, ids))
            }
        };
        let mut batch = next_batch(items, ids);
        let mut pending: Option<Ready> = None;
        while batch.is_some() || pending.is_some() {
            let prev = pending.take();
            let (scored, (next, done)) = rayon::join(
                || batch.map(|b| b.into_par_iter().map(|it| Done::of(it, actors, clf, writer)).collect::<Ready>()),
                || {
                    let next = next_batch(items, ids);
                    (next, prev.map_or(Ok(true), |p| state.commit_chunk(p)))
                },
            );
            if !done? {
                return Ok(false);
            }
            pending = scored;
            batch = next;
        }
        Ok(true)
    });
    let stopped = !committed?;
    pb.finish_and_clear();
    if stopped {
        // The reader (`stance score … | head`) has had enough.
        return Ok(0);
    }
    sink.finish()?;

    let secs = started.elapsed().as_secs_f64().max(1e-9);
    eprintln!(
        "stance score: {} articles read, {} scored, {} skipped; {} quotes ({} parts), {} marked as repeats of an earlier article, {} as printed twice in their own; {} warnings; {:.1} s, {:.1} MB/s",
        counts.read,
        counts.scored,
        counts.skipped,
        counts.quotes,
        counts.parts,
        counts.duplicates,
        counts.in_article,
        counts.warnings,
        secs,
        counts.text_bytes as f64 / 1e6 / secs
    );
    Ok(if counts.skipped > 0 { 1 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A checkpoint handed to the thread is made by the time `stop`
    /// returns: the progress file records it, and the bytes it claims are
    /// in the file.
    #[test]
    fn checkpoints_handed_to_the_syncer_are_written_by_stop() {
        let dir = tempfile::tempdir().unwrap();
        let (partial, sidecar) = partial_paths(&dir.path().join("out.csv"));
        let mut file = File::create(&partial).unwrap();
        let mut syncer = Syncer::start(&file, &partial, &sidecar).unwrap();
        let mut last = Progress::default();
        for (i, chunk) in ["a,b\n", "1,2\n", "3,4\n"].iter().enumerate() {
            file.write_all(chunk.as_bytes()).unwrap();
            last = Progress { fingerprint: "fp".into(), items: i as u64 + 1, bytes: 4 * (i as u64 + 1), ..Progress::default() };
            syncer.checkpoint(last.clone()).unwrap();
        }
        syncer.stop().unwrap();
        let recorded: Progress = serde_json::from_slice(&std::fs::read(&sidecar).unwrap()).unwrap();
        assert_eq!(recorded, last);
        assert_eq!(std::fs::metadata(&partial).unwrap().len(), recorded.bytes);
    }

    /// A failed checkpoint is reported by the next one, not lost.
    #[test]
    fn a_failed_checkpoint_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (partial, _) = partial_paths(&dir.path().join("out.csv"));
        let file = File::create(&partial).unwrap();
        // A progress file inside a directory that does not exist cannot be written.
        let sidecar = dir.path().join("missing").join("out.csv.partial.json");
        let mut syncer = Syncer::start(&file, &partial, &sidecar).unwrap();
        let mut err = None;
        for i in 0..3 {
            if let Err(e) = syncer.checkpoint(Progress { items: i, ..Progress::default() }) {
                err = Some(e);
                break;
            }
        }
        let err = match err {
            Some(e) => e,
            None => syncer.stop().expect_err("the progress file could not be written"),
        };
        assert!(format!("{err:#}").contains("missing"), "{err:#}");
    }
}
