//! Attribution: who said each quote (the speaker mention, the cue verb), and
//! the canonical speaker and side it resolves to.
//!
//! The text is cut into tokens (words, punctuation, paragraph breaks) in
//! which every quote part is one opaque token, so words inside quotes never
//! pass for attribution and sentence ends inside a quote never split its
//! sentence. Each quote is then attributed by the first rule that applies:
//!
//! 1. the clause between the parts of a broken quote (`"…," he said, "…"`);
//! 2. a trailing clause (`"…," Peskov said`, `"…," said Peskov`,
//!    `"…," according to the embassy`, `"…" ― Anna Kowalczyk`);
//! 3. the last reporting verb before the quote in its sentence (`Peskov said:
//!    "…"`, `Ryabkov accused Washington of "Russophobia"`), whose subject is
//!    the noun phrase before the verb or, for coordinated verbs and `saying`,
//!    the subject of the sentence; then the trailing clause of a later quote
//!    of the same sentence;
//! 4. continuation: a quote with no verb of its own takes the speaker of the
//!    sentence or quote just before it;
//! 5. repetition: an unattributed quote (a headline, a teaser) that the
//!    article quotes again with a speaker takes that speaker.
//!
//! Look-back windows are bounded (`LOOKBACK`, `MAX_SENTENCE`), so the
//! work stays linear in the text on run-on or hostile input.
//!
//! The speaker phrase is then resolved (see `Resolver`): titles are
//! stripped (`Russian Deputy Foreign Minister Sergei Ryabkov` → `Sergei
//! Ryabkov`), a surname takes the full name mentioned in the article
//! (`Peskov` → `Dmitry Peskov`), a role description takes the named actor the
//! article gave that role (`the deputy foreign minister` → Ryabkov,
//! `the embassy` → `Russian embassy to the United States`), and a pronoun
//! takes the most recent speaker of plausible gender and number. Sides come
//! from the dictionary, else from descriptor words in the speaker's
//! description, else `OTHER`.

use crate::actors::Actors;
use crate::quotes::QuoteSpan;
use std::collections::BTreeMap;
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
    /// Which rule attributed the quote (`between`, `after`, `before`,
    /// `continuation`, `repeated`), so a user can judge a row.
    pub rule: Option<&'static str>,
}

/// How far back (in tokens) descriptions and pronouns look for their
/// referent. News prose refers back a few paragraphs at most; the bound keeps
/// attribution linear on huge or hostile input.
const LOOKBACK: usize = 3000;

/// The longest sentence (in tokens) searched for an attribution.
const MAX_SENTENCE: usize = 300;

/// How many earlier speakers a pronoun or description considers.
const RECENT_SPEAKERS: usize = 64;

/// The side given to a speaker that neither the dictionary nor the article's
/// description places (the evaluation set's code for "someone else").
pub const UNKNOWN_SIDE: &str = "OTHER";

/// Attributes each quote; the result has one entry per quote, in order.
pub fn attribute(text: &str, quotes: &[QuoteSpan], actors: &Actors) -> Vec<Attribution> {
    let doc = Doc::new(text, quotes);
    let mut res = Resolver::new(&doc, actors);
    let mut out = vec![Attribution::default(); quotes.len()];
    let mut order: Vec<usize> = (0..quotes.len()).filter(|&q| !doc.quote_toks[q].is_empty()).collect();
    order.sort_by_key(|&q| doc.quote_toks[q][0]);
    for &q in &order {
        out[q] = attribute_one(&doc, &mut res, q);
        if let (Some(sp), Some(m)) = (&out[q].speaker, &out[q].mention) {
            let first = doc.toks[doc.quote_toks[q][0]].start;
            res.remember(first.max(m.start), sp.clone(), out[q].side.clone().unwrap_or_default());
        }
    }
    // A quote left unattributed (typically in a headline or a teaser) that
    // the article quotes again elsewhere with a speaker takes that speaker.
    // The key is the parts' letters and digits, lowercased char by char.
    // Built straight from the parts, with ASCII chars tested as ASCII: a
    // copy of the parts joined, then filtered, was an allocation per quote.
    let key = |q: usize| -> String {
        let mut k = String::new();
        for p in quotes[q].parts.iter().filter(|p| p.end <= text.len() && text.is_char_boundary(p.start) && text.is_char_boundary(p.end)) {
            k.reserve(p.len());
            for c in text[p.clone()].chars() {
                if c.is_ascii() {
                    if c.is_ascii_alphanumeric() {
                        k.push(c.to_ascii_lowercase());
                    }
                } else if c.is_alphanumeric() {
                    k.extend(c.to_lowercase());
                }
            }
        }
        k
    };
    // Keys are computed once: recomputing them per pair made long texts
    // with many quotes quadratic in allocation as well as in comparison.
    // And only when some quote is left unattributed (the loop below reads
    // them for no other).
    let keys: Vec<String> = if order.iter().any(|&q| out[q].speaker.is_none()) {
        (0..quotes.len()).map(|q| if doc.quote_toks[q].is_empty() { String::new() } else { key(q) }).collect()
    } else {
        Vec::new()
    };
    for &q in &order {
        if out[q].speaker.is_some() {
            continue;
        }
        let k = &keys[q];
        if k.chars().count() < 8 {
            continue;
        }
        let same = order.iter().find(|&&o| o != q && out[o].speaker.is_some() && {
            let ko = &keys[o];
            ko == k || (ko.len() > k.len() && ko.contains(k.as_str()))
        });
        if let Some(&o) = same {
            out[q] = Attribution { mention: None, rule: Some("repeated"), ..out[o].clone() };
            continue;
        }
        // A headline paraphrases a quote the body attributes (`Warning US
        // could be 'hit with most debilitating strike EVER'` … `Weichert
        // warned: "… the most debilitating strike on America, possibly
        // ever."`): the attributed quote sharing most of its words.
        if in_headline(text, quotes[q].parts[0].start) {
            let words = content_words(&quote_text(text, &quotes[q]));
            let best = order
                .iter()
                .filter(|&&o| o != q && out[o].speaker.is_some() && out[o].rule != Some("headline"))
                .map(|&o| {
                    let other = content_words(&quote_text(text, &quotes[o]));
                    (words.iter().filter(|w| other.contains(*w)).count(), o)
                })
                .filter(|&(shared, _)| shared >= 2 && shared * 2 >= words.len())
                .max_by_key(|&(shared, o)| (shared, std::cmp::Reverse(o)));
            if let Some((_, o)) = best {
                out[q] = Attribution { mention: None, rule: Some("headline"), ..out[o].clone() };
            }
        }
    }
    out
}

/// Whether byte `at` lies in the article's first three non-empty lines, each
/// short (a title, a headline, a standfirst), where quotes are paraphrased.
fn in_headline(text: &str, at: usize) -> bool {
    let mut seen = 0;
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.len();
        if !line.trim().is_empty() {
            if line.len() > 250 {
                return false;
            }
            if at < end {
                return at >= start;
            }
            seen += 1;
            if seen == 3 {
                return false;
            }
        }
        start = end;
    }
    false
}

/// A quote's parts joined by spaces.
fn quote_text(text: &str, q: &QuoteSpan) -> String {
    q.parts.iter().filter_map(|p| text.get(p.clone())).collect::<Vec<_>>().join(" ")
}

/// Lower-cased words of four letters or more, the ones that carry content.
fn content_words(s: &str) -> Vec<String> {
    let mut v: Vec<String> =
        s.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 4).map(str::to_lowercase).collect();
    v.sort();
    v.dedup();
    v
}

fn attribute_one(doc: &Doc, res: &mut Resolver, q: usize) -> Attribution {
    let parts = &doc.quote_toks[q];
    let first = parts[0];
    let last = *parts.last().expect("quote_toks entries are never empty");
    let at = doc.toks[first].start;
    // 1. Between the parts of a broken quote.
    for w in parts.windows(2) {
        if w[1] > w[0] + 1 {
            if let Some(c) = clause(doc, w[0] + 1, w[1], true) {
                if let Some(a) = finish(doc, res, c, at, "between") {
                    return a;
                }
            }
        }
    }
    let s = doc.sent_of[first];
    // Real sentences are far shorter than this; the cap keeps run-on input linear.
    let lo = doc.sents[s].start.max(first.saturating_sub(MAX_SENTENCE));
    // 2. A trailing clause. When it only names the outlet that relayed the
    // words (`Grushko said NATO wants to "…," Interfax reported`), the
    // speaker named before the quote is the one quoted.
    if let Some(c) = trailing(doc, last) {
        if is_outlet(doc, &c.speaker) {
            if let Some(l) = leading(doc, lo, first).filter(|l| !is_outlet(doc, &l.speaker)) {
                if let Some(a) = finish(doc, res, l, at, "before") {
                    return a;
                }
            }
        }
        if let Some(a) = finish(doc, res, c, at, "after") {
            return a;
        }
    }
    // 3. A reporting verb before the quote in its sentence.
    if let Some(c) = leading(doc, lo, first) {
        if let Some(a) = finish(doc, res, c, at, "before") {
            return a;
        }
    }
    // 3b. The attribution after a later quote of the same sentence covers
    // this one too (`… as a "strategic rival," then Moscow would "treat
    // them in a similar way," the deputy foreign minister added`).
    let later = (last + 1..doc.sents[s].end.min(last + MAX_SENTENCE)).rev().find(|&k| matches!(doc.toks[k].kind, Kind::Quote(_)));
    if let Some(c) = later.and_then(|k| trailing(doc, k)) {
        if let Some(a) = finish(doc, res, c, at, "after") {
            return a;
        }
    }
    // 3c. A short reporting clause closing the sentence after a comma, with
    // the reporter's own words between it and the quote (`The situation is
    // "complex", with Russian troops attacking, the General Staff said.`).
    if let Some(c) = sentence_final(doc, last, doc.sents[s].end) {
        if let Some(a) = finish(doc, res, c, at, "sentence end") {
            return a;
        }
    }
    // 3d. The next sentence names the speaker of this one: `"…" That was the
    // view of US Senator Lindsey Graham.`
    if let Some(c) = cataphora(doc, s + 1) {
        if let Some(a) = finish(doc, res, c, at, "next sentence") {
            return a;
        }
    }
    // 4. Continuation of the previous sentence's speaker.
    for back in 1..=2 {
        if s < back {
            break;
        }
        let ps = s - back;
        // Stop at a sentence with a quote attributed to someone: that quote's
        // speaker is the continuation, found by `res.last_speaker_in`.
        if let Some(a) = res.last_event_in(doc.toks[doc.sents[ps].start].start, at) {
            return Attribution { rule: Some("continuation"), ..a };
        }
        let r = doc.sents[ps].clone();
        if let Some(c) = leading(doc, r.start, r.end) {
            if let Some(a) = finish(doc, res, c, at, "continuation") {
                return a;
            }
        }
    }
    Attribution::default()
}

/// A speaker phrase and its cue, as token ranges.
#[derive(Debug, Clone)]
struct Clause {
    speaker: Np,
    cue: Range<usize>,
}

/// A noun phrase: token range, plus an apposition (`Dmitry Peskov, the
/// Kremlin's spokesman,`) when there is one.
#[derive(Debug, Clone)]
struct Np {
    toks: Range<usize>,
    appos: Option<Range<usize>>,
}

fn finish(doc: &Doc, res: &mut Resolver, c: Clause, at: usize, rule: &'static str) -> Option<Attribution> {
    let r = res.resolve(&c.speaker, at)?;
    let cue = doc.text[doc.toks[c.cue.start].start..doc.toks[c.cue.end - 1].end].to_string();
    Some(Attribution {
        mention: Some(r.mention),
        speaker: Some(r.speaker),
        side: Some(r.side),
        cue: Some(cue),
        rule: Some(rule),
    })
}

/// The clause after a quote: `, Peskov said`, `, said Peskov`, `, he added`.
fn trailing(doc: &Doc, qt: usize) -> Option<Clause> {
    let n = doc.toks.len();
    let mut i = qt + 1;
    // `"…" ― Martha Aguilar`: a dash and a bare name, maybe on the next line.
    if i + 1 < n && doc.toks[i].kind == Kind::Break && doc.is_punct_in(i + 1, "―—–") {
        i += 1;
    }
    if i + 1 < n && doc.is_punct_in(i, "―—–") {
        if let Some(np) = np_forward(doc, i + 1, n) {
            let e = np.appos.clone().unwrap_or(np.toks.clone()).end;
            let closed = e >= n || !matches!(doc.toks[e].kind, Kind::Word);
            if closed && doc.has_name(np.toks.clone()) {
                return Some(Clause { speaker: np, cue: i..i + 1 });
            }
        }
    }
    let ends_sentence = doc.quote_ends_sentence(qt);
    // Only punctuation may sit between the close mark and the clause.
    while i < n && doc.is_punct_in(i, ",;:—–-") {
        i += 1;
    }
    if i >= n || !matches!(doc.toks[i].kind, Kind::Word) {
        return None;
    }
    // The clause runs to the sentence end, a quote or a break.
    let mut j = i;
    while j < n.min(i + MAX_SENTENCE) && matches!(doc.toks[j].kind, Kind::Word | Kind::Punct) && !doc.ends_sentence_at(j) {
        j += 1;
    }
    // After a quote that ended its own sentence, accept only a short clause
    // (`"We will respond." Peskov said.`), not a new sentence that merely
    // contains a verb.
    if ends_sentence && !doc.is_cap(i) {
        return None;
    }
    let c = clause(doc, i, j, false)?;
    if ends_sentence && c.cue.start - i > 6 {
        return None;
    }
    Some(c)
}

/// The clause after the last comma of a sentence (tokens `last + 1 .. end`)
/// when it is short and is nothing but a speaker and a reporting verb:
/// `, the General Staff said.`, `, said Synegubov.`
fn sentence_final(doc: &Doc, last: usize, end: usize) -> Option<Clause> {
    let end = end.min(last + MAX_SENTENCE);
    // The sentence's final period (a break may follow it).
    let mut stop = end;
    while stop > last + 1 && !matches!(doc.toks[stop - 1].kind, Kind::Word) {
        if matches!(doc.toks[stop - 1].kind, Kind::Quote(_)) {
            return None;
        }
        stop -= 1;
    }
    if stop >= end || !doc.ends_sentence_at(stop) {
        return None;
    }
    let comma = (last + 1..stop).rev().find(|&k| doc.is_punct_in(k, ","))?;
    // Words between the quote and the clause, but no other quote.
    if comma <= last + 1 || (last + 1..comma).any(|k| matches!(doc.toks[k].kind, Kind::Quote(_) | Kind::Break)) {
        return None;
    }
    let i = comma + 1;
    if stop - i > 8 || stop - i < 2 {
        return None;
    }
    let c = clause(doc, i, stop, false)?;
    // The verb must close the clause or open it (`said X`), so that `, the
    // minister said to have been …` does not count.
    let v = c.cue.start;
    let np = c.speaker.appos.clone().map_or(c.speaker.toks.end, |a| a.end);
    if !(c.cue.end == stop || (v == i && np == stop)) {
        return None;
    }
    Some(c)
}

