//! Streaming article readers: files, folders and stdin, in plain text, HTML,
//! JSONL and CSV, turned into [`Article`]s one at a time.
//!
//! Memory stays flat whatever the input size: folders are walked lazily,
//! JSONL is read line by line and CSV record by record. A plain-text or HTML
//! file *is* one article, so it is read whole (a 200 MB single-line file is
//! fine); such files are opened a bounded window at a time (64 files or
//! 32 MB) in parallel, so that HTML parsing keeps up with parallel scoring,
//! and handed out in input order.
//!
//! What becomes of bad input, so that callers can count and report it:
//!
//! * empty (or whitespace-only) files and rows, binary files (a NUL byte in
//!   the first 8 KB), UTF-16 files, ragged CSV rows, JSONL lines that are not
//!   JSON objects, rows without text: [`Item::Skipped`] naming the file (and
//!   `file:line` for a row) with the reason;
//! * invalid UTF-8: decoded lossily (U+FFFD), the article is kept and carries
//!   a warning in [`Article::warnings`];
//! * a duplicate `doc` id: the later article gets `ID#2` (then `#3`, …) in
//!   reading order, which is deterministic, and a warning;
//! * a CSV/JSONL file named on the command line (or stdin) without the text
//!   column: an error from [`articles`] listing the columns found, because
//!   the whole run would otherwise be skipped row by row. Found while walking
//!   a folder, the same file is skipped instead (folders often hold other
//!   tables, such as an `expected.csv`).
//!
//! A leading UTF-8 byte-order mark is not text and is removed; every offset
//! downstream counts from the first character after it.

use crate::article::{Article, Meta};
use anyhow::{bail, Context, Result};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// How many leading bytes are looked at to sniff a format or spot binary data.
const SNIFF_LEN: usize = 8 * 1024;

/// File extensions read when walking a folder (files named explicitly are
/// always read). Extension-less files are read too.
const FOLDER_EXTENSIONS: &[&str] = &["txt", "text", "html", "htm", "xhtml", "jsonl", "ndjson", "csv", "tsv"];

/// Input formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    /// Plain text: the whole file is one article.
    Txt,
    /// An HTML page: its visible text (scripts, navigation and page furniture
    /// dropped) is one article; offsets point into that text.
    Html,
    /// One JSON object per line, each an article.
    Jsonl,
    /// A CSV table with a header row, each row an article (`.tsv`: tab-separated).
    Csv,
}

/// The input flags shared by `quotes` and `score`.
#[derive(clap::Args, Clone, Debug)]
pub struct InputArgs {
    /// Files or folders of articles, or `-` for stdin. Folders are searched
    /// recursively in sorted order for .txt, .html/.htm, .jsonl/.ndjson,
    /// .csv/.tsv and extension-less files; hidden files are left out. A
    /// table named here must have the text column; one found in a folder
    /// without it is skipped.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Input format; by default guessed from the extension, else from the
    /// first bytes (`{` → jsonl, an HTML tag → html, otherwise txt).
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// JSONL/CSV column holding the article text.
    #[arg(long, default_value = "text")]
    pub text_col: String,
    /// JSONL/CSV column holding the article id (`doc`); rows without one get
    /// `FILE:LINE`. A repeated id gets `#2`, `#3`, … in reading order, with a warning.
    #[arg(long, default_value = "id")]
    pub id_col: String,
    /// JSONL/CSV column holding the publication date.
    #[arg(long, default_value = "date")]
    pub date_col: String,
    /// JSONL/CSV column holding the title.
    #[arg(long, default_value = "title")]
    pub title_col: String,
    /// JSONL/CSV column holding the URL.
    #[arg(long, default_value = "url")]
    pub url_col: String,
    /// JSONL/CSV column holding the outlet (publisher) name.
    #[arg(long, default_value = "outlet")]
    pub outlet_col: String,
}

impl InputArgs {
    /// Arguments reading `paths` with every other flag at its default.
    pub fn new(paths: Vec<PathBuf>) -> InputArgs {
        InputArgs {
            paths,
            input_format: None,
            text_col: "text".into(),
            id_col: "id".into(),
            date_col: "date".into(),
            title_col: "title".into(),
            url_col: "url".into(),
            outlet_col: "outlet".into(),
        }
    }
}

/// One thing read: an article, or an input that could not become one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Article(Article),
    /// `doc` names the file, or `FILE:LINE` for a JSONL/CSV row.
    Skipped { doc: String, reason: String },
}

/// One thing read, possibly not yet parsed: a JSONL line is handed out as
/// its raw bytes, so that a consumer that scores in parallel can parse it
/// on a worker ([`Raw::parse`]) instead of on the thread that reads. JSON
/// parsing and unescaping were some 6 % of `stance score`, done serially
/// beside the workers. Ids are not yet made unique ([`UniqueIds`]).
pub enum Raw {
    Ready(Item),
    Jsonl { rows: Arc<RowInfo>, line_no: u64, bytes: Vec<u8> },
}

impl Raw {
    /// The item: a JSONL line parsed, anything else as it is. Pure: call it
    /// on any thread.
    pub fn parse(self) -> Item {
        match self {
            Raw::Ready(item) => item,
            Raw::Jsonl { rows, line_no, bytes } => rows.row(line_no, &bytes),
        }
    }
}

