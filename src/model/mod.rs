//! The tone model: a bag-of-words vectoriser plus a multinomial logistic
//! regression, saved in a versioned, checksummed file.
//!
//! Scoring code only needs [`Model::builtin`] (or [`Model::load`]),
//! [`Model::labels`] and [`Model::predict`]; training lives in [`train`],
//! the optimiser in [`logistic`] and the file format in [`file`](mod@file).

pub mod data;
pub mod file;
pub mod logistic;
mod pvec;
pub mod train;

use crate::atomic::AtomicFile;
use crate::features::{FxMap, Tokens, Vectorizer, VectorizerConfig};
use anyhow::Context;
use logistic::{argmax, softmax_in_place, ClassWeight, FittedLogistic};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

/// The default model, trained from `labels/tone/*.csv` by
/// `models/train-default.sh` and embedded so that a fresh install scores
/// with no set-up.
static BUILTIN_BYTES: &[u8] = include_bytes!("../../models/default.model");

/// Everything about a model except its numbers: the JSON header of the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Class names in output order (sorted).
    pub labels: Vec<String>,
    pub n_features: u64,
    pub vectorizer: VectorizerConfig,
    pub training: TrainingInfo,
}

/// Where a model came from and how well it did in cross-validation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// SHA-256 (hex) of the training rows (text and label, in order).
    pub data_sha256: String,
    pub rows: u64,
    /// Training files as given on the command line.
    pub files: Vec<String>,
    /// Rows per label, in label order.
    pub label_counts: Vec<u64>,
    /// Chosen inverse regularisation strength (scikit-learn's C).
    pub c: f64,
    pub class_weight: ClassWeight,
    pub iterations: u64,
    pub converged: bool,
    /// Final mean-scaled training objective.
    pub objective: f64,
    /// Cross-validation results (absent when no CV was run).
    pub cv: Option<crate::metrics::CvSummary>,
    /// Label shares the intercepts were shifted to (`train --prior`).
    #[serde(default)]
    pub prior: Option<Vec<f64>>,
    /// UTC date and time of training, ISO 8601.
    pub date: String,
    /// The stance version that trained it.
    pub stance_version: String,
}

/// The numeric parts of a model as stored in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedParts {
    pub vocab: Vec<String>,
    pub idf: Vec<f64>,
    /// Feature-major: `weights[j * k + c]`.
    pub weights: Vec<f64>,
    pub intercepts: Vec<f64>,
}

/// A loaded tone model. Immutable, `Send + Sync`: one instance serves every
/// scoring thread.
#[derive(Clone, Debug)]
pub struct Model {
    info: ModelInfo,
    vectorizer: Vectorizer,
    clf: FittedLogistic,
    /// With a word-by-word character block: each vocabulary token's
    /// character part already multiplied by the weights (`k` logits per
    /// token id), so scoring a known word costs `k` additions instead of a
    /// hash lookup per character n-gram.
    word_logits: Option<Vec<f64>>,
    /// Tells this model's entries in a thread's [`UNKNOWN_WORDS`] cache
    /// from another model's (copies share it: same weights).
    id: u64,
}

/// Words' character parts times the weights (`k` logits each).
type WordParts = FxMap<Box<str>, Box<[f64]>>;

/// Unknown words' character parts cached per thread, at most this many
/// (then the cache starts again): names and rare words recur across the
/// quotes of a corpus, and each costs a hash lookup per character n-gram.
const UNKNOWN_WORDS_CAP: usize = 50_000;

thread_local! {
    /// Per-thread scratch space so that predicting a quote allocates only
    /// its result.
    static SCRATCH: RefCell<(Tokens, Vec<(u32, f64)>)> = RefCell::new((Tokens::default(), Vec::new()));
    /// Unknown words' character parts (see [`Model::add_char_logits`]),
    /// for the model with the id in the first field.
    static UNKNOWN_WORDS: RefCell<(u64, WordParts)> = RefCell::new((u64::MAX, FxMap::default()));
}

impl Model {
    /// Assembles a model from a fitted vectoriser and classifier.
    pub fn new(info: ModelInfo, vectorizer: Vectorizer, clf: FittedLogistic) -> anyhow::Result<Model> {
        if info.labels.len() != clf.n_classes || vectorizer.n_features() != clf.n_features {
            anyhow::bail!(
                "inconsistent model: {} labels / {} classes, {} features / {} weights rows",
                info.labels.len(),
                clf.n_classes,
                vectorizer.n_features(),
                clf.n_features
            );
        }
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let word_logits = vectorizer.config().char_per_word.then(|| word_logits(&vectorizer, &clf));
        Ok(Model { info, vectorizer, clf, word_logits, id })
    }

