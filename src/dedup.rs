//! Near-duplicate articles and their repeated quotes.
//!
//! News corpora carry the same wire story many times: reprinted verbatim,
//! trimmed, or rewritten in other words (seeds 001 and 003 are one Reuters
//! story told twice). Counting its quotes once per reprint would let one
//! statement weigh as much as the number of outlets that ran it, so the score
//! rows mark every repeated quote with `duplicate_of` = `doc:quote` of its
//! first occurrence in input order, and tables skip marked rows by default.
//!
//! Why not word 5-gram shingles: a rewrite shares almost no 5-grams with its
//! source (seeds 001/003 share 1.8 % of them, about as many as unrelated
//! articles on the same topic), while it keeps the names, numbers and content
//! words. So an article's features are its capitalised words and numbers plus
//! the 5-letter stems of its longer words; on the seeds the exact Jaccard of
//! 001/003 is 0.35 and no other pair exceeds 0.16 (the 64-value estimates
//! used here: 0.38, and at most 0.16; see tests/seeds_shared.rs).
//!
//! The work splits in two so that scoring can stay parallel and streaming:
//! [`sketch`] runs per article on any thread and returns a [`Sketch`] (a
//! 64-value one-permutation MinHash of the feature set and a small stem set
//! per quote); the [`Index`] then takes sketches one at a time in input
//! order. The index keeps only the compact signatures (per article 128 bytes
//! of MinHash, 192 of band keys and its name; per quote 16 bytes and at most
//! 48 of stems; some 0.8 KB for an article of twelve quotes), never the texts, and
//! finds candidates through LSH bands rather than by comparing with every
//! earlier article.
//!
//! So that memory stays flat however long the input, the index remembers a
//! window of recent articles ([`Index::with_window`], `score --dedup-window`):
//! when it holds `window` articles it forgets the older half. A reprint is
//! always matched with a story up to `window / 2` articles back, sometimes
//! further; the origins of repeats it already found are kept by name.

use crate::extract::Quote;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// MinHash values per article, kept as their low 16 bits (b-bit MinHash: a
/// chance agreement of 1/65536 is negligible beside the sampling error).
/// 64 values estimate a Jaccard of 0.3 to within ±0.06 (one s.d.).
const K: usize = 64;
/// LSH bands of `ROWS` values each over the first `BANDS * ROWS` values;
/// an article pair at Jaccard 0.3 becomes a candidate with probability 0.90,
/// at 0.35 with 0.96, at 0.5 with 0.999.
const ROWS: usize = 2;
const BANDS: usize = 24;
/// Estimated Jaccard from which two articles are the same story (see the
/// module doc for the figures this sits between).
pub const DOC_THRESHOLD: f64 = 0.25;
/// Quote stems kept per quote (the smallest hashes: a bottom-k sketch).
const QUOTE_STEMS: usize = 24;
/// Share of the smaller quote's stems the other must contain to be the same
/// statement, once the articles are known to be the same story.
const QUOTE_CONTAINMENT: f64 = 0.4;

/// Words that are long enough to pass the length filter but say nothing
/// about the story.
const STOP: &[&str] = &[
    "about", "after", "also", "been", "before", "being", "could", "does", "from", "have", "into",
    "just", "many", "more", "most", "much", "only", "other", "over", "said", "says", "some",
    "such", "than", "that", "their", "them", "then", "there", "these", "they", "this", "those",
    "told", "very", "were", "what", "when", "where", "which", "while", "will", "with", "would",
];

/// What the index needs to know about one article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sketch {
    sig: [u16; K],
    quotes: Vec<QuoteSketch>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct QuoteSketch {
    /// The quote's number in its article.
    quote: usize,
    /// Hash of the canonical speaker; 0 when unattributed.
    speaker: u16,
    /// Sorted, distinct 16-bit stem hashes.
    stems: Vec<u16>,
    /// Hash of the whole text, lower-cased, words only: equal for the same
    /// quote printed twice in one article (a caption, a pull quote).
    exact: u64,
}

/// 64-bit FNV-1a step: fixed across runs and platforms, unlike `RandomState`,
/// so duplicate marks never change between runs.
#[inline]
fn fnv(h: u64, b: u8) -> u64 {
    (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
}
const FNV0: u64 = 0xcbf2_9ce4_8422_2325;

/// Seeds for densifying empty bins.
const SEEDS: [u64; K] = {
    let mut s = [0u64; K];
    let mut i = 0;
    let mut x: u64 = 0x243f_6a88_85a3_08d3;
    while i < K {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        s[i] = z ^ (z >> 31);
        i += 1;
    }
    s
};

/// A strong 64-bit mixer (splitmix64 finaliser) to turn one feature hash
/// into K independent-looking ones.
#[inline]
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Hash of an ASCII word, lower-cased, eight bytes at a time: most words
/// of news text take one or two multiplications instead of one per byte.
/// (`| 0x20` lower-cases ASCII letters and leaves digits alone.)
#[inline]
fn ascii_hash(w: &[u8]) -> u64 {
    ascii_hash_in(w, 0, w.len())
}

/// [`ascii_hash`] of `text[start..start + len]`. Reading from the whole
/// text lets the last partial word of eight bytes be one unaligned load,
/// masked, when the text goes on past it; the value is the same either way.
#[inline(always)]
fn ascii_hash_in(text: &[u8], start: usize, len: usize) -> u64 {
    let mut h = 0x51_7cc1_b727_220a ^ len as u64;
    let step = |h: u64, v: u64| (h ^ (v | 0x2020_2020_2020_2020)).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    // Most words (and every stem) have one to eight bytes: one masked load
    // and one step, with no loop to leave.
    if (1..=8).contains(&len) && start + 8 <= text.len() {
        return step(h, load8(text, start) & (u64::MAX >> (64 - 8 * len)));
    }
    let mut step = |v: u64| h = step(h, v);
    let mut off = 0;
    while off + 8 <= len {
        let at = start + off;
        step(u64::from_le_bytes(text[at..at + 8].try_into().unwrap_or([0; 8])));
        off += 8;
    }
    let rest = len - off;
    if rest > 0 {
        let at = start + off;
        let v = if at + 8 <= text.len() {
            u64::from_le_bytes(text[at..at + 8].try_into().unwrap_or([0; 8])) & ((1u64 << (8 * rest)) - 1)
        } else {
            // Assembled in a register: a byte-wise copy into a buffer read
            // back as one u64 stalls the load.
            let mut v = 0u64;
            for (k, &b) in text[at..at + rest].iter().enumerate() {
                v |= (b as u64) << (8 * k);
            }
            v
        };
        step(v);
    }
    h
}

/// Byte classes, the definition the word scan is tested against: 0
/// separates words, 1 is an ASCII letter or digit, 2 a byte of a non-ASCII
/// char (which may be a letter).
#[cfg(test)]
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c >= 0x80 { 2 } else if c.is_ascii_alphanumeric() { 1 } else { 0 };
        b += 1;
    }
    t
};

use crate::text::HIGH;

/// Eight bytes of `b` from `at` (which must leave eight), little-endian.
#[inline(always)]
fn load8(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}

/// For eight bytes in a `u64`, the high bit of each byte that is not a word
/// separator in the sense of [`CLASS`]: an ASCII letter or digit, or any
/// byte >= 0x80. Range tests on the low seven bits of all eight bytes at
/// once; no sum carries into the next byte (each stays below 0x100).
#[inline(always)]
fn word_mask(w: u64) -> u64 {
    crate::text::ascii_alnum_lanes(w) | (w & HIGH)
}

