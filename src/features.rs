//! Bag-of-words features: text → sparse vectors for the tone model.
//!
//! The vectoriser is deliberately small and predictable:
//!
//! * tokens are runs of Unicode letters and digits (an apostrophe inside a
//!   word is kept, so "don't" and "n't" negations survive), lower-cased;
//! * `!` and `?` are kept as tokens because they carry intensity and
//!   rhetorical questions, which matter for accusatory quotes;
//! * after a negator (not, no, never, n't, without, nor, cannot, …) every
//!   word up to the next clause punctuation gets a `NOT_` prefix, so that
//!   "not ready" and "no hope" do not look like "ready" and "hope". Tokens
//!   never contain `_`, so the prefix cannot collide with a real word;
//! * word n-grams from 1 to `ngram_max`, kept if they occur in at least
//!   `min_df` training documents, optionally capped to the `max_features`
//!   most frequent ones;
//! * optional TF-IDF weighting with the idf fixed at fit time (smoothed the
//!   way scikit-learn does it), optional L2 row normalisation;
//! * optional character n-grams inside words (`char_min..=char_max`
//!   characters of each word padded with a space at each end, as
//!   scikit-learn's `char_wb`), in a block of their own after the word
//!   n-grams: each word's idf-weighted n-gram counts at unit length, summed
//!   over the text's words and divided by the square root of their number
//!   (models from before this block kept the older whole-text block:
//!   sublinear counts, idf, unit length). Statements written for training
//!   and real quotes share word stems more often than whole words
//!   ("Russophobic" / "Russophobia", "escalate" / "escalation").
//!
//! The vocabulary is sorted by feature name, so the same training texts give
//! the same feature numbering on every machine and every run.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The longest n-gram the vectoriser supports (n-gram keys are fixed-size).
pub const MAX_NGRAM: usize = 3;
/// The longest character n-gram (keys pack its chars into a `u128`).
pub const MAX_CHAR_NGRAM: usize = 5;
/// How character n-gram features are named in the vocabulary: this prefix,
/// then the n-gram with its padding spaces written `_`. Word tokens never
/// hold `:` or `_` (but for the `NOT_` mark, which is not in char n-grams).
const CHAR_PREFIX: &str = "c:";

/// Words that open a negation scope (besides any word ending in "n't").
const NEGATORS: &[&str] = &[
    "not", "no", "never", "without", "nor", "cannot", "neither", "nobody", "nothing", "none", "nowhere",
];

/// How text becomes a vector. Stored in the model file so that prediction
/// uses exactly the settings training used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorizerConfig {
    /// Longest word n-gram (1 to [`MAX_NGRAM`]).
    pub ngram_max: usize,
    /// Minimum number of training documents an n-gram must occur in.
    pub min_df: usize,
    /// Keep only this many n-grams (highest document frequency first).
    pub max_features: Option<usize>,
    /// Multiply term counts by the inverse document frequency.
    pub tfidf: bool,
    /// Scale each row to unit Euclidean length.
    pub l2_norm: bool,
    /// Mark words after a negator with `NOT_`.
    pub negation: bool,
    /// Use presence (1) instead of counts for term frequency.
    pub binary: bool,
    /// Shortest character n-gram inside words; 0 with `char_max` 0: none.
    /// (Absent from model files written before character n-grams existed.)
    #[serde(default)]
    pub char_min: usize,
    /// Longest character n-gram inside words (at most [`MAX_CHAR_NGRAM`]).
    #[serde(default)]
    pub char_max: usize,
    /// How the character block is built. `true`: word by word, each word's
    /// idf-weighted n-gram counts at unit length, summed over the text's
    /// words and divided by the square root of their number, so that a
    /// text's character features are a sum of per-word parts and scoring
    /// can look each known word's part up instead of recomputing it
    /// ([`crate::model::Model`] does). `false` (model files written before
    /// this existed): sublinear counts over the whole text at unit length.
    #[serde(default)]
    pub char_per_word: bool,
}

impl VectorizerConfig {
    /// Whether character n-grams are on.
    pub fn has_chars(&self) -> bool {
        self.char_max > 0
    }
}

impl Default for VectorizerConfig {
    fn default() -> Self {
        VectorizerConfig {
            ngram_max: 2,
            min_df: 1,
            max_features: None,
            tfidf: false,
            l2_norm: true,
            negation: true,
            binary: false,
            char_min: 0,
            char_max: 0,
            char_per_word: false,
        }
    }
}

/// A compressed-sparse-row matrix of `f64`: row `i` has the entries
/// `indices[indptr[i]..indptr[i+1]]` (strictly increasing) with `data` values.
#[derive(Clone, Debug, PartialEq)]
pub struct Csr {
    pub n_cols: usize,
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub data: Vec<f64>,
}

