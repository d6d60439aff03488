//! Row writers for CSV and JSONL, shared by `quotes`, `score` and `tables`.
//!
//! A row is any `Serialize` struct or map (including `#[serde(flatten)]`ed
//! ones); its field names, in order, are the CSV header, written before the
//! first row. Nested values (lists, maps) become JSON text in a CSV cell.
//!
//! CSV output is opened in spreadsheets, which run a cell starting with `=`,
//! `+`, `-`, `@`, tab or carriage return as a formula (CSV injection). Text
//! cells starting so are prefixed with `'`, which spreadsheets show as the
//! text itself; numeric cells are never touched, so `-0.5` stays a number.
//! JSONL output is written unchanged.
//!
//! Output goes to stdout, or to `-o FILE` through [`AtomicFile`]: the file
//! appears complete or not at all, and an interrupted run leaves any earlier
//! file as it was.

use crate::atomic::AtomicFile;
use anyhow::{bail, Context, Result};
use serde::ser::{self, Impossible, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Row formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row (formula-like cells neutralised).
    #[default]
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// The output flags shared by the row-writing subcommands.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// Write to FILE instead of stdout. The file is replaced atomically when
    /// the run completes; an interrupted run leaves any old file untouched.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Where rows go.
enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File(AtomicFile),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::File(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::File(f) => f.flush(),
        }
    }
}

impl Sink {
    fn finish(mut self) -> io::Result<()> {
        self.flush()?;
        match self {
            Sink::Stdout(_) => Ok(()),
            Sink::File(f) => f.commit(),
        }
    }
}

enum Inner {
    Csv(Box<csv::Writer<Sink>>),
    Jsonl(Sink),
}

/// Writes rows as CSV or JSONL to stdout or a file. Call [`RowWriter::finish`]
/// at the end: for a file it is what makes the output appear.
pub struct RowWriter {
    inner: Inner,
    /// The CSV header, fixed by the first row (or [`RowWriter::set_columns`]).
    columns: Option<Vec<String>>,
    rows: u64,
    target: String,
    cells: Vec<Cell>,
}

impl RowWriter {
    /// A writer for the `--format` and `-o` flags.
    pub fn from_args(args: &OutputArgs) -> Result<RowWriter> {
        RowWriter::create(args.output.as_deref(), args.format)
    }

    /// A writer to `path` (atomically) or to stdout when `None` or `-`.
    pub fn create(path: Option<&Path>, format: Format) -> Result<RowWriter> {
        let (sink, target) = match path {
            Some(p) if p.as_os_str() != "-" => {
                let f = AtomicFile::create(p).with_context(|| format!("{}: cannot create the output file", p.display()))?;
                (Sink::File(f), p.display().to_string())
            }
            _ => (Sink::Stdout(BufWriter::with_capacity(1 << 16, io::stdout())), "stdout".to_string()),
        };
        let inner = match format {
            Format::Csv => Inner::Csv(Box::new(csv::WriterBuilder::new().flexible(false).from_writer(sink))),
            Format::Jsonl => Inner::Jsonl(sink),
        };
        Ok(RowWriter { inner, columns: None, rows: 0, target, cells: Vec::new() })
    }

    /// Fixes the CSV header before any row, so that an output with no rows
    /// still has one. Ignored once rows have been written.
    pub fn set_columns(&mut self, columns: &[&str]) {
        if self.columns.is_none() {
            self.columns = Some(columns.iter().map(|c| c.to_string()).collect());
        }
    }

