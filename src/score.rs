//! Scoring: one article in, its quote rows out, each with a tone label and one
//! probability per model label.
//!
//! [`score_article`] is pure and runs on any thread (the `score` command runs
//! it over a chunk of articles with rayon); the near-duplicate marks need the
//! articles in input order, so they are added afterwards by the caller from
//! [`crate::dedup::Index`]. Rows are written in two steps for the same
//! reason: [`RowWriter::format_rows`] (every cell but `duplicate_of`, on the
//! worker threads) and [`RowWriter::finish_rows`] (in input order).
//!
//! Output rows are one per quote *part*, like `stance quotes`, but the label is
//! computed once per quote on its parts joined: a part cut off by its
//! attribution ("The past two years," he said, ...) has no tone of its own.
//! Probabilities are printed with six decimals so that every consumer,
//! including `stance tables` merging shards, reads exactly the same numbers.

use crate::actors::Actors;
use crate::article::{Article, Meta};
use crate::dedup::{self, Sketch, Verdict};
use crate::extract::{extract, Quote};
use std::fmt::Write as _;

/// Anything that gives a probability per label for a text. The embedded
/// model implements it; tests use small hand-written classifiers.
pub trait Classifier: Sync {
    /// The labels, in the order of [`Classifier::predict_proba`]'s output.
    fn labels(&self) -> &[String];
    /// One probability per label, summing to 1.
    fn predict_proba(&self, text: &str) -> Vec<f64>;
}


impl Classifier for crate::model::Model {
    fn labels(&self) -> &[String] {
        crate::model::Model::labels(self)
    }
    fn predict_proba(&self, text: &str) -> Vec<f64> {
        crate::model::Model::predict_proba(self, text)
    }
}

/// One article, scored.
#[derive(Debug, Clone)]
pub struct Scored {
    pub doc: String,
    pub meta: Meta,
    /// Quote parts, in text order.
    pub quotes: Vec<Quote>,
    /// Per quote part: index of the label and the probabilities (the parts of
    /// one quote share them).
    pub labels: Vec<(usize, Vec<f64>)>,
    /// For the near-duplicate index.
    pub sketch: Sketch,
    pub warnings: Vec<String>,
}

impl Scored {
    /// Number of distinct quotes (not parts).
    pub fn quote_count(&self) -> usize {
        self.quotes.iter().filter(|q| q.part == 1).count()
    }
}

/// Index of the largest probability; the first on ties, so the label never
/// depends on anything but the numbers.
fn argmax(p: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in p.iter().enumerate() {
        if v > p[best] {
            best = i;
        }
    }
    best
}

/// Extracts, attributes and labels every quote of `article`.
pub fn score_article(article: &Article, actors: &Actors, clf: &dyn Classifier) -> Scored {
    let quotes = extract(&article.text, actors);
    let mut labels = Vec::with_capacity(quotes.len());
    let mut i = 0;
    while i < quotes.len() {
        let j = quotes[i..].iter().position(|q| q.quote != quotes[i].quote).map_or(quotes.len(), |n| i + n);
        // A one-part quote (most) is classified in place, without a copy.
        let p = if j - i == 1 {
            clf.predict_proba(&quotes[i].text)
        } else {
            clf.predict_proba(&quotes[i..j].iter().map(|q| q.text.as_str()).collect::<Vec<_>>().join(" "))
        };
        let l = argmax(&p);
        for _ in i..j {
            labels.push((l, p.clone()));
        }
        i = j;
    }
    let sketch = dedup::sketch(&article.text, &quotes);
    Scored {
        doc: article.doc.clone(),
        meta: article.meta.clone(),
        quotes,
        labels,
        sketch,
        warnings: article.warnings.clone(),
    }
}

/// Score-file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
}

/// The quote columns, in output order, before the metadata, label,
/// probabilities and `duplicate_of`.
pub const QUOTE_COLUMNS: &[&str] = &[
    "doc", "quote", "part", "parts", "start", "end", "text", "speaker", "speaker_mention",
    "mention_start", "mention_end", "side", "cue", "date", "title", "outlet", "label",
];

/// Writes score rows with a fixed column set for one model.
pub struct RowWriter {
    format: Format,
    labels: Vec<String>,
}

