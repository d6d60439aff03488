//! Training: cross-validated choice of C, then a refit on all rows.
//!
//! Cross-validation fits the vectoriser inside each fold on that fold's
//! training rows only, so the figures it reports are what a user sees on
//! new text (held-out n-grams are as unknown as they will be in use).

use super::logistic::{argmax, ClassWeight, LogisticParams};
use super::{Model, ModelInfo, TrainingInfo};
use crate::features::{Vectorizer, VectorizerConfig};
use crate::metrics::{Confusion, CvSummary, GridPoint};
use anyhow::{bail, Context};
use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// Labelled rows, already read and checked.
#[derive(Clone, Debug, Default)]
pub struct TrainData {
    pub texts: Vec<String>,
    pub labels: Vec<String>,
    /// Optional per-row weights.
    pub weights: Option<Vec<f32>>,
    /// Where the rows came from (recorded in the model).
    pub files: Vec<String>,
    /// Optional group of each row (source file, conflict, author): when
    /// given, cross-validation keeps each group whole in one fold, so it
    /// measures how the model does on text unlike what it was trained on.
    pub groups: Option<Vec<String>>,
}

/// Settings for [`train`].
#[derive(Clone, Debug)]
pub struct TrainOptions {
    pub vectorizer: VectorizerConfig,
    /// Candidate C values; with one value and no folds, no search is made.
    pub c_grid: Vec<f64>,
    /// Cross-validation folds (0 or 1: none).
    pub folds: usize,
    pub class_weight: ClassWeight,
    pub max_iter: u64,
    /// Expected share of each label in the text the model will score, as
    /// (label, share) pairs. The fitted intercepts assume the training mix
    /// (uniform with balanced class weights); this shifts them by
    /// ln(share / training share), the Bayes-optimal correction for a known
    /// change of label frequencies. Applied to the final model only, so the
    /// CV figures describe the unshifted model on the training mix.
    pub prior: Option<Vec<(String, f64)>>,
    /// Gradient-norm tolerance of the mean-scaled loss (see [`LogisticParams`]).
    pub tol: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            vectorizer: VectorizerConfig::default(),
            c_grid: vec![1.0, 3.0, 10.0, 30.0],
            folds: 5,
            class_weight: ClassWeight::Balanced,
            max_iter: 500,
            tol: 1e-4,
            prior: None,
        }
    }
}

/// Fold number (0..k) of every row: rows of each label are dealt round-robin
/// in a fixed pseudo-random order, so every fold gets its share of every
/// label and the split is the same on every run.
pub fn stratified_folds(y: &[usize], n_classes: usize, k: usize) -> Vec<usize> {
    let mut folds = vec![0; y.len()];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for c in 0..n_classes {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == c).collect();
        // Fisher–Yates with a fixed xorshift seed.
        for i in (1..rows.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            rows.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for (pos, &r) in rows.iter().enumerate() {
            folds[r] = (pos + c) % k;
        }
    }
    folds
}

/// Fold number of every row when rows come in groups: each group goes
/// whole into one fold. Groups are dealt largest first (ties by name) to the
/// fold with the fewest rows so far, so folds are as even as the groups
/// allow and the split is the same on every run. With at most `k` groups,
/// every group is its own fold (leave-one-group-out) and `k` shrinks to the
/// number of groups.
pub fn group_folds(groups: &[String], k: usize) -> (Vec<usize>, usize) {
    let mut sizes: std::collections::BTreeMap<&str, usize> = Default::default();
    for g in groups {
        *sizes.entry(g.as_str()).or_insert(0) += 1;
    }
    let k = k.min(sizes.len());
    let mut order: Vec<(&str, usize)> = sizes.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut load = vec![0usize; k];
    let mut fold_of: std::collections::BTreeMap<&str, usize> = Default::default();
    for (g, n) in order {
        let f = (0..k).min_by_key(|&f| (load[f], f)).expect("k >= 1");
        load[f] += n;
        fold_of.insert(g, f);
    }
    (groups.iter().map(|g| fold_of[g.as_str()]).collect(), k)
}