/// Gives a repeated doc id a deterministic suffix (`#2`, `#3`, …) and a
/// warning. Must see the items in input order.
#[derive(Default)]
pub struct UniqueIds {
    seen: HashSet<String>,
}

impl UniqueIds {
    pub fn new() -> UniqueIds {
        UniqueIds::default()
    }

    /// Renames `item`'s doc if an earlier item had it.
    pub fn assign(&mut self, item: &mut Item) {
        if let Item::Article(a) = item {
            self.make_unique(a);
        }
    }

    fn make_unique(&mut self, a: &mut Article) {
        if self.seen.insert(a.doc.clone()) {
            return;
        }
        let mut n = 2usize;
        loop {
            let candidate = format!("{}#{n}", a.doc);
            if self.seen.insert(candidate.clone()) {
                a.warnings.push(format!("duplicate id `{}`: renamed to `{candidate}`", a.doc));
                a.doc = candidate;
                return;
            }
            n += 1;
        }
    }
}

/// Opens every path (checking that each exists and that tables named
/// explicitly have the text column) and returns a lazy iterator over the
/// articles, in the order given, folders in sorted order.
pub fn articles(args: &InputArgs) -> Result<Articles> {
    let mut roots = VecDeque::new();
    let mut stdin_used = false;
    for p in &args.paths {
        if p.as_os_str() == "-" {
            if stdin_used {
                bail!("`-` (stdin) can be given only once");
            }
            stdin_used = true;
            roots.push_back(Root::Stdin);
            continue;
        }
        let md = std::fs::metadata(p).with_context(|| format!("{}: cannot read", p.display()))?;
        if md.is_dir() {
            roots.push_back(Root::Dir(p.clone()));
        } else {
            roots.push_back(Root::File(p.clone()));
        }
    }
    let cols = Columns {
        text: args.text_col.clone(),
        id: args.id_col.clone(),
        date: args.date_col.clone(),
        title: args.title_col.clone(),
        url: args.url_col.clone(),
        outlet: args.outlet_col.clone(),
    };
    let mut it = Articles {
        cols,
        format: args.input_format,
        roots,
        walker: None,
        current: None,
        pending: VecDeque::new(),
        ids: UniqueIds::new(),
    };
    // Explicitly named tables are checked now so that a missing text column
    // is an error before any output is written. Stdin's reader is kept for
    // the iteration, since stdin cannot be read twice.
    let mut checked = VecDeque::new();
    while let Some(root) = it.roots.pop_front() {
        match root {
            Root::Dir(_) => checked.push_back(root),
            Root::File(ref p) => {
                // Only tables are opened now, to check their columns, and
                // closed again: text files are read lazily, one at a time,
                // so `stance quotes *.txt` over 100,000 files stays flat.
                let format = match it.format.or_else(|| format_from_extension(p)) {
                    Some(f) => f,
                    None => sniff_file(p).with_context(|| format!("{}: cannot read", p.display()))?,
                };
                if matches!(format, InputFormat::Csv | InputFormat::Jsonl) {
                    let opened = open_source(Source::File(p.clone()), it.format, &it.cols)
                        .with_context(|| format!("{}: cannot read", p.display()))?;
                    check_explicit(opened)?;
                }
                checked.push_back(root);
            }
            Root::Stdin => {
                let opened = open_source(Source::Stdin, it.format, &it.cols).context("-: cannot read stdin")?;
                checked.push_back(Root::Opened(check_explicit(opened)?));
            }
            Root::Opened(_) => checked.push_back(root),
        }
    }
    it.roots = checked;
    Ok(it)
}

/// Turns a missing text column in an explicitly named table into an error.
fn check_explicit(opened: Opened) -> Result<Opened> {
    match opened {
        Opened::MissingColumn { name, message } => bail!("{name}: {message}"),
        other => Ok(other),
    }
}

/// Column names for JSONL/CSV input.
#[derive(Debug, Clone)]
struct Columns {
    text: String,
    id: String,
    date: String,
    title: String,
    url: String,
    outlet: String,
}

enum Root {
    Stdin,
    File(PathBuf),
    Dir(PathBuf),
    /// Stdin already opened (and checked) by [`articles`]: it cannot be read twice.
    Opened(Opened),
}

enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    fn name(&self) -> String {
        match self {
            Source::Stdin => "-".to_string(),
            Source::File(p) => p.display().to_string(),
        }
    }
}

/// What opening one source gave.
enum Opened {
    /// Whole-file articles (txt, html) and whole-file skips are ready at once.
    Done(Item),
    Rows(Box<dyn RowSource>),
    MissingColumn { name: String, message: String },
}

/// A JSONL or CSV file being read one row at a time.
trait RowSource: Send {
    /// The next row, or `None` at the end of the file.
    fn next_row(&mut self) -> Option<Raw>;
}

/// Files opened together in parallel (read, decoded, HTML parsed) ahead of
/// the consumer: at most this many…
const LOOKAHEAD_FILES: usize = 64;
/// …and no more bytes than this (a larger file is opened on its own), so
/// memory stays bounded whatever the folder holds.
const LOOKAHEAD_BYTES: u64 = 32 << 20;

