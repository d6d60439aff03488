//! `stance explain`: what drives the model.

use stance::features::Tokens;
use std::path::PathBuf;

/// Without TEXT: the n-grams that weigh most for each label. With TEXT: the
/// prediction and each n-gram's contribution to the predicted label.
///
/// Weights are shown relative to the mean over labels (wᶜ − mean(w)),
/// because in a softmax only differences between labels matter.
#[derive(clap::Args)]
pub struct Args {
    /// A statement to explain.
    pub text: Option<String>,
    /// Model file (default: the model built into stance).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// How many n-grams to show per label (or for the text).
    #[arg(long, default_value_t = 15)]
    pub top: usize,
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    let model = super::eval::load_model(&a.model)?;
    let labels = model.labels();
    let k = labels.len();
    let vocab = model.vectorizer().vocab();
    let rel = |j: usize, c: usize| -> f64 {
        let mean = (0..k).map(|d| model.weight(j, d)).sum::<f64>() / k as f64;
        model.weight(j, c) - mean
    };
    match &a.text {
        None => {
            let info = model.info();
            println!(
                "model: {} labels, {} features, trained {} on {} rows (C = {})",
                k,
                vocab.len(),
                info.training.date,
                info.training.rows,
                info.training.c
            );
            let v = &info.vectorizer;
            println!(
                "vectoriser: n-grams 1-{}, min_df {}, tf-idf {}, negation {}, L2 rows {}, character n-grams {}",
                v.ngram_max,
                v.min_df,
                if v.tfidf { "on" } else { "off" },
                if v.negation { "on" } else { "off" },
                if v.l2_norm { "on" } else { "off" },
                match (v.has_chars(), v.char_per_word) {
                    (false, _) => "off".to_string(),
                    (true, true) => format!("{}-{} (word by word)", v.char_min, v.char_max),
                    (true, false) => format!("{}-{} (whole text)", v.char_min, v.char_max),
                }
            );
            if let Some(cv) = &info.training.cv {
                println!(
                    "cross-validation ({} {}folds): accuracy {:.4}, macro-F1 {:.4}",
                    cv.folds,
                    if cv.grouped { "grouped " } else { "" },
                    cv.report.accuracy,
                    cv.report.macro_f1
                );
            }
            for (c, label) in labels.iter().enumerate().filter(|_| a.top > 0) {
                let mut scored: Vec<(f64, &str)> = (0..vocab.len()).map(|j| (rel(j, c), vocab[j].as_str())).collect();
                // Highest weight first; ties by name so the listing is stable.
                scored.sort_by(|x, y| y.0.total_cmp(&x.0).then_with(|| x.1.cmp(y.1)));
                println!("\n{label}:");
                for (w, name) in scored.iter().take(a.top) {
                    println!("  {w:>+8.3}  {name}");
                }
            }
        }
        Some(text) => {
            let (best, p) = model.predict(text);
            println!("predicted: {}", labels[best]);
            for (l, v) in labels.iter().zip(&p) {
                println!("  p_{l} = {v:.4}");
            }
            let mut row = Vec::new();
            model.vectorizer().transform_into(text, &mut Tokens::default(), &mut row);
            let mut contrib: Vec<(f64, f64, &str)> =
                row.iter().map(|&(j, v)| (v * rel(j as usize, best), v, vocab[j as usize].as_str())).collect();
            contrib.sort_by(|x, y| y.0.abs().total_cmp(&x.0.abs()).then_with(|| x.2.cmp(y.2)));
            if contrib.is_empty() {
                println!("no n-gram of this text is in the model's vocabulary; the prediction is the prior");
            } else {
                println!("n-gram contributions to {} (value × relative weight):", labels[best]);
                for (c, v, name) in contrib.iter().take(a.top) {
                    println!("  {c:>+8.3}  ({v:.3})  {name}");
                }
            }
        }
    }
    Ok(0)
}