/// Hash of the training rows, so a model records exactly what it learnt from.
pub fn data_sha256(data: &TrainData) -> String {
    let mut h = Sha256::new();
    for (t, l) in data.texts.iter().zip(&data.labels) {
        h.update(t.as_bytes());
        h.update([0x1f]);
        h.update(l.as_bytes());
        h.update([0x1e]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Current UTC time as ISO 8601, without a date crate.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// What [`train`] produced besides the model, for printing.
#[derive(Debug)]
pub struct TrainOutcome {
    pub model: Model,
    pub cv: Option<CvSummary>,
}

fn fit_one(
    texts: &[&str],
    y: &[usize],
    w: Option<&[f32]>,
    k: usize,
    c: f64,
    opts: &TrainOptions,
) -> anyhow::Result<(Vectorizer, super::logistic::FittedLogistic)> {
    let vec = Vectorizer::fit(opts.vectorizer.clone(), texts)?;
    let x = vec.transform(texts);
    let mut ds = DatasetBase::new(x, Array1::from(y.to_vec()));
    if let Some(w) = w {
        ds = ds.with_weights(Array1::from(w.to_vec()));
    }
    let params = LogisticParams {
        c,
        class_weight: opts.class_weight,
        n_classes: Some(k),
        max_iter: opts.max_iter,
        tol_grad: opts.tol,
        ..Default::default()
    };
    let clf = params.fit(&ds).with_context(|| format!("fitting the model with C = {c}"))?;
    Ok((vec, clf))
}

/// Cross-validates over the C grid (if asked), refits on all rows with the
/// best C and returns the model. `log` receives progress lines.
pub fn train(data: &TrainData, opts: &TrainOptions, mut log: impl FnMut(&str)) -> anyhow::Result<TrainOutcome> {
    if data.texts.len() != data.labels.len() {
        bail!("{} texts but {} labels", data.texts.len(), data.labels.len());
    }
    if opts.c_grid.is_empty() {
        bail!("no C value to try");
    }
    if let Some(c) = opts.c_grid.iter().find(|c| !(**c > 0.0 && c.is_finite())) {
        bail!("C must be a positive number, not {c}");
    }
    let mut labels: Vec<String> = data.labels.clone();
    labels.sort();
    labels.dedup();
    if labels.len() < 2 {
        bail!(
            "training needs at least two different labels, found {}: {}",
            labels.len(),
            labels.first().map_or("none".to_string(), |l| format!("only {l:?}"))
        );
    }
    let k = labels.len();
    let y: Vec<usize> = data.labels.iter().map(|l| labels.binary_search(l).expect("label in set")).collect();
    let texts: Vec<&str> = data.texts.iter().map(|s| s.as_str()).collect();
    let weights = data.weights.as_deref();

    let mut cv = None;
    let mut best_c = opts.c_grid[0];
    if opts.folds >= 2 {
        if opts.folds > texts.len() {
            bail!("{} folds need at least as many rows, found {}", opts.folds, texts.len());
        }
        let (folds, n_folds) = match &data.groups {
            Some(g) => group_folds(g, opts.folds),
            None => (stratified_folds(&y, k, opts.folds), opts.folds),
        };
        if n_folds < 2 {
            bail!("cross-validation by group needs at least two groups");
        }
        let kind = if data.groups.is_some() { "grouped " } else { "" };
        let mut grid = Vec::new();
        let mut best: Option<(f64, f64, Confusion)> = None;
        // Every (C, fold) fit is independent: run them in parallel, then
        // assemble the results in grid and fold order, so the output does not
        // depend on scheduling.
        let jobs: Vec<(f64, usize)> =
            opts.c_grid.iter().flat_map(|&c| (0..n_folds).map(move |f| (c, f))).collect();
        let results: Vec<Vec<(usize, usize)>> = jobs
            .par_iter()
            .map(|&(c, f)| -> anyhow::Result<Vec<(usize, usize)>> {
                let tr: Vec<usize> = (0..texts.len()).filter(|&i| folds[i] != f).collect();
                let te: Vec<usize> = (0..texts.len()).filter(|&i| folds[i] == f).collect();
                let tr_texts: Vec<&str> = tr.iter().map(|&i| texts[i]).collect();
                let tr_y: Vec<usize> = tr.iter().map(|&i| y[i]).collect();
                let tr_w: Option<Vec<f32>> = weights.map(|w| tr.iter().map(|&i| w[i]).collect());
                let (vec, clf) = fit_one(&tr_texts, &tr_y, tr_w.as_deref(), k, c, opts)?;
                let te_texts: Vec<&str> = te.iter().map(|&i| texts[i]).collect();
                let x = vec.transform(&te_texts);
                Ok(clf.predict_proba(&x).iter().zip(&te).map(|(p, &i)| (y[i], argmax(p))).collect())
            })
            .collect::<anyhow::Result<_>>()?;
        for (ci, &c) in opts.c_grid.iter().enumerate() {
            let mut conf = Confusion::new(&labels);
            for pairs in &results[ci * n_folds..(ci + 1) * n_folds] {
                for &(g, p) in pairs {
                    conf.add(g, p);
                }
            }
            let (acc, f1) = (conf.accuracy(), conf.macro_f1());
            log(&format!("C = {c:<8} {n_folds}-fold {kind}CV: accuracy {acc:.4}, macro-F1 {f1:.4}"));
            grid.push(GridPoint { c, accuracy: acc, macro_f1: f1 });
            // Strictly better only: on ties the first C in the grid wins.
            if best.as_ref().is_none_or(|b| f1 > b.1) {
                best = Some((c, f1, conf));
            }
        }
        let (c, _, conf) = best.expect("grid is not empty");
        best_c = c;
        cv = Some(CvSummary { folds: n_folds, grouped: data.groups.is_some(), grid, best_c: c, report: conf.report() });
    }

    let (vec, mut clf) = fit_one(&texts, &y, weights, k, best_c, opts)?;
    let prior = match &opts.prior {
        None => None,
        Some(pairs) => Some(prior_vector(pairs, &labels)?),
    };
    if let Some(prior) = &prior {
        // The training mix the intercepts were fitted for.
        let mut mix = vec![0.0; k];
        match opts.class_weight {
            ClassWeight::Balanced => mix.iter_mut().for_each(|m| *m = 1.0 / k as f64),
            ClassWeight::None => {
                for (i, &c) in y.iter().enumerate() {
                    mix[c] += weights.map_or(1.0, |w| w[i] as f64);
                }
                let t: f64 = mix.iter().sum();
                mix.iter_mut().for_each(|m| *m /= t);
            }
        }
        for c in 0..k {
            clf.intercepts[c] += (prior[c] / mix[c]).ln();
        }
        log(&format!(
            "intercepts shifted for the label shares {}",
            labels.iter().zip(prior).map(|(l, p)| format!("{l}={p:.3}")).collect::<Vec<_>>().join(", ")
        ));
    }
    log(&format!(
        "refit on all {} rows with C = {best_c}: {} features, {} L-BFGS iterations, objective {:.6}, {}",
        texts.len(),
        vec.n_features(),
        clf.iterations,
        clf.objective,
        if clf.converged { "converged" } else { "NOT converged (raise --max-iter)" }
    ));
    let mut label_counts = vec![0u64; k];
    for &c in &y {
        label_counts[c] += 1;
    }
    let info = ModelInfo {
        labels,
        n_features: vec.n_features() as u64,
        vectorizer: opts.vectorizer.clone(),
        training: TrainingInfo {
            data_sha256: data_sha256(data),
            rows: texts.len() as u64,
            files: data.files.clone(),
            label_counts,
            c: best_c,
            class_weight: opts.class_weight,
            iterations: clf.iterations,
            converged: clf.converged,
            objective: clf.objective,
            cv: cv.clone(),
            prior,
            date: now_utc(),
            stance_version: env!("CARGO_PKG_VERSION").to_string(),
        },
    };
    Ok(TrainOutcome { model: Model::new(info, vec, clf)?, cv })
}

/// The shares of `pairs` in label order, checked: every label named once,
/// every share positive; shares are normalised to sum to 1.
pub fn prior_vector(pairs: &[(String, f64)], labels: &[String]) -> anyhow::Result<Vec<f64>> {
    let mut out = vec![f64::NAN; labels.len()];
    for (l, p) in pairs {
        let Some(i) = labels.iter().position(|x| x == l) else {
            bail!("--prior names {l:?}, which is not a label of the data ({})", labels.join(", "));
        };
        if !(p.is_finite() && *p > 0.0) {
            bail!("--prior share of {l:?} must be a positive number, not {p}");
        }
        if !out[i].is_nan() {
            bail!("--prior names {l:?} twice");
        }
        out[i] = *p;
    }
    if let Some(i) = out.iter().position(|p| p.is_nan()) {
        bail!("--prior gives no share for {:?}; name every label ({})", labels[i], labels.join(", "));
    }
    let t: f64 = out.iter().sum();
    Ok(out.into_iter().map(|p| p / t).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> TrainData {
        let mut d = TrainData::default();
        let rows = [
            ("They lied and they provoked this war", "accusatory"),
            ("Their aggression is a crime", "accusatory"),
            ("We blame them for the attacks", "accusatory"),
            ("We are ready to talk and find peace", "conciliatory"),
            ("We welcome the dialogue", "conciliatory"),
            ("Cooperation is possible and we want it", "conciliatory"),
            ("The meeting is on Tuesday", "neutral"),
            ("The delegation arrived in Geneva", "neutral"),
            ("Talks will take place next week", "neutral"),
        ];
        for (t, l) in rows {
            d.texts.push(t.into());
            d.labels.push(l.into());
        }
        d
    }

    #[test]
    fn folds_are_stratified_and_stable() {
        let y = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
        let f = stratified_folds(&y, 3, 2);
        assert_eq!(f, stratified_folds(&y, 3, 2));
        for c in 0..3 {
            for fold in 0..2 {
                let n = (0..y.len()).filter(|&i| y[i] == c && f[i] == fold).count();
                let total = y.iter().filter(|&&v| v == c).count();
                assert!(n == total / 2 || n == total.div_ceil(2));
            }
        }
    }

    #[test]
    fn group_folds_keep_groups_whole_and_balance() {
        let g: Vec<String> = ["a", "a", "a", "b", "b", "c", "d", "d"].iter().map(|s| s.to_string()).collect();
        let (f, k) = group_folds(&g, 2);
        assert_eq!(k, 2);
        // a (3) -> fold 0, b (2) and d (2) -> fold 1 then 0/1 by load, c (1) last.
        for (i, gi) in g.iter().enumerate() {
            for (j, gj) in g.iter().enumerate() {
                if gi == gj {
                    assert_eq!(f[i], f[j]);
                }
            }
        }
        let n0 = f.iter().filter(|&&x| x == 0).count();
        assert_eq!(n0, 4);
        assert_eq!(group_folds(&g, 10).1, 4);
    }

    #[test]
    fn trains_with_cv_and_round_trips_through_the_file_format() {
        let opts = TrainOptions { folds: 3, c_grid: vec![1.0, 10.0], ..Default::default() };
        let out = train(&data(), &opts, |_| {}).unwrap();
        let cv = out.cv.unwrap();
        assert_eq!(cv.grid.len(), 2);
        assert_eq!(cv.report.rows, 9);
        let m = out.model;
        assert_eq!(m.labels(), ["accusatory", "conciliatory", "neutral"]);
        let bytes = m.to_bytes().unwrap();
        let back = Model::from_bytes(&bytes).unwrap();
        for t in ["they lied", "we want peace", "", "unrelated words entirely"] {
            assert_eq!(m.predict_proba(t), back.predict_proba(t));
        }
        assert_eq!(back.info(), m.info());
        assert_eq!(m.predict("They lied, a crime and aggression").0, 0);
    }

    #[test]
    fn character_ngram_models_are_format_version_2_and_round_trip() {
        let vectorizer = VectorizerConfig { char_min: 2, char_max: 4, ..Default::default() };
        let opts = TrainOptions { folds: 0, c_grid: vec![10.0], vectorizer, ..Default::default() };
        let m = train(&data(), &opts, |_| {}).unwrap().model;
        let bytes = m.to_bytes().unwrap();
        assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 2);
        let back = Model::from_bytes(&bytes).unwrap();
        // "lying" and "liars" are not training words; their letters are.
        for t in ["they lied", "liars and lying", "we want peace", ""] {
            assert_eq!(m.predict_proba(t), back.predict_proba(t));
        }
        let words_only = TrainOptions { folds: 0, c_grid: vec![10.0], ..Default::default() };
        let w = train(&data(), &words_only, |_| {}).unwrap().model.to_bytes().unwrap();
        assert_eq!(u32::from_le_bytes(w[8..12].try_into().unwrap()), 1, "readable by builds before version 2");
    }

    /// The word-by-word character block: format version 3 (a version-2
    /// build would build the block the older way), and scoring, which
    /// looks known words' parts up, gives the probabilities of the plain
    /// vectoriser-then-weights computation (and `NOT_`-marked, unknown and
    /// non-ASCII words take the slow path).
    #[test]
    fn word_by_word_character_models_score_as_their_vectors_say() {
        let vectorizer = VectorizerConfig { char_min: 2, char_max: 4, char_per_word: true, tfidf: true, ..Default::default() };
        let opts = TrainOptions { folds: 0, c_grid: vec![10.0], vectorizer, ..Default::default() };
        let m = train(&data(), &opts, |_| {}).unwrap().model;
        let bytes = m.to_bytes().unwrap();
        assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 3);
        let back = Model::from_bytes(&bytes).unwrap();
        let k = m.labels().len();
        for t in ["they lied", "liars and lying", "we do not want peace", "", "Liars! Naïve lügner?", "peace peace peace"] {
            let mut z = m.classifier().intercepts.clone();
            for (j, v) in m.vectorizer().transform_one(t) {
                for (c, zc) in z.iter_mut().enumerate() {
                    *zc += v * m.weight(j as usize, c);
                }
            }
            crate::model::logistic::softmax_in_place(&mut z);
            let fast = m.predict_proba(t);
            for c in 0..k {
                assert!((fast[c] - z[c]).abs() < 1e-12, "{t:?}: {fast:?} vs {z:?}");
            }
            assert_eq!(fast, back.predict_proba(t));
        }
        // The character block does move the probabilities of unseen words.
        assert_ne!(m.predict_proba("liars"), m.predict_proba("zzzz"));
    }

    /// Random words (so that every word pair is an n-gram of its own) and a
    /// cue word per label, weakly regularised: along each rare n-gram the
    /// objective is so flat that a test on the weights' gradient alone
    /// stopped after one iteration at nine times the optimal objective. The
    /// default tolerance must get within 1e-4 of a run to 1e-9.
    #[test]
    fn the_default_tolerance_does_not_stop_on_a_flat_tail_of_rare_ngrams() {
        let labels = ["accusatory", "conciliatory", "neutral", "pessimistic"];
        let mut x: u64 = 7;
        let mut texts = Vec::new();
        let mut labs = Vec::new();
        for i in 0..3000 {
            let mut words = Vec::new();
            for _ in 0..12 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                words.push(format!("w{}", x % 20_000));
            }
            words.push(format!("cue{}x{}", i % 4, x % 50));
            texts.push(words.join(" "));
            labs.push(labels[i % 4].to_string());
        }
        let d = TrainData { texts, labels: labs, ..Default::default() };
        let opts = TrainOptions { folds: 0, c_grid: vec![100.0], ..Default::default() };
        let fit = |tol: f64| train(&d, &TrainOptions { tol, ..opts.clone() }, |_| {}).unwrap().model.info().training.clone();
        let (default, tight) = (fit(1e-4), fit(1e-9));
        assert!(default.converged && default.iterations > 1, "{} iterations", default.iterations);
        assert!(default.objective - tight.objective < 1e-4, "{} vs {} at the optimum", default.objective, tight.objective);
    }

    #[test]
    fn prior_shifts_intercepts_toward_the_expected_mix() {
        let d = data();
        let opts = TrainOptions { folds: 0, c_grid: vec![1.0], ..Default::default() };
        let plain = train(&d, &opts, |_| {}).unwrap().model;
        let shares = vec![("accusatory".into(), 0.1), ("conciliatory".into(), 0.1), ("neutral".into(), 0.8)];
        let shifted = train(&d, &TrainOptions { prior: Some(shares), ..opts }, |_| {}).unwrap().model;
        let text = "nothing in the vocabulary";
        // With no known n-gram the prediction follows the intercepts.
        assert!(shifted.predict_proba(text)[2] > plain.predict_proba(text)[2]);
        assert_eq!(shifted.info().training.prior.as_ref().unwrap().len(), 3);
        let e = prior_vector(&[("neutral".into(), 1.0)], plain.labels()).unwrap_err().to_string();
        assert!(e.contains("no share for \"accusatory\""), "{e}");
    }

    #[test]
    fn single_label_is_refused() {
        let mut d = data();
        d.labels.iter_mut().for_each(|l| *l = "neutral".into());
        let e = train(&d, &TrainOptions::default(), |_| {}).unwrap_err().to_string();
        assert!(e.contains("two different labels"), "{e}");
    }

    #[test]
    fn iso_date_is_well_formed() {
        let d = now_utc();
        assert_eq!(d.len(), 20);
        assert!(d.starts_with("20") && d.ends_with('Z'));
    }
}