impl Csr {
    /// An empty matrix with `n_cols` columns and no rows.
    pub fn new(n_cols: usize) -> Csr {
        Csr { n_cols, indptr: vec![0], indices: Vec::new(), data: Vec::new() }
    }

    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Column indices and values of row `i`.
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.data[a..b])
    }

    /// Appends a row; `entries` must be sorted by column with no duplicates.
    pub fn push_row(&mut self, entries: &[(u32, f64)]) {
        for &(j, v) in entries {
            debug_assert!((j as usize) < self.n_cols);
            self.indices.push(j);
            self.data.push(v);
        }
        self.indptr.push(self.indices.len());
    }

    /// The rows listed in `rows`, in that order (for cross-validation folds).
    pub fn select_rows(&self, rows: &[usize]) -> Csr {
        let mut out = Csr::new(self.n_cols);
        for &i in rows {
            let (idx, val) = self.row(i);
            out.indices.extend_from_slice(idx);
            out.data.extend_from_slice(val);
            out.indptr.push(out.indices.len());
        }
        out
    }

    /// A dense copy (tests and small problems only).
    pub fn to_dense(&self) -> ndarray::Array2<f64> {
        let mut a = ndarray::Array2::zeros((self.n_rows(), self.n_cols));
        for i in 0..self.n_rows() {
            let (idx, val) = self.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                a[[i, j as usize]] = v;
            }
        }
        a
    }

    /// The CSR form of a dense matrix (zeros dropped).
    /// The transpose: row j lists the rows of column j, in increasing order
    /// (what a column-at-a-time pass over the matrix needs).
    pub fn transpose(&self) -> Csr {
        let n = self.n_rows();
        assert!(n <= u32::MAX as usize, "too many rows to index with u32");
        let mut indptr = vec![0usize; self.n_cols + 1];
        for &j in &self.indices {
            indptr[j as usize + 1] += 1;
        }
        for j in 0..self.n_cols {
            indptr[j + 1] += indptr[j];
        }
        let mut next = indptr[..self.n_cols].to_vec();
        let mut indices = vec![0u32; self.indices.len()];
        let mut data = vec![0.0; self.data.len()];
        for i in 0..n {
            let (idx, val) = self.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                let at = &mut next[j as usize];
                indices[*at] = i as u32;
                data[*at] = v;
                *at += 1;
            }
        }
        Csr { n_cols: n, indptr, indices, data }
    }

    pub fn from_dense(a: &ndarray::Array2<f64>) -> Csr {
        let mut out = Csr::new(a.ncols());
        let mut row = Vec::new();
        for r in a.rows() {
            row.clear();
            row.extend(r.iter().enumerate().filter(|(_, v)| **v != 0.0).map(|(j, v)| (j as u32, *v)));
            out.push_row(&row);
        }
        out
    }
}

/// linfa's dataset type needs its records to say how many samples and
/// features they hold.
impl linfa::dataset::Records for Csr {
    type Elem = f64;
    fn nsamples(&self) -> usize {
        self.n_rows()
    }
    fn nfeatures(&self) -> usize {
        self.n_cols
    }
}

/// The FxHash function (as in rustc): the vocabulary lookups are on the hot
/// path of `score`, and SipHash's DoS resistance buys nothing for a table
/// that is fixed at load time.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    /// Eight bytes at a time, the last few zero-padded. The tail is
    /// assembled in a register: copying it into a zeroed array was a
    /// `memcpy` call per word looked up.
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut v = 0u64;
            for (k, &b) in rest.iter().enumerate() {
                v |= (b as u64) << (8 * k);
            }
            self.add(v);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64)
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64)
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i)
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64)
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// An n-gram as token ids, padded with `u32::MAX`.
type Key = [u32; MAX_NGRAM];
const NONE: u32 = u32::MAX;

/// The tokens of one text, stored in one buffer to avoid an allocation per
/// token. Reused across texts.
#[derive(Default)]
pub struct Tokens {
    buf: String,
    spans: Vec<(u32, u32)>,
    /// Token ids during transform (scratch).
    ids: Vec<u32>,
}

impl Tokens {
    pub fn len(&self) -> usize {
        self.spans.len()
    }
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
    pub fn get(&self, i: usize) -> &str {
        let (a, b) = self.spans[i];
        &self.buf[a as usize..b as usize]
    }
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i))
    }
    /// The vocabulary id of token `i` after [`Vectorizer::word_block_into`]
    /// (`None`: not in the word vocabulary).
    pub fn id(&self, i: usize) -> Option<u32> {
        self.ids.get(i).copied().filter(|&id| id != NONE)
    }
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// Punctuation that closes a negation scope.
fn ends_clause(c: char) -> bool {
    matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '(' | ')' | '[' | ']' | '"' | '\u{201c}' | '\u{201d}' | '\u{2014}' | '\u{2013}')
}

/// Words that open a new clause and so close a negation scope: in "not
/// ready to talk while they lie", "they lie" is not negated.
const CLAUSE_WORDS: &[&str] = &[
    "but", "while", "because", "although", "though", "however", "whereas", "and", "so", "which", "when", "if",
    "unless", "until", "since",
];

fn is_negator(word: &str) -> bool {
    NEGATORS.contains(&word) || word.ends_with("n't")
}

