//! Reading labelled CSV files for `train` and `eval`, with errors that name
//! the file, line and column of the problem.

use super::train::TrainData;
use anyhow::{anyhow, bail, Context};
use std::path::Path;

/// Which columns hold what.
#[derive(Clone, Debug)]
pub struct Columns {
    pub text: String,
    pub label: String,
    pub weight: Option<String>,
    /// Column naming each row's group for grouped cross-validation.
    pub group: Option<String>,
    /// Use each input file as a group instead.
    pub group_by_file: bool,
}

/// Opens a CSV reader that accepts a UTF-8 byte-order mark, quoted fields
/// with embedded newlines and doubled quotes, and refuses ragged rows.
pub fn csv_reader(path: &Path) -> anyhow::Result<csv::Reader<std::fs::File>> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(csv::ReaderBuilder::new().flexible(false).from_reader(f))
}

/// The header fields, BOM removed.
pub fn headers(path: &Path, rdr: &mut csv::Reader<std::fs::File>) -> anyhow::Result<Vec<String>> {
    let h = rdr.byte_headers().map_err(|e| csv_error(path, e))?.clone();
    if h.is_empty() {
        bail!("{}: the file is empty (expected a header row)", path.display());
    }
    let mut out = Vec::with_capacity(h.len());
    for (i, f) in h.iter().enumerate() {
        let s = std::str::from_utf8(f)
            .map_err(|_| anyhow!("{}:1:{}: the header is not valid UTF-8", path.display(), i + 1))?;
        out.push(if i == 0 { s.trim_start_matches('\u{feff}').to_string() } else { s.to_string() });
    }
    Ok(out)
}

/// Index of column `name`, or an error listing the columns found.
pub fn column(path: &Path, headers: &[String], name: &str) -> anyhow::Result<usize> {
    headers.iter().position(|h| h == name).ok_or_else(|| {
        anyhow!(
            "{}:1: no column named {name:?}; the columns found are: {}",
            path.display(),
            headers.iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(", ")
        )
    })
}

/// A CSV error as `file:line:column: what`.
pub fn csv_error(path: &Path, e: csv::Error) -> anyhow::Error {
    use csv::ErrorKind;
    let file = path.display();
    match e.kind() {
        ErrorKind::Utf8 { pos, err } => anyhow!(
            "{file}:{}:{}: invalid UTF-8 in field {} (the file must be UTF-8 text)",
            pos.as_ref().map_or(0, |p| p.line()),
            err.field() + 1,
            err.field() + 1
        ),
        ErrorKind::UnequalLengths { pos, expected_len, len } => anyhow!(
            "{file}:{}:{}: malformed CSV: this row has {len} fields but the header has {expected_len}",
            pos.as_ref().map_or(0, |p| p.line()),
            (*len).min(*expected_len) + 1
        ),
        ErrorKind::Io(err) => anyhow!("{file}: reading failed: {err}"),
        _ => anyhow!("{file}: malformed CSV: {e}"),
    }
}

/// A field as UTF-8, or an error at its position.
pub fn field<'r>(path: &Path, rec: &'r csv::ByteRecord, col: usize) -> anyhow::Result<&'r str> {
    let raw = rec.get(col).unwrap_or(b"");
    std::str::from_utf8(raw).map_err(|e| {
        anyhow!(
            "{}:{}:{}: invalid UTF-8 (byte {} of the field; the file must be UTF-8 text)",
            path.display(),
            rec.position().map_or(0, |p| p.line()),
            col + 1,
            e.valid_up_to() + 1
        )
    })
}

