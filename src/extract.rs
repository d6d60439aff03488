//! Extraction, end to end for one text: clutter → quote spans → attribution →
//! one [`Quote`] row per quote part, with code-point offsets.

use crate::actors::Actors;
use crate::attribution::attribute;
use crate::clutter::clutter_ranges;
use crate::quotes::find_quotes;
use crate::text::CharIndex;
use serde::{Deserialize, Serialize};

/// One quote part as reported to users. Offsets are Unicode code points into
/// the text as read; `start..end` is the quoted content, marks excluded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// 1-based number of the quote in its article; the parts of a quote broken
    /// by its attribution share it.
    pub quote: usize,
    /// 1-based part number within the quote, and the number of parts.
    pub part: usize,
    pub parts: usize,
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub speaker: Option<String>,
    pub speaker_mention: Option<String>,
    pub mention_start: Option<usize>,
    pub mention_end: Option<usize>,
    pub side: Option<String>,
    pub cue: Option<String>,
}

/// Finds, attributes and numbers every quote in `text`.
pub fn extract(text: &str, actors: &Actors) -> Vec<Quote> {
    let clutter = clutter_ranges(text);
    let spans = find_quotes(text, &clutter);
    let attrs = attribute(text, &spans, actors);
    let ix = CharIndex::new(text);
    let mut out = Vec::new();
    for (qi, (span, attr)) in spans.iter().zip(attrs.iter()).enumerate() {
        for (pi, part) in span.parts.iter().enumerate() {
            out.push(Quote {
                quote: qi + 1,
                part: pi + 1,
                parts: span.parts.len(),
                start: ix.char_of(part.start),
                end: ix.char_of(part.end),
                text: text[part.clone()].to_string(),
                speaker: attr.speaker.clone(),
                speaker_mention: attr.mention.clone().map(|m| text[m].to_string()),
                mention_start: attr.mention.as_ref().map(|m| ix.char_of(m.start)),
                mention_end: attr.mention.as_ref().map(|m| ix.char_of(m.end)),
                side: attr.side.clone(),
                cue: attr.cue.clone(),
            });
        }
    }
    out
}