/// The lazy article iterator returned by [`articles`].
///
/// Whole files (text, HTML) are opened a small window at a time, in parallel
/// on the current rayon pool, and handed out in input order, so HTML parsing
/// does not hold back a parallel consumer and the output stays deterministic.
pub struct Articles {
    cols: Columns,
    format: Option<InputFormat>,
    roots: VecDeque<Root>,
    walker: Option<Box<dyn Iterator<Item = walkdir::Result<walkdir::DirEntry>> + Send>>,
    current: Option<Box<dyn RowSource>>,
    pending: VecDeque<Opened>,
    ids: UniqueIds,
}

/// A source gathered for the next window, or something already known.
enum Next {
    Open { src: Source, in_folder: bool },
    Known(Opened),
}

impl Iterator for Articles {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        let mut item = self.next_unparsed()?.parse();
        self.ids.assign(&mut item);
        Some(item)
    }
}

impl Articles {
    /// The next item, a JSONL line not yet parsed, and before duplicate ids
    /// are resolved: a consumer that takes items this way parses them with
    /// [`Raw::parse`] and then passes them, in input order, through its own
    /// [`UniqueIds`] (the iterator's own is not used).
    pub fn next_unparsed(&mut self) -> Option<Raw> {
        loop {
            if let Some(rows) = self.current.as_mut() {
                match rows.next_row() {
                    Some(item) => return Some(item),
                    None => {
                        self.current = None;
                        continue;
                    }
                }
            }
            match self.pending.pop_front() {
                Some(Opened::Done(item)) => return Some(Raw::Ready(item)),
                Some(Opened::Rows(r)) => self.current = Some(r),
                Some(Opened::MissingColumn { name, message }) => {
                    return Some(Raw::Ready(Item::Skipped { doc: name, reason: message }))
                }
                None => {
                    if !self.fill() {
                        return None;
                    }
                }
            }
        }
    }

    /// Gathers the next window of sources and opens them in parallel, in
    /// order. Returns false when there is nothing left.
    fn fill(&mut self) -> bool {
        let mut window: Vec<Next> = Vec::new();
        let mut bytes = 0u64;
        while window.len() < LOOKAHEAD_FILES && (window.is_empty() || bytes < LOOKAHEAD_BYTES) {
            if let Some(walker) = self.walker.as_mut() {
                match walker.next() {
                    Some(Ok(entry)) => {
                        if entry.file_type().is_file() && wanted_in_folder(entry.path()) {
                            bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
                            window.push(Next::Open { src: Source::File(entry.into_path()), in_folder: true });
                        }
                    }
                    Some(Err(e)) => {
                        let doc = e.path().map_or_else(|| "(folder walk)".to_string(), |p| p.display().to_string());
                        let reason = match e.io_error() {
                            Some(io) => format!("cannot read: {io}"),
                            None => e.to_string(),
                        };
                        window.push(Next::Known(Opened::Done(Item::Skipped { doc, reason })));
                    }
                    None => self.walker = None,
                }
                continue;
            }
            match self.roots.pop_front() {
                None => break,
                Some(Root::Dir(d)) => {
                    let walker = walkdir::WalkDir::new(d)
                        .follow_links(true)
                        .sort_by_file_name()
                        .into_iter()
                        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
                    self.walker = Some(Box::new(walker));
                }
                Some(Root::File(p)) => {
                    bytes += std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                    window.push(Next::Open { src: Source::File(p), in_folder: false });
                }
                Some(Root::Stdin) => window.push(Next::Open { src: Source::Stdin, in_folder: false }),
                Some(Root::Opened(o)) => window.push(Next::Known(o)),
            }
        }
        if window.is_empty() {
            return false;
        }
        let (format, cols) = (self.format, &self.cols);
        let opened: Vec<Opened> = window
            .into_par_iter()
            .map(|next| match next {
                Next::Known(o) => o,
                Next::Open { src, in_folder } => open_one(src, in_folder, format, cols),
            })
            .collect();
        self.pending.extend(opened);
        true
    }

}