/// Whether a word (by length and [`ascii_hash`]) is a stop word. Every stop
/// word has four to six letters, which spares most words the search.
#[inline]
fn is_stop(len: usize, hash: u64) -> bool {
    (4..=6).contains(&len) && in_stop_table(hash)
}

/// Slots of [`STOP_TABLE`] (a power of two: 44 words in 1,024 slots rarely
/// share one, so a probe reads one or two slots).
const STOP_SLOTS: usize = 1024;

/// The stop words' hashes in an open-addressing table, built at compile
/// time, and the longest displacement any of them got from its home slot
/// (the top ten bits of its hash). A lookup compares that many slots with
/// no early exit: the common stop words (`said`, `that`, `with`) made the
/// exit of a probe loop a coin toss, and a table built at run time a lazy
/// static to check on every word. Padded past the last home slot by more
/// than there are stop words, so a probe never runs off the end.
static STOP_TABLE: [u64; STOP_SLOTS + 64] = build_stop_table().0;
/// How many slots a lookup compares.
const STOP_PROBES: usize = build_stop_table().1;

const fn build_stop_table() -> ([u64; STOP_SLOTS + 64], usize) {
    assert!(STOP.len() < 64);
    let mut t = [0u64; STOP_SLOTS + 64];
    let mut probes = 1;
    let mut i = 0;
    while i < STOP.len() {
        let h = ascii_hash_const(STOP[i].as_bytes());
        let home = (h >> 54) as usize;
        let mut slot = home;
        while t[slot] != 0 {
            slot += 1;
        }
        t[slot] = h;
        if slot - home + 1 > probes {
            probes = slot - home + 1;
        }
        i += 1;
    }
    (t, probes)
}

/// Whether `hash` is in [`STOP_TABLE`].
#[inline(always)]
fn in_stop_table(hash: u64) -> bool {
    let home = (hash >> 54) as usize;
    let mut found = false;
    let mut k = 0;
    while k < STOP_PROBES {
        found |= STOP_TABLE[home + k] == hash;
        k += 1;
    }
    found
}

/// [`ascii_hash`] as a `const fn`, to build [`STOP_TABLE`] at compile time
/// (tested to agree).
const fn ascii_hash_const(w: &[u8]) -> u64 {
    let mut h = 0x51_7cc1_b727_220a ^ w.len() as u64;
    let mut off = 0;
    while off < w.len() {
        let mut v = 0u64;
        let mut k = 0;
        while k < 8 && off + k < w.len() {
            v |= (w[off + k] as u64) << (8 * k);
            k += 1;
        }
        h = (h ^ (v | 0x2020_2020_2020_2020)).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
        off += 8;
    }
    h
}

/// Tag mixed into a name feature so that `Ostrel` (name) and `ostre` (stem)
/// never collide.
const NAME_TAG: u64 = 0x6e61_6d65_7461_6721;

/// Calls `f(start, end, ascii)` for each word run of `text`: a maximal run
/// of ASCII letters and digits and of bytes >= 0x80 (which may be part of a
/// non-ASCII letter), `ascii` when it holds no such byte. No allocation:
/// this runs over every byte scored.
///
/// The text is classified 64 bytes at a time into a bit mask of word bytes
/// ([`block_bits`]), and words are read off the mask with bit operations:
/// a word starts where a word bit follows a separator bit and ends where a
/// separator bit follows a word bit. A byte-at-a-time walk with a branch at
/// each word edge ran at some 600 MB/s; this does the same words without
/// a branch per byte or edge.
#[inline(always)]
fn for_each_word(text: &str, mut f: impl FnMut(usize, usize, bool)) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut base = 0;
    // Whether the byte before the block is a word byte; if so, where that
    // word started and whether it has a byte >= 0x80 so far.
    let (mut prev, mut open, mut open_high) = (0u64, 0usize, false);
    let mut pad = [0u8; 64];
    while base < n {
        let (words, high) = match bytes.get(base..base + 64) {
            Some(block) => block_bits(block),
            None => {
                // The last few bytes, padded with separators.
                pad[..n - base].copy_from_slice(&bytes[base..]);
                pad[n - base..].fill(0);
                block_bits(&pad)
            }
        };
        let shifted = (words << 1) | prev;
        let mut starts = words & !shifted;
        let mut ends = !words & shifted;
        if prev == 1 {
            if ends == 0 {
                // The word goes on through the whole block.
                open_high |= high != 0;
                base += 64;
                continue;
            }
            let e = ends.trailing_zeros();
            ends &= ends - 1;
            open_high |= high & ((1u64 << e) - 1) != 0;
            f(open, base + e as usize, !open_high);
        }
        // Starts and ends alternate: each start's end is the next end bit,
        // unless the word runs past the block.
        while starts != 0 {
            let s = starts.trailing_zeros();
            starts &= starts - 1;
            if ends == 0 {
                open = base + s as usize;
                open_high = high >> s != 0;
                break;
            }
            let e = ends.trailing_zeros();
            ends &= ends - 1;
            let span = ((1u64 << e) - 1) & !((1u64 << s) - 1);
            f(base + s as usize, base + e as usize, high & span == 0);
        }
        prev = words >> 63;
        base += 64;
    }
    if prev == 1 {
        f(open, n, !open_high);
    }
}

/// For 64 bytes: a bit per byte that is a word byte (an ASCII letter or
/// digit, or any byte >= 0x80; see [`word_mask`]), and a bit per byte
/// >= 0x80. Eight bytes at a time, their high bits gathered into a byte.
#[inline(always)]
fn block_bits(block: &[u8]) -> (u64, u64) {
    // Moves the high bit of each byte of `m` (nothing else set) to bit k of
    // the result for byte k: the products land on distinct bits, so no
    // carry disturbs the top byte.
    let gather = |m: u64| ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
    let (mut words, mut high) = (0u64, 0u64);
    for k in 0..8 {
        let w = load8(block, 8 * k);
        words |= gather(word_mask(w)) << (8 * k);
        high |= gather(w & HIGH) << (8 * k);
    }
    (words, high)
}

/// Calls `f(hash)` for each feature word of `text`: capitalised words and
/// numbers (whole, lower-cased, tagged as names) when `names` is set, and the
/// first five letters of every word longer than three letters that is not a
/// stop word (a capitalised word gives both). ASCII words are hashed whole.
/// [`signature`] computes the same features without these branches.
fn for_each_feature(text: &str, names: bool, mut f: impl FnMut(u64)) {
    let bytes = text.as_bytes();
    for_each_word(text, |start, end, ascii| {
        let run = &bytes[start..end];
        if ascii {
            let capital = run[0].is_ascii_uppercase() || run[0].is_ascii_digit();
            let full = ascii_hash_in(bytes, start, run.len());
            if names && capital {
                f(mix(full ^ NAME_TAG));
            }
            if run.len() > 3 && !is_stop(run.len(), full) {
                // A word of five letters or fewer is its own stem.
                f(if run.len() <= 5 { full } else { ascii_hash_in(bytes, start, 5) });
            }
        } else {
            // `start` and `end` are char boundaries: ASCII bytes never sit
            // inside a multi-byte char.
            slow_words(&text[start..end], names, &mut f);
        }
    });
}

/// The words of a run holding non-ASCII chars (which may be letters, like
/// `é`, or punctuation, like `“`), hashed char by char.
fn slow_words(run: &str, names: bool, f: &mut impl FnMut(u64)) {
    slow_words_all(run, &mut |full, stem, chars, capital| {
        if names && capital {
            f(mix(full ^ NAME_TAG));
        }
        // No stop word has a non-ASCII letter, but an ASCII word can reach
        // here glued to punctuation (`“We`): check it the same way.
        if chars > 3 && !is_stop(chars, full) {
            f(stem);
        }
    });
}