    /// Number of rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes one row.
    pub fn write_row<T: Serialize + ?Sized>(&mut self, row: &T) -> Result<()> {
        let target = &self.target;
        match &mut self.inner {
            Inner::Jsonl(sink) => {
                serde_json::to_writer(&mut *sink, row).with_context(|| format!("writing to {target}"))?;
                sink.write_all(b"\n").with_context(|| format!("writing to {target}"))?;
            }
            Inner::Csv(w) => {
                self.cells.clear();
                row.serialize(RowSerializer { cells: &mut self.cells })
                    .map_err(|e| anyhow::anyhow!("row {}: {e}", self.rows + 1))?;
                match &self.columns {
                    None => {
                        let names: Vec<String> = self.cells.iter().map(|c| c.name.clone()).collect();
                        w.write_record(&names).with_context(|| format!("writing to {target}"))?;
                        self.columns = Some(names);
                    }
                    Some(cols) if self.rows == 0 && !cols.is_empty() && same_names(cols, &self.cells) => {
                        w.write_record(cols).with_context(|| format!("writing to {target}"))?;
                    }
                    Some(cols) if !same_names(cols, &self.cells) => {
                        let got: Vec<&str> = self.cells.iter().map(|c| c.name.as_str()).collect();
                        bail!(
                            "row {} has the columns [{}] but the header is [{}]",
                            self.rows + 1,
                            got.join(", "),
                            cols.join(", ")
                        );
                    }
                    Some(_) => {}
                }
                w.write_record(self.cells.iter().map(|c| c.csv_text().into_owned()))
                    .with_context(|| format!("writing to {target}"))?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Flushes, and for a file renames it into place.
    pub fn finish(self) -> Result<()> {
        let target = self.target;
        let sink = match self.inner {
            Inner::Jsonl(sink) => sink,
            Inner::Csv(mut w) => {
                if self.rows == 0 {
                    if let Some(cols) = &self.columns {
                        w.write_record(cols).with_context(|| format!("writing to {target}"))?;
                    }
                }
                w.into_inner().map_err(|e| e.into_error()).with_context(|| format!("writing to {target}"))?
            }
        };
        sink.finish().with_context(|| format!("writing to {target}"))
    }
}

/// The CSV column names a row would have, for [`RowWriter::set_columns`].
pub fn column_names<T: Serialize + ?Sized>(row: &T) -> Result<Vec<String>> {
    let mut cells = Vec::new();
    row.serialize(RowSerializer { cells: &mut cells }).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(cells.into_iter().map(|c| c.name).collect())
}

fn same_names(cols: &[String], cells: &[Cell]) -> bool {
    cols.len() == cells.len() && cols.iter().zip(cells).all(|(a, b)| *a == b.name)
}

/// Prefixes a cell a spreadsheet would run as a formula with `'`.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// Whether an error comes from writing to a closed pipe (`stance … | head`),
/// which is how a reader says it has had enough, not a failure.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<csv::Error>().is_some_and(|ce| matches!(ce.kind(), csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe))
    })
}

/// One CSV cell: its column name, its text, and whether it is text (only
/// text is neutralised; numbers are left alone).
#[derive(Debug, Clone)]
struct Cell {
    name: String,
    text: String,
    is_text: bool,
}

impl Cell {
    fn csv_text(&self) -> Cow<'_, str> {
        if self.is_text {
            neutralise(&self.text)
        } else {
            Cow::Borrowed(&self.text)
        }
    }
}

/// Errors from flattening a row into cells.
#[derive(Debug)]
struct RowError(String);

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for RowError {}
impl ser::Error for RowError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        RowError(msg.to_string())
    }
}

/// The marker error a cell serializer returns for a nested value, which the
/// row serializer then writes as JSON text.
const NESTED: &str = "\u{0}nested";

/// Serializes a top-level struct or map into named cells.
struct RowSerializer<'a> {
    cells: &'a mut Vec<Cell>,
}

/// One value as a cell, JSON text when it is nested.
fn to_cell<T: Serialize + ?Sized>(name: String, value: &T) -> Result<Cell, RowError> {
    match value.serialize(CellSerializer) {
        Ok((text, is_text)) => Ok(Cell { name, text, is_text }),
        Err(e) if e.0 == NESTED => {
            let text = serde_json::to_string(value).map_err(|e| RowError(e.to_string()))?;
            Ok(Cell { name, text, is_text: true })
        }
        Err(e) => Err(e),
    }
}

fn not_a_row<T>() -> Result<T, RowError> {
    Err(RowError("a row must be a struct or a map".into()))
}

macro_rules! reject {
    ($($f:ident($($t:ty),*)),* $(,)?) => {
        $(fn $f(self, $(_: $t),*) -> Result<Self::Ok, Self::Error> { not_a_row() })*
    };
}

impl<'a> ser::Serializer for RowSerializer<'a> {
    type Ok = ();
    type Error = RowError;
    type SerializeSeq = Impossible<(), RowError>;
    type SerializeTuple = Impossible<(), RowError>;
    type SerializeTupleStruct = Impossible<(), RowError>;
    type SerializeTupleVariant = Impossible<(), RowError>;
    type SerializeMap = RowMap<'a>;
    type SerializeStruct = RowMap<'a>;
    type SerializeStructVariant = Impossible<(), RowError>;