    /// Reads and checks a model file.
    ///
    /// The fixed header is checked against the file's length first, so a
    /// large file that is not a model (or claims another size) is refused
    /// without being read into memory.
    pub fn load(path: &Path) -> anyhow::Result<Model> {
        use std::io::Read;
        let ctx = || format!("loading model {}", path.display());
        let mut f = std::fs::File::open(path).with_context(|| format!("opening model {}", path.display()))?;
        let len = f.metadata().with_context(ctx)?.len();
        let mut header = Vec::with_capacity(file::header_len());
        (&mut f).take(file::header_len() as u64).read_to_end(&mut header).with_context(ctx)?;
        file::check_header(&header, len).with_context(ctx)?;
        let mut bytes = header;
        bytes.reserve_exact((len as usize).saturating_sub(bytes.len()));
        f.read_to_end(&mut bytes).with_context(ctx)?;
        Model::from_bytes(&bytes).with_context(ctx)
    }

    /// Parses a model from the bytes of a model file.
    pub fn from_bytes(bytes: &[u8]) -> anyhow::Result<Model> {
        let (info, parts) = file::decode(bytes)?;
        let vectorizer = Vectorizer::from_parts(info.vectorizer.clone(), parts.vocab, parts.idf)
            .context("rebuilding the vocabulary")?;
        let clf = FittedLogistic {
            n_features: vectorizer.n_features(),
            n_classes: info.labels.len(),
            weights: parts.weights,
            intercepts: parts.intercepts,
            iterations: info.training.iterations,
            converged: info.training.converged,
            objective: info.training.objective,
        };
        Model::new(info, vectorizer, clf)
    }

    /// The model file's bytes.
    pub fn to_bytes(&self) -> anyhow::Result<Vec<u8>> {
        let parts = FittedParts {
            vocab: self.vectorizer.vocab().to_vec(),
            idf: self.vectorizer.idf().to_vec(),
            weights: self.clf.weights.clone(),
            intercepts: self.clf.intercepts.clone(),
        };
        file::encode(&self.info, &parts)
    }

    /// Writes the model atomically: a run killed midway leaves the old file.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let bytes = self.to_bytes()?;
        if is_special_file(path) {
            return std::fs::write(path, &bytes).with_context(|| format!("writing model {}", path.display()));
        }
        let mut f = AtomicFile::create(path).with_context(|| format!("writing model {}", path.display()))?;
        f.write_all(&bytes).with_context(|| format!("writing model {}", path.display()))?;
        f.commit().with_context(|| format!("writing model {}", path.display()))
    }

    /// The model shipped inside the binary, parsed once.
    pub fn builtin() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            // The embedded bytes are checked by this crate's tests, so a
            // failure here is a build defect, not bad user input.
            Model::from_bytes(BUILTIN_BYTES).expect("the embedded default model is valid")
        })
    }

    /// Class names, in the order of every probability vector.
    pub fn labels(&self) -> &[String] {
        &self.info.labels
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    pub fn vectorizer(&self) -> &Vectorizer {
        &self.vectorizer
    }

    pub fn classifier(&self) -> &FittedLogistic {
        &self.clf
    }

    /// Probability of each label for `text` (same order as [`Model::labels`]).
    pub fn predict_proba(&self, text: &str) -> Vec<f64> {
        let mut p = Vec::with_capacity(self.clf.n_classes);
        self.predict_into(text, &mut p);
        p
    }

    /// Like [`Model::predict`] without allocating: writes the probabilities
    /// into `probs` (resized to the number of labels) and returns the index
    /// of the most probable label. For callers scoring many quotes.
    pub fn predict_into(&self, text: &str, probs: &mut Vec<f64>) -> usize {
        let k = self.clf.n_classes;
        probs.clear();
        probs.extend_from_slice(&self.clf.intercepts);
        SCRATCH.with(|s| {
            let (tokens, row) = &mut *s.borrow_mut();
            match &self.word_logits {
                None => self.vectorizer.transform_into(text, tokens, row),
                Some(_) => self.vectorizer.word_block_into(text, tokens, row),
            }
            for &(j, v) in row.iter() {
                let w = &self.clf.weights[j as usize * k..j as usize * k + k];
                for (z, wc) in probs.iter_mut().zip(w) {
                    *z += v * wc;
                }
            }
            if let Some(known) = &self.word_logits {
                self.add_char_logits(known, tokens, row, probs);
            }
        });
        softmax_in_place(probs);
        argmax(probs)
    }

    /// Adds the word-by-word character block's logits: each token's part
    /// times 1/√(number of tokens), as [`Vectorizer::transform_into`] builds
    /// the block. A vocabulary token's part was computed at load; any
    /// other's is computed once per thread and cached. Every part is the
    /// same sum in the same order ([`word_part`]), so a cached, looked-up
    /// or fresh part gives the same bits, whatever the thread.
    fn add_char_logits(&self, known: &[f64], tokens: &Tokens, scratch: &mut Vec<(u32, f64)>, z: &mut [f64]) {
        let k = self.clf.n_classes;
        let n = tokens.len();
        if n == 0 {
            return;
        }
        let scale = 1.0 / (n as f64).sqrt();
        let add = |z: &mut [f64], part: &[f64]| {
            for (zc, pc) in z.iter_mut().zip(part) {
                *zc += scale * pc;
            }
        };
        for (i, t) in tokens.iter().enumerate() {
            if let Some(id) = tokens.id(i) {
                add(z, &known[id as usize * k..id as usize * k + k]);
                continue;
            }
            let word = t.strip_prefix("NOT_").unwrap_or(t);
            UNKNOWN_WORDS.with(|c| {
                let (owner, cache) = &mut *c.borrow_mut();
                if *owner != self.id || cache.len() >= UNKNOWN_WORDS_CAP {
                    cache.clear();
                    *owner = self.id;
                }
                if let Some(part) = cache.get(word) {
                    add(z, part);
                    return;
                }
                let mut part = vec![0.0; k].into_boxed_slice();
                word_part(&self.vectorizer, &self.clf, word, scratch, &mut part);
                add(z, &part);
                cache.insert(word.into(), part);
            });
        }
    }

    /// The most probable label's index and all probabilities.
    pub fn predict(&self, text: &str) -> (usize, Vec<f64>) {
        let p = self.predict_proba(text);
        (argmax(&p), p)
    }

    /// The weight of feature `j` for class `c`.
    pub fn weight(&self, j: usize, c: usize) -> f64 {
        self.clf.weights[j * self.clf.n_classes + c]
    }
}