/// Calls `emit(full, stem, chars, capital)` for every word of a run holding
/// non-ASCII chars: the hashes of the word and of its first five letters,
/// lowercased, its length in chars and whether it opens with a capital or
/// a digit.
fn slow_words_all(run: &str, emit: &mut impl FnMut(u64, u64, usize, bool)) {
    let (mut chars, mut capital) = (0usize, false);
    // A word of ASCII letters and digits (most words here: a plain word
    // glued to a curly mark) is hashed from the text, as the fast path of
    // `for_each_feature` does (`ascii_hash` ignores case); only a word with
    // another char is lowercased into `word` first.
    let mut word = String::new();
    let (mut from, mut ascii) = (0, true);
    for (at, c) in run.char_indices().chain(std::iter::once((run.len(), ' '))) {
        if c.is_alphanumeric() {
            if chars == 0 {
                capital = c.is_uppercase() || c.is_ascii_digit();
                from = at;
                ascii = true;
            }
            ascii &= c.is_ascii();
            chars += 1;
        } else if chars > 0 && ascii {
            let w = &run.as_bytes()[from..at];
            emit(ascii_hash(w), ascii_hash(&w[..5.min(w.len())]), chars, capital);
            chars = 0;
        } else if chars > 0 {
            word.clear();
            word.extend(run[from..at].chars().flat_map(char::to_lowercase));
            let (full, stem) = if word.is_ascii() {
                (ascii_hash(word.as_bytes()), ascii_hash(&word.as_bytes()[..5.min(word.len())]))
            } else {
                let five = word.char_indices().nth(5).map_or(word.len(), |(b, _)| b);
                (word.bytes().fold(FNV0, fnv), word[..five].bytes().fold(FNV0, fnv))
            };
            emit(full, stem, chars, capital);
            word.clear();
            chars = 0;
        }
    }
}

/// Stem hashes of one quote's parts (case does not matter, so a quote
/// opening a sentence matches the same words mid-sentence).
#[cfg(test)]
fn quote_stems<'a>(parts: impl Iterator<Item = &'a str>) -> Vec<u16> {
    quote_features(parts).0
}

/// One pass over a quote's parts for both what the index keeps of it: its
/// stem hashes ([`for_each_feature`]'s stems, sorted, distinct, the
/// smallest [`QUOTE_STEMS`]) and a hash of its words, lowercased, in order
/// (equal for the same quote printed twice in one article, whatever its
/// punctuation, spacing and case). The word hash chains the hashes the
/// stem scan computes anyway: a second walk over every quote, a byte at a
/// time through a multiplication chain, was a tenth of the sketch. It is
/// compared only within one article, so its values are free to change.
fn quote_features<'a>(parts: impl Iterator<Item = &'a str>) -> (Vec<u16>, u64) {
    let mut v = Vec::new();
    let mut exact = FNV0;
    for p in parts {
        let bytes = p.as_bytes();
        for_each_word(p, |start, end, ascii| {
            let mut word = |full: u64, stem: u64, len: usize| {
                exact = mix(exact ^ full);
                if len > 3 && !is_stop(len, full) {
                    v.push((mix(stem) >> 48) as u16);
                }
            };
            if ascii {
                let len = end - start;
                let full = ascii_hash_in(bytes, start, len);
                // A word of five letters or fewer is its own stem.
                word(full, if len <= 5 { full } else { ascii_hash_in(bytes, start, 5) }, len);
            } else {
                slow_words_all(&p[start..end], &mut |full, stem, chars, _| word(full, stem, chars));
            }
        });
    }
    v.sort_unstable();
    v.dedup();
    v.truncate(QUOTE_STEMS);
    (v, exact)
}

/// Hash of the words of a quote's parts, lower-cased, ignoring punctuation
/// and spacing, so `from bad to worse` and `From bad to worse.` agree (the
/// definition [`quote_features`]'s word hash is tested against).
#[cfg(test)]
fn exact_hash<'a>(parts: impl Iterator<Item = &'a str>) -> u64 {
    let mut h = FNV0;
    let mut gap = false;
    for p in parts {
        let bytes = p.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            // ASCII bytes are taken as they are; only other chars are decoded.
            let c = if bytes[i] < 0x80 {
                i += 1;
                bytes[i - 1] as char
            } else {
                let c = p[i..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
                i += c.len_utf8();
                c
            };
            if c.is_ascii_alphanumeric() {
                if gap {
                    h = fnv(h, b' ');
                    gap = false;
                }
                h = fnv(h, c.to_ascii_lowercase() as u8);
            } else if c.is_alphanumeric() {
                if gap {
                    h = fnv(h, b' ');
                    gap = false;
                }
                for l in c.to_lowercase() {
                    let mut buf = [0u8; 4];
                    for &b in l.encode_utf8(&mut buf).as_bytes() {
                        h = fnv(h, b);
                    }
                }
            } else {
                gap = h != FNV0;
            }
        }
        gap = h != FNV0;
    }
    h
}

fn speaker_hash(speaker: Option<&str>) -> u16 {
    match speaker {
        None => 0,
        Some(s) => {
            let h = s.bytes().fold(FNV0, fnv);
            ((mix(h) >> 48) as u16).max(1)
        }
    }
}

/// The MinHash signature of a feature stream by one-permutation hashing: the
/// top bits of a feature's hash pick one of K bins, the rest compete for the
/// bin's minimum, so each feature costs one hash instead of K. Empty bins
/// (short texts) borrow from the next filled bin, shifted by the distance,
/// so that two texts agree on them only when they agree on the source bin
/// ("rotation" densification, Shrivastava & Li 2014).
fn signature(text: &str) -> [u16; K] {
    const BITS: u32 = K.trailing_zeros();
    let mut mins = [u64::MAX; K];
    for_each_feature(text, true, |h| {
        let x = mix(h);
        let bin = (x >> (64 - BITS)) as usize;
        // Branch-free: whether a feature lowers its bin's minimum is a coin
        // toss early in a text, a misprediction each time.
        mins[bin] = mins[bin].min(x << BITS);
    });
    let mut sig = [0u16; K];
    if mins.iter().all(|&m| m == u64::MAX) {
        return sig;
    }
    for i in 0..K {
        let mut d = 0;
        while mins[(i + d) % K] == u64::MAX {
            d += 1;
        }
        let m = mins[(i + d) % K];
        sig[i] = (mix(m ^ (d as u64).wrapping_mul(SEEDS[0])) >> 48) as u16;
    }
    sig
}

/// Sketches one article from its text and its extracted quote parts (parts of
/// one quote are joined). Pure and thread-safe: call it on any thread.
pub fn sketch(text: &str, quotes: &[Quote]) -> Sketch {
    let sig = signature(text);
    let mut qs: Vec<QuoteSketch> = Vec::new();
    let mut i = 0;
    while i < quotes.len() {
        let j = quotes[i..].iter().position(|q| q.quote != quotes[i].quote).map_or(quotes.len(), |n| i + n);
        let (stems, exact) = quote_features(quotes[i..j].iter().map(|q| q.text.as_str()));
        qs.push(QuoteSketch {
            quote: quotes[i].quote,
            speaker: speaker_hash(quotes[i].speaker.as_deref()),
            stems,
            exact,
        });
        i = j;
    }
    Sketch { sig, quotes: qs }
}