    reject!(
        serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32), serialize_i64(i64),
        serialize_u8(u8), serialize_u16(u16), serialize_u32(u32), serialize_u64(u64), serialize_f32(f32),
        serialize_f64(f64), serialize_char(char), serialize_str(&str), serialize_bytes(&[u8]), serialize_none(),
        serialize_unit(), serialize_unit_struct(&'static str), serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), RowError> {
        v.serialize(self)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<(), RowError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), RowError> {
        not_a_row()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, RowError> {
        not_a_row()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, RowError> {
        not_a_row()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, RowError> {
        not_a_row()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, RowError> {
        not_a_row()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<RowMap<'a>, RowError> {
        Ok(RowMap { cells: self.cells, key: None })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<RowMap<'a>, RowError> {
        Ok(RowMap { cells: self.cells, key: None })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, RowError> {
        not_a_row()
    }
}

/// Collects the fields of a row struct or the entries of a row map.
struct RowMap<'a> {
    cells: &'a mut Vec<Cell>,
    key: Option<String>,
}

impl ser::SerializeStruct for RowMap<'_> {
    type Ok = ();
    type Error = RowError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), RowError> {
        self.cells.push(to_cell(key.to_string(), value)?);
        Ok(())
    }
    fn end(self) -> Result<(), RowError> {
        Ok(())
    }
}

impl ser::SerializeMap for RowMap<'_> {
    type Ok = ();
    type Error = RowError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), RowError> {
        let (k, _) = key.serialize(CellSerializer).map_err(|_| RowError("map keys must be strings or numbers".into()))?;
        self.key = Some(k);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), RowError> {
        let key = self.key.take().ok_or_else(|| RowError("map value without a key".into()))?;
        self.cells.push(to_cell(key, value)?);
        Ok(())
    }
    fn end(self) -> Result<(), RowError> {
        Ok(())
    }
}

/// Serializes one scalar into `(text, is_text)`; nested values give [`NESTED`].
struct CellSerializer;

fn nested<T>() -> Result<T, RowError> {
    Err(RowError(NESTED.into()))
}

impl ser::Serializer for CellSerializer {
    type Ok = (String, bool);
    type Error = RowError;
    type SerializeSeq = Impossible<(String, bool), RowError>;
    type SerializeTuple = Impossible<(String, bool), RowError>;
    type SerializeTupleStruct = Impossible<(String, bool), RowError>;
    type SerializeTupleVariant = Impossible<(String, bool), RowError>;
    type SerializeMap = Impossible<(String, bool), RowError>;
    type SerializeStruct = Impossible<(String, bool), RowError>;
    type SerializeStructVariant = Impossible<(String, bool), RowError>;

