//! Attribution: who said each quote (the speaker mention, the cue verb), and
//! the canonical speaker and side it resolves to.

use crate::actors::Actors;
use crate::quotes::QuoteSpan;
use std::ops::Range;

/// Who said one quote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    /// Byte range of the speaker mention in the text (`Mr Peskov`, `he`, `the embassy`).
    pub mention: Option<Range<usize>>,
    /// Canonical speaker name.
    pub speaker: Option<String>,
    /// The speaker's side in the dyad.
    pub side: Option<String>,
    /// The reporting verb or phrase (`said`, `told reporters`, `according to`).
    pub cue: Option<String>,
}

/// Attributes each quote; the result has one entry per quote, in order.
pub fn attribute(text: &str, quotes: &[QuoteSpan], actors: &Actors) -> Vec<Attribution> {
    let _ = (text, actors);
    vec![Attribution::default(); quotes.len()]
}
