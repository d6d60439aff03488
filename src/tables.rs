//! Tone tables from score files: per speaker, side, month or speaker and
//! month, the number of quotes, the count and share of each label, the mean
//! probability of each label and the number of articles.
//!
//! Shards merge exactly: a [`Tables`] only holds counts, integer sums of
//! probabilities (in millionths, which is exactly what the six-decimal score
//! files carry) and sets of documents, so reading shards one after the other
//! gives the same table as reading the whole, to the last digit, in any order.
//!
//! A quote is counted once however many parts its attribution broke it into:
//! rows with `part` other than 1 only add to `parts`. Rows marked
//! `duplicate_of` (a quote repeated from an earlier article telling the same
//! story) are left out unless asked for; a quote printed twice in its own
//! article (`duplicate_of` names the same doc) is always counted once.

use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// What rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Speaker,
    Side,
    Month,
    SpeakerMonth,
}

impl std::str::FromStr for By {
    type Err = String;
    fn from_str(s: &str) -> Result<By, String> {
        match s {
            "speaker" => Ok(By::Speaker),
            "side" => Ok(By::Side),
            "month" => Ok(By::Month),
            "speaker,month" => Ok(By::SpeakerMonth),
            other => Err(format!("unknown grouping `{other}` (expected speaker, side, month or speaker,month)")),
        }
    }
}

impl By {
    /// The key column names.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            By::Speaker => &["speaker"],
            By::Side => &["side"],
            By::Month => &["month"],
            By::SpeakerMonth => &["speaker", "month"],
        }
    }
    fn over_time(self) -> bool {
        matches!(self, By::Month | By::SpeakerMonth)
    }
}

/// The fields of a score row that tables use.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub doc: String,
    pub part: usize,
    pub speaker: Option<String>,
    pub side: Option<String>,
    pub date: Option<String>,
    pub label: String,
    /// Probabilities in millionths, in the order of the file's labels.
    pub probs: Vec<i64>,
    pub repeat: Repeat,
}

/// What a row's `duplicate_of` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// A first occurrence.
    No,
    /// The same quote printed again in the same article (a caption, a pull
    /// quote): never a statement of its own, so never counted.
    InArticle,
    /// A quote repeated from an earlier article telling the same story:
    /// counted only with `--include-duplicates`.
    Earlier,
}

impl Repeat {
    /// Classifies `duplicate_of` (`doc:quote`, or empty) of a row of `doc`.
    pub fn of(doc: &str, duplicate_of: Option<&str>) -> Repeat {
        match duplicate_of.filter(|d| !d.is_empty()) {
            None => Repeat::No,
            Some(d) if d.rsplit_once(':').is_some_and(|(x, _)| x == doc) => Repeat::InArticle,
            Some(_) => Repeat::Earlier,
        }
    }
}

/// `YYYY-MM` of an ISO-like date (`2023-02-24`, `2023-02-24T10:00:00Z`).
pub fn month_of(date: &str) -> Option<String> {
    let b = date.trim().as_bytes();
    if b.len() >= 7 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[5..7].iter().all(u8::is_ascii_digit) {
        Some(String::from_utf8_lossy(&b[..7]).into_owned())
    } else {
        None
    }
}

/// Exact millionths of a probability as printed with six decimals.
fn micro(v: f64) -> i64 {
    (v * 1e6).round() as i64
}

const NO_SPEAKER: &str = "(unattributed)";
const NO_SIDE: &str = "(none)";
const NO_DATE: &str = "(undated)";

#[derive(Debug, Clone, Default)]
struct Acc {
    quotes: u64,
    parts: u64,
    counts: Vec<u64>,
    psum: Vec<i64>,
    /// 64-bit hashes of the documents, not their names: a table over millions
    /// of rows stays small, and a chance collision among even 10^8 documents
    /// has a probability under 10^-3.
    docs: HashSet<u64>,
}

/// FNV-1a: fixed across runs, so counts never depend on a random seed.
fn doc_hash(doc: &str) -> u64 {
    doc.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

/// Accumulated tables over any number of score files.
#[derive(Debug, Clone)]
pub struct Tables {
    by: By,
    include_duplicates: bool,
    labels: Option<Vec<String>>,
    groups: BTreeMap<Vec<String>, Acc>,
    /// Rows left out as repeats of an earlier article.
    pub duplicate_rows: u64,
    /// Rows left out as a quote printed again in its own article.
    pub in_article_rows: u64,
    /// Rows read.
    pub rows: u64,
}

/// One group of the finished table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub key: Vec<String>,
    pub quotes: u64,
    pub parts: u64,
    pub articles: u64,
    /// Per label: count, share of quotes, mean probability.
    pub labels: Vec<LabelStat>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelStat {
    pub label: String,
    pub count: u64,
    pub share: f64,
    pub mean_p: f64,
}

/// The finished table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub by: By,
    pub labels: Vec<String>,
    pub groups: Vec<Group>,
}