/// `That was the view of X.` / `This is the assessment of X, …` opening
/// sentence `s`: X said what the sentence before reported.
fn cataphora(doc: &Doc, s: usize) -> Option<Clause> {
    let r = doc.sents.get(s)?.clone();
    let mut i = r.start;
    while i < r.end && doc.toks[i].kind == Kind::Break {
        i += 1;
    }
    if i + 4 >= r.end || !matches!(doc.lower(i), "that" | "this") || !matches!(doc.lower(i + 1), "was" | "is") {
        return None;
    }
    let mut k = i + 2;
    if doc.lower(k) == "the" {
        k += 1;
    }
    if k + 2 >= r.end
        || !matches!(doc.lower(k), "view" | "opinion" | "assessment" | "verdict" | "conclusion" | "argument" | "warning" | "message")
        || doc.lower(k + 1) != "of"
    {
        return None;
    }
    let np = np_forward(doc, k + 2, r.end)?;
    doc.has_name(np.toks.clone()).then_some(Clause { speaker: np, cue: i..k + 2 })
}

/// Parses `NP VERB …`, `VERB NP …` or `according to NP` at the start of
/// tokens `i..j` (a clause after or between quote parts).
fn clause(doc: &Doc, i: usize, j: usize, between: bool) -> Option<Clause> {
    let mut i = i;
    while i < j && !matches!(doc.toks[i].kind, Kind::Word) {
        i += 1;
    }
    if i >= j {
        return None;
    }
    // `according to X`
    if doc.lower(i) == "according" && i + 1 < j && doc.lower(i + 1) == "to" {
        let np = np_forward(doc, i + 2, j)?;
        return Some(Clause { speaker: np, cue: i..i + 2 });
    }
    // `TASS quoted the Kremlin (as) saying`: the one quoted is the speaker,
    // the outlet only relays.
    if let Some(k) = (i + 1..(i + 8).min(j)).find(|&k| matches!(doc.lower(k), "quoted" | "cited")) {
        if np_backward(doc, i, k).is_some_and(|np| np.toks.start == i && np.appos.is_none()) {
            // `… quoted Hsin-Hsin Pan, a member of the survey team, as saying`
            if let Some(np) = np_forward(doc, k + 1, j) {
                let mut e = np.appos.clone().map_or(np.toks.end, |a| a.end);
                // An apposition may run past where np_forward stops it:
                // look for `, as saying` a few words on.
                if np.appos.is_some() || (e < j && doc.is_punct_in(e, ",")) {
                    if let Some(c) = (e..(e + 16).min(j)).find(|&c| doc.is_punct_in(c, ",") && c + 1 < j && doc.lower(c + 1) == "as") {
                        e = c;
                    }
                }
                if e < j && doc.is_punct_in(e, ",") {
                    e += 1;
                }
                if e < j && doc.lower(e) == "as" {
                    e += 1;
                }
                if e < j && doc.lower(e) == "saying" {
                    return Some(Clause { speaker: np, cue: k..e + 1 });
                }
            }
        }
    }
    // The first reporting verb within a few words.
    // Long appositions (`X, a senior fellow at … , said`) push the verb far.
    let limit = (i + 40).min(j);
    let first = (i..limit).find(|&k| doc.is_verb(k))?;
    if first == i {
        let np = np_forward(doc, skip_forward_adverbials(doc, first + 1, j), j)?;
        return Some(Clause { speaker: np, cue: cue_range(doc, first, j) });
    }
    // A verb inside an apposition (`Kennedy, who wrote a book on it, said`)
    // is passed over for the next one.
    for v in (first..limit).filter(|&k| doc.is_verb(k)) {
        let Some(np) = np_backward(doc, i, v) else { continue };
        // The whole stretch before the verb must be the speaker (plus
        // adverbs), otherwise this is a new clause that happens to contain a verb.
        if np.toks.start != i && !between && !(i..np.toks.start).all(|k| doc.is_punct_in(k, ",;:—–-")) {
            continue;
        }
        return Some(Clause { speaker: np, cue: cue_range(doc, v, j) });
    }
    None
}

/// The last reporting verb in tokens `lo..hi` (a sentence before a quote) and
/// its subject.
fn leading(doc: &Doc, lo: usize, hi: usize) -> Option<Clause> {
    // `Medvedev: Russia Seeks More …, 'Probably Should Be Kyiv'`: a name and
    // a colon opening the sentence (headline style).
    if let Some(np) = np_run_forward(doc, lo, hi) {
        // (`Ukraine's Minerals: What the West …` is a topic, not a speaker.)
        if np.end < hi
            && doc.is_punct_in(np.end, ":")
            && doc.has_name(np.clone())
            && np.len() <= 4
            && !np.clone().any(|k| doc.lower(k).ends_with("'s"))
        {
            return Some(Clause { speaker: Np { toks: np.clone(), appos: None }, cue: np.end..np.end + 1 });
        }
    }
    let mut v = hi;
    loop {
        let Some(found) = (lo..v).rev().find(|&k| doc.is_verb(k) || doc.is_according(k)) else {
            return colon_subject(doc, lo, hi).or_else(|| in_his_view(doc, lo, hi));
        };
        v = found;
        if doc.is_according(v) {
            if let Some(np) = np_forward(doc, v + 2, hi) {
                return Some(Clause { speaker: np, cue: v..v + 2 });
            }
            continue;
        }
        let cue = cue_range(doc, v, hi);
        // `X was quoted as saying` / `X is reported as saying`: the subject
        // sits before the passive.
        let mut vs = v;
        if doc.lower(v).ends_with("ing") && vs > lo && doc.lower(vs - 1) == "as" {
            vs -= 1;
            while vs > lo && matches!(doc.lower(vs - 1), "quoted" | "reported" | "cited" | "was" | "is" | "were" | "been" | "has" | "had") {
                vs -= 1;
            }
        }
        let participle = vs == v && doc.lower(v).ends_with("ing");
        // `…, with Kremlin spokesman Dmitry Peskov saying "…"`: an absolute
        // clause names its own speaker, not the sentence's subject.
        if participle {
            if let Some(np) = np_backward(doc, lo, v).filter(|np| np.appos.is_none() && np.toks.start > lo && doc.lower(np.toks.start - 1) == "with" && doc.has_name(np.toks.clone())) {
                return Some(Clause { speaker: np, cue });
            }
        }
        if !participle {
            if let Some(np) = np_backward(doc, lo, vs) {
                // `Putin said during a visit …, Rossiya 24 TV channel said`:
                // an earlier verb of the sentence may name the real speaker.
                if is_outlet(doc, &np) {
                    if let Some(earlier) = leading(doc, lo, np.toks.start).filter(|c| !is_outlet(doc, &c.speaker)) {
                        return Some(earlier);
                    }
                }
                return Some(Clause { speaker: np, cue });
            }
            // `said X` before the quote: `Said Peskov: "…"`.
            if let Some(np) = np_forward(doc, v + 1, hi).filter(|np| doc.has_name(np.toks.clone())) {
                if v == lo || doc.is_punct_in(v - 1, ",;:") {
                    return Some(Clause { speaker: np, cue });
                }
            }
        }
        if let Some(np) = sentence_subject(doc, lo, v) {
            return Some(Clause { speaker: np, cue });
        }
    }
}

/// A sentence with no reporting verb that ends in a colon right before the
/// quote and whose subject is a named person: `Matveychev nodded: "…"`,
/// `Skabeeva sniped: "…"`, `…, Matveychev became even more brazen: "…"`.
/// The colon is the cue; the verb list cannot hold every verb of manner.
fn colon_subject(doc: &Doc, lo: usize, hi: usize) -> Option<Clause> {
    if hi < lo + 3 || !doc.is_punct_in(hi - 1, ":") {
        return None;
    }
    let np = sentence_subject(doc, lo, hi - 1)?;
    if np.appos.is_some() || np.toks.len() > 6 || np.toks.end >= hi - 1 {
        return None;
    }
    let name = name_part(doc, np.toks.clone())?;
    if name.len() < np.toks.len().saturating_sub(3) || is_shouting(doc, name) {
        return None;
    }
    Some(Clause { speaker: np, cue: hi - 1..hi })
}

/// `In his opinion, the offensive "…"`: the sentence opens by crediting the
/// view to someone named before (the possessive is resolved as a pronoun).
fn in_his_view(doc: &Doc, lo: usize, hi: usize) -> Option<Clause> {
    let mut i = lo;
    while i < hi && doc.toks[i].kind == Kind::Break {
        i += 1;
    }
    if i + 3 < hi
        && doc.lower(i) == "in"
        && matches!(doc.lower(i + 1), "his" | "her")
        && matches!(doc.lower(i + 2), "opinion" | "view" | "words" | "assessment")
        && doc.is_punct_in(i + 3, ",")
    {
        return Some(Clause { speaker: Np { toks: i + 1..i + 2, appos: None }, cue: i..i + 3 });
    }
    None
}

/// The verb plus `reporters`/`the media` or `out` after it, for the cue.
fn cue_range(doc: &Doc, v: usize, hi: usize) -> Range<usize> {
    let mut e = v + 1;
    if e < hi && matches!(doc.lower(v), "told" | "tells" | "tell" | "telling") {
        if e + 1 < hi && doc.lower(e) == "the" && matches!(doc.lower(e + 1), "media" | "press") {
            e += 2;
        } else if doc.lower(e) == "reporters" || doc.lower(e) == "journalists" {
            e += 1;
        }
    } else if e < hi && doc.lower(e) == "out" && doc.lower(v).starts_with("point") {
        e += 1;
    }
    v..e
}

/// The subject of the sentence `lo..` (before token `hi`): its first noun
/// phrase, after leading connectives and an introductory phrase.
fn sentence_subject(doc: &Doc, lo: usize, hi: usize) -> Option<Np> {
    let mut i = lo;
    while i < hi && (!matches!(doc.toks[i].kind, Kind::Word) || CONNECTIVES.contains(&doc.lower(i))) {
        if matches!(doc.toks[i].kind, Kind::Quote(_)) {
            return None;
        }
        i += 1;
    }
    if i >= hi {
        return None;
    }
    // An introductory phrase (`In a statement,`, `Speaking to reporters,`,
    // `Now, nearly 18 months on,`) ends at a comma: the subject is the first
    // noun phrase, at the start or after a comma, that a verb follows.
    let mut starts = vec![i];
    starts.extend((i..hi.min(i + 30)).filter(|&k| doc.is_punct_in(k, ",")).map(|k| k + 1).take(3));
    let intro = INTRO.contains(&doc.lower(i)) || doc.lower(i).ends_with("ing");
    for (n, st) in starts.into_iter().enumerate() {
        if n == 0 && intro {
            continue;
        }
        let Some(np) = np_forward(doc, st, hi) else { continue };
        let after = np.appos.clone().map_or(np.toks.end, |a| a.end + usize::from(doc.is_punct_in(a.end, ",")));
        let verb_follows = after < doc.toks.len()
            && doc.toks[after].kind == Kind::Word
            && !doc.is_cap(after)
            && !LINKS.contains(&doc.lower(after));
        if verb_follows || after >= hi {
            return Some(np);
        }
    }
    None
}

/// Skips `on Monday`, `in a statement`, `later` after a verb.
fn skip_forward_adverbials(doc: &Doc, i: usize, j: usize) -> usize {
    let mut i = i;
    while i < j && matches!(doc.lower(i), "also" | "later" | "earlier" | "then" | "again" | "today" | "yesterday" | "tonight") {
        i += 1;
    }
    i
}

/// Noun phrase ending just before token `end`, not starting before `lo`.
fn np_backward(doc: &Doc, lo: usize, end: usize) -> Option<Np> {
    let mut j = skip_backward_adverbials(doc, lo, end);
    if j <= lo {
        return None;
    }
    // `Dmitry Peskov, the Kremlin's spokesman, said`
    if doc.is_punct_in(j - 1, ",") {
        // The apposition runs back to an earlier comma that follows a name:
        // `Quina Jones, 25, said`, `Jim Jordan, an oversight panel member, said`.
        let stop = j.saturating_sub(40).max(lo);
        let mut c = j - 1;
        while c > stop {
            c -= 1;
            if matches!(doc.toks[c].kind, Kind::Quote(_) | Kind::Break) || doc.ends_sentence_at(c) {
                break;
            }
            if doc.is_punct_in(c, ",") {
                // Either side may carry the name: `On Monday the minister,
                // Olena Marchuk, said` has it in the apposition.
                // Either side may carry the name: `On Monday the minister,
                // Olena Marchuk, said` has it in the apposition (a whole
                // name, not a clause such as `who served under Obama`).
                let appos_is_name = name_part(doc, c + 1..j - 1).is_some_and(|n| n == (c + 1..j - 1));
                if let Some(main) = np_run_backward(doc, lo, c).filter(|m| doc.has_name(m.clone()) || appos_is_name) {
                    return Some(Np { toks: main, appos: Some(c + 1..j - 1) });
                }
            }
        }
        return None;
    }
    // `Peskov told reporters` is handled by the verb; `the embassy wrote`.
    j = j.max(lo);
    let r = np_run_backward(doc, lo, j)?;
    // `The Russian embassy in Washington accused`: the place is the object
    // of `in`, the subject is the institution or role before it.
    if r.start >= lo + 2 && matches!(doc.lower(r.start - 1), "in" | "at") {
        if let Some(head) = np_run_backward(doc, lo, r.start - 1) {
            let last = doc.lower(head.end - 1);
            if ORG_HEADS.contains(last) || ROLE_HEADS.contains(last) {
                return Some(Np { toks: head, appos: None });
            }
        }
    }
    Some(Np { toks: r, appos: None })
}

fn skip_backward_adverbials(doc: &Doc, lo: usize, end: usize) -> usize {
    let mut j = end;
    loop {
        if j <= lo || !matches!(doc.toks[j - 1].kind, Kind::Word) {
            return j;
        }
        let w = doc.lower(j - 1);
        if SKIP_BACK.contains(&w) {
            j -= 1;
            continue;
        }
        // `Peskov on December 23 warned`, `Biden on Monday said`
        if TIME_WORDS.contains(&w) || w.chars().all(|c| c.is_ascii_digit()) {
            let found = (j.saturating_sub(4).max(lo)..j - 1)
                .rev()
                .find(|&k| matches!(doc.lower(k), "on" | "in" | "at" | "last" | "this" | "earlier" | "late" | "early"));
            if let Some(k) = found {
                j = k;
                continue;
            }
        }
        return j;
    }
}