/// Estimated Jaccard similarity of two articles' feature sets.
pub fn similarity(a: &Sketch, b: &Sketch) -> f64 {
    same_values(&a.sig, &b.sig) as f64 / K as f64
}

/// How many of two signatures' values agree. Summed as 0/1 rather than
/// counted through a filter, which the compiler turns into vector compares
/// (the in-order stage runs this for every candidate of every article).
#[inline]
fn same_values(a: &[u16; K], b: &[u16; K]) -> usize {
    a.iter().zip(b.iter()).map(|(x, y)| (x == y) as usize).sum()
}

/// Identity hasher for keys that are already good 64-bit hashes.
#[derive(Default)]
struct IdHasher(u64);
impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = fnv(self.0, b);
        }
    }
    fn write_u32(&mut self, n: u32) {
        // Spread over 64 bits: hashbrown takes its control bits from the top.
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// One quote remembered by the index, with the first occurrence it stands for.
struct QuoteEntry {
    stems_start: u32,
    stems_len: u8,
    speaker: u16,
    /// The first occurrence: itself, or what it duplicates.
    origin_doc: u32,
    origin_quote: u32,
}

/// The repeated quotes of one article, as found by [`Index::add`]. A quote
/// printed twice in the same article points at its first printing there
/// (`this-doc:n`, whatever that one repeats); any other repeat points at the
/// first occurrence in an earlier article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The earliest earlier article judged the same story, if any.
    pub same_story_as: Option<String>,
    /// `(quote number, "doc:quote" of its first occurrence)`, in quote order.
    pub repeats: Vec<(usize, String)>,
}

impl Verdict {
    /// The `duplicate_of` value for quote number `quote`.
    pub fn duplicate_of(&self, quote: usize) -> Option<&str> {
        self.repeats.iter().find(|(q, _)| *q == quote).map(|(_, d)| d.as_str())
    }
}

/// The signatures of the articles seen so far (the recent ones, with a
/// window), in input order.
#[derive(Default)]
pub struct Index {
    /// Articles remembered at most (0: all); see the module doc.
    window: usize,
    /// Names of forgotten articles that remembered quotes still point at
    /// (`origin_doc` with [`FORGOTTEN`] set indexes this).
    forgotten: Vec<String>,
    sigs: Vec<[u16; K]>,
    names: String,
    name_ends: Vec<u32>,
    doc_quotes: Vec<u32>,
    quotes: Vec<QuoteEntry>,
    stems: Vec<u16>,
    /// Band key → the earliest article with it. 32-bit keys: a chance
    /// collision only adds a candidate that the full signature then rejects.
    bands: Bands,
}

/// Band keys of recent articles kept in a hash map before they are merged
/// into the sorted table.
const RECENT_BANDS: usize = 1 << 16;

/// The band table: `key → earliest article`, for every band of every
/// article (24 per article, the index's largest part). A hash map of them
/// all cost 9 bytes per entry at best and, while it doubled, the old and new
/// tables together (some 50 MB at a million articles); here they sit in one
/// sorted `Vec` of `key << 32 | article`, 8 bytes each, grown in place, and
/// only the latest [`RECENT_BANDS`] wait in a small map. Every article in
/// `sorted` precedes every one in `recent`, so a key found in `sorted` is
/// the earliest.
///
/// A binary search of the whole table cost some twenty dependent cache
/// misses per lookup once it outgrew the caches (48 lookups per article),
/// so `dir` indexes it by the keys' top `dir_bits` bits: `dir[p]` is where
/// the keys with prefix `p` start, and a lookup searches only those. The
/// bits grow with the table ([`dir_bits_for`]) so that a prefix holds two
/// to four entries, one cache line: with a fixed 16 bits a prefix held a
/// few dozen at a million articles, and the search through them (24
/// look-ups per article, nearly all of them hits) was the largest part of
/// the in-order stage, the serial part of `score`. At most 16 MB (at
/// 2^23 entries and beyond), rebuilt at each merge.
#[derive(Default)]
struct Bands {
    sorted: Vec<u64>,
    dir: Vec<u32>,
    dir_bits: u32,
    recent: HashMap<u32, u32, BuildHasherDefault<IdHasher>>,
}

/// Key bits that index [`Bands::dir`] for a table of `len` entries: about
/// half its size in slots, between 2^8 and 2^22.
fn dir_bits_for(len: usize) -> u32 {
    (len.max(1).ilog2()).clamp(9, 23) - 1
}

impl Bands {
    /// The earliest article with `key`, if any ([`Index::add`] does the
    /// same in two steps, [`Bands::span`] and [`Bands::get_in`]).
    fn get(&self, key: u32) -> Option<u32> {
        self.get_in(key, self.span(key))
    }

    /// The slice of `sorted` whose keys share `key`'s prefix (all of it
    /// before the first merge builds `dir`).
    #[inline]
    fn span(&self, key: u32) -> (usize, usize) {
        let p = (key as u64 >> (32 - self.dir_bits)) as usize;
        match (self.dir.get(p), self.dir.get(p + 1)) {
            (Some(&a), Some(&b)) => (a as usize, b as usize),
            _ => (0, self.sorted.len()),
        }
    }

    /// [`Bands::get`] with the span already found.
    #[inline]
    fn get_in(&self, key: u32, (from, to): (usize, usize)) -> Option<u32> {
        let lo = (key as u64) << 32;
        let i = from + self.sorted[from..to].partition_point(|&e| e < lo);
        match self.sorted[..to].get(i) {
            Some(&e) if e >> 32 == key as u64 => Some(e as u32),
            _ => self.recent.get(&key).copied(),
        }
    }

    /// Records `doc` for `key` unless an earlier article has it.
    fn insert_first(&mut self, key: u32, doc: u32) {
        if self.get(key).is_none() {
            self.insert_new(key, doc);
        }
    }

    /// Records `doc` for `key`, which the table does not have.
    fn insert_new(&mut self, key: u32, doc: u32) {
        self.recent.insert(key, doc);
        if self.recent.len() >= RECENT_BANDS {
            self.merge();
        }
    }

    /// Moves the recent entries into the sorted table, merging from the back
    /// in place (keys are distinct from the table's: `insert_first` checked).
    fn merge(&mut self) {
        let mut add: Vec<u64> = self.recent.drain().map(|(k, d)| (k as u64) << 32 | d as u64).collect();
        add.sort_unstable();
        let old = self.sorted.len();
        self.sorted.resize(old + add.len(), 0);
        let (mut i, mut j, mut w) = (old, add.len(), old + add.len());
        while j > 0 {
            if i > 0 && self.sorted[i - 1] > add[j - 1] {
                self.sorted[w - 1] = self.sorted[i - 1];
                i -= 1;
            } else {
                self.sorted[w - 1] = add[j - 1];
                j -= 1;
            }
            w -= 1;
        }
        // dir[p] = the first entry whose key prefix is p or more; one past
        // the last prefix, the end.
        let bits = dir_bits_for(self.sorted.len());
        self.dir_bits = bits;
        self.dir.clear();
        self.dir.reserve(1 << bits | 1);
        let mut at = 0usize;
        for p in 0..=(1u64 << bits) {
            while at < self.sorted.len() && self.sorted[at] >> (64 - bits) < p {
                at += 1;
            }
            self.dir.push(at as u32);
        }
    }
}

fn band_key(band: usize, sig: &[u16; K]) -> u32 {
    let mut h = mix(band as u64 + 1);
    for &v in &sig[band * ROWS..(band + 1) * ROWS] {
        h = mix(h ^ v as u64);
    }
    (h >> 32) as u32
}