impl Tables {
    pub fn new(by: By, include_duplicates: bool) -> Tables {
        Tables { by, include_duplicates, labels: None, groups: BTreeMap::new(), duplicate_rows: 0, in_article_rows: 0, rows: 0 }
    }

    /// Fixes the label set; every file must carry the same one.
    fn set_labels(&mut self, labels: Vec<String>, source: &str) -> Result<()> {
        match &self.labels {
            None => self.labels = Some(labels),
            Some(l) if *l == labels => {}
            Some(l) => bail!(
                "{source}: probability columns for labels [{}] differ from the earlier files' [{}]; \
                 files scored with different models cannot be merged",
                labels.join(", "),
                l.join(", ")
            ),
        }
        Ok(())
    }

    /// Adds one row (labels must be set).
    pub fn add(&mut self, row: &Row) {
        self.rows += 1;
        match row.repeat {
            Repeat::No => {}
            Repeat::InArticle => {
                self.in_article_rows += 1;
                return;
            }
            Repeat::Earlier if !self.include_duplicates => {
                self.duplicate_rows += 1;
                return;
            }
            Repeat::Earlier => {}
        }
        let speaker = || row.speaker.clone().unwrap_or_else(|| NO_SPEAKER.into());
        let month = || row.date.as_deref().and_then(month_of).unwrap_or_else(|| NO_DATE.into());
        let key = match self.by {
            By::Speaker => vec![speaker()],
            By::Side => vec![row.side.clone().unwrap_or_else(|| NO_SIDE.into())],
            By::Month => vec![month()],
            By::SpeakerMonth => vec![speaker(), month()],
        };
        let labels = self.labels.as_deref().unwrap_or(&[]);
        let n = labels.len();
        let acc = self.groups.entry(key).or_insert_with(|| Acc { counts: vec![0; n], psum: vec![0; n], ..Acc::default() });
        acc.parts += 1;
        acc.docs.insert(doc_hash(&row.doc));
        if row.part == 1 {
            acc.quotes += 1;
            if let Some(i) = labels.iter().position(|l| *l == row.label) {
                acc.counts[i] += 1;
            }
            for (s, p) in acc.psum.iter_mut().zip(row.probs.iter()) {
                *s += p;
            }
        }
    }

    /// Reads a CSV or JSONL score file (`-` for standard input); the format is
    /// told by the first non-blank byte (`{` for JSONL).
    pub fn read_path(&mut self, path: &Path) -> Result<()> {
        let name = path.display().to_string();
        if name == "-" {
            self.read(std::io::stdin().lock(), "<stdin>")
        } else {
            let f = std::fs::File::open(path).with_context(|| format!("opening {name}"))?;
            self.read(f, &name)
        }
    }

    /// Reads one score file from `input`; `source` names it in errors.
    pub fn read(&mut self, input: impl Read, source: &str) -> Result<()> {
        let mut r = BufReader::with_capacity(1 << 16, input);
        let head = r.fill_buf().with_context(|| format!("reading {source}"))?;
        let head = head.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(head);
        match head.iter().find(|b| !b.is_ascii_whitespace()) {
            None => bail!("{source}: empty score file"),
            Some(b'{') => self.read_jsonl(r, source),
            Some(_) => self.read_csv(r, source),
        }
    }