/// Every vocabulary token's character part times the weights: `k` logits
/// per token id (see [`Model::add_char_logits`]).
fn word_logits(vectorizer: &Vectorizer, clf: &FittedLogistic) -> Vec<f64> {
    use rayon::prelude::*;
    let k = clf.n_classes;
    // Token ids are dense (0..n_tokens): name them in id order.
    let mut names = vec![""; vectorizer.n_tokens()];
    for (t, id) in vectorizer.token_ids() {
        names[id as usize] = t;
    }
    let mut out = vec![0.0; names.len() * k];
    out.par_chunks_mut(k.max(1))
        .zip(&names)
        .for_each_init(Vec::new, |chars, (z, t)| word_part(vectorizer, clf, t, chars, z));
    out
}

/// One word's character part times the weights, written into `z` (`k`
/// logits); `chars` is scratch.
fn word_part(vectorizer: &Vectorizer, clf: &FittedLogistic, word: &str, chars: &mut Vec<(u32, f64)>, z: &mut [f64]) {
    let k = clf.n_classes;
    z.fill(0.0);
    vectorizer.word_chars(word, chars);
    for &(j, v) in chars.iter() {
        for (zc, wc) in z.iter_mut().zip(&clf.weights[j as usize * k..j as usize * k + k]) {
            *zc += v * wc;
        }
    }
}

/// True for an existing path that is not a regular file (a device such as
/// `/dev/null`, a FIFO): such targets must be written in place, since the
/// atomic temporary-file-and-rename would replace the device with a file.
pub fn is_special_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_model_loads_and_predicts() {
        let m = Model::builtin();
        assert!(m.labels().len() >= 2);
        let (i, p) = m.predict("We will never accept these lies and provocations!");
        assert_eq!(p.len(), m.labels().len());
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(i < p.len());
        let mut q = vec![9.0; 7];
        assert_eq!(m.predict_into("We will never accept these lies and provocations!", &mut q), i);
        assert_eq!(q, p);
    }

    #[test]
    fn devices_are_special_files() {
        assert!(is_special_file(Path::new("/dev/null")));
        assert!(!is_special_file(Path::new("Cargo.toml")));
        assert!(!is_special_file(Path::new("no/such/file")));
    }

    #[test]
    fn model_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Model>();
    }
}