fn containment(a: &[u16], b: &[u16]) -> (usize, f64) {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let small = a.len().min(b.len());
    (n, if small == 0 { 0.0 } else { n as f64 / small as f64 })
}

impl Index {
    pub fn new() -> Index {
        Index::default()
    }

    /// Number of articles added.
    pub fn len(&self) -> usize {
        self.sigs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sigs.is_empty()
    }

    /// An index that remembers at most `window` articles (0: every one).
    pub fn with_window(window: usize) -> Index {
        Index { window, ..Index::default() }
    }

    fn name(&self, i: u32) -> &str {
        if i & FORGOTTEN != 0 {
            return &self.forgotten[(i & !FORGOTTEN) as usize];
        }
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.name_ends[i - 1] as usize };
        &self.names[start..self.name_ends[i] as usize]
    }

    /// Adds the next article in input order and reports which of its quotes
    /// repeat a quote of an earlier article telling the same story.
    pub fn add(&mut self, doc: &str, sk: &Sketch) -> Verdict {
        let me = self.sigs.len() as u32;
        // Candidates through the bands, then the estimated Jaccard on the
        // whole signature; earliest first.
        let mut cands: Vec<u32> = Vec::new();
        let keys: [u32; BANDS] = std::array::from_fn(|b| band_key(b, &sk.sig));
        // The look-ups miss the caches once the index is large (the table
        // is megabytes): all directory entries are read first, then all
        // table slices, so that the misses of the 24 bands overlap rather
        // than follow one another.
        let spans: [(usize, usize); BANDS] = std::array::from_fn(|b| self.bands.span(keys[b]));
        let found: [Option<u32>; BANDS] = std::array::from_fn(|b| self.bands.get_in(keys[b], spans[b]));
        for d in found.iter().flatten() {
            if !cands.contains(d) {
                cands.push(*d);
            }
        }
        // The same for the candidates' signatures (128 bytes each, spread over
        // the whole index): one read of each first, in a tight loop.
        let touched = cands.iter().fold(0u16, |a, &d| a ^ self.sigs[d as usize][0] ^ self.sigs[d as usize][K - 1]);
        std::hint::black_box(touched);
        cands.retain(|&d| same_values(&self.sigs[d as usize], &sk.sig) as f64 / K as f64 >= DOC_THRESHOLD);
        cands.sort_unstable();

        let mut origins: Vec<(usize, (u32, u32))> = Vec::new();
        let mut within: Vec<(usize, usize)> = Vec::new();
        for (k, q) in sk.quotes.iter().enumerate() {
            // The same words from the same speaker earlier in this article:
            // one statement printed twice, pointed at its first printing here.
            if let Some(first) = sk.quotes[..k].iter().find(|e| e.exact == q.exact && e.speaker == q.speaker) {
                within.push((q.quote, first.quote));
                if let Some(o) = origins.iter().find(|(n, _)| *n == first.quote).map(|&(_, o)| o) {
                    origins.push((q.quote, o));
                }
                continue;
            }
            // The best-contained quote of the same speaker among the same-story
            // articles; ties go to the earliest first occurrence.
            let mut best: Option<(f64, usize, (u32, u32))> = None;
            for &d in &cands {
                let lo = self.doc_quotes[d as usize] as usize;
                let hi = self.doc_quotes.get(d as usize + 1).map_or(self.quotes.len(), |&x| x as usize);
                for e in &self.quotes[lo..hi] {
                    if q.speaker != 0 && e.speaker != 0 && q.speaker != e.speaker {
                        continue;
                    }
                    let es = &self.stems[e.stems_start as usize..e.stems_start as usize + e.stems_len as usize];
                    let (n, c) = containment(&q.stems, es);
                    if c < QUOTE_CONTAINMENT || n < 2.min(q.stems.len()).max(1) {
                        continue;
                    }
                    let origin = (e.origin_doc, e.origin_quote);
                    let better = match best {
                        None => true,
                        Some((bc, bn, bo)) => c > bc || (c == bc && (n > bn || (n == bn && origin < bo))),
                    };
                    if better {
                        best = Some((c, n, origin));
                    }
                }
            }
            if let Some((_, _, origin)) = best {
                origins.push((q.quote, origin));
            }
        }
        let mut repeats: Vec<(usize, String)> = Vec::new();
        for q in &sk.quotes {
            if let Some(&(_, first)) = within.iter().find(|(n, _)| *n == q.quote) {
                repeats.push((q.quote, format!("{doc}:{first}")));
            } else if let Some(&(_, (od, oq))) = origins.iter().find(|(n, _)| *n == q.quote) {
                repeats.push((q.quote, format!("{}:{}", self.name(od), oq)));
            }
        }
        let verdict = Verdict { same_story_as: cands.first().map(|&d| self.name(d).to_string()), repeats };

        // Remember this article.
        self.doc_quotes.push(self.quotes.len() as u32);
        for q in &sk.quotes {
            let origin = origins.iter().find(|(n, _)| *n == q.quote).map(|&(_, o)| o);
            self.quotes.push(QuoteEntry {
                stems_start: self.stems.len() as u32,
                stems_len: q.stems.len() as u8,
                speaker: q.speaker,
                origin_doc: origin.map_or(me, |o| o.0),
                origin_quote: origin.map_or(q.quote as u32, |o| o.1),
            });
            self.stems.extend_from_slice(&q.stems);
        }
        self.names.push_str(doc);
        self.name_ends.push(self.names.len() as u32);
        self.sigs.push(sk.sig);
        // As `insert_first` for each band, without looking each key up a
        // second time: a key is new unless it was found above or an earlier
        // band of this article has it (the table changed only by those).
        for b in 0..BANDS {
            if found[b].is_none() && !keys[..b].contains(&keys[b]) {
                self.bands.insert_new(keys[b], me);
            }
        }
        if self.window >= 2 && self.sigs.len() >= self.window {
            self.forget(self.sigs.len() - self.window / 2);
        }
        verdict
    }

    /// Forgets the first `n` articles remembered: the rest are renumbered
    /// from 0 and the band table is rebuilt from them (it keeps the
    /// earliest article per key, which may be among the forgotten). A
    /// remembered quote whose first occurrence is forgotten keeps that
    /// occurrence's name. Runs once per `window / 2` articles, so its cost
    /// (a pass over what is kept) is spread thin.
    fn forget(&mut self, n: usize) {
        let n32 = n as u32;
        let first_quote = self.doc_quotes[n] as usize;
        let first_stem = self.quotes.get(first_quote).map_or(self.stems.len(), |e| e.stems_start as usize);
        // Names of first occurrences that fall out of the window (or already
        // had), gathered once each, in order of first need.
        let mut forgotten: Vec<String> = Vec::new();
        let mut renamed: HashMap<u32, u32> = HashMap::new();
        self.quotes.drain(..first_quote);
        for i in 0..self.quotes.len() {
            let od = self.quotes[i].origin_doc;
            let new = if od & FORGOTTEN == 0 && od >= n32 {
                od - n32
            } else {
                let next = forgotten.len() as u32;
                let id = *renamed.entry(od).or_insert(next);
                if id == next {
                    forgotten.push(self.name(od).to_string());
                }
                id | FORGOTTEN
            };
            let e = &mut self.quotes[i];
            e.origin_doc = new;
            e.stems_start -= first_stem as u32;
        }
        self.forgotten = forgotten;
        self.stems.drain(..first_stem);
        self.doc_quotes.drain(..n);
        self.doc_quotes.iter_mut().for_each(|q| *q -= first_quote as u32);
        let first_name = self.name_ends[n - 1] as usize;
        self.names.drain(..first_name);
        self.name_ends.drain(..n);
        self.name_ends.iter_mut().for_each(|e| *e -= first_name as u32);
        self.sigs.drain(..n);
        self.bands = Bands::default();
        for (d, sig) in self.sigs.iter().enumerate() {
            for b in 0..BANDS {
                self.bands.insert_first(band_key(b, sig), d as u32);
            }
        }
    }
}