    fn read_csv(&mut self, r: impl Read, source: &str) -> Result<()> {
        let mut rd = csv::ReaderBuilder::new().flexible(false).from_reader(r);
        let headers = rd.headers().with_context(|| format!("{source}: reading the CSV header"))?.clone();
        let names: Vec<String> = headers.iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
        let col = |c: &str| names.iter().position(|n| n == c);
        let need = ["doc", "part", "label"];
        let missing: Vec<&str> = need.iter().copied().filter(|c| col(c).is_none()).collect();
        let p_cols: Vec<(String, usize)> =
            names.iter().enumerate().filter_map(|(i, n)| n.strip_prefix("p_").map(|l| (l.to_string(), i))).collect();
        if !missing.is_empty() || p_cols.is_empty() {
            bail!(
                "{source}: not a score file: missing column(s) {}{}; columns found: {}",
                missing.join(", "),
                if p_cols.is_empty() { " and p_<label>" } else { "" },
                names.join(", ")
            );
        }
        let mut p_sorted = p_cols.clone();
        p_sorted.sort();
        self.set_labels(p_sorted.iter().map(|(l, _)| l.clone()).collect(), source)?;
        let (doc, part, label) = (col("doc").unwrap_or(0), col("part").unwrap_or(0), col("label").unwrap_or(0));
        let (speaker, side, date, dup) = (col("speaker"), col("side"), col("date"), col("duplicate_of"));
        let mut rec = csv::StringRecord::new();
        loop {
            match rd.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    return Err(anyhow::Error::new(e).context(format!("{source}:{line}: reading a score row")));
                }
            }
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).filter(|s| !s.is_empty()).map(str::to_string);
            let part_s = rec.get(part).unwrap_or("");
            let part_n: usize =
                part_s.parse().with_context(|| format!("{source}:{line}: column `part` is `{part_s}`, not a number"))?;
            let mut probs = Vec::with_capacity(p_sorted.len());
            for (l, i) in &p_sorted {
                let s = rec.get(*i).unwrap_or("");
                let v: f64 = s.parse().with_context(|| format!("{source}:{line}: column `p_{l}` is `{s}`, not a number"))?;
                probs.push(micro(v));
            }
            let doc_s = rec.get(doc).unwrap_or("");
            let row = Row {
                doc: doc_s.to_string(),
                part: part_n,
                speaker: get(speaker),
                side: get(side),
                date: get(date),
                label: rec.get(label).unwrap_or("").to_string(),
                probs,
                repeat: Repeat::of(doc_s, get(dup).as_deref()),
            };
            self.add(&row);
        }
        Ok(())
    }

    fn read_jsonl(&mut self, r: impl BufRead, source: &str) -> Result<()> {
        use serde_json::Value;
        let mut labels: Option<Vec<String>> = None;
        for (i, line) in r.lines().enumerate() {
            let n = i + 1;
            let line = line.with_context(|| format!("{source}:{n}: reading"))?;
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Map<String, Value> =
                serde_json::from_str(&line).with_context(|| format!("{source}:{n}: not a JSON object"))?;
            let mut ls: Vec<String> = v.keys().filter_map(|k| k.strip_prefix("p_")).map(str::to_string).collect();
            ls.sort();
            match &labels {
                None => {
                    let missing: Vec<&str> = ["doc", "part", "label"].into_iter().filter(|k| !v.contains_key(*k)).collect();
                    if !missing.is_empty() || ls.is_empty() {
                        let found: Vec<&str> = v.keys().map(String::as_str).collect();
                        bail!(
                            "{source}:{n}: not a score row: missing field(s) {}{}; fields found: {}",
                            missing.join(", "),
                            if ls.is_empty() { " and p_<label>" } else { "" },
                            found.join(", ")
                        );
                    }
                    self.set_labels(ls.clone(), source)?;
                    labels = Some(ls);
                }
                Some(l) if *l != ls => bail!("{source}:{n}: probability fields [{}] differ from earlier rows' [{}]", ls.join(", "), l.join(", ")),
                Some(_) => {}
            }
            let s = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
            let part = v.get("part").and_then(Value::as_u64).with_context(|| format!("{source}:{n}: field `part` is not a number"))?;
            let mut probs = Vec::new();
            for l in labels.as_deref().unwrap_or(&[]) {
                let p = v
                    .get(&format!("p_{l}"))
                    .and_then(Value::as_f64)
                    .with_context(|| format!("{source}:{n}: field `p_{l}` is not a number"))?;
                probs.push(micro(p));
            }
            let doc_s = s("doc").unwrap_or_default();
            let row = Row {
                repeat: Repeat::of(&doc_s, s("duplicate_of").as_deref()),
                doc: doc_s,
                part: part as usize,
                speaker: s("speaker"),
                side: s("side"),
                date: s("date"),
                label: s("label").unwrap_or_default(),
                probs,
            };
            self.add(&row);
        }
        Ok(())
    }

    /// The finished table: groups with at least `min_quotes` quotes, by
    /// quotes (most first) then name, or in time order when grouped by month.
    pub fn finish(&self, min_quotes: u64) -> Table {
        let labels = self.labels.clone().unwrap_or_default();
        let mut groups: Vec<Group> = self
            .groups
            .iter()
            .filter(|(_, a)| a.quotes >= min_quotes && a.quotes > 0)
            .map(|(k, a)| Group {
                key: k.clone(),
                quotes: a.quotes,
                parts: a.parts,
                articles: a.docs.len() as u64,
                labels: labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| LabelStat {
                        label: l.clone(),
                        count: a.counts[i],
                        share: a.counts[i] as f64 / a.quotes as f64,
                        mean_p: a.psum[i] as f64 / 1e6 / a.quotes as f64,
                    })
                    .collect(),
            })
            .collect();
        if !self.by.over_time() {
            groups.sort_by(|a, b| b.quotes.cmp(&a.quotes).then_with(|| a.key.cmp(&b.key)));
        }
        Table { by: self.by, labels, groups }
    }
}