/// Splits `text` into lower-cased tokens (see the module docs), replacing the
/// contents of `out`.
///
/// Walks bytes and decodes only non-ASCII chars (an ASCII byte is its own
/// char): this runs on every quote scored, where a peekable `char_indices`
/// and a cloned iterator per apostrophe showed in the profile.
pub fn tokenize(text: &str, negation: bool, out: &mut Tokens) {
    out.buf.clear();
    out.spans.clear();
    out.buf.reserve(text.len());
    let mut negated = false;
    let n = text.len();
    let mut i = 0;
    while i < n {
        let (c, cl) = char_at(text, i);
        i += cl;
        if c.is_alphanumeric() {
            let start = out.buf.len();
            if negated {
                out.buf.push_str("NOT_");
            }
            let word_start = out.buf.len();
            push_lower(&mut out.buf, c);
            while i < n {
                let (d, dl) = char_at(text, i);
                if d.is_alphanumeric() {
                    push_lower(&mut out.buf, d);
                    i += dl;
                } else if is_apostrophe(d) {
                    // Keep the apostrophe only if a letter follows ("don't"),
                    // not at the end of a quoted word ("leaders'").
                    if i + dl < n && char_at(text, i + dl).0.is_alphanumeric() {
                        out.buf.push('\'');
                        i += dl;
                    } else {
                        break;
                    }
                } else {
                    break;
                }
            }
            let mut word_start = word_start;
            if negated && CLAUSE_WORDS.contains(&&out.buf[word_start..]) {
                out.buf.replace_range(start..word_start, "");
                word_start = start;
                negated = false;
            }
            let is_neg = negation && is_negator(&out.buf[word_start..]);
            out.spans.push((start as u32, out.buf.len() as u32));
            if is_neg {
                negated = true;
            }
        } else {
            if c == '!' || c == '?' {
                let start = out.buf.len();
                out.buf.push(c);
                out.spans.push((start as u32, out.buf.len() as u32));
            }
            if ends_clause(c) {
                negated = false;
            }
        }
    }
}