/// Opens one source; a read error or (in a folder) a table without the text
/// column becomes a skip.
fn open_one(src: Source, in_folder: bool, format: Option<InputFormat>, cols: &Columns) -> Opened {
    let name = src.name();
    match open_source(src, format, cols) {
        Ok(Opened::MissingColumn { name, message }) if in_folder => {
            Opened::Done(Item::Skipped { doc: name, reason: message })
        }
        Ok(o) => o,
        Err(e) => Opened::Done(Item::Skipped { doc: name, reason: format!("{e:#}") }),
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

/// Whether a file met while walking a folder is read.
fn wanted_in_folder(path: &Path) -> bool {
    let hidden = path.file_name().map(is_hidden).unwrap_or(true);
    if hidden {
        return false;
    }
    match path.extension() {
        None => true,
        Some(ext) => {
            let ext = ext.to_string_lossy().to_ascii_lowercase();
            FOLDER_EXTENSIONS.contains(&ext.as_str())
        }
    }
}

/// Format from a file extension, if it names one.
fn format_from_extension(path: &Path) -> Option<InputFormat> {
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    match ext.as_str() {
        "txt" | "text" => Some(InputFormat::Txt),
        "html" | "htm" | "xhtml" => Some(InputFormat::Html),
        "jsonl" | "ndjson" | "json" => Some(InputFormat::Jsonl),
        "csv" | "tsv" => Some(InputFormat::Csv),
        _ => None,
    }
}

/// Format from the first bytes of a file.
fn sniff_format(head: &[u8]) -> InputFormat {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    let head = &head[start..];
    if matches!(head.first(), Some(b'{' | b'[')) {
        return InputFormat::Jsonl;
    }
    if head.first() == Some(&b'<') {
        let lower: Vec<u8> = head.iter().take(1024).map(|b| b.to_ascii_lowercase()).collect();
        let markers: [&[u8]; 6] = [b"<!doctype html", b"<html", b"<head", b"<body", b"<p>", b"<div"];
        if markers.iter().any(|m| lower.windows(m.len()).any(|w| w == *m)) {
            return InputFormat::Html;
        }
    }
    InputFormat::Txt
}

/// The format of a file without a telling extension, from its first bytes.
fn sniff_file(p: &Path) -> io::Result<InputFormat> {
    let mut f = File::open(p)?;
    Ok(sniff_format(&read_head(&mut f)?))
}

/// Reads up to [`SNIFF_LEN`] bytes.
fn read_head(r: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    r.take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Why the first bytes say this is not text, if they do.
fn binary_reason(head: &[u8]) -> Option<String> {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Some("UTF-16 text is not supported: convert the file to UTF-8".into());
    }
    head.iter()
        .position(|&b| b == 0)
        .map(|i| format!("binary file (NUL byte at offset {i}), not text"))
}

/// Decodes bytes as UTF-8, replacing invalid sequences, with a warning when
/// any were replaced.
pub fn decode_lossy(bytes: Vec<u8>) -> (String, Option<String>) {
    match String::from_utf8(bytes) {
        Ok(s) => (s, None),
        Err(e) => {
            let first = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let bad = bytes.utf8_chunks().filter(|c| !c.invalid().is_empty()).count();
            let s = String::from_utf8_lossy(&bytes).into_owned();
            let warning = format!(
                "invalid UTF-8: {bad} byte sequence{} replaced with U+FFFD (first at byte {first})",
                if bad == 1 { "" } else { "s" }
            );
            (s, Some(warning))
        }
    }
}

/// Removes a leading UTF-8 byte-order mark.
fn strip_bom(mut s: String) -> String {
    if s.starts_with('\u{FEFF}') {
        s.drain(..'\u{FEFF}'.len_utf8());
    }
    s
}

/// Opens one source: sniffs its format and reads whole-file articles, or
/// prepares a row reader for tables.
fn open_source(src: Source, format: Option<InputFormat>, cols: &Columns) -> Result<Opened> {
    let name = src.name();
    let mut size_hint = 0usize;
    let (mut reader, ext_format, tab): (Box<dyn Read + Send>, Option<InputFormat>, bool) = match &src {
        Source::Stdin => (Box::new(io::stdin()), None, false),
        Source::File(p) => {
            let f = File::open(p)?;
            size_hint = f.metadata().map(|m| m.len() as usize).unwrap_or(0);
            let tab = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
            (Box::new(f), format_from_extension(p), tab)
        }
    };
    let head = read_head(&mut reader)?;
    if head.iter().all(|b| b.is_ascii_whitespace()) && head.len() < SNIFF_LEN {
        return Ok(Opened::Done(Item::Skipped { doc: name, reason: "empty file".into() }));
    }
    if let Some(reason) = binary_reason(&head) {
        return Ok(Opened::Done(Item::Skipped { doc: name, reason }));
    }
    let format = format.or(ext_format).unwrap_or_else(|| sniff_format(&head));
    let full: Box<dyn Read + Send> = Box::new(Cursor::new(head).chain(reader));
    match format {
        InputFormat::Txt | InputFormat::Html => {
            // Sized from the file's length so a large file is not copied
            // while the buffer doubles.
            let mut bytes = Vec::with_capacity(size_hint.saturating_add(1));
            let mut full = full;
            full.read_to_end(&mut bytes)?;
            let (text, warning) = decode_lossy(bytes);
            let text = strip_bom(text);
            let mut article = Article { doc: name.clone(), ..Article::default() };
            if format == InputFormat::Html {
                let page = crate::html::extract(&text);
                article.text = page.text;
                article.meta = page.meta;
                article.warnings.extend(page.warnings);
            } else {
                article.text = text;
            }
            article.warnings.extend(warning);
            if article.text.trim().is_empty() {
                let reason = if format == InputFormat::Html { "no visible text in the page" } else { "empty file" };
                return Ok(Opened::Done(Item::Skipped { doc: name, reason: reason.into() }));
            }
            Ok(Opened::Done(Item::Article(article)))
        }
        InputFormat::Jsonl => JsonlRows::open(name, full, cols),
        InputFormat::Csv => CsvRows::open(name, full, cols, if tab { b'\t' } else { b',' }),
    }
}

/// Renders a JSON value as a metadata string (`null` and `""` are absent).
fn json_meta(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.trim().is_empty() => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// JSONL: one object per line.
struct JsonlRows {
    name: String,
    reader: BufReader<Box<dyn Read + Send>>,
    line: u64,
    buf: Vec<u8>,
    /// What turning a line into an item needs, shared with the lines.
    info: Arc<RowInfo>,
    done: bool,
}

/// The file name and columns of a JSONL file, which `RowInfo::row` needs
/// to turn one of its lines into an item on any thread.
pub struct RowInfo {
    name: String,
    cols: Columns,
}

impl JsonlRows {
    fn open(name: String, r: Box<dyn Read + Send>, cols: &Columns) -> Result<Opened> {
        let mut rows = JsonlRows {
            name: name.clone(),
            reader: BufReader::with_capacity(1 << 16, r),
            line: 0,
            buf: Vec::new(),
            info: Arc::new(RowInfo { name, cols: cols.clone() }),
            done: false,
        };
        // Check the first object for the text column; it is then read again
        // as the first row by replaying it.
        let first = loop {
            match rows.read_line() {
                Ok(true) if rows.buf.iter().all(|b| b.is_ascii_whitespace()) => continue,
                Ok(true) => break Some(rows.buf.clone()),
                Ok(false) => break None,
                Err(e) => return Err(e).with_context(|| format!("line {}", rows.line + 1)),
            }
        };
        let Some(first) = first else {
            return Ok(Opened::Done(Item::Skipped { doc: rows.name, reason: "empty file".into() }));
        };
        let first_line = rows.line;
        let parsed = serde_json::from_slice::<serde_json::Value>(&first);
        if parsed.is_err() {
            // A whole JSON document rather than JSON Lines would otherwise be
            // reported line by line.
            let trimmed = first.trim_ascii();
            let what = if trimmed.starts_with(b"[") {
                Some("a JSON array")
            } else if trimmed == b"{" {
                Some("pretty-printed JSON")
            } else {
                None
            };
            if let Some(what) = what {
                return Ok(Opened::Done(Item::Skipped {
                    doc: rows.name,
                    reason: format!("{what}, not JSON Lines (one object per line); convert it with `jq -c '.[]'` or `jq -c .`"),
                }));
            }
        }
        if let Ok(serde_json::Value::Object(map)) = parsed {
            if !map.contains_key(&cols.text) {
                let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
                keys.sort_unstable();
                return Ok(Opened::MissingColumn {
                    name: rows.name.clone(),
                    message: format!(
                        "no `{}` field in the first object (line {first_line}); fields found: {}; name the text field with --text-col",
                        cols.text,
                        keys.join(", ")
                    ),
                });
            }
        }
        Ok(Opened::Rows(Box::new(Replay { first: Some((first_line, first)), rest: rows })))
    }

    /// Reads the next raw line into `buf`, without its line ending; false at
    /// the end. The buffer is reused: a fresh one per line grew by doubling
    /// through a dozen reallocations for every article.
    fn read_line(&mut self) -> io::Result<bool> {
        self.buf.clear();
        let n = self.reader.read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        let l = &mut self.buf;
        if l.last() == Some(&b'\n') {
            l.pop();
            if l.last() == Some(&b'\r') {
                l.pop();
            }
        }
        Ok(true)
    }
}

impl RowInfo {
    /// Turns one line into an item.
    fn row(&self, line_no: u64, raw: &[u8]) -> Item {
        // `file:line`, for messages and for a row without an id: built only
        // when needed, not for every row.
        let at = || format!("{}:{line_no}", self.name);
        // Parsed in place when it is valid UTF-8 (nearly always); copied
        // and repaired only when it is not.
        let repaired;
        let (line, warning) = match std::str::from_utf8(raw) {
            Ok(s) => (s, None),
            Err(_) => {
                let (s, w) = decode_lossy(raw.to_vec());
                repaired = s;
                (repaired.as_str(), w)
            }
        };
        let line = if line_no == 1 { line.strip_prefix('\u{FEFF}').unwrap_or(line) } else { line };
        let value: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => return Item::Skipped { doc: at(), reason: format!("not valid JSON: {e}") },
        };
        let serde_json::Value::Object(mut map) = value else {
            return Item::Skipped { doc: at(), reason: "not a JSON object".into() };
        };
        // Taken out of the map, not copied: it is most of the line.
        let text = match map.remove(&self.cols.text) {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Null) | None => {
                return Item::Skipped { doc: at(), reason: format!("no `{}` field", self.cols.text) }
            }
            Some(_) => return Item::Skipped { doc: at(), reason: format!("`{}` is not a string", self.cols.text) },
        };
        let doc = json_meta(map.get(&self.cols.id)).unwrap_or_else(at);
        if text.trim().is_empty() {
            return Item::Skipped { doc, reason: format!("empty text (row {})", at()) };
        }
        let meta = Meta {
            date: json_meta(map.get(&self.cols.date)),
            title: json_meta(map.get(&self.cols.title)),
            url: json_meta(map.get(&self.cols.url)),
            outlet: json_meta(map.get(&self.cols.outlet)),
        };
        let warnings = warning.map(|w| format!("{}: {w}", at())).into_iter().collect();
        Item::Article(Article { doc, text, meta, warnings })
    }
}

/// A [`JsonlRows`] whose first line was already read while checking columns.
struct Replay {
    first: Option<(u64, Vec<u8>)>,
    rest: JsonlRows,
}

impl RowSource for Replay {
    fn next_row(&mut self) -> Option<Raw> {
        if let Some((n, l)) = self.first.take() {
            return Some(Raw::Jsonl { rows: self.rest.info.clone(), line_no: n, bytes: l });
        }
        if self.rest.done {
            return None;
        }
        loop {
            match self.rest.read_line() {
                Ok(true) if self.rest.buf.iter().all(|b| b.is_ascii_whitespace()) => continue,
                Ok(true) => {
                    // An exact-size copy: the read buffer keeps its capacity
                    // for the next line.
                    let (rows, line_no, bytes) = (self.rest.info.clone(), self.rest.line, self.rest.buf.to_vec());
                    return Some(Raw::Jsonl { rows, line_no, bytes });
                }
                Ok(false) => {
                    self.rest.done = true;
                    return None;
                }
                Err(e) => {
                    self.rest.done = true;
                    let at = format!("{}:{}", self.rest.name, self.rest.line + 1);
                    return Some(Raw::Ready(Item::Skipped { doc: at, reason: format!("read error, rest of file skipped: {e}") }));
                }
            }
        }
    }
}

/// CSV: a header row, then one article per record.
struct CsvRows {
    name: String,
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: csv::ByteRecord,
    width: usize,
    text: usize,
    id: Option<usize>,
    date: Option<usize>,
    title: Option<usize>,
    url: Option<usize>,
    outlet: Option<usize>,
    done: bool,
}

/// Index of a column: exact name first, then ignoring case and surrounding spaces.
fn find_col(headers: &[String], name: &str) -> Option<usize> {
    headers
        .iter()
        .position(|h| h == name)
        .or_else(|| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name.trim())))
}