/// The maximal run of noun-phrase tokens ending just before `end`.
fn np_run_backward(doc: &Doc, lo: usize, end: usize) -> Option<Range<usize>> {
    if end <= lo || !(matches!(doc.toks[end - 1].kind, Kind::Word) || doc.is_punct_in(end - 1, ")")) {
        return None;
    }
    if PRONOUNS.contains(&doc.lower(end - 1)) {
        return Some(end - 1..end);
    }
    let mut i = end;
    while i > lo {
        let k = i - 1;
        if doc.is_abbrev_dot(k) && i < end {
            i = k;
            continue;
        }
        // A parenthesis inside a name: `Rep. Gwen Moore (D-Wis.)`.
        if doc.is_punct_in(k, ")") {
            match (k.saturating_sub(10).max(lo)..k).rev().find(|&o| doc.is_punct_in(o, "(")) {
                Some(o) if o > lo => {
                    i = o;
                    continue;
                }
                _ => break,
            }
        }
        if !matches!(doc.toks[k].kind, Kind::Word) {
            break;
        }
        let w = doc.lower(k);
        if DETERMINERS.contains(&w) {
            // `Mr. Morgan of the Sierra Club`: the determiner after a link word.
            if k >= lo + 2 && matches!(doc.lower(k - 1), "of" | "for" | "to" | "at") && doc.is_np_word(k - 2) {
                i = k - 1;
                continue;
            }
            i = k;
            break;
        }
        // The head noun right before the verb may be any noun (`the New York
        // businessman said`, `the ad's narrator says`), and so may a noun
        // before a name (`Trump lawyer Marc Kasowitz`).
        if (k + 1 == end || (k + 1 < end && (doc.is_cap(k + 1) || ROLES.contains(&doc.lower(k + 1))))) && is_plain_noun(w) {
            i = k;
            continue;
        }
        if w.ends_with("'s") && !doc.is_cap(k) && k + 1 < end && w.len() > 3 {
            i = k;
            continue;
        }
        let ok = (doc.is_cap(k) && !CAP_STOP.contains(&w) && !PRONOUNS.contains(&w))
            || ROLES.contains(&w)
            || (LINKS.contains(&w) && k > lo && i < end && doc.is_np_word(k - 1));
        if !ok {
            break;
        }
        i = k;
    }
    // A phrase never starts with a link word (a determiner is fine).
    while i < end && LINKS.contains(&doc.lower(i)) && !DETERMINERS.contains(&doc.lower(i)) {
        i += 1;
    }
    let r = i..end;
    if r.is_empty() || !doc.has_head(r.clone()) {
        return None;
    }
    Some(r)
}

/// Noun phrase starting at token `start`, not running past `hi`.
fn np_forward(doc: &Doc, start: usize, hi: usize) -> Option<Np> {
    let main = np_run_forward(doc, start, hi)?;
    let mut appos = None;
    if main.end + 1 < hi && doc.is_punct_in(main.end, ",") {
        if let Some(a) = np_run_forward(doc, main.end + 1, hi) {
            appos = Some(a);
        }
    }
    Some(Np { toks: main, appos })
}

fn np_run_forward(doc: &Doc, start: usize, hi: usize) -> Option<Range<usize>> {
    if start >= hi || !matches!(doc.toks[start].kind, Kind::Word) {
        return None;
    }
    let w0 = doc.lower(start);
    if PRONOUNS.contains(&w0) {
        return Some(start..start + 1);
    }
    let mut i = start;
    if DETERMINERS.contains(&w0) {
        i += 1;
    }
    let mut end = i;
    loop {
        if i < hi && doc.is_abbrev_dot(i) && i > start {
            i += 1;
            continue;
        }
        if i < hi && i > start && doc.is_punct_in(i, "(") {
            if let Some(c) = (i + 1..(i + 10).min(hi)).find(|&c| doc.is_punct_in(c, ")")) {
                i = c + 1;
                end = i;
                continue;
            }
        }
        if !(i < hi && matches!(doc.toks[i].kind, Kind::Word)) {
            break;
        }
        let w = doc.lower(i);
        let ok = (doc.is_cap(i) && !CAP_STOP.contains(&w) && !PRONOUNS.contains(&w))
            || ROLES.contains(&w)
            // `Ministry of the Interior`: only `the` after a link word.
            || (i > start && w == "the" && LINKS.contains(&doc.lower(i - 1)) && doc.lower(i - 1) != "the");
        let link = LINKS.contains(&w) && i > start && i + 1 < hi && doc.is_np_word(i + 1);
        if ok {
            i += 1;
            end = i;
        } else if link {
            i += 1;
        } else {
            break;
        }
    }
    let r = start..end;
    if end <= start || !doc.has_head(r.clone()) {
        return None;
    }
    Some(r)
}

// ---------------------------------------------------------------------------
// Tokens and sentences.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Punct,
    /// A quote part (marks included); the value is the quote's index.
    Quote(usize),
    /// A line break: paragraphs never share a sentence.
    Break,
}

#[derive(Debug, Clone)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

/// A text cut into tokens and sentences, quotes as opaque tokens.
struct Doc<'a> {
    text: &'a str,
    toks: Vec<Tok>,
    /// Lowercased words (straight apostrophes), one after the other; token
    /// `i`'s is `lower_buf[lower_at[i].0..lower_at[i].1]` (empty for
    /// non-words). One buffer instead of a String per token.
    lower_buf: String,
    lower_at: Vec<(usize, usize)>,
    /// Token ranges of the sentences, in order.
    sents: Vec<Range<usize>>,
    /// Sentence of each token.
    sent_of: Vec<usize>,
    /// Token of each part of each quote.
    quote_toks: Vec<Vec<usize>>,
    /// Content byte range of each quote token (marks excluded).
    content: BTreeMap<usize, Range<usize>>,
}

/// The large lists of a [`Doc`], kept per thread between articles.
#[derive(Default)]
struct DocBufs {
    toks: Vec<Tok>,
    lower_buf: Vec<u8>,
    lower_at: Vec<(usize, usize)>,
    sents: Vec<Range<usize>>,
    sent_of: Vec<usize>,
}

thread_local!(static DOC_BUFS: std::cell::Cell<DocBufs> = std::cell::Cell::new(DocBufs::default()));

/// Lists above this many bytes are not kept for the next article (one
/// huge article should not hold its memory for the rest of the run).
const DOC_BUFS_KEEP: usize = 1 << 20;

impl Drop for Doc<'_> {
    fn drop(&mut self) {
        let keep = |cap: usize, size: usize| cap * size <= DOC_BUFS_KEEP;
        let mut bufs = DocBufs::default();
        if keep(self.toks.capacity(), std::mem::size_of::<Tok>()) {
            bufs.toks = std::mem::take(&mut self.toks);
        }
        if keep(self.lower_buf.capacity(), 1) {
            bufs.lower_buf = std::mem::take(&mut self.lower_buf).into_bytes();
        }
        if keep(self.lower_at.capacity(), std::mem::size_of::<(usize, usize)>()) {
            bufs.lower_at = std::mem::take(&mut self.lower_at);
        }
        if keep(self.sents.capacity(), std::mem::size_of::<Range<usize>>()) {
            bufs.sents = std::mem::take(&mut self.sents);
        }
        if keep(self.sent_of.capacity(), std::mem::size_of::<usize>()) {
            bufs.sent_of = std::mem::take(&mut self.sent_of);
        }
        DOC_BUFS.with(|b| b.set(bufs));
    }
}

fn is_mark(c: char) -> bool {
    matches!(c, '"' | '\'' | '`' | '“' | '”' | '„' | '‟' | '«' | '»' | '‹' | '›' | '‘' | '’' | '‚')
}

impl<'a> Doc<'a> {
    fn new(text: &'a str, quotes: &[QuoteSpan]) -> Doc<'a> {
        // Quote parts with their marks, sorted; parts inside another are dropped.
        let mut parts: Vec<(usize, usize, usize, Range<usize>)> = Vec::new();
        for (qi, q) in quotes.iter().enumerate() {
            for p in &q.parts {
                if p.start > p.end || p.end > text.len() || !text.is_char_boundary(p.start) || !text.is_char_boundary(p.end) {
                    continue;
                }
                let (s, e) = widen_to_marks(text, p.clone());
                parts.push((s, e, qi, p.clone()));
            }
        }
        parts.sort_by_key(|p| (p.0, std::cmp::Reverse(p.1)));
        let mut kept: Vec<(usize, usize, usize, Range<usize>)> = Vec::new();
        for p in parts {
            if kept.last().is_some_and(|k| p.0 < k.1) {
                continue;
            }
            kept.push(p);
        }
        // The token lists of the thread's previous article, emptied: news
        // text runs some five bytes a token, and lists of some 10 KB each
        // fetched from and given back to malloc for every article were a
        // few percent of `score` (consolidating freed chunks, growing the heap).
        let bufs = DOC_BUFS.with(|b| b.take());
        let mut toks = bufs.toks;
        toks.clear();
        toks.reserve(text.len() / 5 + 16);
        let mut lower = Lower { buf: bufs.lower_buf, at: bufs.lower_at };
        lower.buf.clear();
        lower.buf.reserve(text.len());
        lower.at.clear();
        lower.at.reserve(text.len() / 5 + 16);
        let mut content = BTreeMap::new();
        let mut quote_toks = vec![Vec::new(); quotes.len()];
        let mut pos = 0;
        for (s, e, qi, c) in kept {
            tokenize(text, pos, s, &mut toks, &mut lower);
            content.insert(toks.len(), c);
            quote_toks[qi].push(toks.len());
            toks.push(Tok { kind: Kind::Quote(qi), start: s, end: e });
            lower.none();
            pos = e;
        }
        tokenize(text, pos, text.len(), &mut toks, &mut lower);
        let lower_at = lower.at;
        // Only whole UTF-8 chars went in, so this never repairs anything.
        let lower_buf = String::from_utf8(lower.buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let (mut sents, mut sent_of) = (bufs.sents, bufs.sent_of);
        sents.clear();
        sent_of.clear();
        let mut doc = Doc { text, toks, lower_buf, lower_at, sents, sent_of, quote_toks, content };
        doc.split_sentences();
        doc
    }

    fn split_sentences(&mut self) {
        let n = self.toks.len();
        let mut start = 0;
        let mut sent_of = std::mem::take(&mut self.sent_of);
        sent_of.reserve(n);
        for i in 0..n {
            sent_of.push(self.sents.len());
            let end_here = match self.toks[i].kind {
                Kind::Break => true,
                Kind::Punct => self.is_sentence_punct(i) && self.next_starts_sentence(i),
                Kind::Quote(_) => self.quote_ends_sentence(i),
                Kind::Word => false,
            };
            if end_here && self.toks[i].kind == Kind::Break && start == i && !self.sents.is_empty() {
                // A break right after a sentence end belongs to that sentence.
                let last = self.sents.len() - 1;
                self.sents[last].end = i + 1;
                sent_of[i] = last;
                start = i + 1;
            } else if end_here {
                self.sents.push(start..i + 1);
                start = i + 1;
            }
        }
        if start < n || self.sents.is_empty() {
            self.sents.push(start..n);
        }
        self.sent_of = sent_of;
    }

    /// A `.`, `?` or `!` that is not an abbreviation's period.
    fn is_sentence_punct(&self, i: usize) -> bool {
        if self.toks[i].kind != Kind::Punct {
            return false;
        }
        match &self.text[self.toks[i].start..self.toks[i].end] {
            "?" | "!" => true,
            "." => !(i > 0 && self.toks[i - 1].end == self.toks[i].start && self.is_abbrev(i - 1)),
            _ => false,
        }
    }

    /// The period of an abbreviation inside a name (`Mr.`, `U.S.`).
    fn is_abbrev_dot(&self, i: usize) -> bool {
        i > 0
            && self.toks[i].kind == Kind::Punct
            && self.word(i) == "."
            && self.toks[i - 1].end == self.toks[i].start
            && self.is_abbrev(i - 1)
            // `Mr. Peskov`, `U.S. administration official`
            && self.toks.get(i + 1).is_some_and(|t| t.kind == Kind::Word)
    }

    fn is_abbrev(&self, i: usize) -> bool {
        if self.toks[i].kind != Kind::Word {
            return false;
        }
        let w = &self.text[self.toks[i].start..self.toks[i].end];
        w.contains('.') || (w.chars().count() == 1 && w.chars().all(char::is_uppercase)) || ABBREVS.contains(&w)
    }

    fn next_starts_sentence(&self, i: usize) -> bool {
        match self.toks.get(i + 1) {
            None => true,
            Some(t) => match t.kind {
                Kind::Word => !self.word(i + 1).starts_with(|c: char| c.is_lowercase()),
                // `(R-Fla.)`, `R-Ky., said`: a period before these is an abbreviation's.
                Kind::Punct => !matches!(self.word(i + 1), ")" | "," | ";" | ":"),
                _ => true,
            },
        }
    }

    /// A sentence-ending `.`, `?` or `!` at token `i`.
    fn ends_sentence_at(&self, i: usize) -> bool {
        self.is_sentence_punct(i) && self.next_starts_sentence(i)
    }

    /// A quote whose content ends in `.`, `?` or `!` and is followed by a
    /// capitalised word, a break or the end.
    fn quote_ends_sentence(&self, i: usize) -> bool {
        if !self.content.contains_key(&i) {
            return false;
        }
        let inner = &self.text[self.toks[i].start..self.toks[i].end];
        let last = inner.chars().rev().find(|c| !is_mark(*c) && !c.is_whitespace());
        let terminal = matches!(last, Some('.' | '?' | '!' | '…'));
        // `?` and `!` inside a quote rarely end the sentence around it when a
        // lowercase clause follows (`"Why?" he asked`).
        let mut k = i + 1;
        while k < self.toks.len() && self.toks[k].kind == Kind::Punct && self.is_sentence_punct(k) {
            k += 1;
        }
        if k > i + 1 {
            return false; // the sentence period after the mark ends it instead
        }
        terminal && self.next_starts_sentence(i)
    }

    #[inline]
    fn lower(&self, i: usize) -> &str {
        self.lower_at.get(i).map_or("", |&(a, b)| &self.lower_buf[a..b])
    }

    fn word(&self, i: usize) -> &str {
        &self.text[self.toks[i].start..self.toks[i].end]
    }

    #[inline]
    fn is_cap(&self, i: usize) -> bool {
        // An ASCII first byte is tested as a byte (asked of most tokens).
        self.toks[i].kind == Kind::Word
            && match self.text.as_bytes()[self.toks[i].start] {
                b if b < 0x80 => b.is_ascii_uppercase(),
                _ => self.word(i).starts_with(|c: char| c.is_uppercase()),
            }
    }

    fn is_punct_in(&self, i: usize, set: &str) -> bool {
        i < self.toks.len() && self.toks[i].kind == Kind::Punct && set.contains(self.word(i))
    }

    fn is_verb(&self, i: usize) -> bool {
        // Capitalised forms count too: sentence starts (`Said Peskov:`) and
        // title-case headlines (`Shapps Says UK Facing 'Pre-War World'`); the
        // list holds no plural nouns (`states`, `calls`) to mistake.
        self.toks[i].kind == Kind::Word
            && VERB_SET.contains(self.lower(i))
            // `continued approaching Russia as …` is not reporting; `he
            // continued: "…"` is.
            && !(self.lower(i).starts_with("continue") && self.toks.get(i + 1).is_some_and(|t| t.kind == Kind::Word))
    }

    /// `according to X`, `in the words of X`: the speaker follows two words on.
    fn is_according(&self, i: usize) -> bool {
        let next = self.lower_at.get(i + 1).map(|_| self.lower(i + 1));
        (self.lower(i) == "according" && next.is_some_and(|w| w == "to"))
            || (self.lower(i) == "words" && next.is_some_and(|w| w == "of") && i > 0 && self.lower(i - 1) == "the")
    }

    fn is_np_word(&self, i: usize) -> bool {
        self.toks[i].kind == Kind::Word
            && ((self.is_cap(i) && !CAP_STOP.contains(self.lower(i))) || ROLES.contains(self.lower(i)))
    }

    /// A phrase can name a speaker: it has a capitalised word (not at the
    /// start only because of a determiner) or a role noun, or is a pronoun.
    fn has_head(&self, r: Range<usize>) -> bool {
        if r.len() >= 2 && DETERMINERS.contains(self.lower(r.start)) && is_plain_noun(self.lower(r.end - 1)) {
            return true;
        }
        r.clone().any(|k| {
            let w = self.lower(k);
            (self.is_cap(k) && !DETERMINERS.contains(&w) && !LINKS.contains(&w)) || ROLE_HEADS.contains(&w) || PRONOUNS.contains(&w)
        })
    }

    /// The phrase contains a personal or proper name (a capitalised word that
    /// is not a title).
    fn has_name(&self, r: Range<usize>) -> bool {
        r.clone().any(|k| self.is_cap(k) && !is_title_or_stop(self, k) && !DETERMINERS.contains(self.lower(k)))
    }

    fn span_text(&self, r: Range<usize>) -> &str {
        &self.text[self.toks[r.start].start..self.toks[r.end - 1].end]
    }
}

/// Extends a quote's content range over the punctuation, whitespace and
/// marks around it (the content range leaves out trailing `,` and `.`), so
/// the quote token covers everything up to and including its marks.
fn widen_to_marks(text: &str, p: Range<usize>) -> (usize, usize) {
    let skippable = |c: char| c.is_whitespace() && c != '\n' || matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '…' | '—' | '–' | '-');
    // Backward: skip a little punctuation/space, then up to two marks.
    let mut s = p.start;
    let mut skipped = 0;
    let mut it = text[..p.start].char_indices().rev().peekable();
    while let Some(&(i, c)) = it.peek() {
        if skippable(c) && skipped < 3 {
            skipped += 1;
            it.next();
            let _ = i;
        } else {
            break;
        }
    }
    let mut marks = 0;
    while let Some(&(i, c)) = it.peek() {
        if is_mark(c) && marks < 2 {
            marks += 1;
            s = i;
            it.next();
        } else {
            break;
        }
    }
    // Forward, likewise.
    let mut e = p.end;
    let mut skipped = 0;
    let mut it = text[p.end..].char_indices().peekable();
    while let Some(&(_, c)) = it.peek() {
        if skippable(c) && skipped < 3 {
            skipped += 1;
            it.next();
        } else {
            break;
        }
    }
    let mut marks = 0;
    while let Some(&(i, c)) = it.peek() {
        if is_mark(c) && marks < 2 {
            marks += 1;
            e = p.end + i + c.len_utf8();
            it.next();
        } else {
            break;
        }
    }
    (s.min(p.start), e.max(p.end))
}

/// The lowercase forms of the tokens (`’` read as `'`), one after the other
/// in one buffer, built by [`tokenize`] as it cuts each word: the bytes are
/// then still in cache, and an ASCII word (it knows which) is one
/// lowercasing copy. A second pass over the tokens was a tenth of `score`.
struct Lower {
    buf: Vec<u8>,
    /// Per token, its range in `buf` (empty for non-words).
    at: Vec<(usize, usize)>,
}

impl Lower {
    /// The entry of a token that is not a word.
    #[inline]
    fn none(&mut self) {
        let n = self.buf.len();
        self.at.push((n, n));
    }

