//! The model file format.
//!
//! Models travel by e-mail and shared folders, so loading must never trust
//! the file: every size it declares is checked against the bytes actually
//! present before anything is allocated, and the payload's SHA-256 is checked
//! before it is parsed.
//!
//! ```text
//! offset  size  field
//!      0     8  magic "STANCEMD"
//!      8     4  format version (u32, little-endian)
//!     12     8  payload length in bytes (u64 LE)
//!     20    32  SHA-256 of the payload
//!     52     …  payload:
//!                 u32 LE  length of the JSON header, then the JSON header
//!                         (labels, feature count, vectoriser settings,
//!                          training data hash and size, CV metrics, date)
//!                 per feature: u32 LE byte length + UTF-8 n-gram
//!                 per feature (only with tf-idf): idf, f64 LE
//!                 per feature, per class: weight, f64 LE (feature-major)
//!                 per class: intercept, f64 LE
//! ```
//!
//! The JSON header is plain text near the start of the file, so
//! `head -c 2000 model.stance` shows what a model is without any tool.

use super::{FittedParts, ModelInfo};
use anyhow::{bail, Context};
use sha2::{Digest, Sha256};

pub const MAGIC: &[u8; 8] = b"STANCEMD";
/// The newest version this build reads and writes. Version 2 adds
/// character n-grams to the vectoriser; a model without them is still
/// written as version 1, which older builds read. (An older build would
/// ignore the unknown settings of a version-2 model and score it wrongly, so
/// it must refuse it: hence the new number.) Version 3 builds the
/// character block word by word (`char_per_word`), which a version-2 build
/// would ignore and score as the older whole-text block.
pub const FORMAT_VERSION: u32 = 3;
const HEADER_LEN: usize = 52;

/// Serialises a model.
pub fn encode(info: &ModelInfo, parts: &FittedParts) -> anyhow::Result<Vec<u8>> {
    let k = info.labels.len();
    let nf = parts.vocab.len();
    if info.n_features as usize != nf || parts.weights.len() != nf * k || parts.intercepts.len() != k {
        bail!("inconsistent model: {nf} features, {k} labels, {} weights", parts.weights.len());
    }
    let meta = serde_json::to_vec_pretty(info).context("serialising the model header")?;
    let mut payload = Vec::with_capacity(4 + meta.len() + nf * (12 + 8 * k) + 8 * k);
    payload.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    payload.extend_from_slice(&meta);
    for f in &parts.vocab {
        payload.extend_from_slice(&(f.len() as u32).to_le_bytes());
        payload.extend_from_slice(f.as_bytes());
    }
    if info.vectorizer.tfidf {
        for v in &parts.idf {
            payload.extend_from_slice(&v.to_le_bytes());
        }
    }
    for v in parts.weights.iter().chain(&parts.intercepts) {
        payload.extend_from_slice(&v.to_le_bytes());
    }
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    let version: u32 = match (info.vectorizer.has_chars(), info.vectorizer.char_per_word) {
        (false, _) => 1,
        (true, false) => 2,
        (true, true) => 3,
    };
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&Sha256::digest(&payload));
    out.extend_from_slice(&payload);
    Ok(out)
}

/// A cursor over the payload that refuses to read past its end.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    fn take(&mut self, n: usize, what: &str) -> anyhow::Result<&'a [u8]> {
        if n > self.remaining() {
            bail!("{what} needs {n} bytes at payload offset {} but only {} remain", self.pos, self.remaining());
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u32(&mut self, what: &str) -> anyhow::Result<u32> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }
    fn f64s(&mut self, n: usize, what: &str) -> anyhow::Result<Vec<f64>> {
        let bytes = self.take(n.checked_mul(8).context("size overflow")?, what)?;
        let v: Vec<f64> = bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            bail!("{what}: value {i} is not a finite number");
        }
        Ok(v)
    }
}

