//! Scoring: one article in, its quote rows out, each with a tone label and one
//! probability per model label.
//!
//! [`score_article`] is pure and runs on any thread (the `score` command runs
//! it over a chunk of articles with rayon); the near-duplicate marks need the
//! articles in input order, so they are added afterwards by the caller from
//! [`crate::dedup::Index`] and passed to [`RowWriter::write_article`].
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
        let joined: String = if j - i == 1 {
            quotes[i].text.clone()
        } else {
            quotes[i..j].iter().map(|q| q.text.as_str()).collect::<Vec<_>>().join(" ")
        };
        let p = clf.predict_proba(&joined);
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

fn opt_num(v: Option<usize>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
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
        for (q, (l, p)) in s.quotes.iter().zip(s.labels.iter()) {
            let dup = verdict.duplicate_of(q.quote).unwrap_or("");
            let probs: Vec<String> = p.iter().map(|v| format!("{:.6}", v)).collect();
            let label = self.labels.get(*l).map(String::as_str).unwrap_or("");
            match self.format {
                Format::Csv => {
                    let nums = [q.quote, q.part, q.parts, q.start, q.end].map(|n| n.to_string());
                    let (ms, me) = (opt_num(q.mention_start), opt_num(q.mention_end));
                    let mut cells: Vec<&str> = vec![&s.doc, &nums[0], &nums[1], &nums[2], &nums[3], &nums[4], &q.text];
                    cells.push(q.speaker.as_deref().unwrap_or(""));
                    cells.push(q.speaker_mention.as_deref().unwrap_or(""));
                    cells.push(&ms);
                    cells.push(&me);
                    cells.push(q.side.as_deref().unwrap_or(""));
                    cells.push(q.cue.as_deref().unwrap_or(""));
                    cells.push(s.meta.date.as_deref().unwrap_or(""));
                    cells.push(s.meta.title.as_deref().unwrap_or(""));
                    cells.push(s.meta.outlet.as_deref().unwrap_or(""));
                    cells.push(label);
                    cells.extend(probs.iter().map(String::as_str));
                    cells.push(dup);
                    csv_line(out, &cells);
                }
                Format::Jsonl => {
                    let mut line = String::with_capacity(256 + q.text.len());
                    let js = |v: &str| serde_json::to_string(v).unwrap_or_else(|_| "\"\"".into());
                    let jo = |v: Option<&str>| v.map_or("null".to_string(), js);
                    let jn = |v: Option<usize>| v.map_or("null".to_string(), |n| n.to_string());
                    let _ = write!(
                        line,
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
                    for (name, v) in self.labels.iter().zip(probs.iter()) {
                        let _ = write!(line, ",{}:{}", js(&format!("p_{name}")), v);
                    }
                    let _ = writeln!(line, ",\"duplicate_of\":{}}}", if dup.is_empty() { "null".into() } else { js(dup) });
                    out.extend_from_slice(line.as_bytes());
                }
            }
        }
    }
}

/// One CSV record, formula cells neutralised by [`crate::output::neutralise`]
/// (the numbers written here are never negative, so no number is touched).
pub(crate) fn csv_line(out: &mut Vec<u8>, cells: &[&str]) {
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(std::mem::take(out));
    // Writing to a Vec cannot fail.
    let _ = w.write_record(cells.iter().map(|c| crate::output::neutralise(c)).collect::<Vec<_>>().iter().map(|c| c.as_bytes()));
    *out = w.into_inner().unwrap_or_default();
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

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