/// Reads labelled rows from every file. Empty texts and labels are errors
/// (with file, line and column); a `--labels` set, if given, must contain
/// every label. With `skip_unknown`, rows whose label is outside `allowed`
/// are counted in the second return value instead.
pub fn read_labelled(
    paths: &[impl AsRef<Path>],
    cols: &Columns,
    allowed: Option<&[String]>,
    skip_unknown: bool,
) -> anyhow::Result<(TrainData, Vec<(String, u64)>)> {
    let mut data = TrainData::default();
    let mut weights = Vec::new();
    let mut groups = Vec::new();
    let mut unknown: std::collections::BTreeMap<String, (u64, String)> = Default::default();
    for p in paths {
        let path = p.as_ref();
        data.files.push(path.display().to_string());
        let mut rdr = csv_reader(path)?;
        let headers = headers(path, &mut rdr)?;
        let ti = column(path, &headers, &cols.text)?;
        let li = column(path, &headers, &cols.label)?;
        let wi = cols.weight.as_deref().map(|w| column(path, &headers, w)).transpose()?;
        let gi = cols.group.as_deref().map(|g| column(path, &headers, g)).transpose()?;
        let mut rec = csv::ByteRecord::new();
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(path, e)),
            }
            let line = rec.position().map_or(0, |p| p.line());
            let text = field(path, &rec, ti)?;
            let label = field(path, &rec, li)?.trim();
            if text.trim().is_empty() {
                bail!("{}:{line}:{}: empty text in column {:?}", path.display(), ti + 1, cols.text);
            }
            if label.is_empty() {
                bail!("{}:{line}:{}: empty label in column {:?}", path.display(), li + 1, cols.label);
            }
            if let Some(allowed) = allowed {
                if !allowed.iter().any(|a| a == label) {
                    let e = unknown.entry(label.to_string()).or_insert((0, format!("{}:{line}:{}", path.display(), li + 1)));
                    e.0 += 1;
                    continue;
                }
            }
            if let Some(wi) = wi {
                let w = field(path, &rec, wi)?.trim();
                let v: f32 = w.parse().ok().filter(|v: &f32| v.is_finite() && *v >= 0.0).ok_or_else(|| {
                    anyhow!("{}:{line}:{}: weight {w:?} is not a non-negative number", path.display(), wi + 1)
                })?;
                weights.push(v);
            }
            if let Some(gi) = gi {
                groups.push(field(path, &rec, gi)?.trim().to_string());
            } else if cols.group_by_file {
                groups.push(path.display().to_string());
            }
            data.texts.push(text.to_string());
            data.labels.push(label.to_string());
        }
    }
    if !unknown.is_empty() && !skip_unknown {
        let list: Vec<String> =
            unknown.iter().map(|(l, (n, at))| format!("{l:?} ({n} rows, first at {at})")).collect();
        bail!(
            "labels outside the expected set {}: {}",
            allowed.unwrap_or(&[]).join(", "),
            list.join("; ")
        );
    }
    if cols.weight.is_some() {
        data.weights = Some(weights);
    }
    if cols.group.is_some() || cols.group_by_file {
        data.groups = Some(groups);
    }
    let skipped = unknown.into_iter().map(|(l, (n, _))| (l, n)).collect();
    Ok((data, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Columns {
        Columns { text: "text".into(), label: "label".into(), weight: None, group: None, group_by_file: false }
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn reads_bom_quotes_and_newlines() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "a.csv", "\u{feff}text,label\n\"He said \"\"no\"\"\nand left\",neutral\n".as_bytes());
        let (data, _) = read_labelled(&[&p], &cols(), None, false).unwrap();
        assert_eq!(data.texts, ["He said \"no\"\nand left"]);
        assert_eq!(data.labels, ["neutral"]);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "m.csv", b"words,label\nx,neutral\n");
        let e = read_labelled(&[&p], &cols(), None, false).unwrap_err().to_string();
        assert!(e.contains("m.csv:1") && e.contains("\"words\", \"label\""), "{e}");
        let p = write(d.path(), "e.csv", b"text,label\nfine,neutral\n  ,neutral\n");
        let e = read_labelled(&[&p], &cols(), None, false).unwrap_err().to_string();
        assert!(e.contains("e.csv:3:1: empty text"), "{e}");
        let p = write(d.path(), "r.csv", b"text,label\nfine,neutral\nragged\n");
        let e = read_labelled(&[&p], &cols(), None, false).unwrap_err().to_string();
        assert!(e.contains("r.csv:3:2: malformed CSV"), "{e}");
        let p = write(d.path(), "u.csv", b"text,label\nbad \xff byte,neutral\n");
        let e = read_labelled(&[&p], &cols(), None, false).unwrap_err().to_string();
        assert!(e.contains("u.csv:2:1: invalid UTF-8"), "{e}");
        let p = write(d.path(), "l.csv", b"text,label\nsome text,angry\n");
        let allowed = vec!["neutral".to_string()];
        let e = read_labelled(&[&p], &cols(), Some(&allowed), false).unwrap_err().to_string();
        assert!(e.contains("\"angry\" (1 rows, first at ") && e.contains("l.csv:2:2"), "{e}");
        let (data, skipped) = read_labelled(&[&p], &cols(), Some(&allowed), true).unwrap();
        assert!(data.texts.is_empty());
        assert_eq!(skipped, [("angry".to_string(), 1)]);
    }
}
