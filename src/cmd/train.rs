//! `stance train`: fit a tone model from labelled CSV files.

use anyhow::{bail, Context};
use stance::features::VectorizerConfig;
use stance::model::data::{read_labelled, Columns};
use stance::model::logistic::ClassWeight;
use stance::model::train::{train, TrainOptions};
use std::path::PathBuf;

/// Trains with stratified k-fold cross-validation over a small grid of C
/// values, prints the metrics, refits on every row with the best C and
/// writes the model atomically (default file: model.stance).
#[derive(clap::Args)]
pub struct Args {
    /// Labelled CSV files (UTF-8, with a header row).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the model.
    #[arg(short, long, default_value = "model.stance")]
    pub output: PathBuf,
    #[arg(long, default_value = "text")]
    pub text_col: String,
    #[arg(long, default_value = "label")]
    pub label_col: String,
    /// Optional column of non-negative row weights.
    #[arg(long)]
    pub weight_col: Option<String>,
    /// Cross-validate by groups named in this column (e.g. `conflict`): each
    /// group stays whole in one fold, so CV measures transfer to new topics.
    #[arg(long, conflicts_with = "cv_by_file")]
    pub group_col: Option<String>,
    /// Cross-validate leaving whole input files out (one group per file).
    #[arg(long)]
    pub cv_by_file: bool,
    /// If given, every label must be one of these (comma-separated); a typo
    /// in the data is then an error instead of a new class.
    #[arg(long, value_delimiter = ',')]
    pub labels: Option<Vec<String>>,
    /// Cross-validation folds (0 or 1: no cross-validation, first C is used).
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Inverse regularisation strengths to try (scikit-learn's C).
    #[arg(long = "c", value_delimiter = ',', default_value = "1,3,10,30")]
    pub c: Vec<f64>,
    /// Longest word n-gram (1-3).
    #[arg(long, default_value_t = 2)]
    pub ngram_max: usize,
    /// Minimum number of rows an n-gram must occur in.
    #[arg(long, default_value_t = 1)]
    pub min_df: usize,
    /// Keep at most this many n-grams (most frequent).
    #[arg(long)]
    pub max_features: Option<usize>,
    /// Weight counts by inverse document frequency.
    #[arg(long)]
    pub tfidf: bool,
    /// Do not scale rows to unit length.
    #[arg(long)]
    pub no_norm: bool,
    /// Do not mark words after negators ("not", "never", "n't", ...) with NOT_.
    #[arg(long)]
    pub no_negation: bool,
    /// Use presence (0/1) instead of counts.
    #[arg(long)]
    pub binary: bool,
    /// Also character n-grams inside words, `MIN-MAX` chars (e.g. `2-5`,
    /// at most 5), in a block of their own: each word's idf-weighted
    /// n-grams at unit length, summed over the words and divided by the
    /// square root of their number. More accurate on real quotes, since
    /// statements and quotes share stems more often than whole words.
    #[arg(long, value_parser = parse_range)]
    pub char_ngrams: Option<(usize, usize)>,
    /// Build the character block over the whole text instead (sublinear
    /// counts, unit length), as models before the word-by-word block did:
    /// for comparison; scoring with it is about 2.7x slower.
    #[arg(long, requires = "char_ngrams", hide = true)]
    pub char_per_text: bool,
    /// `balanced` weighs rare labels up; `none` counts every row once.
    #[arg(long, default_value = "balanced", value_parser = ["balanced", "none"])]
    pub class_weight: String,
    /// L-BFGS iteration cap.
    #[arg(long, default_value_t = 500)]
    pub max_iter: u64,
    /// Stop when no component of the gradient of the mean-scaled loss is
    /// above this (scikit-learn's `tol`).
    #[arg(long, default_value_t = 1e-4)]
    pub tol: f64,
    /// Expected label shares in the text to be scored, e.g.
    /// `neutral=0.5,accusatory=0.3,pessimistic=0.1,conciliatory=0.1`: shifts
    /// the intercepts from the training mix to this one (CV is unaffected).
    #[arg(long, value_delimiter = ',', value_parser = parse_share)]
    pub prior: Option<Vec<(String, f64)>>,
    /// Print the result as JSON (cross-validation summary) on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    crate::keep_freed_memory();
    let cols = Columns { text: a.text_col.clone(), label: a.label_col.clone(), weight: a.weight_col.clone(),
        group: a.group_col.clone(),
        group_by_file: a.cv_by_file,
    };
    let (data, _) = read_labelled(&a.files, &cols, a.labels.as_deref(), false)?;
    if data.texts.is_empty() {
        bail!("no labelled rows in {}", a.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "));
    }
    let opts = TrainOptions {
        vectorizer: VectorizerConfig {
            ngram_max: a.ngram_max,
            min_df: a.min_df,
            max_features: a.max_features,
            tfidf: a.tfidf,
            l2_norm: !a.no_norm,
            negation: !a.no_negation,
            binary: a.binary,
            char_min: a.char_ngrams.map_or(0, |r| r.0),
            char_max: a.char_ngrams.map_or(0, |r| r.1),
            char_per_word: a.char_ngrams.is_some() && !a.char_per_text,
        },
        c_grid: a.c.clone(),
        folds: a.folds,
        class_weight: if a.class_weight == "none" { ClassWeight::None } else { ClassWeight::Balanced },
        max_iter: a.max_iter,
        tol: a.tol,
        prior: a.prior.clone(),
    };
    eprintln!("training on {} rows from {} file(s)", data.texts.len(), a.files.len());
    let out = train(&data, &opts, |line| eprintln!("{line}"))?;
    if let Some(cv) = &out.cv {
        if a.json {
            println!("{}", serde_json::to_string_pretty(cv)?);
        } else {
            let kind = if cv.grouped { " grouped" } else { "" };
            println!("cross-validation ({}{kind} folds) at the best C = {}:", cv.folds, cv.best_c);
            print!("{}", cv.report.render());
        }
    }
    out.model.save(&a.output).with_context(|| format!("saving the model to {}", a.output.display()))?;
    eprintln!(
        "wrote {} ({} labels, {} features)",
        a.output.display(),
        out.model.labels().len(),
        out.model.vectorizer().n_features()
    );
    Ok(0)
}

fn parse_share(s: &str) -> Result<(String, f64), String> {
    let (l, p) = s.split_once('=').ok_or_else(|| format!("{s:?} is not LABEL=SHARE"))?;
    let p: f64 = p.trim().parse().map_err(|_| format!("{p:?} is not a number"))?;
    Ok((l.trim().to_string(), p))
}

/// `MIN-MAX` (or one number) as a range of n-gram lengths.
fn parse_range(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("expected MIN-MAX such as 2-5, not {s:?}");
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let a: usize = a.trim().parse().map_err(|_| bad())?;
    let b: usize = b.trim().parse().map_err(|_| bad())?;
    if a == 0 || a > b || b > stance::features::MAX_CHAR_NGRAM {
        return Err(format!("character n-grams must be MIN-MAX with 1 <= MIN <= MAX <= {}, not {s:?}", stance::features::MAX_CHAR_NGRAM));
    }
    Ok((a, b))
}