impl RowWriter {
    pub fn new(format: Format, labels: &[String]) -> RowWriter {
        RowWriter { format, labels: labels.to_vec() }
    }

    /// Every column name, in output order.
    pub fn columns(&self) -> Vec<String> {
        let mut c: Vec<String> = QUOTE_COLUMNS.iter().map(|s| s.to_string()).collect();
        c.extend(self.labels.iter().map(|l| format!("p_{l}")));
        c.push("duplicate_of".into());
        c
    }

    /// The header line (CSV only; JSONL has none).
    pub fn header(&self, out: &mut Vec<u8>) {
        if self.format == Format::Csv {
            let cols = self.columns();
            let refs: Vec<&str> = cols.iter().map(|s| s.as_str()).collect();
            csv_line(out, &refs);
        }
    }

    /// Appends the rows of one scored article.
    pub fn write_article(&self, out: &mut Vec<u8>, s: &Scored, verdict: &Verdict) {
        self.finish_rows(out, &self.format_rows(s), verdict);
    }

    /// Formats every cell of an article's rows except the last,
    /// `duplicate_of`, which needs the articles in input order. This is the
    /// bulk of the formatting and runs on the worker threads.
    pub fn format_rows(&self, s: &Scored) -> Formatted {
        let mut f = Formatted { bytes: Vec::with_capacity(s.quotes.len() * 320), rows: Vec::with_capacity(s.quotes.len()) };
        let out = &mut f.bytes;
        for (q, (l, p)) in s.quotes.iter().zip(s.labels.iter()) {
            let label = self.labels.get(*l).map(String::as_str).unwrap_or("");
            match self.format {
                Format::Csv => {
                    csv_cell(out, &s.doc);
                    for n in [q.quote, q.part, q.parts, q.start, q.end] {
                        out.push(b',');
                        push_usize(out, n);
                    }
                    out.push(b',');
                    csv_cell(out, &q.text);
                    for c in [q.speaker.as_deref(), q.speaker_mention.as_deref()] {
                        out.push(b',');
                        csv_cell(out, c.unwrap_or(""));
                    }
                    for n in [q.mention_start, q.mention_end] {
                        out.push(b',');
                        if let Some(n) = n {
                            push_usize(out, n);
                        }
                    }
                    for c in [q.side.as_deref(), q.cue.as_deref(), s.meta.date.as_deref(), s.meta.title.as_deref(), s.meta.outlet.as_deref(), Some(label)] {
                        out.push(b',');
                        csv_cell(out, c.unwrap_or(""));
                    }
                    for &v in p {
                        out.push(b',');
                        push_fixed6(out, v);
                    }
                    out.push(b',');
                }
                Format::Jsonl => {
                    let js = |v: &str| serde_json::to_string(v).unwrap_or_else(|_| "\"\"".into());
                    let jo = |v: Option<&str>| v.map_or("null".to_string(), js);
                    let jn = |v: Option<usize>| v.map_or("null".to_string(), |n| n.to_string());
                    let _ = write!(
                        Buf(out),
                        "{{\"doc\":{},\"quote\":{},\"part\":{},\"parts\":{},\"start\":{},\"end\":{},\"text\":{},\"speaker\":{},\"speaker_mention\":{},\"mention_start\":{},\"mention_end\":{},\"side\":{},\"cue\":{},\"date\":{},\"title\":{},\"outlet\":{},\"label\":{}",
                        js(&s.doc),
                        q.quote,
                        q.part,
                        q.parts,
                        q.start,
                        q.end,
                        js(&q.text),
                        jo(q.speaker.as_deref()),
                        jo(q.speaker_mention.as_deref()),
                        jn(q.mention_start),
                        jn(q.mention_end),
                        jo(q.side.as_deref()),
                        jo(q.cue.as_deref()),
                        jo(s.meta.date.as_deref()),
                        jo(s.meta.title.as_deref()),
                        jo(s.meta.outlet.as_deref()),
                        js(label),
                    );
                    for (name, v) in self.labels.iter().zip(p.iter()) {
                        let _ = write!(Buf(out), ",{}:{v:.6}", js(&format!("p_{name}")));
                    }
                    out.extend_from_slice(b",\"duplicate_of\":");
                }
            }
            f.rows.push((out.len(), q.quote));
        }
        f
    }

