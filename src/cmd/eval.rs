//! `stance eval`: a model's metrics on a labelled CSV.

use anyhow::bail;
use stance::metrics::Confusion;
use stance::model::data::{read_labelled, Columns};
use stance::model::Model;
use std::path::PathBuf;

/// Prints accuracy, macro-F1, per-class precision/recall/F1 and the
/// confusion matrix of a model on labelled rows.
///
/// Rows whose label is not one of the model's classes are an error that
/// lists those labels, unless --skip-unknown is given: they are then left
/// out, counted on stderr, and the exit status is 1.
#[derive(clap::Args)]
pub struct Args {
    /// Labelled CSV file(s).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Model file (default: the model built into stance).
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[arg(long, default_value = "text")]
    pub text_col: String,
    #[arg(long, default_value = "label")]
    pub label_col: String,
    /// Leave out rows whose label the model does not know (instead of failing).
    #[arg(long)]
    pub skip_unknown: bool,
    /// Print the metrics as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn load_model(path: &Option<PathBuf>) -> anyhow::Result<std::borrow::Cow<'static, Model>> {
    Ok(match path {
        Some(p) => std::borrow::Cow::Owned(Model::load(p)?),
        None => std::borrow::Cow::Borrowed(Model::builtin()),
    })
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    let model = load_model(&a.model)?;
    let cols = Columns { text: a.text_col.clone(), label: a.label_col.clone(), weight: None, group: None, group_by_file: false };
    let labels = model.labels().to_vec();
    let (data, skipped) = read_labelled(&a.files, &cols, Some(&labels), a.skip_unknown).map_err(|e| {
        e.context(format!("the model's labels are {}; use --skip-unknown to leave other rows out", labels.join(", ")))
    })?;
    if data.texts.is_empty() {
        bail!("no rows to evaluate");
    }
    let mut conf = Confusion::new(&labels);
    for (t, l) in data.texts.iter().zip(&data.labels) {
        let gold = labels.iter().position(|x| x == l).expect("label checked by the reader");
        conf.add(gold, model.predict(t).0);
    }
    let report = conf.report();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render());
    }
    let n_skipped: u64 = skipped.iter().map(|s| s.1).sum();
    if n_skipped > 0 {
        let list: Vec<String> = skipped.iter().map(|(l, n)| format!("{l:?} ×{n}")).collect();
        eprintln!("stance: skipped {n_skipped} rows with labels the model does not know: {}", list.join(", "));
        return Ok(1);
    }
    Ok(0)
}