/// Checks the fixed header against the file's total length, before the rest
/// is read: a file that is not a model, from a newer version, or shorter or
/// longer than its header declares is refused without reading it whole.
pub fn check_header(header: &[u8], file_len: u64) -> anyhow::Result<()> {
    if header.len() >= 8 && &header[..8] != MAGIC {
        bail!("not a stance model file (it does not start with \"STANCEMD\")");
    }
    if header.len() < HEADER_LEN || file_len < HEADER_LEN as u64 {
        bail!("the file is truncated: {file_len} bytes, shorter than the {HEADER_LEN}-byte header");
    }
    let version = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
    if version > FORMAT_VERSION {
        bail!(
            "the model uses format version {version}, newer than this build of stance reads (up to {FORMAT_VERSION}); \
             upgrade stance or retrain the model with this version"
        );
    }
    if version == 0 {
        bail!("invalid model format version 0");
    }
    let declared = u64::from_le_bytes(header[12..20].try_into().expect("8 bytes"));
    let actual = file_len - HEADER_LEN as u64;
    if declared > actual {
        bail!("the file is truncated: its header declares a {declared}-byte payload but only {actual} bytes follow");
    }
    if declared < actual {
        bail!("the file has {} unexpected bytes after its {declared}-byte payload", actual - declared);
    }
    Ok(())
}

/// The length of the fixed header, for readers that check it first.
pub const fn header_len() -> usize {
    HEADER_LEN
}

/// Parses and checks a model file's bytes.
pub fn decode(bytes: &[u8]) -> anyhow::Result<(ModelInfo, FittedParts)> {
    check_header(&bytes[..bytes.len().min(HEADER_LEN)], bytes.len() as u64)?;
    let payload = &bytes[HEADER_LEN..];
    let digest = Sha256::digest(payload);
    if digest.as_slice() != &bytes[20..52] {
        bail!("the model file is corrupt or was modified: its SHA-256 checksum does not match its contents");
    }
    let mut r = Reader { buf: payload, pos: 0 };
    let meta_len = r.u32("header length")? as usize;
    let meta = r.take(meta_len, "the JSON header")?;
    let info: ModelInfo = serde_json::from_slice(meta).context("reading the model's JSON header")?;
    let k = info.labels.len();
    if k < 2 {
        bail!("the model declares {k} label(s); at least 2 are needed");
    }
    let nf = info.n_features;
    // Every feature needs at least its 4-byte length, its k weights and its
    // idf: refuse a header whose counts the file cannot hold before
    // allocating anything sized by them.
    let per_feature = 4 + 8 * k as u64 + if info.vectorizer.tfidf { 8 } else { 0 };
    let needed = nf.checked_mul(per_feature).and_then(|b| b.checked_add(8 * k as u64));
    match needed {
        Some(n) if n <= r.remaining() as u64 => {}
        _ => bail!(
            "the model header declares {nf} features and {k} labels, which needs at least {} bytes, \
             but only {} bytes remain in the file: the file is corrupt or crafted",
            needed.map_or("more than 2^64".to_string(), |n| n.to_string()),
            r.remaining()
        ),
    }
    let nf = nf as usize;
    let mut vocab = Vec::with_capacity(nf);
    for f in 0..nf {
        let len = r.u32("a feature name's length")? as usize;
        let name = r.take(len, "a feature name")?;
        let name = std::str::from_utf8(name).with_context(|| format!("feature {f} is not valid UTF-8"))?;
        vocab.push(name.to_string());
    }
    let idf = if info.vectorizer.tfidf { r.f64s(nf, "the idf values")? } else { Vec::new() };
    let weights = r.f64s(nf * k, "the weights")?;
    let intercepts = r.f64s(k, "the intercepts")?;
    if r.remaining() != 0 {
        bail!("{} unexpected bytes at the end of the payload", r.remaining());
    }
    Ok((info, FittedParts { vocab, idf, weights, intercepts }))
}