    /// Appends the rows formatted by [`RowWriter::format_rows`], completed
    /// with their `duplicate_of` cell. Needs only `f`, not the scored
    /// article, so the in-order stage can run after the article (its text,
    /// quotes and their many small strings) was freed on a worker thread.
    pub fn finish_rows(&self, out: &mut Vec<u8>, f: &Formatted, verdict: &Verdict) {
        let mut start = 0;
        for &(end, quote) in &f.rows {
            out.extend_from_slice(&f.bytes[start..end]);
            start = end;
            let dup = verdict.duplicate_of(quote);
            match self.format {
                Format::Csv => csv_cell(out, dup.unwrap_or("")),
                Format::Jsonl => match dup {
                    Some(d) => {
                        out.extend_from_slice(serde_json::to_string(d).unwrap_or_default().as_bytes());
                        out.push(b'}');
                    }
                    None => out.extend_from_slice(b"null}"),
                },
            }
            out.push(b'\n');
        }
    }
}

/// An article's rows with every cell but the last.
#[derive(Debug, Clone, Default)]
pub struct Formatted {
    bytes: Vec<u8>,
    /// Per row: where it ends in `bytes`, and its quote number.
    rows: Vec<(usize, usize)>,
}

/// `fmt::Write` into a byte buffer.
struct Buf<'a>(&'a mut Vec<u8>);
impl std::fmt::Write for Buf<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// One CSV cell, formula-neutralised by [`crate::output::neutralise`] (the
/// numbers written here are never negative, so no number is touched) and
/// quoted when it holds a comma, quote or line break, as the csv crate does.
/// Decimal digits of `n`, as `write!("{n}")` gives them, without going
/// through the formatting machinery (seven numbers per row).
fn push_usize(out: &mut Vec<u8>, mut n: usize) {
    let mut buf = [0u8; 20];
    let mut k = buf.len();
    loop {
        k -= 1;
        buf[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[k..]);
}

/// `v` with six decimals, the bytes `write!("{v:.6}")` gives, without the
/// formatting machinery (four probabilities per row; its exact-decimal
/// search was a third of row formatting). For `0 <= v < 1024` the value
/// `m * 2^e` is scaled by 10^6 in integers and rounded half to even, as
/// `format!` rounds; anything else goes to `write!`.
fn push_fixed6(out: &mut Vec<u8>, v: f64) {
    // (-0.0 is written with its sign, so it goes to `write!` too.)
    if !(v.is_sign_positive() && v < 1024.0) {
        let _ = write!(Buf(out), "{v:.6}");
        return;
    }
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e) = if exp == 0 { (frac, -1074) } else { (frac | (1u64 << 52), exp - 1075) };
    // v < 2^10 with m < 2^53 makes e <= -43: a right shift.
    let shift = (-e) as u32;
    let q = if shift >= 100 {
        // v < 2^-47, so v * 10^6 < 2^-27: rounds to zero.
        0
    } else {
        let num = m as u128 * 1_000_000; // < 2^73
        let q = num >> shift;
        let rest = num - (q << shift);
        let half = 1u128 << (shift - 1);
        if rest > half || (rest == half && q & 1 == 1) {
            q + 1
        } else {
            q
        }
    };
    push_usize(out, (q / 1_000_000) as usize);
    out.push(b'.');
    let frac = (q % 1_000_000) as u32;
    let mut digits = [b'0'; 6];
    let mut f = frac;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (f % 10) as u8;
        f /= 10;
    }
    out.extend_from_slice(&digits);
}

/// Whether a cell holds `,` `"` `\n` or `\r`, eight bytes at a time (a
/// quote's text is read here once per row): a byte equal to `c` is a zero
/// byte of `w ^ c…c`, which the has-zero-byte test finds.
fn needs_quoting(b: &[u8]) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(LOW) & !x & HIGH;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        if zero(w ^ (LOW * b',' as u64)) | zero(w ^ (LOW * b'"' as u64)) | zero(w ^ (LOW * b'\n' as u64)) | zero(w ^ (LOW * b'\r' as u64)) != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r'))
}