impl CsvRows {
    fn open(name: String, r: Box<dyn Read + Send>, cols: &Columns, delimiter: u8) -> Result<Opened> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).delimiter(delimiter).from_reader(r);
        let headers: Vec<String> = reader
            .byte_headers()
            .with_context(|| format!("{name}: reading the header row"))?
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        let Some(text) = find_col(&headers, &cols.text) else {
            let found: Vec<String> = headers.iter().map(|h| format!("`{h}`")).collect();
            return Ok(Opened::MissingColumn {
                name,
                message: format!(
                    "no `{}` column; columns found: {}; name the text column with --text-col",
                    cols.text,
                    found.join(", ")
                ),
            });
        };
        Ok(Opened::Rows(Box::new(CsvRows {
            name,
            width: headers.len(),
            text,
            id: find_col(&headers, &cols.id),
            date: find_col(&headers, &cols.date),
            title: find_col(&headers, &cols.title),
            url: find_col(&headers, &cols.url),
            outlet: find_col(&headers, &cols.outlet),
            reader,
            record: csv::ByteRecord::new(),
            done: false,
        })))
    }

    /// A cell as text (lossy), with whether it had invalid UTF-8.
    fn cell(&self, i: Option<usize>) -> Option<(String, bool)> {
        let raw = self.record.get(i?)?;
        match std::str::from_utf8(raw) {
            Ok(s) => Some((s.to_string(), false)),
            Err(_) => Some((String::from_utf8_lossy(raw).into_owned(), true)),
        }
    }

    fn meta_cell(&self, i: Option<usize>) -> Option<String> {
        self.cell(i).map(|(s, _)| s).filter(|s| !s.trim().is_empty())
    }
}