/// The bit of `QuoteEntry::origin_doc` that marks a forgotten article (the
/// rest indexes `Index::forgotten`).
const FORGOTTEN: u32 = 1 << 31;

#[cfg(test)]
mod tests {
    use super::*;

    /// The merged band table answers as a map that keeps the first value
    /// per key, across many merges.
    #[test]
    fn band_table_keeps_the_earliest_article_per_key() {
        let mut bands = Bands::default();
        let mut want: std::collections::BTreeMap<u32, u32> = Default::default();
        let mut x: u64 = 1;
        for doc in 0..(3 * RECENT_BANDS as u32) {
            x = mix(x);
            // Few distinct keys, so that most inserts repeat a key.
            let key = (x >> 40) as u32 % 100_000;
            bands.insert_first(key, doc);
            want.entry(key).or_insert(doc);
        }
        assert!(!bands.sorted.is_empty());
        for k in 0..100_001u32 {
            assert_eq!(bands.get(k), want.get(&k).copied(), "key {k}");
        }
        assert!(bands.sorted.windows(2).all(|w| w[0] < w[1]));
    }

    /// Keys spread over all 32 bits: lookups through the prefix directory
    /// find every key in the sorted table and none that was never added.
    #[test]
    fn band_table_directory_finds_keys_of_every_prefix() {
        let mut bands = Bands::default();
        let mut want: std::collections::BTreeMap<u32, u32> = Default::default();
        let mut x: u64 = 7;
        for doc in 0..(2 * RECENT_BANDS as u32 + 99) {
            x = mix(x);
            let key = (x >> 32) as u32;
            bands.insert_first(key, doc);
            want.entry(key).or_insert(doc);
        }
        assert_eq!(bands.dir.len(), (1 << bands.dir_bits) + 1);
        assert_eq!(bands.dir_bits, dir_bits_for(bands.sorted.len()));
        for (&k, &d) in &want {
            assert_eq!(bands.get(k), Some(d), "key {k}");
        }
        for k in [0u32, 1, u32::MAX, u32::MAX - 1, 1 << 31] {
            assert_eq!(bands.get(k), want.get(&k).copied(), "key {k}");
        }
    }

    /// The word runs as a byte-at-a-time scan finds them (the definition
    /// [`for_each_feature`]'s eight-byte scan must agree with).
    fn runs_bytewise(text: &str) -> Vec<(usize, usize, bool)> {
        let b = text.as_bytes();
        let (mut out, mut i) = (Vec::new(), 0);
        while i < b.len() {
            let (start, mut class) = (i, 0u8);
            while i < b.len() && CLASS[b[i] as usize] != 0 {
                class |= CLASS[b[i] as usize];
                i += 1;
            }
            if i == start {
                i += 1;
            } else {
                out.push((start, i, class & 2 == 0));
            }
        }
        out
    }

    /// The char-by-char definition [`slow_words`] must agree with.
    fn slow_words_chars(run: &str, names: bool, f: &mut impl FnMut(u64)) {
        let (mut chars, mut capital) = (0usize, false);
        let mut word = String::new();
        for c in run.chars().chain(std::iter::once(' ')) {
            if c.is_alphanumeric() {
                if chars == 0 {
                    capital = c.is_uppercase() || c.is_ascii_digit();
                }
                word.extend(c.to_lowercase());
                chars += 1;
            } else if chars > 0 {
                let (full, stem) = if word.is_ascii() {
                    (ascii_hash(word.as_bytes()), ascii_hash(&word.as_bytes()[..5.min(word.len())]))
                } else {
                    let five = word.char_indices().nth(5).map_or(word.len(), |(b, _)| b);
                    (word.bytes().fold(FNV0, fnv), word[..five].bytes().fold(FNV0, fnv))
                };
                if names && capital {
                    f(mix(full ^ NAME_TAG));
                }
                if chars > 3 && !is_stop(chars, full) {
                    f(stem);
                }
                word.clear();
                chars = 0;
            }
        }
    }

    #[test]
    fn slow_words_hash_like_the_char_walk() {
        for run in ["“Washington’s", "«Ostrel»", "“We", "Zürich’s", "\u{212a}elvin’s", "İstanbul—Ölhafen…THERE", "“2024”", "’90s", "ab’cd’EFGHIJ’"] {
            for names in [false, true] {
                let (mut got, mut want) = (Vec::new(), Vec::new());
                slow_words(run, names, &mut |h| got.push(h));
                slow_words_chars(run, names, &mut |h| want.push(h));
                assert_eq!(got, want, "{run:?} {names}");
            }
        }
    }

    #[test]
    fn word_mask_matches_the_byte_classes() {
        for b in 0..=255u8 {
            let w = u64::from_le_bytes([b'.', b, b' ', b, b'z', b, b'@', b]);
            let m = word_mask(w);
            for (k, &x) in w.to_le_bytes().iter().enumerate() {
                assert_eq!(m >> (8 * k + 7) & 1 == 1, CLASS[x as usize] != 0, "byte {x:#x}");
            }
        }
    }