fn csv_cell(out: &mut Vec<u8>, cell: &str) {
    let cell = crate::output::neutralise(cell);
    if needs_quoting(cell.as_bytes()) {
        // Copied a stretch between quote marks at a time (a text cell with
        // a comma, most quotes, was pushed a byte at a time).
        out.push(b'"');
        for (k, piece) in cell.split('"').enumerate() {
            if k > 0 {
                out.extend_from_slice(b"\"\"");
            }
            out.extend_from_slice(piece.as_bytes());
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(cell.as_bytes());
    }
}

/// One CSV record of text cells.
pub(crate) fn csv_line(out: &mut Vec<u8>, cells: &[&str]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        csv_cell(out, c);
    }
    out.push(b'\n');
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn quoting_test_agrees_with_a_byte_scan() {
        let base = "plain text of some length, ok";
        for k in 0..base.len() {
            for c in [b',', b'"', b'\n', b'\r', b'x', 0x80] {
                let mut b = base.as_bytes().to_vec();
                b.retain(|&x| x != b',');
                b.truncate(k);
                b.push(c);
                b.extend_from_slice(b"abcdefghij");
                assert_eq!(needs_quoting(&b), b.iter().any(|&x| matches!(x, b',' | b'"' | b'\n' | b'\r')), "{b:?}");
            }
        }
    }

    #[test]
    fn six_decimals_are_written_as_format_writes_them() {
        let mut values = vec![0.0, 1.0, 0.5, 1e-7, 4.9999995e-7, 5e-7, 5.000001e-7, 0.9999995, 0.99999949999, 1023.9999995, 1023.99, 1024.0, -0.0, -0.25, 3e300, f64::MIN_POSITIVE, 5e-324, f64::NAN, f64::INFINITY];
        // Exact binary ties at the seventh decimal (k / 128, k odd) and near them.
        for k in 0..4096u32 {
            let v = k as f64 / 128.0;
            values.extend([v, f64::from_bits(v.to_bits() + 1), f64::from_bits(v.to_bits().saturating_sub(1))]);
        }
        let mut x: u64 = 0x1234_5678_9abc_def0;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push((x >> 11) as f64 / (1u64 << 53) as f64);
            values.push(f64::from_bits(x) % 1024.0);
        }
        for v in values {
            let mut out = Vec::new();
            push_fixed6(&mut out, v);
            assert_eq!(String::from_utf8(out).unwrap(), format!("{v:.6}"), "{v:e} ({:#x})", v.to_bits());
        }
    }

    #[test]
    fn integers_are_written_as_format_writes_them() {
        for n in [0usize, 7, 10, 99, 100, 12345, usize::MAX] {
            let mut out = Vec::new();
            push_usize(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }

    /// Labels a text `accusatory` when it contains "blame", else `neutral`.
    pub(crate) struct KeywordModel(pub Vec<String>);
    impl KeywordModel {
        pub(crate) fn new() -> Self {
            KeywordModel(vec!["accusatory".into(), "neutral".into()])
        }
    }
    impl Classifier for KeywordModel {
        fn labels(&self) -> &[String] {
            &self.0
        }
        fn predict_proba(&self, text: &str) -> Vec<f64> {
            if text.contains("blame") {
                vec![0.75, 0.25]
            } else {
                vec![0.125, 0.875]
            }
        }
    }

    #[test]
    fn csv_cells_are_quoted_like_the_csv_crate_and_formulas_neutralised() {
        let mut out = Vec::new();
        csv_line(&mut out, &["plain", "a,b", "say \"hi\"", "two\nlines", "=1+1", "-x", "", "0.5"]);
        assert_eq!(String::from_utf8(out.clone()).unwrap(), "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",'=1+1,'-x,,0.5\n");
        let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(out.as_slice());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(&rec[2], "say \"hi\"");
        assert_eq!(&rec[3], "two\nlines");
    }

    #[test]
    fn argmax_takes_the_first_of_equal_values() {
        assert_eq!(argmax(&[0.5, 0.5]), 0);
        assert_eq!(argmax(&[0.2, 0.3, 0.3]), 1);
    }

    #[test]
    fn csv_header_has_a_probability_column_per_label_and_duplicate_of_last() {
        let w = RowWriter::new(Format::Csv, &KeywordModel::new().0);
        let cols = w.columns();
        assert_eq!(&cols[cols.len() - 3..], ["p_accusatory", "p_neutral", "duplicate_of"]);
        assert_eq!(cols[0], "doc");
    }
}