/// The char at byte `i` of `text` (a char boundary) and its length; an
/// ASCII byte without decoding.
#[inline(always)]
fn char_at(text: &str, i: usize) -> (char, usize) {
    let b = text.as_bytes()[i];
    if b < 0x80 {
        (b as char, 1)
    } else {
        let c = text[i..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
        (c, c.len_utf8())
    }
}

#[inline]
fn push_lower(buf: &mut String, c: char) {
    if c.is_ascii() {
        buf.push(c.to_ascii_lowercase());
    } else {
        buf.extend(c.to_lowercase());
    }
}

/// A fitted vectoriser: the settings, the sorted vocabulary and the idf.
#[derive(Clone, Debug)]
pub struct Vectorizer {
    config: VectorizerConfig,
    /// Feature names, sorted; n-grams are tokens joined by one space.
    vocab: Vec<String>,
    /// Inverse document frequency per feature (empty unless `tfidf`).
    idf: Vec<f64>,
    /// Token → token id, for every token that appears in some feature.
    tokens: FxMap<Box<str>, u32>,
    /// Token-id n-gram → feature index.
    ngrams: FxMap<Key, u32>,
    /// Character n-gram (packed by [`char_keys`]) → feature index; the
    /// character features follow every word feature in the vocabulary.
    chars: FxMap<u128, u32>,
    /// Number of word n-gram features (the first columns).
    n_words: usize,
}

impl Vectorizer {
    /// Learns the vocabulary (and idf) from training texts.
    pub fn fit<S: AsRef<str>>(config: VectorizerConfig, texts: &[S]) -> anyhow::Result<Vectorizer> {
        check_config(&config)?;
        let mut tok_ids: FxMap<Box<str>, u32> = FxMap::default();
        let mut tok_names: Vec<Box<str>> = Vec::new();
        let mut df: FxMap<Key, u32> = FxMap::default();
        let mut tokens = Tokens::default();
        let mut ids = Vec::new();
        let mut keys: Vec<Key> = Vec::new();
        // Character n-gram document frequencies, from the same tokens.
        let mut cdf: FxMap<u128, u32> = FxMap::default();
        let mut ckeys: Vec<u128> = Vec::new();
        for text in texts {
            tokenize(text.as_ref(), config.negation, &mut tokens);
            ids.clear();
            for t in tokens.iter() {
                let id = match tok_ids.get(t) {
                    Some(&id) => id,
                    None => {
                        let id = tok_names.len() as u32;
                        tok_names.push(t.into());
                        tok_ids.insert(t.into(), id);
                        id
                    }
                };
                ids.push(id);
            }
            keys.clear();
            ngram_keys(&ids, config.ngram_max, |k| keys.push(k));
            keys.sort_unstable();
            keys.dedup();
            for k in &keys {
                *df.entry(*k).or_insert(0) += 1;
            }
            if config.has_chars() {
                ckeys.clear();
                char_keys(&tokens, config.char_min, config.char_max, |k| ckeys.push(k));
                ckeys.sort_unstable();
                ckeys.dedup();
                for k in &ckeys {
                    *cdf.entry(*k).or_insert(0) += 1;
                }
            }
        }
        let name = |k: &Key| -> String {
            let mut s = String::new();
            for &t in k.iter().take_while(|&&t| t != NONE) {
                if !s.is_empty() {
                    s.push(' ');
                }
                s.push_str(&tok_names[t as usize]);
            }
            s
        };
        let words: Vec<(String, u32)> =
            df.iter().filter(|(_, &d)| d as usize >= config.min_df).map(|(k, &d)| (name(k), d)).collect();
        let mut kept = keep(words, &config);
        if config.has_chars() {
            let grams: Vec<(String, u32)> =
                cdf.iter().filter(|(_, &d)| d as usize >= config.min_df).map(|(&k, &d)| (char_name(k), d)).collect();
            kept.extend(keep(grams, &config));
        }
        let n_docs = texts.len() as f64;
        let idf = if config.tfidf {
            kept.iter().map(|(_, d)| ((1.0 + n_docs) / (1.0 + *d as f64)).ln() + 1.0).collect()
        } else {
            Vec::new()
        };
        let vocab = kept.into_iter().map(|(n, _)| n).collect();
        Vectorizer::from_parts(config, vocab, idf)
    }

    /// Rebuilds a vectoriser from its stored parts (the model file).
    pub fn from_parts(config: VectorizerConfig, vocab: Vec<String>, idf: Vec<f64>) -> anyhow::Result<Vectorizer> {
        check_config(&config)?;
        if config.tfidf && idf.len() != vocab.len() {
            anyhow::bail!("the idf has {} values for {} features", idf.len(), vocab.len());
        }
        if vocab.len() >= NONE as usize {
            anyhow::bail!("too many features ({})", vocab.len());
        }
        let mut tokens: FxMap<Box<str>, u32> = FxMap::default();
        let mut ngrams: FxMap<Key, u32> = FxMap::default();
        let mut chars: FxMap<u128, u32> = FxMap::default();
        ngrams.reserve(vocab.len());
        let n_words = vocab.iter().position(|n| n.starts_with(CHAR_PREFIX)).unwrap_or(vocab.len());
        for (f, name) in vocab.iter().enumerate() {
            if let Some(gram) = name.strip_prefix(CHAR_PREFIX) {
                let n = gram.chars().count();
                if !config.has_chars() || n < config.char_min || n > config.char_max {
                    anyhow::bail!(
                        "feature {f} {name:?} is not a character n-gram of {}-{} chars",
                        config.char_min,
                        config.char_max
                    );
                }
                if chars.insert(pack_chars(gram.chars().map(|c| if c == '_' { ' ' } else { c })), f as u32).is_some() {
                    anyhow::bail!("feature {f} {name:?} appears twice in the vocabulary");
                }
                continue;
            }
            if f >= n_words {
                anyhow::bail!("feature {f} {name:?}: word n-grams must come before character n-grams");
            }
            let mut key = [NONE; MAX_NGRAM];
            for (n, part) in name.split(' ').enumerate() {
                if part.is_empty() || n == config.ngram_max {
                    anyhow::bail!("feature {f} {name:?} is not an n-gram of at most {} words", config.ngram_max);
                }
                let next = tokens.len() as u32;
                key[n] = *tokens.entry(part.into()).or_insert(next);
            }
            if ngrams.insert(key, f as u32).is_some() {
                anyhow::bail!("feature {f} {name:?} appears twice in the vocabulary");
            }
        }
        Ok(Vectorizer { config, vocab, idf, tokens, ngrams, chars, n_words })
    }

    pub fn config(&self) -> &VectorizerConfig {
        &self.config
    }
    /// Feature names in column order.
    pub fn vocab(&self) -> &[String] {
        &self.vocab
    }
    pub fn idf(&self) -> &[f64] {
        &self.idf
    }
    pub fn n_features(&self) -> usize {
        self.vocab.len()
    }

    /// The sparse vector of one text as sorted `(feature, value)` pairs,
    /// written into `out` (cleared first). `tokens` is scratch space.
    pub fn transform_into(&self, text: &str, tokens: &mut Tokens, out: &mut Vec<(u32, f64)>) {
        self.word_block_into(text, tokens, out);
        if self.config.has_chars() {
            if self.config.char_per_word {
                self.char_block_per_word(tokens, out);
            } else {
                self.char_block(tokens, out);
            }
        }
    }

    /// The word n-gram block of one text alone (what [`Self::transform_into`]
    /// starts with), leaving the text's tokens in `tokens` and their ids
    /// (see [`Tokens::id`]) for a caller that adds the character block
    /// its own way.
    pub fn word_block_into(&self, text: &str, tokens: &mut Tokens, out: &mut Vec<(u32, f64)>) {
        out.clear();
        tokenize(text, self.config.negation, tokens);
        let mut ids = std::mem::take(&mut tokens.ids);
        ids.clear();
        ids.extend(tokens.iter().map(|t| self.tokens.get(t).copied().unwrap_or(NONE)));
        ngram_keys(&ids, self.config.ngram_max, |k| {
            if let Some(&f) = self.ngrams.get(&k) {
                out.push((f, 1.0));
            }
        });
        tokens.ids = ids;
        count_from(out, 0);
        if self.config.binary {
            out.iter_mut().for_each(|e| e.1 = 1.0);
        }
        if self.config.tfidf {
            out.iter_mut().for_each(|e| e.1 *= self.idf[e.0 as usize]);
        }
        if self.config.l2_norm {
            unit_length(out);
        }
    }

    /// Appends the word-by-word character block (see
    /// [`VectorizerConfig::char_per_word`]) of the text in `tokens` to `out`.
    fn char_block_per_word(&self, tokens: &Tokens, out: &mut Vec<(u32, f64)>) {
        let from = out.len();
        let n = tokens.len();
        if n == 0 {
            return;
        }
        let scale = 1.0 / (n as f64).sqrt();
        let mut word = Vec::new();
        for t in tokens.iter() {
            self.word_chars(t, &mut word);
            out.extend(word.iter().map(|&(f, v)| (f, v * scale)));
        }
        count_from(out, from);
    }

    /// One word's character part, sorted by feature: its n-grams' counts
    /// times the idf, at unit length (empty when none is in the
    /// vocabulary). The `NOT_` mark of a negated word is left out.
    pub fn word_chars(&self, token: &str, out: &mut Vec<(u32, f64)>) {
        out.clear();
        let t = token.strip_prefix("NOT_").unwrap_or(token);
        token_char_keys(t, self.config.char_min, self.config.char_max, |k| {
            if let Some(&f) = self.chars.get(&k) {
                out.push((f, 1.0));
            }
        });
        count_from(out, 0);
        if self.config.tfidf {
            out.iter_mut().for_each(|e| e.1 *= self.idf[e.0 as usize]);
        }
        unit_length(out);
    }

    /// Token → token id of every token in the word vocabulary (what the
    /// per-word character parts of [`crate::model::Model`] are keyed by).
    pub fn token_ids(&self) -> impl Iterator<Item = (&str, u32)> {
        self.tokens.iter().map(|(t, &id)| (&**t, id))
    }

    /// Number of distinct tokens in the word vocabulary (ids are below it).
    pub fn n_tokens(&self) -> usize {
        self.tokens.len()
    }

    /// Appends the character n-gram block of the text in `tokens` to `out`:
    /// counts made sublinear (1 + ln count: a long quote repeats common
    /// letter sequences many times), times the idf, scaled to unit length on
    /// its own so that it weighs as much as the word block. Its features
    /// all follow the word features, so `out` stays sorted.
    fn char_block(&self, tokens: &Tokens, out: &mut Vec<(u32, f64)>) {
        let from = out.len();
        char_keys(tokens, self.config.char_min, self.config.char_max, |k| {
            if let Some(&f) = self.chars.get(&k) {
                out.push((f, 1.0));
            }
        });
        count_from(out, from);
        let block = &mut out[from..];
        for e in block.iter_mut() {
            e.1 = 1.0 + e.1.ln();
            if self.config.tfidf {
                e.1 *= self.idf[e.0 as usize];
            }
        }
        if self.config.l2_norm {
            unit_length(block);
        }
    }

    /// Number of word n-gram features (character n-grams follow them).
    pub fn n_word_features(&self) -> usize {
        self.n_words
    }

    /// The sparse vector of one text.
    pub fn transform_one(&self, text: &str) -> Vec<(u32, f64)> {
        let mut out = Vec::new();
        self.transform_into(text, &mut Tokens::default(), &mut out);
        out
    }

    /// The CSR matrix of many texts, one row each.
    pub fn transform<S: AsRef<str>>(&self, texts: &[S]) -> Csr {
        let mut m = Csr::new(self.n_features());
        let mut tokens = Tokens::default();
        let mut row = Vec::new();
        for t in texts {
            self.transform_into(t.as_ref(), &mut tokens, &mut row);
            m.push_row(&row);
        }
        m
    }
}

fn check_config(c: &VectorizerConfig) -> anyhow::Result<()> {
    if c.ngram_max == 0 || c.ngram_max > MAX_NGRAM {
        anyhow::bail!("ngram_max must be between 1 and {MAX_NGRAM}, not {}", c.ngram_max);
    }
    if c.min_df == 0 {
        anyhow::bail!("min_df must be at least 1");
    }
    if c.has_chars() && !(1 <= c.char_min && c.char_min <= c.char_max && c.char_max <= MAX_CHAR_NGRAM) {
        anyhow::bail!("character n-grams must be MIN-MAX with 1 <= MIN <= MAX <= {MAX_CHAR_NGRAM}, not {}-{}", c.char_min, c.char_max);
    }
    Ok(())
}

/// Sorts `out[from..]` by feature and merges repeats by adding their
/// values (one `(feature, 1.0)` per occurrence becomes counts).
fn count_from(out: &mut Vec<(u32, f64)>, from: usize) {
    out[from..].sort_unstable_by_key(|e| e.0);
    let mut w = from;
    for r in from..out.len() {
        if w > from && out[w - 1].0 == out[r].0 {
            out[w - 1].1 += out[r].1;
        } else {
            out[w] = out[r];
            w += 1;
        }
    }
    out.truncate(w);
}

/// Scales a block of values to unit Euclidean length (an empty or all-zero
/// block stays as it is).
fn unit_length(block: &mut [(u32, f64)]) {
    let norm = block.iter().map(|e| e.1 * e.1).sum::<f64>().sqrt();
    if norm > 0.0 {
        block.iter_mut().for_each(|e| e.1 /= norm);
    }
}

/// The features of one block kept after `min_df` (done by the caller) and
/// the `max_features` cap (which applies to each block), sorted by name.
fn keep(mut kept: Vec<(String, u32)>, config: &VectorizerConfig) -> Vec<(String, u32)> {
    if let Some(cap) = config.max_features {
        if kept.len() > cap {
            // Most frequent first, ties by name, so the cut is deterministic.
            kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            kept.truncate(cap);
        }
    }
    kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    kept
}

/// Packs up to [`MAX_CHAR_NGRAM`] chars into one key: 21 bits a char, and
/// the length above them, so different n-grams never share a key.
#[inline]
fn pack_chars(chars: impl Iterator<Item = char>) -> u128 {
    let mut key = 0u128;
    let mut n = 0u128;
    for c in chars {
        key = (key << 21) | c as u128;
        n += 1;
    }
    key | (n << 120)
}

/// The vocabulary name of a packed character n-gram (`c:` and the chars,
/// spaces written `_`).
fn char_name(key: u128) -> String {
    let n = (key >> 120) as usize;
    let mut s = String::from(CHAR_PREFIX);
    for i in (0..n).rev() {
        let c = char::from_u32(((key >> (21 * i)) & 0x1f_ffff) as u32).unwrap_or('\u{fffd}');
        s.push(if c == ' ' { '_' } else { c });
    }
    s
}

/// Calls `f` with the packed key of every character n-gram of `min..=max`
/// chars inside each token, the token padded with a space at each end (the
/// `NOT_` mark of a negated word is left out: negation lives in the word
/// block).
fn char_keys(tokens: &Tokens, min: usize, max: usize, mut f: impl FnMut(u128)) {
    for t in tokens.iter() {
        token_char_keys(t.strip_prefix("NOT_").unwrap_or(t), min, max, &mut f);
    }
}

/// [`char_keys`] of one token (already without its `NOT_` mark).
fn token_char_keys(t: &str, min: usize, max: usize, mut f: impl FnMut(u128)) {
    let mut buf = [0u32; 64];
    let cs_long: Vec<u32>;
    let cs: &[u32] = if t.len() + 2 <= buf.len() {
        let mut n = 0;
        buf[n] = ' ' as u32;
        n += 1;
        if t.is_ascii() {
            for b in t.bytes() {
                buf[n] = u32::from(b);
                n += 1;
            }
        } else {
            for c in t.chars() {
                buf[n] = u32::from(c);
                n += 1;
            }
        }
        buf[n] = ' ' as u32;
        &buf[..n + 1]
    } else {
        cs_long = std::iter::once(' ').chain(t.chars()).chain(std::iter::once(' ')).map(u32::from).collect();
        &cs_long
    };
    // Each start position extends its key one char at a time, so an
    // n-gram costs a shift and an or (the keys equal `pack_chars`').
    for i in 0..cs.len() {
        let mut key = 0u128;
        for (n, &c) in cs[i..].iter().take(max).enumerate() {
            key = (key << 21) | c as u128;
            if n + 1 >= min {
                f(key | (((n + 1) as u128) << 120));
            }
        }
    }
}

/// Calls `f` with every n-gram key (n = 1..=max) of `ids`. N-grams that
/// contain an unknown token (`NONE`) are skipped.
#[inline]
fn ngram_keys(ids: &[u32], max: usize, mut f: impl FnMut(Key)) {
    for i in 0..ids.len() {
        let mut key = [NONE; MAX_NGRAM];
        for n in 0..max {
            let Some(&t) = ids.get(i + n) else { break };
            if t == NONE {
                break;
            }
            key[n] = t;
            f(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        let mut t = Tokens::default();
        tokenize(s, true, &mut t);
        t.iter().map(String::from).collect()
    }

    #[test]
    fn transpose_lists_each_columns_rows_in_order() {
        let a = ndarray::array![[0.0, 2.0, 0.0], [1.0, 0.0, 3.0], [4.0, 5.0, 0.0], [0.0, 0.0, 0.0]];
        let t = Csr::from_dense(&a).transpose();
        assert_eq!(t, Csr::from_dense(&a.t().to_owned()));
        assert_eq!(t.row(1), (&[0u32, 2][..], &[2.0, 5.0][..]));
        assert_eq!(t.transpose(), Csr::from_dense(&a));
    }

    #[test]
    fn fx_hash_of_bytes_is_the_zero_padded_eight_byte_chunks() {
        use std::hash::Hasher as _;
        let data: Vec<u8> = (1..=40u8).collect();
        for n in 0..data.len() {
            let mut fast = FxHasher::default();
            fast.write(&data[..n]);
            let mut slow = FxHasher::default();
            for chunk in data[..n].chunks(8) {
                let mut b = [0u8; 8];
                b[..chunk.len()].copy_from_slice(chunk);
                slow.add(u64::from_le_bytes(b));
            }
            assert_eq!(fast.finish(), slow.finish(), "{n} bytes");
        }
    }

    /// The char-by-char definition [`tokenize`] must agree with.
    fn tokenize_chars(text: &str, negation: bool, out: &mut Tokens) {
        out.buf.clear();
        out.spans.clear();
        let mut negated = false;
        let mut chars = text.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            if c.is_alphanumeric() {
                let start = out.buf.len();
                if negated {
                    out.buf.push_str("NOT_");
                }
                let word_start = out.buf.len();
                push_lower(&mut out.buf, c);
                while let Some(&(_, d)) = chars.peek() {
                    if d.is_alphanumeric() {
                        push_lower(&mut out.buf, d);
                        chars.next();
                    } else if is_apostrophe(d) {
                        // Keep the apostrophe only if a letter follows ("don't"),
                        // not at the end of a quoted word ("leaders'").
                        let mut look = chars.clone();
                        look.next();
                        match look.peek() {
                            Some(&(_, e)) if e.is_alphanumeric() => {
                                out.buf.push('\'');
                                chars.next();
                            }
                            _ => break,
                        }
                    } else {
                        break;
                    }
                }
                let mut word_start = word_start;
                if negated && CLAUSE_WORDS.contains(&&out.buf[word_start..]) {
                    out.buf.replace_range(start..word_start, "");
                    word_start = start;
                    negated = false;
                }
                let is_neg = negation && is_negator(&out.buf[word_start..]);
                out.spans.push((start as u32, out.buf.len() as u32));
                if is_neg {
                    negated = true;
                }
            } else {
                if c == '!' || c == '?' {
                    let start = out.buf.len();
                    out.buf.push(c);
                    out.spans.push((start as u32, out.buf.len() as u32));
                }
                if ends_clause(c) {
                    negated = false;
                }
            }
        }
    }

    #[test]
    fn byte_walk_tokenizes_like_the_char_walk() {
        let texts = [
            "",
            "Don't say \"never\" — it isn't true, but we won't stop!? NOT ready while they lie.",
            "Das Öl, ПУТИН said: leaders' plans’ don’t ’90s l'État x'",
            "no, not because of it; never (unless) they can't, can’t",
            "ΟΔΟΣ Σ İstanbul ǅ ß ﬁ e\u{301}",
        ];
        for t in texts {
            for negation in [false, true] {
                let (mut a, mut b) = (Tokens::default(), Tokens::default());
                tokenize(t, negation, &mut a);
                tokenize_chars(t, negation, &mut b);
                assert_eq!(a.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>(), "{t:?} {negation}");
            }
        }
    }

    #[test]
    fn tokens_are_lowercased_unicode_words() {
        assert_eq!(toks("Das Öl, ПУТИН said"), ["das", "öl", "путин", "said"]);
        assert_eq!(toks("U.S. leaders' plans"), ["u", "s", "leaders", "plans"]);
    }

    #[test]
    fn negation_marks_words_until_punctuation() {
        assert_eq!(toks("We are not ready, they are."), ["we", "are", "not", "NOT_ready", "they", "are"]);
        assert_eq!(toks("There is no hope"), ["there", "is", "no", "NOT_hope"]);
        assert_eq!(toks("not ready while they lie"), ["not", "NOT_ready", "while", "they", "lie"]);
        assert_eq!(toks("They don’t want peace!"), ["they", "don't", "NOT_want", "NOT_peace", "!"]);
    }

    #[test]
    fn negated_words_are_different_features() {
        let v = Vectorizer::fit(VectorizerConfig::default(), &["we are ready", "we are not ready"]).unwrap();
        assert!(v.vocab().contains(&"ready".to_string()));
        assert!(v.vocab().contains(&"NOT_ready".to_string()));
        let a = v.transform_one("ready");
        let b = v.transform_one("not ready");
        assert_ne!(a, b);
        let ready = v.vocab().iter().position(|f| f == "ready").unwrap() as u32;
        assert!(!b.iter().any(|e| e.0 == ready));
    }

    #[test]
    fn vocabulary_is_sorted_and_respects_min_df_and_cap() {
        let texts = ["b a c", "a b", "a d"];
        let cfg = VectorizerConfig { ngram_max: 2, min_df: 2, ..Default::default() };
        let v = Vectorizer::fit(cfg.clone(), &texts).unwrap();
        assert_eq!(v.vocab(), ["a", "b"]);
        let cfg = VectorizerConfig { ngram_max: 1, max_features: Some(2), ..Default::default() };
        let v = Vectorizer::fit(cfg, &texts).unwrap();
        // a: 3 documents, b: 2; c and d (1 each) are cut.
        assert_eq!(v.vocab(), ["a", "b"]);
    }

    #[test]
    fn counts_tfidf_and_norm() {
        let cfg = VectorizerConfig { ngram_max: 1, l2_norm: false, ..Default::default() };
        let v = Vectorizer::fit(cfg, &["a a b", "b"]).unwrap();
        assert_eq!(v.transform_one("a b a zzz"), vec![(0, 2.0), (1, 1.0)]);
        let cfg = VectorizerConfig { ngram_max: 1, tfidf: true, l2_norm: true, ..Default::default() };
        let v = Vectorizer::fit(cfg, &["a a b", "b"]).unwrap();
        // idf(a) = ln(3/2)+1, idf(b) = 1 (sklearn smoothing)
        assert!((v.idf()[0] - ((1.5f64).ln() + 1.0)).abs() < 1e-12);
        assert!((v.idf()[1] - 1.0).abs() < 1e-12);
        let x = v.transform_one("a b");
        let n: f64 = x.iter().map(|e| e.1 * e.1).sum();
        assert!((n - 1.0).abs() < 1e-12);
        assert!(x[0].1 > x[1].1);
    }

    #[test]
    fn bigrams_cross_no_unknown_token() {
        let cfg = VectorizerConfig { ngram_max: 2, l2_norm: false, ..Default::default() };
        let v = Vectorizer::fit(cfg, &["red army", "army red"]).unwrap();
        let x = v.transform_one("red blue army");
        let names: Vec<&str> = x.iter().map(|e| v.vocab()[e.0 as usize].as_str()).collect();
        assert_eq!(names, ["army", "red"]);
    }

    #[test]
    fn rebuilt_from_parts_transforms_the_same() {
        let cfg = VectorizerConfig { tfidf: true, ..Default::default() };
        let texts = ["Nobody wants a war here", "we will never accept this!", "talks resume"];
        let v = Vectorizer::fit(cfg.clone(), &texts).unwrap();
        let w = Vectorizer::from_parts(cfg, v.vocab().to_vec(), v.idf().to_vec()).unwrap();
        for t in texts {
            assert_eq!(v.transform_one(t), w.transform_one(t));
        }
    }

    #[test]
    fn character_ngrams_follow_the_words_and_round_trip() {
        let cfg = VectorizerConfig { tfidf: true, char_min: 2, char_max: 3, ..Default::default() };
        let texts = ["Russophobia, again", "not russophobic at all", "Ça dérape"];
        let v = Vectorizer::fit(cfg.clone(), &texts).unwrap();
        let n_words = v.n_word_features();
        assert!(v.vocab()[..n_words].iter().all(|n| !n.starts_with(CHAR_PREFIX)));
        assert!(v.vocab()[n_words..].iter().all(|n| n.starts_with(CHAR_PREFIX)));
        // The padded word `_ça_` gives `_ç`, `ça`, `a_`, `_ça`, `ça_`; a
        // negated word gives its plain n-grams, not `NOT_`'s.
        for name in ["c:_ç", "c:ça_", "c:_ru", "c:bic", "c:ic_"] {
            assert!(v.vocab().iter().any(|n| n == name), "{name} missing");
        }
        assert!(!v.vocab().iter().any(|n| n.contains("NOT") && n.starts_with(CHAR_PREFIX)));
        let w = Vectorizer::from_parts(cfg, v.vocab().to_vec(), v.idf().to_vec()).unwrap();
        for t in texts.iter().chain(&["an unseen Russophobe"]) {
            let x = v.transform_one(t);
            assert_eq!(x, w.transform_one(t));
            assert!(x.windows(2).all(|p| p[0].0 < p[1].0), "sorted, distinct columns");
            // Two blocks, each of unit length (or empty: no known word).
            let split = x.partition_point(|e| (e.0 as usize) < n_words);
            for block in [&x[..split], &x[split..]] {
                let norm: f64 = block.iter().map(|e| e.1 * e.1).sum();
                assert!(block.is_empty() || (norm - 1.0).abs() < 1e-9, "{t}: block norm {norm}");
            }
        }
        // "russophobe" shares character n-grams with the training words
        // though not one word.
        let x = v.transform_one("Russophobe");
        assert!(x.iter().all(|e| e.0 as usize >= n_words) && x.len() > 5);
    }

    #[test]
    fn character_ngram_settings_are_checked() {
        for (a, b) in [(0, 3), (3, 2), (2, 6)] {
            let cfg = VectorizerConfig { char_min: a, char_max: b, ..Default::default() };
            assert!(Vectorizer::fit(cfg, &["some text"]).is_err(), "{a}-{b}");
        }
        // A vocabulary with a character n-gram before a word n-gram, or one
        // whose length is outside the settings, is refused.
        let cfg = VectorizerConfig { char_min: 2, char_max: 3, ..Default::default() };
        assert!(Vectorizer::from_parts(cfg.clone(), vec!["c:ab".into(), "word".into()], vec![]).is_err());
        assert!(Vectorizer::from_parts(cfg.clone(), vec!["word".into(), "c:abcd".into()], vec![]).is_err());
        assert!(Vectorizer::from_parts(cfg, vec!["word".into(), "c:ab".into()], vec![]).is_ok());
        let words_only = VectorizerConfig::default();
        assert!(Vectorizer::from_parts(words_only, vec!["word".into(), "c:ab".into()], vec![]).is_err());
    }
}