    /// The entry of the word `text[start..end]`: `ascii` says whether it is
    /// all ASCII. An ASCII word is lowercased eight bytes at a time
    /// ([`ascii_lower8`]), reading past its end when the text goes on and
    /// cutting the copy back: a byte loop here, with its exit mispredicted
    /// at the end of every word, was a fifth of [`tokenize`].
    #[inline]
    fn word(&mut self, text: &str, start: usize, end: usize, ascii: bool) {
        let a = self.buf.len();
        if ascii {
            let b = text.as_bytes();
            let mut at = start;
            while at < end {
                let v = match b.get(at..at + 8) {
                    Some(c) => u64::from_le_bytes(c.try_into().unwrap_or([0; 8])),
                    None => {
                        // Assembled in a register (the last bytes of the text).
                        let mut v = 0u64;
                        for (k, &x) in b[at..end].iter().enumerate() {
                            v |= (x as u64) << (8 * k);
                        }
                        v
                    }
                };
                self.buf.extend_from_slice(&ascii_lower8(v).to_le_bytes());
                at += 8;
            }
            self.buf.truncate(a + (end - start));
        } else {
            push_lower_word(&text[start..end], &mut self.buf);
        }
        self.at.push((a, self.buf.len()));
    }
}

/// Eight bytes with `A`..=`Z` lowercased, as `u8::to_ascii_lowercase` does
/// for each byte below 0x80 (range tests on all eight at once; no sum
/// carries into the next byte). Bytes >= 0x80 come out changed; callers
/// give only ASCII bytes they keep.
#[inline(always)]
fn ascii_lower8(v: u64) -> u64 {
    use crate::text::{HIGH, LOW};
    let x = v & !HIGH;
    let upper = (x + LOW * (0x80 - b'A' as u64)) & !(x + LOW * (0x7f - b'Z' as u64)) & HIGH;
    v | (upper >> 2)
}

/// Appends the lowercase form of a word with non-ASCII chars.
fn push_lower_word(w: &str, buf: &mut Vec<u8>) {
    if w.contains('Σ') {
        // str::to_lowercase knows the final sigma; chars do not.
        buf.extend_from_slice(w.to_lowercase().replace('’', "'").as_bytes());
    } else {
        for c in w.chars() {
            match c {
                '’' => buf.push(b'\''),
                c if c.is_ascii() => buf.push(c.to_ascii_lowercase() as u8),
                c => c.to_lowercase().for_each(|l| buf.extend_from_slice(l.encode_utf8(&mut [0; 4]).as_bytes())),
            }
        }
    }
}

/// Appends the tokens of `text[from..to]`: line breaks, words (letters and
/// digits, joined by `'` `’` `-` `.` `&` when a letter or digit follows) and
/// single-char punctuation. Walks bytes: an ASCII byte is its own char (most
/// of any news text) and is classified by a byte test; only a non-ASCII char
/// is decoded. This runs over every byte scored, where a peekable
/// `char_indices` was a tenth of attribution's time.
fn tokenize(text: &str, from: usize, to: usize, out: &mut Vec<Tok>, lower: &mut Lower) {
    let b = text.as_bytes();
    let char_at = |i: usize| char_at(text, i, to);
    let alnum_at = |i: usize| if b[i] < 0x80 { b[i].is_ascii_alphanumeric() } else { char_at(i).0.is_alphanumeric() };
    let mut i = from;
    while i < to {
        let start = i;
        let (c, len) = char_at(i);
        i += len;
        if c == '\n' {
            if !out.last().is_some_and(|t| t.kind == Kind::Break) {
                out.push(Tok { kind: Kind::Break, start, end: start + 1 });
                lower.none();
            }
        } else if c.is_whitespace() {
        } else if c.is_alphanumeric() {
            let mut ascii = len == 1;
            while i < to {
                // ASCII letters and digits, eight bytes at a time while
                // eight are left before `to`.
                if i + 8 <= to {
                    let w = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
                    let n = (!ascii_alnum_mask(w) & HIGH_BITS).trailing_zeros() as usize / 8;
                    i += n;
                    if n == 8 {
                        continue;
                    }
                } else if b[i].is_ascii_alphanumeric() {
                    i += 1;
                    continue;
                }
                let (d, dl) = char_at(i);
                if d.is_alphanumeric() || (matches!(d, '\'' | '’' | '-' | '.' | '&') && i + dl < to && alnum_at(i + dl)) {
                    // Joiners stay in a word only when a letter follows:
                    // `Kremlin's`, `Jean-Pierre`, `U.S` (the final period is
                    // punctuation, marked as an abbreviation later).
                    ascii &= dl == 1;
                    i += dl;
                } else {
                    break;
                }
            }
            out.push(Tok { kind: Kind::Word, start, end: i });
            lower.word(text, start, i, ascii);
        } else {
            out.push(Tok { kind: Kind::Punct, start, end: i });
            lower.none();
        }
    }
}

const HIGH_BITS: u64 = crate::text::HIGH;

/// For eight bytes in a `u64` (little-endian), the high bit of each that is
/// an ASCII letter or digit (bytes >= 0x80 dropped).
#[inline(always)]
fn ascii_alnum_mask(w: u64) -> u64 {
    crate::text::ascii_alnum_lanes(w) & !w
}

/// The char at byte `i` of `text` (a char boundary before `to`) and its
/// length; an ASCII byte without decoding. Always inlined: as a closure it
/// was a call per byte of [`tokenize`].
#[inline(always)]
fn char_at(text: &str, i: usize, to: usize) -> (char, usize) {
    let b = text.as_bytes()[i];
    if b < 0x80 {
        (b as char, 1)
    } else {
        let c = text[i..to].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
        (c, c.len_utf8())
    }
}

#[cfg(test)]
mod tokenize_tests {
    use super::*;

    /// The char-by-char definition the byte walk of [`tokenize`] must agree with.
    fn tokenize_chars(text: &str, from: usize, to: usize, out: &mut Vec<Tok>) {
        let s = &text[from..to];
        let mut it = s.char_indices().peekable();
        while let Some((i, c)) = it.next() {
            let start = from + i;
            if c == '\n' {
                if !out.last().is_some_and(|t| t.kind == Kind::Break) {
                    out.push(Tok { kind: Kind::Break, start, end: start + 1 });
                }
            } else if c.is_whitespace() {
            } else if c.is_alphanumeric() {
                let mut end = start + c.len_utf8();
                while let Some(&(k, d)) = it.peek() {
                    if d.is_alphanumeric() {
                        end = from + k + d.len_utf8();
                        it.next();
                    } else if matches!(d, '\'' | '’' | '-' | '.' | '&') {
                        let next = s[k + d.len_utf8()..].chars().next();
                        if next.is_some_and(char::is_alphanumeric) {
                            it.next();
                            end = from + k + d.len_utf8();
                        } else {
                            break;
                        }
                    } else {
                        break;
                    }
                }
                out.push(Tok { kind: Kind::Word, start, end });
            } else {
                out.push(Tok { kind: Kind::Punct, start, end: start + c.len_utf8() });
            }
        }
    }

    /// A token's lowercase form by the char-level definition: words
    /// lowercased (`str::to_lowercase`, which knows the final sigma), `’`
    /// read as `'`; other tokens empty.
    fn lowercase_word_chars(text: &str, t: &Tok) -> String {
        if t.kind == Kind::Word {
            text[t.start..t.end].to_lowercase().replace('’', "'")
        } else {
            String::new()
        }
    }

    #[test]
    fn alnum_mask_matches_the_byte_test() {
        for b in 0..=255u8 {
            let w = u64::from_le_bytes([b'.', b, b' ', b, b'z', b, 0x80, b]);
            let m = ascii_alnum_mask(w);
            for (k, &x) in w.to_le_bytes().iter().enumerate() {
                assert_eq!(m >> (8 * k + 7) & 1 == 1, x.is_ascii_alphanumeric(), "byte {x:#x}");
            }
        }
    }

    #[test]
    fn eight_byte_lowercase_is_the_byte_lowercase() {
        for b in 0..0x80u8 {
            let w = u64::from_le_bytes([b, b'A', b'z', b, b'Z', b'@', b'[', b]);
            let want = u64::from_le_bytes(w.to_le_bytes().map(|x| x.to_ascii_lowercase()));
            assert_eq!(ascii_lower8(w), want, "byte {b:#x}");
        }
    }