    #[test]
    fn word_scan_finds_the_runs_of_a_byte_scan_on_random_text() {
        let mut texts: Vec<String> = [
            "",
            "a",
            "Said that",
            "That said, they told them: Their other statements were very much about this.",
            "Ostrel, 2024 -- \"the ministry's\" statements were international; Zürich’s café (naïve) “quoted” words…",
            "ééééééééé ααααααααα Straße Ärger 東京都 mixed-ASCIIandéaccents end",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Words ending at, crossing and filling whole 64-byte blocks, and
        // every length of a mixed text around the block size.
        for n in [63, 64, 65, 127, 128, 129, 200] {
            texts.push("x".repeat(n));
            texts.push(format!(" {}", "é".repeat(n / 2)));
            texts.push(format!("{} y", "z".repeat(n)));
        }
        let mixed = "Ab, cdé fgh—ijklmnop  qr’s tuvwx “yz” 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz. Ünïcödé wörds…";
        for (k, _) in mixed.char_indices() {
            texts.push(mixed[..k].to_string());
            texts.push(mixed[k..].to_string());
        }
        // Every stop word, capitalised or not, at every length around them.
        texts.push(STOP.join(" "));
        texts.push(STOP.iter().map(|w| w.to_uppercase()).collect::<Vec<_>>().join(", "));
        // Pseudo-random words of 1 to 14 letters, mixed case and digits.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..50 {
            let mut t = String::new();
            for _ in 0..200 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let len = 1 + (x % 14) as usize;
                for k in 0..len {
                    let c = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[((x >> (4 * k % 56)) % 62) as usize];
                    t.push(c as char);
                }
                t.push_str(if x.is_multiple_of(7) { ", " } else { " " });
            }
            texts.push(t);
        }
        for t in &texts {
            let mut got = Vec::new();
            for_each_word(t, |s, e, ascii| got.push((s, e, ascii)));
            assert_eq!(got, runs_bytewise(t), "{t:?}");
            let mut plain = Vec::new();
            for_each_word(t, |s, e, _| plain.push(ascii_hash(&t.as_bytes()[s..e])));
            let mut fast = Vec::new();
            for_each_word(t, |s, e, _| fast.push(ascii_hash_in(t.as_bytes(), s, e - s)));
            assert_eq!(fast, plain, "{t:?}");
        }
    }

    #[test]
    fn the_const_hash_is_the_hash() {
        for w in ["", "a", "said", "Ostrel", "abcdefgh", "abcdefghi", "international-relations"] {
            assert_eq!(ascii_hash_const(w.as_bytes()), ascii_hash(w.as_bytes()), "{w}");
        }
    }

    #[test]
    fn the_quote_word_hash_groups_quotes_as_the_text_hash_does() {
        let quotes: &[&[&str]] = &[
            &["from bad to worse"],
            &["From bad to worse."],
            &["from  bad", "to worse"],
            &["“From bad to worse”"],
            &["from bad to worse again"],
            &["frombad to worse"],
            &["from bad to-worse"],
            &["Überraschung im Ölhafen"],
            &["überraschung im ölhafen!"],
            &["uberraschung im olhafen"],
            &["\u{212a}elvin’s law"],
            &["kelvin's law"],
            &["kelvin s law"],
            &["kelvins law"],
            &["", "  "],
            &["..."],
            &["Ab", "cd"],
            &["abcd"],
            &["a long quote that runs past eight bytes a word: internationalisation"],
            &["A LONG QUOTE THAT RUNS PAST EIGHT BYTES A WORD — INTERNATIONALISATION"],
        ];
        for a in quotes {
            for b in quotes {
                let by_text = exact_hash(a.iter().copied()) == exact_hash(b.iter().copied());
                let by_words = quote_features(a.iter().copied()).1 == quote_features(b.iter().copied()).1;
                assert_eq!(by_words, by_text, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn quote_stems_are_the_feature_stream_stems() {
        for t in ["Ostrel, 2024 -- \"the ministry's\" statements were international; Zürich’s café (naïve) “quoted” words…", "they were with the one", "ÉMILE sagte Überraschung"] {
            let mut want = Vec::new();
            for_each_feature(t, false, |h| want.push((mix(h) >> 48) as u16));
            want.sort_unstable();
            want.dedup();
            want.truncate(QUOTE_STEMS);
            assert_eq!(quote_stems([t].into_iter()), want, "{t:?}");
        }
    }

    #[test]
    fn stop_words_are_found_and_others_not() {
        for w in STOP {
            assert!(is_stop(w.len(), ascii_hash(w.as_bytes())), "{w}");
            assert!(is_stop(w.len(), ascii_hash(w.to_uppercase().as_bytes())), "{w}");
        }
        for w in ["saids", "sai", "than1", "Ostrel", "whichever", "tha"] {
            assert!(!is_stop(w.len(), ascii_hash(w.as_bytes())), "{w}");
        }
    }

    #[test]
    fn eight_byte_scan_finds_the_same_features_as_a_byte_scan() {
        let texts = [
            "",
            "a",
            "Short text.",
            "Ostrel, 2024 -- \"the ministry's\" statements were international; Zürich’s café (naïve) “quoted” words…",
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ    , , , ;;;;;;;;;;;;;; x",
            "ééééééééé ααααααααα Straße Ärger 東京都 mixed-ASCIIandéaccents end",
        ];
        for t in texts {
            let mut got = Vec::new();
            for_each_feature(t, true, |h| got.push(h));
            let mut want = Vec::new();
            for (s, e, ascii) in runs_bytewise(t) {
                let run = &t.as_bytes()[s..e];
                if ascii {
                    let full = ascii_hash(run);
                    if run[0].is_ascii_uppercase() || run[0].is_ascii_digit() {
                        want.push(mix(full ^ NAME_TAG));
                    }
                    if run.len() > 3 && !is_stop(run.len(), full) {
                        want.push(ascii_hash(&run[..5.min(run.len())]));
                    }
                } else {
                    slow_words(&t[s..e], true, &mut |h| want.push(h));
                }
            }
            assert_eq!(got, want, "{t:?}");
        }
    }

    fn q(quote: usize, part: usize, parts: usize, text: &str, speaker: &str) -> Quote {
        Quote {
            quote,
            part,
            parts,
            start: 0,
            end: 0,
            text: text.into(),
            speaker: Some(speaker.into()),
            speaker_mention: None,
            mention_start: None,
            mention_end: None,
            side: None,
            cue: None,
        }
    }

    const STORY: &str = "Harbour officials in Valmora said on Tuesday that the northern ferry line \
        to Ostrel would close for repairs until March 2031, stranding commuters. Mayor Ilse Brandt \
        called the decision a betrayal of the islanders and accused the transport ministry of \
        neglect. The ministry answered that the vessels were forty years old and unsafe.";
    const REWRITE: &str = "The northern ferry route between Valmora and Ostrel will shut for \
        repairs until March 2031, harbour officials announced Tuesday, leaving commuters stranded. \
        Ilse Brandt, the mayor, described the move as a betrayal of islanders, accusing the \
        transport ministry of years of neglect. Ministry officials replied the forty-year-old \
        vessels were unsafe.";
    const OTHER: &str = "Farmers in the southern plains of Rother reported a record wheat harvest \
        this summer, helped by late rains. Cooperative leader Tomas Reyl said prices would fall \
        as silos filled, and asked the agriculture office for storage subsidies before winter.";

    #[test]
    fn a_rewritten_story_is_the_same_story_and_an_unrelated_one_is_not() {
        let mut ix = Index::new();
        let a = sketch(STORY, &[q(1, 1, 1, "This is a betrayal of the islanders and their children", "Ilse Brandt")]);
        let b = sketch(OTHER, &[q(1, 1, 1, "Prices will fall as the silos fill", "Tomas Reyl")]);
        let c = sketch(
            REWRITE,
            &[
                q(1, 1, 2, "It is a betrayal", "Ilse Brandt"),
                q(1, 2, 2, "of islanders and their children", "Ilse Brandt"),
                q(2, 1, 1, "We will rebuild the harbour ourselves", "Ilse Brandt"),
            ],
        );
        assert_eq!(ix.add("a.txt", &a), Verdict::default());
        assert_eq!(ix.add("b.txt", &b), Verdict::default());
        let v = ix.add("c.txt", &c);
        assert_eq!(v.same_story_as.as_deref(), Some("a.txt"));
        assert_eq!(v.duplicate_of(1), Some("a.txt:1"));
        // A quote the first article does not have is new, not a repeat.
        assert_eq!(v.duplicate_of(2), None);
    }

    #[test]
    fn a_reprint_of_a_reprint_points_to_the_first_occurrence() {
        let mut ix = Index::new();
        let quotes = [q(1, 1, 1, "This is a betrayal of the islanders and their children", "Ilse Brandt")];
        let s = sketch(STORY, &quotes);
        ix.add("first", &s);
        assert_eq!(ix.add("second", &s).duplicate_of(1), Some("first:1"));
        assert_eq!(ix.add("third", &s).duplicate_of(1), Some("first:1"));
    }

    #[test]
    fn the_same_words_from_another_speaker_are_not_a_repeat() {
        let mut ix = Index::new();
        let s1 = sketch(STORY, &[q(1, 1, 1, "This is a betrayal of the islanders", "Ilse Brandt")]);
        let s2 = sketch(STORY, &[q(1, 1, 1, "This is a betrayal of the islanders", "Someone Else")]);
        ix.add("first", &s1);
        let v = ix.add("second", &s2);
        assert_eq!(v.same_story_as.as_deref(), Some("first"));
        assert!(v.repeats.is_empty());
    }

    #[test]
    fn stems_ignore_case_in_and_out_of_ascii() {
        assert_eq!(quote_stems(["Überraschung im Ölhafen, sagte ÉMILE"].into_iter()), quote_stems(["überraschung im ölhafen, sagte émile"].into_iter()));
        assert_ne!(quote_stems(["überraschung"].into_iter()), quote_stems(["überzeugung"].into_iter()));
        // Stop words and short words carry nothing.
        assert!(quote_stems(["they were with the one"].into_iter()).is_empty());
    }

    #[test]
    fn words_glued_to_curly_punctuation_hash_like_plain_ones() {
        let feats = |t: &str| {
            let mut v = Vec::new();
            for_each_feature(t, true, |h| v.push(h));
            v.sort_unstable();
            v.dedup();
            v
        };
        assert_eq!(feats("\u{201c}Washington\u{2019} deliberately, they said\u{201d}"), feats("Washington deliberately they said"));
        assert_eq!(feats("Écoles écoles").len(), 2);
        assert_eq!(feats("Écoles écoles"), feats("écoles \u{201c}Écoles"));
        assert_eq!(feats("with there"), Vec::<u64>::new());
    }

    #[test]
    fn a_quote_printed_twice_in_one_article_points_at_its_first_printing() {
        let mut ix = Index::new();
        let first = [q(1, 1, 1, "This is a betrayal of the islanders and their children", "Ilse Brandt")];
        ix.add("a", &sketch(STORY, &first));
        let quotes = [
            q(1, 1, 1, "From bad to worse.", "Ilse Brandt"),
            q(2, 1, 1, "This is a betrayal of the islanders and their children", "Ilse Brandt"),
            q(3, 1, 1, "from bad to  worse", "Ilse Brandt"),
            q(4, 1, 1, "this is a betrayal of the islanders and their children!", "Ilse Brandt"),
            q(5, 1, 1, "from bad to worse", "Tomas Reyl"),
        ];
        let v = ix.add("b", &sketch(STORY, &quotes));
        assert_eq!(v.duplicate_of(1), None);
        assert_eq!(v.duplicate_of(2), Some("a:1"));
        assert_eq!(v.duplicate_of(3), Some("b:1"));
        assert_eq!(v.duplicate_of(4), Some("b:2"));
        assert_eq!(v.duplicate_of(5), None, "another speaker");
    }

    #[test]
    fn a_word_hashes_the_same_inside_a_text_as_alone() {
        let text = b"Abcdefghijk lmnop Qrstuvwxyzabcdefgh";
        for (start, len) in [(0, 11), (12, 5), (18, 18), (12, 3), (0, 8)] {
            assert_eq!(ascii_hash_in(text, start, len), ascii_hash(&text[start..start + len]), "{start} {len}");
        }
        assert_eq!(ascii_hash(b"WORD"), ascii_hash(b"word"));
        assert!(is_stop(5, ascii_hash(b"There")) && !is_stop(5, ascii_hash(b"treat")));
    }

    #[test]
    fn sketches_are_deterministic_and_ignore_case_of_quotes() {
        let a = sketch(STORY, &[q(1, 1, 1, "Betrayal Of The Islanders", "x")]);
        let b = sketch(STORY, &[q(1, 1, 1, "betrayal of the islanders", "x")]);
        assert_eq!(a, b);
    }

    /// Story `i` of a stream: its own names, numbers and words, so that two
    /// stories never look alike, with one quote; `reprint` rewords the
    /// opening the way another outlet would.
    fn stream_story(i: usize, reprint: bool) -> (String, Vec<Quote>) {
        let w = |k: usize| -> String {
            // Seven pseudo-random letters, distinct per story and per k.
            let mut x = ((i * 64 + k) as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            (0..7)
                .map(|_| {
                    x = x.rotate_left(17).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                    (b'a' + (x >> 59) as u8 % 26) as char
                })
                .collect()
        };
        let cap = |k: usize| -> String {
            let x = w(k);
            x[..1].to_uppercase() + &x[1..]
        };
        let open = if reprint { "According to officials," } else { "Officials said" };
        let body: Vec<String> = (14..40).map(w).collect();
        let text = format!(
            "{open} {} met {} in {} on the {} and {} {} {} {} {} {} {} plans. \"The {} must stop the {} now,\" {} said. {}.",
            cap(0), cap(1), cap(2), w(3), w(4), w(5), w(6), w(7), w(8), w(9), w(10), w(11), w(12), cap(13), body.join(" ")
        );
        let quote = format!("The {} must stop the {} now,", w(11), w(12));
        (text, vec![q(1, 1, 1, &quote, &cap(13))])
    }

    /// Verdicts of a stream of stories, each reprinted right after itself
    /// and again `gap` stories later.
    fn stream_verdicts(ix: &mut Index, stories: usize, gap: usize) -> Vec<(String, Verdict)> {
        let mut order: Vec<(usize, bool, usize)> = Vec::new();
        for i in 0..stories {
            order.push((i, false, 0));
            order.push((i, true, 1));
            if i >= gap {
                order.push((i - gap, true, 2));
            }
        }
        order
            .into_iter()
            .map(|(i, reprint, copy)| {
                let doc = format!("s{i}-{copy}");
                let (text, quotes) = stream_story(i, reprint);
                let v = ix.add(&doc, &sketch(&text, &quotes));
                (doc, v)
            })
            .collect()
    }

    #[test]
    fn a_window_keeps_memory_bounded_and_matches_what_it_remembers() {
        // Reprints one story apart and five stories apart (up to 15
        // articles back): a window of 40 articles (20 always kept) must
        // give exactly what an index that forgets nothing gives.
        let all = stream_verdicts(&mut Index::new(), 60, 5);
        let mut windowed = Index::with_window(40);
        let got = stream_verdicts(&mut windowed, 60, 5);
        assert_eq!(got, all);
        assert!(windowed.len() <= 40, "{} articles remembered", windowed.len());
        // Every reprint was found, pointing at the first printing even when
        // that one has been forgotten since.
        for (doc, v) in &all {
            if !doc.ends_with("-0") {
                let first = format!("{}-0", doc.rsplit_once('-').unwrap().0);
                assert_eq!(v.same_story_as.as_deref(), Some(first.as_str()), "{doc}");
                assert_eq!(v.duplicate_of(1), Some(format!("{first}:1").as_str()), "{doc}");
            }
        }
        // A reprint further back than the window is not matched.
        let mut small = Index::with_window(8);
        let far = stream_verdicts(&mut small, 30, 12);
        let (doc, v) = far.iter().find(|(d, _)| d == "s0-2").unwrap();
        assert_eq!(v.same_story_as, None, "{doc}");
        assert!(small.len() <= 8);
    }

    #[test]
    fn forgotten_first_printings_keep_their_names_through_many_windows() {
        // One story reprinted every article for 50 articles with a window
        // of 4: every reprint still points at the very first printing.
        let mut ix = Index::with_window(4);
        let (text, quotes) = stream_story(7, false);
        let sk = sketch(&text, &quotes);
        ix.add("first", &sk);
        for n in 0..50 {
            let v = ix.add(&format!("copy{n}"), &sk);
            assert_eq!(v.duplicate_of(1), Some("first:1"), "copy{n}");
        }
        assert!(ix.len() <= 4 && ix.forgotten.len() <= 1);
    }
}