impl Table {
    /// Column names of the flat (CSV / Markdown) table.
    pub fn columns(&self) -> Vec<String> {
        let mut c: Vec<String> = self.by.keys().iter().map(|s| s.to_string()).collect();
        c.extend(["quotes", "parts", "articles"].map(String::from));
        c.extend(self.labels.iter().map(|l| format!("n_{l}")));
        c.extend(self.labels.iter().map(|l| format!("share_{l}")));
        c.extend(self.labels.iter().map(|l| format!("mean_p_{l}")));
        c
    }

    /// The cells of each group, formatted (shares and means to 4 decimals).
    pub fn cells(&self) -> Vec<Vec<String>> {
        self.groups
            .iter()
            .map(|g| {
                let mut r = g.key.clone();
                r.extend([g.quotes, g.parts, g.articles].map(|n| n.to_string()));
                r.extend(g.labels.iter().map(|l| l.count.to_string()));
                r.extend(g.labels.iter().map(|l| format!("{:.4}", l.share)));
                r.extend(g.labels.iter().map(|l| format!("{:.4}", l.mean_p)));
                r
            })
            .collect()
    }

    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let cols = self.columns();
        crate::score::csv_line(&mut out, &cols.iter().map(String::as_str).collect::<Vec<_>>());
        for r in self.cells() {
            crate::score::csv_line(&mut out, &r.iter().map(String::as_str).collect::<Vec<_>>());
        }
        out
    }

    pub fn to_markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        let cols = self.columns();
        let mut s = format!("| {} |\n", cols.join(" | "));
        s.push('|');
        for (i, _) in cols.iter().enumerate() {
            s.push_str(if i < self.by.keys().len() { " --- |" } else { " ---: |" });
        }
        s.push('\n');
        for r in self.cells() {
            s.push_str(&format!("| {} |\n", r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")));
        }
        s
    }

    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct J<'a> {
            by: Vec<&'a str>,
            labels: &'a [String],
            groups: Vec<serde_json::Value>,
        }
        let groups = self
            .groups
            .iter()
            .map(|g| {
                let mut m = serde_json::Map::new();
                for (k, v) in self.by.keys().iter().zip(g.key.iter()) {
                    m.insert(k.to_string(), v.clone().into());
                }
                m.insert("quotes".into(), g.quotes.into());
                m.insert("parts".into(), g.parts.into());
                m.insert("articles".into(), g.articles.into());
                let mut ls = serde_json::Map::new();
                for l in &g.labels {
                    ls.insert(
                        l.label.clone(),
                        serde_json::json!({"count": l.count, "share": round4(l.share), "mean_p": round4(l.mean_p)}),
                    );
                }
                m.insert("labels".into(), ls.into());
                serde_json::Value::Object(m)
            })
            .collect();
        let j = J { by: self.by.keys().to_vec(), labels: &self.labels, groups };
        serde_json::to_string_pretty(&j).unwrap_or_default() + "\n"
    }
}

fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "doc,quote,part,parts,speaker,side,date,label,p_accusatory,p_neutral,duplicate_of\n";

    fn table(inputs: &[&str], by: By, dups: bool) -> Table {
        let mut t = Tables::new(by, dups);
        for (i, s) in inputs.iter().enumerate() {
            t.read(s.as_bytes(), &format!("input{i}")).unwrap();
        }
        t.finish(0)
    }

    const A: &str = "a,1,1,2,Ann,X,2024-01-05,accusatory,0.700000,0.300000,\n\
                     a,1,2,2,Ann,X,2024-01-05,accusatory,0.700000,0.300000,\n\
                     a,2,1,1,Bob,Y,2024-02-01,neutral,0.100000,0.900000,\n";
    const B: &str = "b,1,1,1,Ann,X,2024-02-09,neutral,0.400000,0.600000,\n\
                     c,1,1,1,Ann,X,2024-02-09,neutral,0.400000,0.600000,b:1\n";

    #[test]
    fn a_quote_in_two_parts_counts_once_and_duplicates_are_left_out() {
        let t = table(&[&format!("{HEAD}{A}{B}")], By::Speaker, false);
        let ann = &t.groups[0];
        assert_eq!(ann.key, ["Ann"]);
        assert_eq!((ann.quotes, ann.parts, ann.articles), (2, 3, 2));
        assert_eq!(ann.labels[0].count, 1);
        assert!((ann.labels[0].mean_p - 0.55).abs() < 1e-12);
        let with = table(&[&format!("{HEAD}{A}{B}")], By::Speaker, true);
        assert_eq!(with.groups[0].quotes, 3);
    }

    #[test]
    fn a_quote_printed_twice_in_its_article_is_never_counted_twice() {
        let rows = format!("{HEAD}{A}a,3,1,1,Bob,Y,2024-02-01,neutral,0.100000,0.900000,a:2\n");
        for dups in [false, true] {
            let t = table(&[&rows], By::Speaker, dups);
            let bob = t.groups.iter().find(|g| g.key == ["Bob"]).unwrap();
            assert_eq!(bob.quotes, 1);
        }
        assert_eq!(Repeat::of("x:1", Some("x:1:4")), Repeat::InArticle);
        assert_eq!(Repeat::of("x", Some("y:4")), Repeat::Earlier);
        assert_eq!(Repeat::of("x", Some("")), Repeat::No);
    }

    #[test]
    fn shards_add_up_to_the_whole_in_every_format() {
        let whole = table(&[&format!("{HEAD}{A}{B}")], By::SpeakerMonth, false);
        let shards = table(&[&format!("{HEAD}{B}"), &format!("{HEAD}{A}")], By::SpeakerMonth, false);
        assert_eq!(whole, shards);
        assert_eq!(whole.to_csv(), shards.to_csv());
        assert_eq!(whole.groups[0].key, ["Ann", "2024-01"]);
    }

    #[test]
    fn jsonl_reads_like_csv() {
        let j = "{\"doc\":\"a\",\"quote\":1,\"part\":1,\"speaker\":\"Ann\",\"side\":\"X\",\"date\":null,\"label\":\"accusatory\",\"p_accusatory\":0.7,\"p_neutral\":0.3,\"duplicate_of\":null}\n";
        let c = format!("{HEAD}a,1,1,1,Ann,X,,accusatory,0.700000,0.300000,\n");
        assert_eq!(table(&[j], By::Side, false), table(&[&c], By::Side, false));
    }

    #[test]
    fn missing_columns_are_named_with_the_columns_found() {
        let mut t = Tables::new(By::Speaker, false);
        let e = t.read("doc,speaker\na,Ann\n".as_bytes(), "x.csv").unwrap_err().to_string();
        assert!(e.contains("missing column(s) part, label"), "{e}");
        assert!(e.contains("columns found: doc, speaker"), "{e}");
    }

    #[test]
    fn files_from_different_models_are_refused() {
        let mut t = Tables::new(By::Speaker, false);
        t.read(format!("{HEAD}{A}").as_bytes(), "one.csv").unwrap();
        let e = t.read("doc,part,label,p_x\na,1,x,1.0\n".as_bytes(), "two.csv").unwrap_err().to_string();
        assert!(e.contains("two.csv"), "{e}");
    }

    #[test]
    fn bad_numbers_name_the_line() {
        let mut t = Tables::new(By::Speaker, false);
        let e = t.read(format!("{HEAD}a,1,one,1,Ann,X,,neutral,0.1,0.9,\n").as_bytes(), "s.csv").unwrap_err();
        assert!(format!("{e:#}").contains("s.csv:2"), "{e:#}");
    }

    #[test]
    fn months_come_from_iso_dates_only() {
        assert_eq!(month_of("2023-02-24T10:00Z").as_deref(), Some("2023-02"));
        assert_eq!(month_of("24 Feb 2023"), None);
    }

    #[test]
    fn markdown_and_json_carry_the_same_counts() {
        let t = table(&[&format!("{HEAD}{A}")], By::Speaker, false);
        let md = t.to_markdown();
        assert!(md.starts_with("| speaker | quotes | parts | articles |"), "{md}");
        assert!(md.contains("| Ann | 1 | 2 | 1 | 1 | 0 | 1.0000 |"), "{md}");
        let j: serde_json::Value = serde_json::from_str(&t.to_json()).unwrap();
        assert_eq!(j["groups"][0]["labels"]["accusatory"]["count"], 1);
    }
}
