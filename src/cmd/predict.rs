//! `stance predict`: label each row of a CSV.

use anyhow::Context;
use stance::atomic::AtomicFile;
use stance::model::data::{column, csv_error, csv_reader, headers};
use std::io::Write;
use std::path::PathBuf;

/// Copies every input column and adds `label` (the most probable class) and
/// one `p_<label>` probability column per class. If the input already has a
/// column of that name, the new one is called `pred_label` / `pred_p_<label>`.
/// Text that is not valid UTF-8 is scored with U+FFFD in place of the bad
/// bytes, and counted in a warning (exit status 1).
#[derive(clap::Args)]
pub struct Args {
    /// CSV file with a text column.
    pub file: PathBuf,
    /// Model file (default: the model built into stance).
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[arg(long, default_value = "text")]
    pub text_col: String,
    /// Output file, written atomically (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    let model = super::eval::load_model(&a.model)?;
    let mut rdr = csv_reader(&a.file)?;
    let hdr = headers(&a.file, &mut rdr)?;
    let ti = column(&a.file, &hdr, &a.text_col)?;
    let mut new_cols: Vec<String> = std::iter::once("label".to_string())
        .chain(model.labels().iter().map(|l| format!("p_{l}")))
        .collect();
    for c in new_cols.iter_mut() {
        if hdr.contains(c) {
            *c = format!("pred_{c}");
        }
    }
    let (mut atomic, stdout);
    let sink: Box<dyn Write> = match &a.output {
        // A device or pipe (`-o /dev/null`, `-o /dev/stdout`) is written in
        // place: renaming a temporary file over it would replace the device.
        Some(p) if stance::model::is_special_file(p) => {
            atomic = None;
            Box::new(std::fs::OpenOptions::new().write(true).open(p).with_context(|| format!("opening {}", p.display()))?)
        }
        Some(p) => {
            atomic = Some(AtomicFile::create(p).with_context(|| format!("writing {}", p.display()))?);
            Box::new(atomic.as_mut().expect("just set"))
        }
        None => {
            atomic = None;
            stdout = std::io::stdout().lock();
            Box::new(stdout)
        }
    };
    let mut w = csv::Writer::from_writer(sink);
    w.write_record(hdr.iter().chain(new_cols.iter()))?;
    let mut rec = csv::ByteRecord::new();
    let mut out = csv::ByteRecord::new();
    let mut num = String::new();
    let (mut rows, mut bad_utf8) = (0u64, 0u64);
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(&a.file, e)),
        }
        let raw = rec.get(ti).unwrap_or(b"");
        let text = String::from_utf8_lossy(raw);
        if matches!(text, std::borrow::Cow::Owned(_)) {
            bad_utf8 += 1;
        }
        let (best, p) = model.predict(&text);
        out.clear();
        for f in rec.iter() {
            out.push_field(f);
        }
        out.push_field(model.labels()[best].as_bytes());
        for v in &p {
            use std::fmt::Write as _;
            num.clear();
            let _ = write!(num, "{v:.6}");
            out.push_field(num.as_bytes());
        }
        w.write_byte_record(&out)?;
        rows += 1;
    }
    w.flush()?;
    drop(w);
    if let Some(f) = atomic {
        f.commit().with_context(|| format!("writing {}", a.output.as_ref().expect("set").display()))?;
    }
    eprintln!("stance: labelled {rows} rows");
    if bad_utf8 > 0 {
        eprintln!("stance: warning: {bad_utf8} rows had text that is not valid UTF-8 (bad bytes replaced by U+FFFD)");
        return Ok(1);
    }
    Ok(0)
}