impl RowSource for CsvRows {
    fn next_row(&mut self) -> Option<Raw> {
        self.next_item().map(Raw::Ready)
    }
}

impl CsvRows {
    fn next_item(&mut self) -> Option<Item> {
        if self.done {
            return None;
        }
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => {
                self.done = true;
                None
            }
            Ok(true) => {
                let line = self.record.position().map(|p| p.line()).unwrap_or(0);
                let at = format!("{}:{line}", self.name);
                if self.record.len() != self.width {
                    return Some(Item::Skipped {
                        doc: at,
                        reason: format!("row has {} fields but the header has {}", self.record.len(), self.width),
                    });
                }
                let (text, bad_text) = self.cell(Some(self.text)).unwrap_or_default();
                let doc = self.meta_cell(self.id).unwrap_or_else(|| at.clone());
                if text.trim().is_empty() {
                    return Some(Item::Skipped { doc, reason: format!("empty text (row {at})") });
                }
                let mut warnings = Vec::new();
                let any_bad = bad_text || self.record.iter().any(|c| std::str::from_utf8(c).is_err());
                if any_bad {
                    warnings.push(format!("{at}: invalid UTF-8 replaced with U+FFFD"));
                }
                let meta = Meta {
                    date: self.meta_cell(self.date),
                    title: self.meta_cell(self.title),
                    url: self.meta_cell(self.url),
                    outlet: self.meta_cell(self.outlet),
                };
                Some(Item::Article(Article { doc, text, meta, warnings }))
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    self.done = true;
                    return Some(Item::Skipped {
                        doc: format!("{}:{line}", self.name),
                        reason: format!("read error, rest of file skipped: {e}"),
                    });
                }
                Some(Item::Skipped { doc: format!("{}:{line}", self.name), reason: e.to_string() })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn read_all(paths: &[&Path]) -> Vec<Item> {
        let args = InputArgs::new(paths.iter().map(|p| p.to_path_buf()).collect());
        articles(&args).unwrap().collect()
    }

    fn article(item: &Item) -> &Article {
        match item {
            Item::Article(a) => a,
            Item::Skipped { doc, reason } => panic!("skipped {doc}: {reason}"),
        }
    }

    #[test]
    fn folder_is_walked_in_sorted_order_skipping_hidden_and_unknown_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("b.txt"), "B text").unwrap();
        fs::write(dir.path().join("a.txt"), "A text").unwrap();
        fs::write(dir.path().join("sub/c"), "C text").unwrap();
        fs::write(dir.path().join(".hidden.txt"), "hidden").unwrap();
        fs::write(dir.path().join("notes.md"), "# not an article").unwrap();
        let items = read_all(&[dir.path()]);
        let texts: Vec<&str> = items.iter().map(|i| article(i).text.as_str()).collect();
        assert_eq!(texts, ["A text", "B text", "C text"]);
        assert!(article(&items[0]).doc.ends_with("a.txt"));
    }

    #[test]
    fn empty_and_binary_files_are_skipped_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.txt");
        let blank = dir.path().join("blank.txt");
        let bin = dir.path().join("image.txt");
        fs::write(&empty, "").unwrap();
        fs::write(&blank, " \n\t\n").unwrap();
        fs::write(&bin, b"GIF89a\x00\x01\x02").unwrap();
        let items = read_all(&[&empty, &blank, &bin]);
        let reasons: Vec<String> = items
            .iter()
            .map(|i| match i {
                Item::Skipped { reason, .. } => reason.clone(),
                Item::Article(a) => panic!("read {}", a.doc),
            })
            .collect();
        assert_eq!(reasons[0], "empty file");
        assert_eq!(reasons[1], "empty file");
        assert!(reasons[2].contains("binary file (NUL byte at offset 6)"), "{}", reasons[2]);
    }

    #[test]
    fn invalid_utf8_is_kept_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.txt");
        fs::write(&p, b"He said \"caf\xE9\" and \xFF left.").unwrap();
        let items = read_all(&[&p]);
        let a = article(&items[0]);
        assert_eq!(a.text, "He said \"caf\u{FFFD}\" and \u{FFFD} left.");
        assert_eq!(a.warnings.len(), 1);
        assert!(a.warnings[0].contains("2 byte sequences replaced"), "{:?}", a.warnings);
        assert!(a.warnings[0].contains("first at byte 12"), "{:?}", a.warnings);
    }

    #[test]
    fn a_bom_is_not_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bom.txt");
        fs::write(&p, "\u{FEFF}Text").unwrap();
        assert_eq!(article(&read_all(&[&p])[0]).text, "Text");
    }

    #[test]
    fn jsonl_rows_are_articles_with_ids_and_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        fs::write(
            &p,
            "{\"id\":\"x1\",\"text\":\"one\",\"date\":\"2024-01-02\",\"title\":\"T\",\"outlet\":\"O\",\"url\":null}\n\
             \n\
             {\"text\":\"two\",\"id\":7}\r\n\
             {\"text\":\"three\"}\n\
             [1,2]\n\
             {\"text\": 5}\n\
             {not json\n\
             {\"id\":\"x1\",\"text\":\"dup\"}",
        )
        .unwrap();
        let items = read_all(&[&p]);
        let name = p.display().to_string();
        assert_eq!(items.len(), 7);
        let a = article(&items[0]);
        assert_eq!((a.doc.as_str(), a.text.as_str()), ("x1", "one"));
        assert_eq!(a.meta.date.as_deref(), Some("2024-01-02"));
        assert_eq!(a.meta.title.as_deref(), Some("T"));
        assert_eq!(a.meta.outlet.as_deref(), Some("O"));
        assert_eq!(a.meta.url, None);
        assert_eq!(article(&items[1]).doc, "7");
        assert_eq!(article(&items[2]).doc, format!("{name}:4"));
        assert_eq!(items[3], Item::Skipped { doc: format!("{name}:5"), reason: "not a JSON object".into() });
        assert_eq!(items[4], Item::Skipped { doc: format!("{name}:6"), reason: "`text` is not a string".into() });
        assert!(matches!(&items[5], Item::Skipped { doc, reason } if *doc == format!("{name}:7") && reason.starts_with("not valid JSON")));
        let dup = article(&items[6]);
        assert_eq!(dup.doc, "x1#2");
        assert_eq!(dup.warnings, ["duplicate id `x1`: renamed to `x1#2`"]);
    }

    #[test]
    fn csv_handles_bom_quotes_newlines_and_ragged_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        fs::write(
            &p,
            "\u{FEFF}id,Text,title\n\
             a,\"He said \"\"no\"\",\nthen left.\",T1\n\
             b,too,many,fields\n\
             c,plain,\n\
             d,,T4\n",
        )
        .unwrap();
        let items = read_all(&[&p]);
        let name = p.display().to_string();
        assert_eq!(items.len(), 4);
        let a = article(&items[0]);
        assert_eq!(a.doc, "a");
        assert_eq!(a.text, "He said \"no\",\nthen left.");
        assert_eq!(a.meta.title.as_deref(), Some("T1"));
        assert_eq!(
            items[1],
            Item::Skipped { doc: format!("{name}:4"), reason: "row has 4 fields but the header has 3".into() }
        );
        let c = article(&items[2]);
        assert_eq!((c.doc.as_str(), c.meta.title.as_deref()), ("c", None));
        assert!(matches!(&items[3], Item::Skipped { doc, reason } if doc == "d" && reason.contains("empty text")));
    }

    #[test]
    fn a_missing_text_column_is_an_error_listing_the_columns() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        fs::write(&p, "id,body\n1,x\n").unwrap();
        let e = articles(&InputArgs::new(vec![p.clone()])).err().unwrap();
        let msg = format!("{e:#}");
        assert!(msg.contains("no `text` column; columns found: `id`, `body`"), "{msg}");
        assert!(msg.contains("--text-col"), "{msg}");
        let mut args = InputArgs::new(vec![p]);
        args.text_col = "body".into();
        let items: Vec<Item> = articles(&args).unwrap().collect();
        assert_eq!(article(&items[0]).text, "x");
    }

    #[test]
    fn a_table_without_text_in_a_folder_is_skipped_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("expected.csv"), "file,speaker\n1,x\n").unwrap();
        fs::write(dir.path().join("z.txt"), "article").unwrap();
        let items = read_all(&[dir.path()]);
        assert!(matches!(&items[0], Item::Skipped { reason, .. } if reason.contains("columns found: `file`, `speaker`")));
        assert_eq!(article(&items[1]).text, "article");
    }

    #[test]
    fn jsonl_missing_text_field_is_an_error_listing_fields() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        fs::write(&p, "{\"body\":\"x\",\"id\":1}\n").unwrap();
        let msg = format!("{:#}", articles(&InputArgs::new(vec![p])).err().unwrap());
        assert!(msg.contains("fields found: body, id"), "{msg}");
    }

    #[test]
    fn nonexistent_paths_are_errors() {
        let msg = format!("{:#}", articles(&InputArgs::new(vec!["/no/such/file.txt".into()])).err().unwrap());
        assert!(msg.contains("/no/such/file.txt"), "{msg}");
    }

    #[test]
    fn format_is_sniffed_without_an_extension() {
        let dir = tempfile::tempdir().unwrap();
        let h = dir.path().join("page");
        let j = dir.path().join("rows");
        fs::write(&h, "<!DOCTYPE html><html><body><nav>Menu</nav><p>Body text</p></body></html>").unwrap();
        fs::write(&j, "{\"text\":\"row text\"}\n").unwrap();
        let items = read_all(&[&h, &j]);
        assert_eq!(article(&items[0]).text, "Body text");
        assert_eq!(article(&items[1]).text, "row text");
    }

    #[test]
    fn file_paths_given_twice_get_unique_docs() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        fs::write(&p, "x").unwrap();
        let items = read_all(&[&p, &p]);
        assert_eq!(article(&items[1]).doc, format!("{}#2", p.display()));
    }

    #[test]
    fn text_files_are_read_lazily_not_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        let b = dir.path().join("b.txt");
        fs::write(&a, "first").unwrap();
        fs::write(&b, "second").unwrap();
        let mut it = articles(&InputArgs::new(vec![a.clone(), b.clone()])).unwrap();
        fs::write(&b, "changed after opening").unwrap();
        assert_eq!(article(&it.next().unwrap()).text, "first");
        assert_eq!(article(&it.next().unwrap()).text, "changed after opening");
        assert!(it.next().is_none());
    }

    #[test]
    fn order_is_kept_across_parallel_windows() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..(3 * LOOKAHEAD_FILES + 5) {
            let ext = ["txt", "html", "jsonl"][i % 3];
            let body = match ext {
                "html" => format!("<p>article {i:04}</p>"),
                "jsonl" => format!("{{\"text\":\"article {i:04}\"}}\n{{\"text\":\"article {i:04} row 2\"}}"),
                _ => format!("article {i:04}"),
            };
            fs::write(dir.path().join(format!("{i:04}.{ext}")), body).unwrap();
        }
        let texts: Vec<String> = read_all(&[dir.path()]).iter().map(|i| article(i).text.clone()).collect();
        let mut expected = Vec::new();
        for i in 0..(3 * LOOKAHEAD_FILES + 5) {
            expected.push(format!("article {i:04}"));
            if i % 3 == 2 {
                expected.push(format!("article {i:04} row 2"));
            }
        }
        assert_eq!(texts, expected);
    }

    #[test]
    fn json_documents_are_skipped_with_advice_not_line_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let arr = dir.path().join("a.json");
        let pretty = dir.path().join("b.json");
        fs::write(&arr, "[\n  {\"text\": \"x\"}\n]\n").unwrap();
        fs::write(&pretty, "{\n  \"text\": \"x\"\n}\n").unwrap();
        let items = read_all(&[&arr, &pretty]);
        assert_eq!(items.len(), 2);
        assert!(matches!(&items[0], Item::Skipped { reason, .. } if reason.starts_with("a JSON array, not JSON Lines")));
        assert!(matches!(&items[1], Item::Skipped { reason, .. } if reason.starts_with("pretty-printed JSON, not JSON Lines")));
    }

    #[test]
    fn iterator_is_send() {
        fn is_send<T: Send>(_: &T) {}
        let dir = tempfile::tempdir().unwrap();
        is_send(&articles(&InputArgs::new(vec![dir.path().to_path_buf()])).unwrap());
    }
}