    #[test]
    fn byte_walk_finds_the_tokens_of_a_char_walk() {
        let texts = [
            "",
            "Kremlin's U.S. Jean-Pierre AT&T said: \"no\" -- end.",
            "Zürich’s café’ naïve\n\n\u{b}\u{c}x «quoted» Straße ПУТИН’s 東京 e\u{301}t\u{e9}  2024-05-01 a’",
            "trailing joiner' x- y. z& w’",
            "\r\n\t\u{a0}\u{2003}word\u{2028}",
            "Abcdefghijklmnop0123456789 Supercalifragilistic’s well-known U.S.A.-based AT&T’x\nZyxwvutsrq",
        ];
        for t in texts {
            for from in (0..=t.len()).filter(|&k| t.is_char_boundary(k)) {
                for to in (from..=t.len()).filter(|&k| t.is_char_boundary(k)) {
                    let (mut got, mut want) = (Vec::new(), Vec::new());
                    let mut lower = Lower { buf: Vec::new(), at: Vec::new() };
                    tokenize(t, from, to, &mut got, &mut lower);
                    tokenize_chars(t, from, to, &mut want);
                    let key = |v: &[Tok]| v.iter().map(|x| (x.kind, x.start, x.end)).collect::<Vec<_>>();
                    assert_eq!(key(&got), key(&want), "{t:?} {from}..{to}");
                    let got_lower: Vec<&[u8]> = lower.at.iter().map(|&(a, b)| &lower.buf[a..b]).collect();
                    let want_lower: Vec<Vec<u8>> = want.iter().map(|x| lowercase_word_chars(t, x).into_bytes()).collect();
                    assert_eq!(got_lower, want_lower.iter().map(Vec::as_slice).collect::<Vec<_>>(), "{t:?} {from}..{to}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Resolving a speaker phrase to a canonical speaker and side.

/// A resolved speaker.
#[derive(Debug, Clone)]
struct Resolved {
    speaker: String,
    side: String,
    mention: Range<usize>,
    /// A person (can be `he`/`she`), not an institution.
    person: bool,
}

/// A speaker attributed earlier in the article.
#[derive(Debug, Clone)]
struct Event {
    pos: usize,
    speaker: String,
    side: String,
    person: bool,
}

/// Per-article state for resolving mentions: the speakers seen so far (for
/// pronouns and descriptions) and the names the article spells out in full.
struct Resolver<'d, 'a> {
    doc: &'d Doc<'a>,
    actors: &'d Actors,
    /// Speakers attributed so far, in text order.
    events: Vec<Event>,
    /// Multi-word names written in the article (token ranges, titles stripped).
    names: Vec<Range<usize>>,
    /// Canonical names already given a side, for consistency within the article.
    sides: BTreeMap<String, String>,
    /// Whether each canonical speaker resolved so far is a person.
    person_of: BTreeMap<String, bool>,
    /// The first full name written for each surname (`peskov` → `Dmitry
    /// Peskov`); `Jr.`-style suffixes are looked through.
    by_surname: BTreeMap<String, Range<usize>>,
    /// Gender told by an honorific before a surname (`Mr Peskov` → m).
    honorific: BTreeMap<String, char>,
    /// Token positions of each institution head word (`embassy`), in order.
    org_heads: BTreeMap<String, Vec<usize>>,
}

impl<'d, 'a> Resolver<'d, 'a> {
    fn new(doc: &'d Doc<'a>, actors: &'d Actors) -> Self {
        let mut names = Vec::new();
        let n = doc.toks.len();
        let mut i = 0;
        while i < n {
            if doc.is_cap(i) && !is_title_or_stop(doc, i) {
                let mut j = i;
                loop {
                    if j < n && doc.is_cap(j) && !is_title_or_stop(doc, j) {
                        j += 1;
                    } else if j > i && j + 1 < n && doc.is_abbrev_dot(j) {
                        j += 1; // `Brandon J. Weichert`
                    } else {
                        break;
                    }
                }
                let words = (i..j).filter(|&k| doc.toks[k].kind == Kind::Word).count();
                if words >= 2 && !(i..j).any(|k| ORG_HEADS.contains(&doc.lower(k))) {
                    names.push(i..j);
                }
                i = j.max(i + 1);
            } else {
                i += 1;
            }
        }
        let mut honorific = BTreeMap::new();
        for k in 0..n {
            let g = match doc.lower(k) {
                "mr" => 'm',
                "ms" | "mrs" => 'f',
                _ => continue,
            };
            let next = if k + 1 < n && doc.is_abbrev_dot(k + 1) { k + 2 } else { k + 1 };
            if next < n && doc.is_cap(next) {
                honorific.entry(doc.lower(next).to_string()).or_insert(g);
            }
        }
        let mut by_surname = BTreeMap::new();
        for nm in &names {
            if is_shouting(doc, nm.clone()) {
                continue;
            }
            let words: Vec<usize> = nm.clone().filter(|&k| doc.toks[k].kind == Kind::Word).collect();
            let sur = match words.as_slice() {
                [.., a, b] if matches!(doc.lower(*b), "jr" | "sr" | "ii" | "iii") => doc.lower(*a),
                [.., b] => doc.lower(*b),
                [] => continue,
            };
            by_surname.entry(sur.to_string()).or_insert_with(|| nm.clone());
        }
        let mut org_heads: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for k in 0..n {
            let w = doc.lower(k);
            // Only words have a lowercase form; the rest are "", in no list.
            if !w.is_empty() && ORG_HEADS.contains(&w) {
                org_heads.entry(w.to_string()).or_default().push(k);
            }
        }
        Resolver {
            doc,
            actors,
            org_heads,
            events: Vec::new(),
            names,
            sides: BTreeMap::new(),
            person_of: BTreeMap::new(),
            honorific,
            by_surname,
        }
    }

    fn remember(&mut self, pos: usize, speaker: String, side: String) {
        let person = self.person_of.get(&speaker).copied().unwrap_or_else(|| is_person(&speaker));
        self.events.push(Event { pos, speaker, side, person });
    }

    /// The most recent attributed quote between byte `from` and `to`.
    fn last_event_in(&self, from: usize, to: usize) -> Option<Attribution> {
        let e = self.events.iter().rev().find(|e| e.pos >= from && e.pos < to)?;
        Some(Attribution { speaker: Some(e.speaker.clone()), side: Some(e.side.clone()), ..Default::default() })
    }

    fn resolve(&mut self, np: &Np, at: usize) -> Option<Resolved> {
        let r = self.resolve_inner(np, at)?;
        let r = Resolved { speaker: r.speaker.replace('’', "'"), ..r };
        self.person_of.insert(r.speaker.clone(), r.person);
        Some(r)
    }

    fn resolve_inner(&mut self, np: &Np, at: usize) -> Option<Resolved> {
        let doc = self.doc;
        let main = np.toks.clone();
        if main.len() == 1 && (PRONOUNS.contains(&doc.lower(main.start)) || matches!(doc.lower(main.start), "his" | "her")) {
            return self.resolve_pronoun(main.start, at);
        }
        // Prefer the part that carries a personal name: `the Kremlin
        // spokesman, Dmitry Peskov` and `The Guardian's editor in Kyiv, Dan Sabbagh,`.
        let (named, desc) = match &np.appos {
            Some(a) if name_part(doc, a.clone()).is_some_and(|n| n == *a && n.len() >= 2)
                && name_part(doc, main.clone()).is_none_or(|n| n.len() < 2 || self.lookup_phrase(main.clone()).is_some()) =>
            {
                (a.clone(), Some(main.clone()))
            }
            Some(a) if !doc.has_name(main.clone()) && doc.has_name(a.clone()) => (a.clone(), Some(main.clone())),
            Some(a) => (main.clone(), Some(a.clone())),
            None => (main.clone(), None),
        };
        let mention = doc.toks[named.start].start..doc.toks[named.end - 1].end;
        let desc_text = desc.map(|d| doc.span_text(d).to_string()).unwrap_or_default();
        let full = doc.span_text(named.clone()).to_string();
        // 1. The whole phrase is a known alias (`the Russian embassy to the United States`).
        if let Some(a) = self.lookup_phrase(named.clone()) {
            let person = is_person(&a.0);
            return Some(Resolved { speaker: a.0, side: a.1, mention, person });
        }
        // 2. A personal name after the titles.
        if let Some(nr) = name_part(doc, named.clone()) {
            let (canonical, side, person) = self.resolve_name(nr, &format!("{full} {desc_text}"));
            return Some(Resolved { speaker: canonical, side, mention, person });
        }
        // 3. A description: who in this article has that role?
        self.resolve_description(named, &desc_text, at, mention)
    }

    /// Dictionary look-up of a phrase, with and without its determiner.
    fn lookup_phrase(&self, r: Range<usize>) -> Option<(String, String)> {
        let doc = self.doc;
        let mut r = r;
        while !r.is_empty() && DETERMINERS.contains(&doc.lower(r.start)) {
            r.start += 1;
        }
        if r.is_empty() {
            return None;
        }
        let a = self.actors.lookup(doc.span_text(r))?;
        Some((a.canonical.clone(), a.side.clone()))
    }

    /// Canonical name, side and person-ness of a name written as tokens `r`.
    fn resolve_name(&mut self, r: Range<usize>, description: &str) -> (String, String, bool) {
        let doc = self.doc;
        let written = doc.span_text(r.clone()).to_string();
        let words = r.clone().filter(|&k| doc.toks[k].kind == Kind::Word).count();
        // The full name this article gives a surname or short form.
        let full = if words == 1 { self.full_name_for(r.start) } else { None };
        let (name, name_toks) = match &full {
            Some(f) => (doc.span_text(f.clone()).to_string(), f.clone()),
            None => (written.clone(), r.clone()),
        };
        for cand in [&name, &written] {
            if let Some(a) = self.actors.lookup(cand) {
                let person = is_person(&a.canonical);
                return (a.canonical.clone(), a.side.clone(), person);
            }
        }
        // A single word that is not a known surname is a person only after an
        // honorific or a title (`Mr Smith`, `Colonel Smith`), else it is
        // probably a place or an outlet.
        let person = full.is_some()
            || words >= 2
            || (r.start > 0 && TITLES.contains(&doc.lower(r.start - 1)))
            || (r.start > 1 && doc.is_abbrev_dot(r.start - 1) && TITLES.contains(&doc.lower(r.start - 2)));
        // An acronym in parentheses after the name (`the Financial Times
        // (FT)`) marks an organisation: people are not given acronyms.
        let person = person && !has_acronym_after(doc, r.end);
        if let Some(s) = self.sides.get(&name) {
            return (name, s.clone(), person);
        }
        let mut context = description.to_string();
        context.push(' ');
        context.push_str(&self.context_of(name_toks.clone()));
        if full.is_some() {
            context.push(' ');
            context.push_str(&self.context_of(r.clone()));
        }
        let side = side_of_speaker_description(self.actors, &context).unwrap_or_else(|| UNKNOWN_SIDE.to_string());
        self.sides.insert(name.clone(), side.clone());
        (name, side, person)
    }

    /// The first multi-word name in the article ending with the surname at token `t`.
    fn full_name_for(&self, t: usize) -> Option<Range<usize>> {
        self.by_surname.get(self.doc.lower(t)).cloned()
    }

    /// The words describing a name where it is written: the titles right
    /// before it (`Russian Deputy Foreign Minister`) and a short apposition
    /// after it (`, Ukraine's defence minister,`).
    fn context_of(&self, name: Range<usize>) -> String {
        let doc = self.doc;
        let s = doc.sent_of[name.start];
        let sent = doc.sents[s].clone();
        let mut out = String::new();
        if let Some(b) = np_run_backward(doc, sent.start, name.start) {
            out.push_str(doc.span_text(b));
        } else if name.start > sent.start + 1 && doc.is_punct_in(name.start - 1, ",") && name.start - sent.start <= 14 {
            // `The Guardian's defence editor, Dan Sabbagh,`
            out.push_str(doc.span_text(sent.start..name.start - 1));
        }
        // A title run directly before, even without a determiner.
        let after_hi = (name.end + 10).min(sent.end);
        if name.end + 1 < after_hi && doc.is_punct_in(name.end, ",(") {
            let a = name.end + 1;
            let starts_np = doc.toks[a].kind == Kind::Word
                && (DETERMINERS.contains(&doc.lower(a)) || doc.is_cap(a) || ROLES.contains(&doc.lower(a)));
            if starts_np {
                if let Some(stop) = (a..after_hi).find(|&k| doc.is_punct_in(k, ",);") || doc.is_sentence_punct(k) || doc.is_verb(k)) {
                    if stop > a {
                        out.push(' ');
                        out.push_str(doc.span_text(a..stop));
                    }
                }
            }
        }
        out
    }

    /// A role description (`the embassy`, `the deputy foreign minister`,
    /// `the US leader`) resolved against the article.
    fn resolve_description(&mut self, r: Range<usize>, extra: &str, at: usize, mention: Range<usize>) -> Option<Resolved> {
        let doc = self.doc;
        let mut words: Vec<String> =
            r.clone().filter(|&k| doc.toks[k].kind == Kind::Word).map(|k| doc.lower(k).to_string()).collect();
        let definite = words.first().is_some_and(|w| w == "the");
        while words.first().is_some_and(|w| DETERMINERS.contains(&w)) {
            words.remove(0);
        }
        if words.is_empty() {
            return None;
        }
        let phrase = words.iter().map(|w| w.trim_end_matches("'s")).collect::<Vec<_>>().join(" ");
        // The head is the last word before a link word: `governor of Pennsylvania`.
        let head = words
            .iter()
            .take_while(|w| !matches!(w.as_str(), "of" | "for" | "to" | "at" | "in"))
            .last()
            .cloned()
            .unwrap_or_default();
        let desc_side = self.actors.side_of_description(&format!("{} {extra}", doc.span_text(r.clone()))).map(str::to_string);
        let person_head = PERSON_HEADS.contains(&head);
        // (a) The same words written just before a name elsewhere in the
        // article: `Deputy Foreign Minister Sergei Ryabkov`.
        if words.iter().any(|w| ROLE_HEADS.contains(&w)) {
            let from = r.start.saturating_sub(LOOKBACK);
            // `names` is in text order, so the window is found by bisection.
            let a = self.names.partition_point(|n| n.start < from);
            let b = self.names.partition_point(|n| n.start < r.start + LOOKBACK);
            let near: Vec<Range<usize>> = self.names[a..b.max(a)].to_vec();
            for n in near {
                let lo = n.start.saturating_sub(words.len() + 2);
                let ctx: Vec<String> = (lo..n.start)
                    .filter(|&k| doc.toks[k].kind == Kind::Word)
                    .map(|k| doc.lower(k).trim_end_matches("'s").to_string())
                    .collect();
                let ctx = ctx.join(" ");
                if ctx.ends_with(&phrase) || (words.len() >= 2 && ctx.contains(&phrase)) {
                    let nr = name_part(doc, n.clone()).unwrap_or(n.clone());
                    let (canonical, side, person) = self.resolve_name(nr, &ctx);
                    if desc_side.as_ref().is_none_or(|s| *s == side) {
                        return Some(Resolved { speaker: canonical, side, mention, person });
                    }
                }
            }
        }
        // (b) A known actor the article names whose alias has the head noun:
        // `the embassy` → `the Russian embassy to the United States`.
        if ORG_HEADS.contains(&head) {
            let mut best: Option<(usize, String, String)> = None;
            let at_tok = doc.toks.partition_point(|t| t.start < at);
            let empty = Vec::new();
            let places = self.org_heads.get(&head).unwrap_or(&empty);
            let a = places.partition_point(|&p| p < at_tok.saturating_sub(LOOKBACK));
            let b = places.partition_point(|&p| p < at_tok);
            for &n in &places[a..b.max(a)] {
                let lo = n.saturating_sub(4);
                let hi = (n + 6).min(doc.toks.len());
                for a in lo..=n {
                    for b in (n + 1..=hi).rev() {
                        if (a..b).any(|k| doc.toks[k].kind != Kind::Word) {
                            continue;
                        }
                        if let Some(found) = self.lookup_phrase(a..b) {
                            if desc_side.as_ref().is_none_or(|s| *s == found.1)
                                && best.as_ref().is_none_or(|x| doc.toks[a].start > x.0)
                            {
                                best = Some((doc.toks[a].start, found.0, found.1));
                            }
                        }
                    }
                }
            }
            if let Some((_, sp, side)) = best {
                return Some(Resolved { speaker: sp, side, mention, person: false });
            }
        }
        // (c) `the US leader`, `the official`: the most recent person speaker
        // (of the side the description names, if it names one).
        // (b3) `the channel said`, `the report said`: the outlet the article
        // named with that word (`the DeepState Telegram channel`, `a report
        // by TASS`), most recent first.
        if definite && MEDIA_HEADS.contains(&head) {
            let mut k = r.start;
            while k > 0 {
                k -= 1;
                if doc.lower(k) != head {
                    continue;
                }
                // `DeepState Telegram channel`, `Reuters report`
                let mut b = k;
                while b > 0 && doc.is_cap(b - 1) && !CAP_STOP.contains(&doc.lower(b - 1)) {
                    b -= 1;
                }
                let name = if b < k {
                    Some(b..k)
                } else if k + 2 < r.start && matches!(doc.lower(k + 1), "by" | "from" | "of") {
                    np_run_forward(doc, k + 2, r.start).filter(|n| doc.has_name(n.clone()))
                } else {
                    None
                };
                if let Some(n) = name {
                    let mut n = n;
                    while n.len() > 1 && DETERMINERS.contains(&doc.lower(n.start)) {
                        n.start += 1;
                    }
                    let found = self.lookup_phrase(n.clone());
                    let (speaker, side) = match found {
                        Some(f) => f,
                        None => {
                            let sp = doc.span_text(n.clone()).to_string();
                            let side = side_of_speaker_description(self.actors, &format!("{sp} {head}"))
                                .unwrap_or_else(|| UNKNOWN_SIDE.to_string());
                            (sp, side)
                        }
                    };
                    return Some(Resolved { speaker, side, mention, person: false });
                }
            }
        }
        // (b2) `a Pentagon spokesman`, `U.K. Foreign Office officials`: the
        // institution they speak for.
        if SPOKES_HEADS.contains(&head) && !definite {
            for a in r.start..r.end {
                for b in (a + 1..r.end).rev() {
                    if let Some(found) = self.lookup_phrase(a..b).filter(|f| !is_person(&f.0)) {
                        return Some(Resolved { speaker: found.0, side: found.1, mention, person: false });
                    }
                }
            }
        }
        // Only plain descriptions refer back this way: `the New York
        // businessman` names its own referent and stays as written.
        let plain = r.clone().all(|k| !doc.is_cap(k) || DETERMINERS.contains(&doc.lower(k)) || self.actors.descriptor_side(doc.word(k)).is_some());
        // `the company said`, `the group said`: the organisation last quoted.
        if definite && plain && words.len() <= 2 && GROUP_HEADS.contains(&head) {
            let recent = self.events.iter().rev().take(RECENT_SPEAKERS).find(|e| e.pos < at && !e.person);
            if let Some(e) = recent {
                return Some(Resolved { speaker: e.speaker.clone(), side: e.side.clone(), mention, person: false });
            }
        }
        if definite && plain && (person_head || (ROLE_HEADS.contains(&head) && !ORG_HEADS.contains(&head))) {
            // A speaker whose side the article did not tell (`OTHER`) may
            // still be the one a description with a nationality means
            // (`the British colonel` for a retired officer quoted before).
            let recent = self.events.iter().rev().take(RECENT_SPEAKERS).find(|e| {
                e.pos < at && e.person && desc_side.as_ref().is_none_or(|s| *s == e.side || e.side == UNKNOWN_SIDE)
            }).cloned();
            // A named person the article mentioned just before (`the
            // statement from Slovak MEP Miroslav Radačovský. … the politician
            // said`) wins over an earlier speaker: the nearer one is meant.
            let named = self.nearest_named_person(r.start, desc_side.as_deref());
            match (recent, named) {
                (Some(e), Some(p)) if p.mention.start > e.pos => return Some(Resolved { mention, ..p }),
                (Some(e), _) => {
                    return Some(Resolved { speaker: e.speaker.clone(), side: e.side.clone(), mention, person: true })
                }
                (None, Some(p)) => return Some(Resolved { mention, ..p }),
                (None, None) => {}
            }
        }
        // (c2) An unnamed minister in an article that already quotes that
        // minister's ministry (`the Russian Foreign Affairs Minister stated`
        // after `the Russian Foreign Ministry warned`): the article reports
        // the ministry's statement, so the ministry is the speaker.
        if definite && head == "minister" {
            if let Some(m) = self.earlier_ministry(&words, at) {
                return Some(Resolved { mention, ..m });
            }
        }
        // (d) The description itself is the speaker (`a senior US official`).
        if !words.iter().any(|w| ROLE_HEADS.contains(&w)) && !doc.has_name(r.clone()) && !is_plain_noun(&head) {
            return None;
        }
        let mut sr = r.clone();
        while sr.len() > 1 && DETERMINERS.contains(&doc.lower(sr.start)) {
            sr.start += 1;
        }
        let speaker = doc.span_text(sr).to_string();
        let side = side_of_speaker_description(self.actors, &format!("{speaker} {extra}")).unwrap_or_else(|| UNKNOWN_SIDE.to_string());
        Some(Resolved { speaker, side, mention, person: person_head })
    }

    /// The most recent earlier institutional speaker that is the ministry of
    /// the minister described by `words` (lowercase, determiners removed):
    /// every word of the description, with `minister` read as `ministry` and
    /// `affairs` dropped, is a word of the ministry's name or a descriptor of
    /// its side (`Russian Foreign Affairs Minister` → `Russian Foreign Ministry`).
    fn earlier_ministry(&self, words: &[String], at: usize) -> Option<Resolved> {
        let e = self.events.iter().rev().take(RECENT_SPEAKERS).filter(|e| e.pos < at && !e.person).find(|e| {
            let name: Vec<String> = e.speaker.split_whitespace().map(|w| w.to_lowercase()).collect();
            name.iter().any(|w| w == "ministry")
                && words.iter().map(|w| w.trim_end_matches("'s")).filter(|w| *w != "affairs").all(|w| {
                    let w = if w == "minister" { "ministry" } else { w };
                    name.iter().any(|n| n == w) || self.actors.descriptor_side(w).is_some_and(|s| s == e.side)
                })
        })?;
        Some(Resolved { speaker: e.speaker.clone(), side: e.side.clone(), mention: 0..0, person: false })
    }

    /// `he`, `she`, `they`: the nearest earlier speaker or named person of
    /// plausible gender and number.
    fn resolve_pronoun(&mut self, t: usize, at: usize) -> Option<Resolved> {
        let doc = self.doc;
        let p = doc.lower(t);
        let mention = doc.toks[t].start..doc.toks[t].end;
        let pos = doc.toks[t].start.min(at);
        let mut cands: Vec<Event> =
            self.events.iter().filter(|e| e.pos < pos).rev().take(RECENT_SPEAKERS).cloned().collect();
        let plural = matches!(p, "they" | "it" | "we");
        let want = match p {
            "he" | "his" => Some('m'),
            "she" | "her" => Some('f'),
            _ => None,
        };
        // First choice: earlier speakers and the subjects of this sentence
        // and the three before it (a pronoun usually continues the topic);
        // only then any other named person nearby.
        if !plural {
            let s = doc.sent_of[t];
            for back in 0..=3 {
                if s < back {
                    break;
                }
                let r = doc.sents[s - back].clone();
                let hi = if back == 0 { t } else { r.end };
                if back == 0 {
                    // In the pronoun's own sentence the nearest named person
                    // wins (`while Reznikov affirmed … what he called`).
                    if let Some(p) = self.nearest_named_person_in(r.start, t, None) {
                        cands.push(Event { pos: p.mention.start, speaker: p.speaker, side: p.side, person: true });
                        continue;
                    }
                }
                let mut subject_is_person = false;
                if let Some(np) = sentence_subject(doc, r.start, hi) {
                    if let Some(nr) = name_part(doc, np.toks.clone()) {
                        if is_shouting(doc, nr.clone()) {
                            continue;
                        }
                        let desc = doc.span_text(np.toks.clone()).to_string();
                        let (c, side, person) = self.resolve_name(nr.clone(), &desc);
                        if person {
                            subject_is_person = true;
                            cands.push(Event { pos: doc.toks[nr.start].start, speaker: c, side, person });
                        }
                    }
                }
                // The sentence just before is about someone it names without
                // making them the subject (`… were on display during remarks
                // of Finnish Prime Minister Petteri Orpo. He claimed …`): that
                // person is more recent than any earlier speaker.
                if back == 1 && !subject_is_person {
                    // Only a name the article marks as a person's (a title
                    // before it, a known first name): `the Middle East` is not one.
                    let marked = |res: &Self, p: &Resolved| {
                        let k = doc.toks.partition_point(|t| t.start < p.mention.start);
                        (k > 0 && TITLES.contains(&doc.lower(k - 1))) || res.gender(&p.speaker).is_some()
                    };
                    let mut upto = hi;
                    for _ in 0..4 {
                        let Some(p) = self.nearest_named_person_in(r.start, upto, None) else { break };
                        if marked(self, &p) {
                            cands.push(Event { pos: p.mention.start, speaker: p.speaker, side: p.side, person: true });
                            break;
                        }
                        upto = doc.toks.partition_point(|t| t.start < p.mention.start);
                    }
                }
            }
        }
        cands.sort_by_key(|c| c.pos);
        if let Some(pick) = cands.iter().rev().find(|e| self.fits(e, plural, want)) {
            return Some(Resolved { speaker: pick.speaker.clone(), side: pick.side.clone(), mention, person: pick.person });
        }
        if !plural {
            // Named persons in this sentence and the three before it.
            let s = doc.sent_of[t];
            let lo = doc.sents[s.saturating_sub(3)].start;
            let mut k = lo;
            while k < t {
                if doc.is_cap(k) && !is_title_or_stop(doc, k) && !doc.lower(k).ends_with("'s") {
                    let mut e = k;
                    while e < t && ((doc.is_cap(e) && !is_title_or_stop(doc, e)) || (e > k && doc.is_abbrev_dot(e))) {
                        e += 1;
                    }
                    let r = k..e;
                    if !is_shouting(doc, r.clone()) && self.lookup_phrase(r.clone()).is_none_or(|a| is_person(&a.0)) {
                        let ctx = self.context_of(r.clone());
                        let (c, side, person) = self.resolve_name(r.clone(), &ctx);
                        let words = r.clone().filter(|&x| doc.toks[x].kind == Kind::Word).count();
                        if person && (words >= 2 || self.full_name_for(k).is_some() || self.actors.lookup(doc.span_text(r.clone())).is_some()) {
                            cands.push(Event { pos: doc.toks[k].start, speaker: c, side, person: true });
                        }
                    }
                    k = e.max(k + 1);
                } else {
                    k += 1;
                }
            }
        }
        cands.sort_by_key(|c| c.pos);
        let pick = cands.iter().rev().find(|e| self.fits(e, plural, want))?;
        Some(Resolved { speaker: pick.speaker.clone(), side: pick.side.clone(), mention, person: pick.person })
    }

    /// The nearest multi-word personal name (or known surname) in the three
    /// sentences before token `t`, of the given side if any.
    fn nearest_named_person(&mut self, t: usize, side: Option<&str>) -> Option<Resolved> {
        let doc = self.doc;
        let s = doc.sent_of[t];
        let lo = doc.sents[s.saturating_sub(3)].start;
        self.nearest_named_person_in(lo, t, side)
    }

    /// The last personal name in tokens `lo..t`, of the given side if any.
    fn nearest_named_person_in(&mut self, lo: usize, t: usize, side: Option<&str>) -> Option<Resolved> {
        let doc = self.doc;
        let lo = lo.max(t.saturating_sub(MAX_SENTENCE));
        let mut best = None;
        let mut k = lo;
        while k < t {
            if doc.is_cap(k) && !is_title_or_stop(doc, k) && !doc.lower(k).ends_with("'s") {
                let mut e = k;
                while e < t && ((doc.is_cap(e) && !is_title_or_stop(doc, e)) || (e > k && doc.is_abbrev_dot(e))) {
                    e += 1;
                }
                let r = k..e;
                let words = r.clone().filter(|&x| doc.toks[x].kind == Kind::Word).count();
                if !is_shouting(doc, r.clone())
                    && self.lookup_phrase(r.clone()).is_none_or(|a| is_person(&a.0))
                    && (words >= 2 || self.full_name_for(k).is_some())
                {
                    let ctx = self.context_of(r.clone());
                    let (c, sd, person) = self.resolve_name(r.clone(), &ctx);
                    if person && is_person(&c) && side.is_none_or(|x| x == sd) {
                        best = Some(Resolved { speaker: c, side: sd, mention: doc.toks[k].start..doc.toks[e - 1].end, person: true });
                    }
                }
                k = e.max(k + 1);
            } else {
                k += 1;
            }
        }
        best
    }

    /// Whether an earlier speaker can be what a pronoun refers to.
    fn fits(&self, e: &Event, plural: bool, want: Option<char>) -> bool {
        if plural {
            !e.person
        } else {
            e.person && want.is_none_or(|g| self.gender(&e.speaker).is_none_or(|h| h == g))
        }
    }

    /// `m` or `f` when the first name or an honorific in the article tells.
    fn gender(&self, name: &str) -> Option<char> {
        let first = name.split_whitespace().next()?.to_lowercase();
        if FEMALE_NAMES.contains(&first) {
            return Some('f');
        }
        if MALE_NAMES.contains(&first) {
            return Some('m');
        }
        let sur = name.split_whitespace().last()?.to_lowercase();
        self.honorific.get(&sur).copied()
    }
}

/// The side a speaker's description gives: `OTHER` for commentators, media
/// and scholars whatever their nationality (`a British historian`, `Germany's
/// biggest news magazine`), else the dictionary's descriptors.
fn side_of_speaker_description(actors: &Actors, description: &str) -> Option<String> {
    let lower = description.to_lowercase();
    let non_party = lower
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .any(|w| NON_PARTY.contains(&w));
    if non_party {
        return Some(UNKNOWN_SIDE.to_string());
    }
    actors.side_of_description(description).map(str::to_string)
}

/// Whether a speaker phrase names a news outlet (`Interfax news agency`,
/// `Rossiya 24 TV channel`, `TASS`), which relays words rather than says them.
fn is_outlet(doc: &Doc, np: &Np) -> bool {
    let r = np.toks.clone();
    if r.is_empty() {
        return false;
    }
    let head = doc.lower(r.end - 1);
    MEDIA_HEADS.contains(&head) && head != "report" || r.clone().any(|k| WIRES.contains(&doc.lower(k)))
}

/// News agencies and broadcasters that wire copy cites as relaying a quote.
static WIRES: WordSet = WordSet::new(&[
    "afp", "bloomberg", "interfax", "izvestia", "kommersant", "novosti", "reuters", "ria", "tass", "xinhua",
]);

/// Heads of descriptions of a news outlet or publication.
static MEDIA_HEADS: WordSet = WordSet::new(&[
    "channel", "outlet", "newspaper", "paper", "agency", "report", "website", "site", "broadcaster", "network",
    "magazine", "daily", "tabloid", "publication", "blog", "station",
]);

/// Heads of descriptions that refer back to an organisation already quoted.
static GROUP_HEADS: WordSet = WordSet::new(&["company", "firm", "group", "organisation", "organization", "researchers", "watchdog"]);

/// Heads of descriptions of someone speaking for an institution.
static SPOKES_HEADS: WordSet = WordSet::new(&["spokesman", "spokeswoman", "spokesperson", "representative", "official", "officials", "source", "sources"]);

/// Description words that place a speaker outside the parties to a conflict.
static NON_PARTY: WordSet = WordSet::new(&[
    "analyst", "analysts", "expert", "experts", "journalist", "journalists", "reporter", "editor", "correspondent",
    "columnist", "commentator", "professor", "researcher", "researchers", "historian", "scholar", "author",
    "writer", "magazine", "newspaper", "broadcaster", "outlet", "tabloid", "blogger", "fellow", "think-tank",
    "institute", "university", "economist", "footballer", "player", "striker", "midfielder", "defender",
    "coach", "singer", "actor", "actress", "comedian", "retired", "investigative", "documentary", "filmmaker",
    "radio", "station", "channel", "tv", "television", "website", "podcast", "show", "host", "presenter",
    "shopkeeper", "resident", "residents", "civilian", "civilians", "witness", "survivor", "refugee", "volunteer",
    "farmer", "student", "teacher", "doctor", "nurse", "pensioner", "worker", "driver", "owner",
]);

/// A lowercase word that can head a description: not a function word, an
/// adverb or a verb form.
fn is_plain_noun(w: &str) -> bool {
    w.len() >= 3
        && w.chars().all(|c| c.is_alphabetic() || c == '-')
        && !w.ends_with("ly")
        && !w.ends_with("ing")
        && !w.ends_with("ed")
        && !FUNCTION_WORDS.contains(&w)
        && !VERB_SET.contains(w)
}

/// A fixed word list looked up by hash: the lists are consulted for nearly
/// every token, and a linear scan of a long list dominated the profile.
/// FxHash, not the default SipHash: the lists are fixed at compile time, so
/// DoS resistance buys nothing, and SipHash was a tenth of `score`'s time.
struct WordSet {
    list: &'static [&'static str],
    set: std::sync::OnceLock<WordTable>,
}

/// A [`WordSet`]'s hash set, behind a 1024-bit filter of its words'
/// length, first, middle and last bytes: most tokens looked up are in no
/// list, and the filter turns nine in ten of them away before any hashing.
struct WordTable {
    filter: [u64; 16],
    set: std::collections::HashSet<&'static str, std::hash::BuildHasherDefault<crate::features::FxHasher>>,
}

/// The filter bit of a word (any 10-bit function of its bytes would do).
#[inline]
fn filter_bit(w: &[u8]) -> usize {
    let (Some(&first), Some(&last)) = (w.first(), w.last()) else { return 0 };
    let x = (w.len() as u32 & 0xff) | (first as u32) << 8 | (last as u32) << 16 | (w[w.len() / 2] as u32) << 24;
    (x.wrapping_mul(0x9e37_79b1) >> 22) as usize
}

impl WordSet {
    const fn new(list: &'static [&'static str]) -> WordSet {
        WordSet { list, set: std::sync::OnceLock::new() }
    }

    fn contains<S: AsRef<str> + ?Sized>(&self, w: &S) -> bool {
        let t = self.set.get_or_init(|| {
            let mut filter = [0u64; 16];
            for w in self.list {
                let bit = filter_bit(w.as_bytes());
                filter[bit / 64] |= 1 << (bit % 64);
            }
            WordTable { filter, set: self.list.iter().copied().collect() }
        });
        let w = w.as_ref();
        let bit = filter_bit(w.as_bytes());
        t.filter[bit / 64] >> (bit % 64) & 1 == 1 && t.set.contains(w)
    }
}

/// Titles that are also surnames (`Mr. King`, `John Major`).
static SURNAME_TITLES: WordSet = WordSet::new(&["king", "major", "bishop", "judge", "marshal", "prince", "justice", "speaker", "chancellor"]);

/// Token `i` comes right after an honorific (`Mr.`) or a first name.
fn follows_honorific_or_name(doc: &Doc, i: usize) -> bool {
    let mut k = i - 1;
    if doc.is_abbrev_dot(k) && k > 0 {
        k -= 1;
    }
    let w = doc.lower(k);
    matches!(w, "mr" | "mrs" | "ms" | "dr" | "sen" | "rep" | "gov")
        || (doc.is_cap(k) && !TITLES.contains(&w) && !CAP_STOP.contains(&w) && k + 1 == i)
}

/// `(FT)` at token `i`: an all-capital word of two or more letters in parentheses.
fn has_acronym_after(doc: &Doc, i: usize) -> bool {
    doc.is_punct_in(i, "(")
        && i + 2 < doc.toks.len()
        && doc.toks[i + 1].kind == Kind::Word
        && doc.word(i + 1).chars().count() >= 2
        && doc.word(i + 1).chars().all(|c| c.is_uppercase())
        && doc.is_punct_in(i + 2, ")")
}

/// A run of all-capital words (`READ MORE`), page furniture rather than a name.
fn is_shouting(doc: &Doc, r: Range<usize>) -> bool {
    r.clone().filter(|&k| doc.toks[k].kind == Kind::Word).all(|k| {
        let w = doc.word(k);
        w.chars().count() >= 4 && w.chars().all(|c| !c.is_lowercase())
    })
}

fn is_title_or_stop(doc: &Doc, i: usize) -> bool {
    let w = doc.lower(i);
    if SURNAME_TITLES.contains(&w) && i > 0 && follows_honorific_or_name(doc, i) {
        return false; // `Mr. King`, `Larry King`
    }
    TITLES.contains(&w) || CAP_STOP.contains(&w) || PRONOUNS.contains(&w) || w.ends_with("'s")
}

/// The personal name at the end of a phrase, titles and descriptions
/// stripped: `Kremlin spokesman Dmitry Peskov` → `Dmitry Peskov`.
fn name_part(doc: &Doc, r: Range<usize>) -> Option<Range<usize>> {
    let mut r = r;
    if r.len() > 1 && doc.is_punct_in(r.end - 1, ")") {
        if let Some(o) = (r.start..r.end - 1).rev().find(|&o| doc.is_punct_in(o, "(")) {
            r.end = o;
        }
    }
    // `Mr. Morgan of the Sierra Club`: the name is before the link word.
    if let Some(m) = (r.start + 1..r.end).find(|&m| matches!(doc.lower(m), "of" | "at" | "from")) {
        if let Some(n) = name_part(doc, r.start..m) {
            return Some(n);
        }
    }
    // Post-nominals: `Cathryn McGahey KC`.
    while r.len() > 1 && matches!(doc.lower(r.end - 1), "kc" | "qc" | "mp" | "mep") {
        r.end -= 1;
    }
    let mut s = r.end;
    while s > r.start && doc.is_abbrev_dot(s - 1) {
        s -= 1;
    }
    while s > r.start {
        let k = s - 1;
        if doc.is_cap(k) && !is_title_or_stop(doc, k) && !doc.lower(k).ends_with("'s") {
            s = k;
        } else {
            break;
        }
    }
    let nr = s..r.end;
    if nr.is_empty() {
        return None;
    }
    // `the Russian Ambassador to the UN`: a name after a link word is the
    // object of the description, not the speaker's name.
    if nr.start > r.start {
        let before = doc.lower(nr.start - 1);
        let before2 = if nr.start >= r.start + 2 { doc.lower(nr.start - 2) } else { "" };
        if matches!(before, "to" | "of" | "for" | "in" | "at") || (before == "the" && matches!(before2, "to" | "of" | "for" | "in" | "at")) {
            // …unless a personal name follows the object: `Professor of
            // Communications Dmitry Evstafiev` → `Dmitry Evstafiev`.
            let words: Vec<usize> = nr.clone().filter(|&k| doc.toks[k].kind == Kind::Word).collect();
            if words.len() >= 3 {
                let last_two = words[words.len() - 2]..nr.end;
                if !last_two.clone().any(|k| ORG_NAME_WORDS.contains(&doc.lower(k))) {
                    return Some(last_two);
                }
            }
            return None;
        }
    }
    // A single capitalised word that is really a place or an institution
    // (`Moscow`, `Kremlin`) is not a personal name; the caller looks those up.
    let words: Vec<String> = nr.clone().map(|k| doc.lower(k).to_string()).collect();
    if words.iter().any(|w| ORG_HEADS.contains(&w) || ROLES.contains(&w)) {
        return None;
    }
    Some(nr)
}

/// Whether a canonical speaker is a person (two or more capitalised words,
/// none of them an institution word).
fn is_person(name: &str) -> bool {
    let words: Vec<&str> = name.split_whitespace().collect();
    words.len() >= 2
        && words.iter().all(|w| w.starts_with(|c: char| c.is_uppercase()))
        && !words.iter().any(|w| {
            let w = w.to_lowercase();
            ORG_HEADS.contains(&w) || ROLES.contains(&w) || ORG_NAME_WORDS.contains(&w)
        })
}

/// Words that make a capitalised name an organisation, not a person
/// (`Financial Times`, `Piers Morgan Uncensored`, `Brookings Institute`).
static ORG_NAME_WORDS: WordSet = WordSet::new(&[
    "times", "post", "news", "journal", "telegraph", "guardian", "herald", "tribune", "gazette", "street", "press",
    "institute", "university", "college", "party", "company", "corp", "inc", "bank", "fund", "club", "foundation",
    "group", "network", "channel", "tv", "radio", "center", "centre", "force", "navy", "command", "court",
    "senate", "congress", "assembly", "federation", "republic", "organization", "organisation", "uncensored",
    "show", "magazine", "review", "daily", "weekly", "airlines", "industries", "association", "coalition",
    "brigade", "battalion", "regiment", "division", "fleet", "task", "bureau", "watch", "international",
]);

// ---------------------------------------------------------------------------
// Word lists. Sorted where binary-searched.

/// [`VERBS`] by hash: looked up for most tokens of a clause, where the
/// binary search's string comparisons showed in the profile.
static VERB_SET: WordSet = WordSet::new(VERBS);

/// Reporting verbs, every form (sorted and unique; looked up through [`VERB_SET`]).
static VERBS: &[&str] = &[
    "accuse", "accused", "accuses", "accusing", "acknowledge", "acknowledged", "acknowledges",
    "acknowledging", "add", "added", "adding", "adds", "admit", "admits", "admitted", "admitting", "agreed",
    "allege", "alleged", "alleges", "alluded", "announce", "announced", "announces", "announcing", "answered",
    "argue", "argued", "argues", "arguing", "ask", "asked", "asking", "asks", "assert", "asserted",
    "asserting", "asserts", "believe", "believed", "believes", "blasted", "blasts", "boasted", "boasts",
    "branded", "brands", "called", "calling", "cautioned", "cautioning", "cautions", "charged", "chimed",
    "claimed", "claiming", "clarified", "commented", "commenting", "complained", "complaining", "complains",
    "conceded", "concedes", "concluded", "concludes", "confirmed", "confirming", "confirms", "contended",
    "contends", "continued", "continues", "countered", "cried", "criticised", "criticises", "criticising",
    "criticized", "criticizes", "criticizing", "declare", "declared", "declares", "declaring", "demanded",
    "demanding", "denied", "denies", "denying", "described", "describes", "describing", "disclosed", "dubbed",
    "dubs", "echoed", "emailed", "emphasised", "emphasises", "emphasising", "emphasized", "emphasizes",
    "emphasizing", "estimated", "exclaimed", "explained", "explaining", "explains", "expressed", "expressing",
    "highlighted", "hinted", "insisted", "insisting", "insists", "intimated", "joked", "jokes", "labeled",
    "labelled", "lamented", "lashed", "maintained", "maintains", "mocked", "mused", "noted", "noting",
    "observed", "observes", "opined", "pleaded", "pledged", "pointed", "posited", "posted", "predicted",
    "predicts", "proclaimed", "proclaims", "promised", "protested", "quipped", "railed", "recalled",
    "recalling", "recalls", "recounted", "recounts", "reiterated", "reiterates", "remarked", "repeated",
    "replied", "replies", "replying", "reported", "responded", "responding", "responds", "retorted",
    "revealed", "revealing", "reveals", "said", "say", "saying", "says", "scoffed", "shouted", "shouts",
    "slammed", "slams", "snapped", "sneered", "stated", "stating", "stressed", "stresses", "stressing",
    "suggested", "suggesting", "suggests", "tell", "telling", "tells", "testified", "texted", "thinks",
    "threatened", "threatens", "thundered", "told", "touted", "tweeted", "tweeting", "underlined", "urged",
    "urges", "urging", "vowed", "vows", "warned", "warning", "warns", "whispered", "wondered", "wonders",
    "writes", "writing", "wrote", "yelled",
];

/// Words that never start or continue a name even when capitalised
/// (sentence-initial function words, days, months).
static CAP_STOP: WordSet = WordSet::new(&[
    "a", "after", "also", "although", "an", "and", "april", "as", "asked", "at", "august", "because", "before",
    "but", "by", "december", "despite", "during", "earlier", "even", "february", "for", "friday", "from",
    "however", "if", "in", "instead", "it", "january", "july", "june", "last", "later", "march", "may",
    "meanwhile", "monday", "moreover", "next", "november", "now", "october", "on", "once", "or", "saturday",
    "separately", "september", "since", "so", "speaking", "still", "sunday", "that", "the", "then", "there",
    "these", "this", "those", "thursday", "to", "today", "tuesday", "wednesday", "what", "when", "where",
    "whether", "which", "while", "who", "why", "with", "yesterday", "yet", "according", "other", "both", "many",
    "some", "such", "one", "two", "three", "not", "no", "all", "his", "her", "their", "our", "my", "your",
    "given", "amid", "nevertheless", "nonetheless", "furthermore", "additionally", "indeed", "thus", "therefore", "finally",
    "overall", "notably", "importantly", "ultimately", "crucially", "otherwise", "similarly", "likewise",
    "specifically", "unfortunately", "fortunately", "besides", "here", "now", "again", "already", "just",
    "every", "each", "most", "more", "several", "any", "we", "you", "they", "he", "she", "i", "its", "is",
]);

/// Common words that never head a speaker phrase.
static FUNCTION_WORDS: WordSet = WordSet::new(&[
    "the", "and", "but", "that", "this", "these", "those", "there", "then", "than", "which", "who", "whom",
    "what", "when", "where", "why", "how", "not", "also", "too", "very", "just", "only", "even", "still", "yet",
    "was", "were", "are", "has", "had", "have", "been", "being", "will", "would", "could", "should", "can",
    "may", "might", "must", "shall", "does", "did", "for", "with", "from", "into", "onto", "over", "under",
    "about", "after", "before", "again", "once", "now", "here", "all", "any", "some", "each", "every", "both",
    "more", "most", "less", "least", "much", "many", "few", "other", "another", "such", "our", "their", "his",
    "her", "its", "your", "they", "them", "she", "him", "you", "it's", "today", "tonight", "yesterday",
    "tomorrow", "week", "year", "month", "time", "times", "later", "earlier", "ago", "instead", "though",
    "although", "because", "while", "since", "until", "unless", "whether", "either", "neither", "nor",
    "so", "as", "if", "out", "off", "up", "down", "away", "back", "well", "too", "far", "per", "via",
]);

static CONNECTIVES: WordSet = WordSet::new(&["but", "and", "however", "meanwhile", "separately", "moreover", "also", "so", "yet", "still", "then", "now", "instead", "indeed"]);

/// First words of an introductory phrase that ends at a comma.
static INTRO: WordSet = WordSet::new(&[
    "in", "on", "at", "after", "before", "during", "asked", "when", "while", "as", "with", "without", "despite",
    "following", "since", "earlier", "later", "last", "for", "from", "by", "over", "amid", "under", "like", "unlike",
    "if", "although", "though", "according", "to", "this", "that", "on", "given", "amid", "upon",
]);

static PRONOUNS: WordSet = WordSet::new(&["he", "she", "they", "it", "we", "i"]);

static DETERMINERS: WordSet = WordSet::new(&["the", "a", "an", "its", "his", "her", "their", "our", "another", "one"]);

/// Words that may sit inside a name or institution: `Ministry of Defence`,
/// `embassy to the United States`, `committee for international relations`.
static LINKS: WordSet = WordSet::new(&["of", "for", "to", "on", "the", "and"]);

static SKIP_BACK: WordSet = WordSet::new(&[
    "also", "later", "earlier", "then", "again", "previously", "recently", "reportedly", "has", "had", "have",
    "was", "is", "once", "further", "separately", "repeatedly", "publicly", "flatly", "bluntly", "firmly",
    "simply", "had", "would", "will", "openly", "angrily", "yesterday", "today", "tonight", "subsequently",
    "initially", "ultimately", "first", "herself", "himself", "themselves", "itself", "even", "just", "already",
]);

static TIME_WORDS: WordSet = WordSet::new(&[
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    "week", "month", "year", "morning", "evening", "night", "afternoon", "weekend", "day", "statement",
    "interview", "briefing", "conference", "post", "speech",
]);

/// Abbreviations whose period does not end a sentence.
static ABBREVS: WordSet = WordSet::new(&[
    "Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Gen", "Lt", "Col", "Sgt", "Capt", "Sen", "Rep", "Gov", "Prof",
    "Rev", "Adm", "Maj", "Cpl", "Jan", "Feb", "Mar", "Apr", "Aug", "Sept", "Sep", "Oct", "Nov", "Dec", "No", "vs",
    "etc", "Inc", "Ltd", "Co", "Corp", "Mt", "Ft", "approx",
]);

/// Titles and ranks stripped from names.
static TITLES: WordSet = WordSet::new(&[
    "mr", "mrs", "ms", "dr", "miss", "sir", "sec", "kc", "mep", "lord", "lady", "dame", "president", "vice", "prime", "minister",
    "deputy", "foreign", "secretary", "general", "gen", "senator", "sen", "rep", "representative", "gov",
    "governor", "mayor", "ambassador", "spokesman", "spokeswoman", "spokesperson", "chancellor", "chairman",
    "chairwoman", "chair", "speaker", "defence", "defense", "state", "press", "chief", "lt", "col", "colonel",
    "major", "admiral", "adm", "commander", "director", "prof", "professor", "judge", "justice", "king", "queen",
    "prince", "princess", "pope", "rev", "interior", "finance", "economy", "energy", "trade", "health",
    "national", "security", "adviser", "advisor", "head", "leader", "premier", "first", "former", "acting",
    "senior", "top", "cabinet", "attorney", "sergeant", "sgt", "capt", "captain", "lieutenant", "brig", "field",
    "marshal", "envoy", "special", "presidential", "congressman", "congresswoman", "assistant", "under",
    "undersecretary", "permanent", "republican", "democrat", "democratic", "sheikh", "patriarch", "metropolitan",
    "archbishop", "bishop", "officer", "mp", "mep", "news", "agency", "associate", "co-founder", "founder", "ceo",
    "analyst", "expert", "economist", "columnist", "correspondent", "editor", "reporter", "journalist",
    "host", "anchor", "author", "writer", "historian", "ukrainian", "russian", "american", "british", "french",
    "german", "us", "u.s", "uk", "eu", "nato", "polish", "chinese", "israeli", "turkish", "kremlin", "white",
]);

/// Lowercase words that belong in a speaker description.
static ROLES: WordSet = WordSet::new(&[
    "spokesman", "spokeswoman", "spokesperson", "official", "officials", "minister", "ministry", "embassy",
    "diplomat", "diplomats", "diplomacy", "president", "secretary", "leader", "leaders", "chief", "head",
    "envoy", "ambassador", "adviser", "advisor", "aide", "aides", "government", "authorities", "military",
    "army", "police", "agency", "office", "department", "commander", "general", "governor", "mayor", "senator",
    "lawmaker", "lawmakers", "source", "sources", "prosecutor", "prosecutors", "deputy", "foreign", "defence",
    "defense", "press", "service", "presidential", "senior", "top", "former", "vice", "prime", "national",
    "security", "council", "committee", "representative", "member", "chairman", "chairwoman", "director",
    "negotiator", "commentator", "columnist", "professor", "economist", "journalist", "correspondent",
    "researcher", "historian", "author", "host", "presenter", "writer", "editor", "expert", "experts", "analyst",
    "analysts", "statement", "administration", "mission", "staff", "forces", "state", "media", "outlet",
    "ministry's", "kremlin's", "chancellor", "premier", "intelligence", "interior", "parliament", "speaker",
    "regional", "local", "military's", "administration's", "public", "affairs", "assistant", "high",
    "commissioner", "observer", "observers", "monitor", "monitors", "residents", "resident", "witness",
    "witnesses", "officer", "officers", "soldier", "soldiers", "troops", "party", "opposition", "campaign",
    "unnamed", "anonymous", "acting", "chief's", "u.s", "us", "state-run", "state-owned", "pro-kremlin",
]);

/// Role nouns that can head a speaker description on their own.
static ROLE_HEADS: WordSet = WordSet::new(&[
    "spokesman", "spokeswoman", "spokesperson", "official", "officials", "minister", "ministry", "embassy",
    "diplomat", "diplomats", "diplomacy", "president", "secretary", "leader", "chief", "head", "envoy",
    "ambassador", "adviser", "advisor", "aide", "government", "authorities", "military", "army", "police",
    "agency", "office", "department", "commander", "governor", "mayor", "senator", "lawmaker", "lawmakers",
    "source", "sources", "prosecutor", "prosecutors", "council", "committee", "representative", "chairman",
    "chairwoman", "director", "negotiator", "commentator", "columnist", "professor", "economist",
    "journalist", "correspondent", "researcher", "historian", "expert", "experts", "analyst", "analysts",
    "statement", "administration", "mission", "staff", "forces", "chancellor", "premier", "parliament",
    "speaker", "commissioner", "observer", "monitor", "resident", "residents", "witness", "officer", "soldier",
    "kremlin", "pentagon", "diplomat",
]);

/// Heads of institution descriptions, resolved against known actors.
static ORG_HEADS: WordSet = WordSet::new(&[
    "embassy", "ministry", "kremlin", "government", "department", "office", "agency", "administration",
    "pentagon", "council", "committee", "mission", "parliament", "police", "army", "military", "authorities",
    "diplomacy", "staff", "forces", "service", "house", "union", "nations", "alliance", "duma", "commission",
]);

/// Heads of person descriptions.
static PERSON_HEADS: WordSet = WordSet::new(&[
    "leader", "president", "minister", "spokesman", "spokeswoman", "spokesperson", "secretary", "chief", "head",
    "envoy", "ambassador", "diplomat", "adviser", "advisor", "aide", "commander", "general", "chancellor",
    "premier", "colonel", "politician", "lawmaker", "senator", "congressman", "congresswoman", "officer", "mayor",
    "governor", "analyst", "expert", "professor", "economist", "journalist", "reporter", "writer", "author",
    "briton", "veteran", "star", "player", "footballer", "director", "chairman", "chairwoman", "lawyer",
    "attorney", "judge", "prosecutor", "mep", "mp", "host", "presenter", "businessman", "billionaire", "tycoon",
    "candidate", "nominee", "historian", "researcher", "commentator", "columnist", "general", "admiral",
]);

/// First names that tell a speaker's gender (for `he`/`she`); a short,
/// news-oriented list, and honorifics in the article take over when absent.
static FEMALE_NAMES: WordSet = WordSet::new(&[
    "maria", "marina", "kaja", "hillary", "kamala", "olga", "clare", "cathryn", "nancy", "ursula", "liz",
    "annalena", "victoria", "jen", "karine", "linda", "samantha", "elizabeth", "theresa", "angela", "sanna",
    "giorgia", "mette", "iryna", "olena", "valentina", "margarita", "ella", "anna", "maya", "natalia",
    "tatiana", "yulia", "elena", "ekaterina", "svetlana", "lyudmila", "avril", "wendy", "lynne", "sarah",
    "mary", "emily", "jennifer", "susan", "karen", "lisa", "michelle", "laura", "kate", "catherine", "jane",
    "helen", "rachel", "rebecca", "julia", "sophie", "emma", "marine", "christine", "kristi", "nikki", "tulsi",
    "marjorie", "lauren", "elise", "kelly", "amy", "patricia", "barbara", "joanna", "agnieszka", "ewa",
]);

static MALE_NAMES: WordSet = WordSet::new(&[
    "vladimir", "dmitry", "dmitri", "sergei", "sergey", "joe", "joseph", "antony", "jake", "john", "lloyd",
    "donald", "ned", "matthew", "mark", "volodymyr", "dmytro", "oleksii", "oleksiy", "andriy", "mykhailo",
    "vitali", "jens", "boris", "rishi", "grant", "emmanuel", "olaf", "xi", "narendra", "alexander", "yuri",
    "anatoly", "vasily", "vassily", "nikolai", "yevgeny", "ramzan", "aleksey", "alexei", "oleg", "petteri",
    "richard", "brandon", "robert", "lindsey", "roger", "michael", "james", "david", "william", "george",
    "barack", "mike", "marco", "kevin", "chuck", "mitch", "keir", "ben", "simon", "andrzej", "donald", "jacek",
    "radoslaw", "recep", "viktor", "antonio", "denys", "valerii", "kyrylo", "rustem", "ihor", "yuriy", "petro",
    "pete", "steve", "keith", "dan", "christo", "paul", "peter", "klaus", "anthony", "seymour", "mick",
    "miroslav", "amjad", "scheherazade_", "tom", "tony", "bill", "charles", "friedrich", "josep", "gabrielius",
    "justin", "pedro", "ulf", "sauli", "jd", "kirill", "valery", "igor", "leonid", "mikhail", "denis",
    "andrei", "vyacheslav", "ivan", "pavel", "alexey", "maxim", "ilya", "gennady", "viktor", "hunter", "ted",
]);

#[cfg(test)]
// A quote of one part is a `Vec` holding one range (see quotes.rs tests).
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    /// A test-only quote finder (straight and curly double quotes), so these
    /// unit tests do not depend on the quote module's details.
    fn spans(text: &str) -> Vec<QuoteSpan> {
        let mut out = Vec::new();
        let mut open: Option<usize> = None;
        for (i, c) in text.char_indices() {
            match (c, open) {
                ('"' | '“', None) => open = Some(i + c.len_utf8()),
                ('"' | '”', Some(s)) => {
                    out.push(QuoteSpan { parts: vec![s..i], style: crate::quotes::MarkStyle::Double, continued: false, unclosed: false });
                    open = None;
                }
                _ => {}
            }
        }
        out
    }

    fn who(text: &str) -> Vec<(String, String)> {
        let q = spans(text);
        attribute(text, &q, &Actors::builtin())
            .into_iter()
            .map(|a| (a.speaker.unwrap_or_default(), a.side.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn verbs_are_sorted_for_binary_search() {
        assert!(VERBS.windows(2).all(|w| w[0] < w[1]), "VERBS must be sorted and unique");
    }

    #[test]
    fn trailing_and_apposition() {
        let t = "\"Relations are bad,\" Dmitry Peskov, the Kremlin's spokesman, said.";
        assert_eq!(who(t), vec![("Dmitry Peskov".into(), "RU".into())]);
    }

    #[test]
    fn leading_with_titles_and_unknown_name() {
        let t = "Russian Deputy Foreign Minister Ivan Petrovsky said: \"We are going from bad to worse.\"";
        assert_eq!(who(t), vec![("Ivan Petrovsky".into(), "RU".into())]);
    }

    #[test]
    fn surname_resolves_to_full_name_in_article() {
        let t = "Estonian diplomat Karl Tamm met reporters.\n\"We stand firm,\" Tamm said.";
        assert_eq!(who(t), vec![("Karl Tamm".into(), "WEST".into())]);
    }

    #[test]
    fn pronoun_takes_most_recent_matching_speaker() {
        let t = "\"No,\" Maria Zakharova said. \"Never,\" Sergei Lavrov said.\n\"Not at all,\" she added.";
        assert_eq!(who(t)[2].0, "Maria Zakharova");
    }
}