    fn serialize_bool(self, v: bool) -> Result<Self::Ok, RowError> {
        Ok((v.to_string(), false))
    }
    fn serialize_i8(self, v: i8) -> Result<Self::Ok, RowError> {
        Ok((v.to_string(), false))
    }
    fn serialize_i16(self, v: i16) -> Result<Self::Ok, RowError> {
        Ok((v.to_string(), false))
    }
    fn serialize_i32(self, v: i32) -> Result<Self::Ok, RowError> {
        Ok((v.to_string(), false))
    }
    fn serialize_i64(self, v: i64) -> Result<Self::Ok, RowError> {
        Ok((v.to_string(), false))
    }
    fn serialize_u8(self, v: u8) -> Result<Self::Ok, RowError> {
        Ok((v.to_string(), false))
    }
    fn serialize_u16(self, v: u16) -> Result<Self::Ok, RowError> {
        Ok((v.to_string(), false))
    }
    fn serialize_u32(self, v: u32) -> Result<Self::Ok, RowError> {
        Ok((v.to_string(), false))
    }
    fn serialize_u64(self, v: u64) -> Result<Self::Ok, RowError> {
        Ok((v.to_string(), false))
    }
    fn serialize_f32(self, v: f32) -> Result<Self::Ok, RowError> {
        Ok((v.to_string(), false))
    }
    fn serialize_f64(self, v: f64) -> Result<Self::Ok, RowError> {
        Ok((v.to_string(), false))
    }
    fn serialize_char(self, v: char) -> Result<Self::Ok, RowError> {
        Ok((v.to_string(), true))
    }
    fn serialize_str(self, v: &str) -> Result<Self::Ok, RowError> {
        Ok((v.to_string(), true))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Self::Ok, RowError> {
        Ok((String::from_utf8_lossy(v).into_owned(), true))
    }
    fn serialize_none(self) -> Result<Self::Ok, RowError> {
        Ok((String::new(), false))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Self::Ok, RowError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Self::Ok, RowError> {
        Ok((String::new(), false))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Self::Ok, RowError> {
        Ok((String::new(), false))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Self::Ok, RowError> {
        Ok((variant.to_string(), true))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<Self::Ok, RowError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, RowError> {
        nested()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, RowError> {
        nested()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, RowError> {
        nested()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, RowError> {
        nested()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, RowError> {
        nested()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, RowError> {
        nested()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, RowError> {
        nested()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, RowError> {
        nested()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    struct Inner {
        start: usize,
        text: String,
    }

    #[derive(Serialize)]
    struct Row {
        doc: String,
        #[serde(flatten)]
        inner: Inner,
        score: f64,
        speaker: Option<String>,
        #[serde(flatten)]
        probs: BTreeMap<String, f64>,
        tags: Vec<String>,
    }

    fn row(text: &str) -> Row {
        let mut probs = BTreeMap::new();
        probs.insert("p_neutral".to_string(), -0.25);
        Row {
            doc: "a.txt".into(),
            inner: Inner { start: 3, text: text.into() },
            score: 0.5,
            speaker: None,
            probs,
            tags: vec!["x".into()],
        }
    }

    fn cells(r: &Row) -> Vec<Cell> {
        let mut cells = Vec::new();
        r.serialize(RowSerializer { cells: &mut cells }).unwrap();
        cells
    }

    #[test]
    fn flattens_structs_and_maps_in_field_order() {
        let c = cells(&row("hi"));
        let names: Vec<&str> = c.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["doc", "start", "text", "score", "speaker", "p_neutral", "tags"]);
        let texts: Vec<&str> = c.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["a.txt", "3", "hi", "0.5", "", "-0.25", "[\"x\"]"]);
    }

    #[test]
    fn neutralises_formula_text_but_not_numbers() {
        let c = cells(&row("=HYPERLINK(\"http://x\")"));
        assert_eq!(c[2].csv_text(), "'=HYPERLINK(\"http://x\")");
        assert_eq!(c[5].csv_text(), "-0.25");
        for bad in ["+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralise("plain"), "plain");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn writes_csv_atomically_with_header_from_first_row() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        let mut w = RowWriter::create(Some(&p), Format::Csv).unwrap();
        w.write_row(&row("one, \"two\"\nthree")).unwrap();
        w.write_row(&row("-x")).unwrap();
        assert!(!p.exists(), "nothing appears before finish");
        w.finish().unwrap();
        let mut r = csv::Reader::from_path(&p).unwrap();
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), ["doc", "start", "text", "score", "speaker", "p_neutral", "tags"]);
        let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
        assert_eq!(&rows[0][2], "one, \"two\"\nthree");
        assert_eq!(&rows[1][2], "'-x");
    }

    #[test]
    fn writes_jsonl_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl");
        let mut w = RowWriter::create(Some(&p), Format::Jsonl).unwrap();
        w.write_row(&row("=1")).unwrap();
        w.finish().unwrap();
        let s = std::fs::read_to_string(&p).unwrap();
        assert_eq!(
            s,
            "{\"doc\":\"a.txt\",\"start\":3,\"text\":\"=1\",\"score\":0.5,\"speaker\":null,\"p_neutral\":-0.25,\"tags\":[\"x\"]}\n"
        );
    }

    #[test]
    fn empty_csv_keeps_a_declared_header() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("empty.csv");
        let mut w = RowWriter::create(Some(&p), Format::Csv).unwrap();
        w.set_columns(&["doc", "text"]);
        w.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "doc,text\n");
    }

    #[test]
    fn a_row_with_other_columns_is_an_error() {
        #[derive(Serialize)]
        struct Other {
            x: u8,
        }
        let dir = tempfile::tempdir().unwrap();
        let mut w = RowWriter::create(Some(&dir.path().join("o.csv")), Format::Csv).unwrap();
        w.write_row(&row("a")).unwrap();
        let e = w.write_row(&Other { x: 1 }).unwrap_err().to_string();
        assert!(e.contains("row 2 has the columns [x]"), "{e}");
    }

    #[test]
    fn column_names_follow_the_serialized_row() {
        assert_eq!(column_names(&row("x")).unwrap(), ["doc", "start", "text", "score", "speaker", "p_neutral", "tags"]);
    }

    #[test]
    fn scalars_are_not_rows() {
        let mut cells = Vec::new();
        assert!(5u8.serialize(RowSerializer { cells: &mut cells }).is_err());
    }
}
