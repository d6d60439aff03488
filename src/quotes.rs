//! Quote spans: pairing quotation marks into quoted statements.
//!
//! The text is read one paragraph (line) at a time. Every character that can
//! act as a quotation mark becomes a `Mark` with a family (double, single,
//! guillemet) and a role (opens, closes, or either for the straight `"` and
//! `'`). A stack pairs them so that nested quotes (`“… ‘strategic defeat’ …”`)
//! stay inside the outer one. Straight marks and apostrophes are told apart
//! by what flanks them (`don't`, `Peskov’s` and `’90s` are not quotes).
//!
//! A quote never runs past its paragraph, except when the next paragraph
//! opens with a quotation mark: that is the newswire convention for a quote
//! running over several paragraphs (only the last one closes), and the quote
//! then gets one part per paragraph (and so it does when the next paragraph
//! holds the closing mark without re-opening). Any other quote left open at
//! the end of its paragraph is capped there when it looks like a whole
//! statement (it opens the paragraph or follows a colon, and ends a
//! sentence), and otherwise taken for a stray mark and dropped; either way a
//! stray mark can never swallow the rest of an article. Two quotes of one paragraph separated only by a short
//! attribution clause (`"The past two years," he said, "were bad"`) are
//! linked into one [`QuoteSpan`] with two parts.
//!
//! Everything is a single forward pass over the text plus work proportional
//! to the number of marks, so extraction stays linear in the text size.

use std::ops::Range;

/// One quoted statement. A quote broken by its attribution
/// (`"The past two years," he said, "were bad"`) has several parts, and so
/// has a quote running over several paragraphs (one part per paragraph).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteSpan {
    /// Byte ranges of the quoted content, marks and surrounding whitespace
    /// excluded, in text order; never empty, disjoint, on char boundaries.
    pub parts: Vec<Range<usize>>,
    /// The family of the marks that opened the quote.
    pub style: MarkStyle,
    /// True when the quote runs over several paragraphs (each opened by a
    /// mark, only the last closed); its parts are then one per paragraph.
    pub continued: bool,
    /// True when the quote never closed and its last part was capped at the
    /// end of its paragraph (a missing closing mark in the source, or the
    /// end of the article); downstream stages may want to trust such quotes
    /// less.
    pub unclosed: bool,
}

/// The family of quotation marks a quote was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MarkStyle {
    /// `"…"`, `“…”`, `„…“`, and the wire-text doubled apostrophes `''…''`, ``` ``…'' ```.
    Double,
    /// `‘…’` and `'…'` used as quotation marks.
    Single,
    /// `«…»` (and `‹…›`).
    Guillemet,
}

/// Which way a mark can face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Open,
    Close,
    /// Straight marks: decided by flanking and by what is already open.
    Either,
}

/// A candidate quotation mark at `pos..pos + len` (bytes).
#[derive(Debug, Clone, Copy)]
struct Mark {
    pos: usize,
    len: usize,
    style: MarkStyle,
    role: Role,
    /// Preceded by start of paragraph, whitespace or opening punctuation.
    left_open: bool,
    /// Followed by end of paragraph, whitespace or closing punctuation.
    right_open: bool,
}

impl Mark {
    fn end(&self) -> usize {
        self.pos + self.len
    }
    /// Looks like an opening mark: space before it, text right after it.
    fn opens(&self) -> bool {
        self.left_open && !self.right_open
    }
    /// Looks like a closing mark: text right before it, space after it.
    fn closes(&self) -> bool {
        !self.left_open && self.right_open
    }
}

/// Characters after which a mark still counts as "at the start" of something.
fn is_left_boundary(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '(' | '[' | '{' | '—' | '–' | '-' | '/' | '“' | '‘' | '"' | '\'' | '«' | '‹' | '„' | '`' | ':' | '…'
        )
}

/// Characters before which a mark still counts as "at the end" of something.
fn is_right_boundary(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '.' | ','
                | ';'
                | ':'
                | '!'
                | '?'
                | ')'
                | ']'
                | '}'
                | '—'
                | '–'
                | '-'
                | '/'
                | '”'
                | '’'
                | '"'
                | '\''
                | '»'
                | '›'
                | '…'
        )
}

/// A single mark `c` outside a word that is still an apostrophe: before a
/// year (`’90s`, `'08`), before an elided word (`’bout`, `'em`, `‘til`), or
/// after the `s` of a plural possessive (`the farmers' harvest`).
fn is_apostrophe(c: char, prev: Option<char>, next: Option<char>, after: &str) -> bool {
    let alnum_before = prev.is_some_and(char::is_alphanumeric);
    (!alnum_before && c != '‘' && next.is_some_and(|n| n.is_ascii_digit()))
        || (!alnum_before && is_elision(after))
        || (c != '‘' && matches!(prev, Some('s' | 'S')) && is_plural_possessive(after))
}

/// Words whose first letters an apostrophe stands for (`'em`, `’cause`): an
/// apostrophe before them opens nothing.
fn is_elision(after: &str) -> bool {
    const ELIDED: &[&str] = &["bout", "em", "cause", "til", "tis", "twas", "n", "round", "nuff", "cept"];
    let word: String = after.chars().take(6).take_while(|c| c.is_alphabetic()).collect();
    let lower = word.to_lowercase();
    ELIDED.contains(&lower.as_str()) && word.chars().next().is_some_and(char::is_lowercase)
}

/// After `s'` / `s’`: is this a plural possessive (`farmers' harvest`)
/// rather than the end of a quote? It is when a lower-case word follows
/// that is not the start of an attribution (`… the farmers' said one`).
fn is_plural_possessive(after: &str) -> bool {
    const ATTRIBUTION: &[&str] = &["said", "says", "say", "he", "she", "they", "we", "i", "told", "added", "according", "wrote", "asked", "and", "or", "but", "as", "in", "on", "at", "for", "to", "of", "from", "with", "is", "was", "are", "were"];
    let Some(rest) = after.strip_prefix(' ') else { return false };
    let word: String = rest.chars().take(12).take_while(|c| c.is_alphabetic()).collect();
    word.chars().next().is_some_and(char::is_lowercase) && !ATTRIBUTION.contains(&word.as_str())
}

/// Bytes that may start a quotation mark: the ASCII marks, and the lead
/// bytes of `«` `»` (C2 AB, C2 BB) and of `“ ” „ ‘ ’ ‹ › ″` (E2 80 ..).
/// Every other byte is passed over without decoding a char.
const MARK_LEAD: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[b'`' as usize] = true;
    t[0xC2] = true;
    t[0xE2] = true;
    t
};

/// For eight bytes in a `u64` (little-endian), the high bit of each that
/// [`MARK_LEAD`] holds. A byte equal to `c` is a zero byte of `w ^ c…c`,
/// found exactly (no borrow crosses bytes: each byte's low seven bits are
/// tested apart from its high bit).
#[inline(always)]
fn mark_lead_mask(w: u64) -> u64 {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let zero = |y: u64| !(((y & SEVEN) + SEVEN) | y | SEVEN);
    zero(w ^ (LOW * b'"' as u64))
        | zero(w ^ (LOW * b'\'' as u64))
        | zero(w ^ (LOW * b'`' as u64))
        | zero(w ^ (LOW * 0xC2))
        | zero(w ^ (LOW * 0xE2))
}

/// All candidate marks of one paragraph `text[para]`, in order.
/// Apostrophes inside or at the start of words (`don't`, `’90s`) are left out.
///
/// Jumps from one possible mark to the next by a byte table and decodes only
/// the chars around a candidate: most of a paragraph has no mark, and
/// decoding every char was the bulk of quote finding.
fn scan_marks(text: &str, para: Range<usize>, out: &mut Vec<Mark>) {
    let s = &text[para.clone()];
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time to the next possible mark, then byte by
        // byte for the last few.
        if i + 8 <= bytes.len() {
            let m = mark_lead_mask(u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8])));
            if m == 0 {
                i += 8;
                continue;
            }
            i += m.trailing_zeros() as usize / 8;
        } else if !MARK_LEAD[bytes[i] as usize] {
            i += 1;
            continue;
        }
        // `i` is a char boundary: it holds an ASCII byte or a lead byte.
        let Some(c) = s[i..].chars().next() else { break };
        let clen = c.len_utf8();
        // The char before the mark. (After a doubled mark `''` or ``` `` ```
        // this is its second half, which, like the `"` it stands for, is a
        // left boundary and not alphanumeric: the tests below agree.)
        let prev = s[..i].chars().next_back();
        let next = s[i + clen..].chars().next();
        let mut len = clen;
        let mut after = next;
        let found = match c {
            '"' | '″' => Some((MarkStyle::Double, Role::Either)),
            '“' => Some((MarkStyle::Double, Role::Open)),
            '”' => Some((MarkStyle::Double, Role::Close)),
            '„' => Some((MarkStyle::Double, Role::Open)),
            '«' => Some((MarkStyle::Guillemet, Role::Open)),
            '»' => Some((MarkStyle::Guillemet, Role::Close)),
            '‹' => Some((MarkStyle::Guillemet, Role::Open)),
            '›' => Some((MarkStyle::Guillemet, Role::Close)),
            '`' if next == Some('`') => {
                len = 2;
                after = s[i + 2..].chars().next();
                Some((MarkStyle::Double, Role::Open))
            }
            '`' => Some((MarkStyle::Single, Role::Open)),
            '\'' if next == Some('\'') => {
                len = 2;
                after = s[i + 2..].chars().next();
                Some((MarkStyle::Double, Role::Either))
            }
            '\'' | '’' | '‘' => {
                let alnum_before = prev.is_some_and(char::is_alphanumeric);
                let alnum_after = next.is_some_and(char::is_alphanumeric);
                if alnum_before && alnum_after {
                    if c == '’' && prev.is_some_and(char::is_lowercase) && next.is_some_and(char::is_uppercase) {
                        // A closer glued to the next sentence: `‘… Lawn’The`.
                        Some((MarkStyle::Single, Role::Close))
                    } else {
                        None // don't, Peskov’s
                    }
                } else if is_apostrophe(c, prev, next, &s[i + clen..]) {
                    None
                } else if c == '‘' {
                    if alnum_before && !alnum_after {
                        Some((MarkStyle::Single, Role::Close)) // misused ‘ after a word
                    } else {
                        Some((MarkStyle::Single, Role::Open))
                    }
                } else if c == '’' {
                    Some((MarkStyle::Single, Role::Close))
                } else {
                    Some((MarkStyle::Single, Role::Either))
                }
            }
            _ => None,
        };
        if let Some((style, role)) = found {
            out.push(Mark {
                pos: para.start + i,
                len,
                style,
                role,
                left_open: prev.is_none_or(is_left_boundary),
                right_open: after.is_none_or(is_right_boundary),
            });
        }
        i += len;
    }
}

/// A quote found in one paragraph (before linking): content range and the
/// mark positions around it.
#[derive(Debug, Clone)]
struct Raw {
    /// Start of the opening mark (bytes).
    open_at: usize,
    /// End of the closing mark (of the paragraph when unclosed).
    close_end: usize,
    content: Range<usize>,
    style: MarkStyle,
    closed: bool,
}

/// Deepest nesting of open quotes that is tracked. Real text nests two or
/// three levels; the cap keeps the stack searches constant-time on hostile
/// input (a megabyte of opening marks), which keeps pairing linear.
const MAX_NESTING: usize = 8;

fn push_open(stack: &mut Vec<Mark>, m: Mark) {
    if stack.len() < MAX_NESTING {
        stack.push(m);
    }
}

/// Pairs the marks of one paragraph. Pushes every closed pair, nested ones
/// included (see [`outermost`]), and returns the outermost opening mark still
/// open at the end of the paragraph, if any.
fn pair_paragraph(marks: &[Mark], out: &mut Vec<Raw>, text: &str) -> Option<Mark> {
    // Opening marks waiting for their partners, outermost first.
    let mut stack: Vec<Mark> = Vec::new();
    for &m in marks {
        let open_idx = stack.iter().rposition(|o| o.style == m.style);
        let act_close = match m.role {
            Role::Close => true,
            Role::Open => false,
            Role::Either => match open_idx {
                // An opening-looking straight mark while one of its kind is
                // open: usually the previous quote lost its closing mark.
                Some(_) => !m.opens(),
                None => false,
            },
        };
        if act_close {
            match open_idx {
                Some(k) => {
                    let o = stack[k];
                    stack.truncate(k);
                    push_raw(out, text, o, m);
                }
                None => {
                    // A closing mark with nothing to close: a stray mark, an
                    // apostrophe (`the countries’ rights`) or a misused closer
                    // that opens (`”Yes,” he said`). Only the last is opened.
                    if m.style != MarkStyle::Single && m.left_open {
                        push_open(&mut stack, m);
                    }
                }
            }
        } else {
            match m.role {
                Role::Either => {
                    if let (Some(k), true) = (open_idx, m.opens()) {
                        // Restart: the earlier quote of this kind lost its
                        // closing mark; cap nothing, start afresh here.
                        stack.truncate(k);
                        push_open(&mut stack, m);
                    } else if m.style == MarkStyle::Single {
                        // A straight single mark opens only when it looks
                        // like an opener; otherwise it is an apostrophe
                        // (`Jones' car`, `rock 'n' roll` aside).
                        if m.opens() {
                            push_open(&mut stack, m);
                        }
                    } else if !m.closes() {
                        push_open(&mut stack, m);
                    }
                }
                _ => {
                    // `“` used as a closer: `he called it “absurd“ today`.
                    if let (Some(k), true) = (open_idx, m.closes()) {
                        let o = stack[k];
                        stack.truncate(k);
                        push_raw(out, text, o, m);
                    } else {
                        push_open(&mut stack, m);
                    }
                }
            }
        }
    }
    stack.first().copied()
}

/// Keeps only the quotes not nested in another closed quote, in text order.
/// Pairs arrive in the order they close; sorting by opening position puts an
/// enclosing quote before the quotes it contains.
fn outermost(raws: &mut Vec<Raw>) {
    raws.sort_by_key(|r| (r.open_at, std::cmp::Reverse(r.close_end)));
    let mut reach = 0;
    raws.retain(|r| {
        if r.open_at < reach {
            return false;
        }
        reach = r.close_end;
        true
    });
}

/// Trims whitespace off `range` in `text`; `None` if no letter or digit
/// remains.
///
/// Punctuation before the closing mark is kept (`"The past two years,"`
/// gives `The past two years,`): the attribution stage reads it to tell a
/// broken-off quote from a finished sentence, and it finds the marks by
/// looking right next to the part. (Trimming `,;:` would lift PolNeAR train
/// matches at 0.9 overlap from 4973 to 4992 of 5058, but cost far more in
/// speaker accuracy.)
fn content_range(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let s = &text[range.clone()];
    let body = s.trim_start();
    let lead = s.len() - body.len();
    let body = body.trim_end();
    if !body.chars().any(char::is_alphanumeric) {
        return None;
    }
    Some(range.start + lead..range.start + lead + body.len())
}

/// Records the quote between opening mark `open` and the closing mark `close`.
fn push_raw(out: &mut Vec<Raw>, text: &str, open: Mark, close: Mark) {
    if let Some(content) = content_range(text, open.end()..close.pos) {
        out.push(Raw { open_at: open.pos, close_end: close.end(), content, style: open.style, closed: true });
    }
}

/// The paragraphs of `text` that quote finding looks at: lines, cut where
/// clutter begins and ends, clutter itself left out. `joined` is true when a
/// paragraph follows the previous one across line breaks (and whole clutter
/// lines, such as a "Most read" box wedged into an article) only, which is
/// what lets a multi-paragraph quote continue; a paragraph cut short by
/// clutter in mid-line is not joined to the next.
fn paragraphs(text: &str, clutter: &[Range<usize>]) -> Vec<(Range<usize>, bool)> {
    let mut out = Vec::new();
    let mut ci = 0; // first clutter range that may still matter
    let mut joined = true;
    let mut line_start = 0;
    let bytes = text.as_bytes();
    while line_start <= text.len() {
        let line_end = memchr_newline(bytes, line_start).unwrap_or(text.len());
        let mut pos = line_start;
        while pos < line_end {
            while ci < clutter.len() && clutter[ci].end <= pos {
                ci += 1;
            }
            if ci < clutter.len() && clutter[ci].start <= pos {
                // Inside clutter: skip to its end.
                pos = clutter[ci].end.min(line_end).max(pos + 1);
                continue;
            }
            let seg_end = if ci < clutter.len() { clutter[ci].start.min(line_end) } else { line_end };
            let seg = pos..seg_end;
            if text.is_char_boundary(seg.start) && text.is_char_boundary(seg.end) && !text[seg.clone()].trim().is_empty() {
                out.push((seg.clone(), joined));
                joined = seg_end == line_end;
            }
            pos = seg_end;
        }
        if line_end >= text.len() {
            break;
        }
        line_start = line_end + 1;
    }
    out
}

/// The next `\n` at or after `from`, eight bytes at a time: a zero byte
/// of `w ^ "\n\n\n\n\n\n\n\n"` marks one, and the lowest marked byte is
/// always a true match (the classic has-zero-byte test errs only above it).
fn memchr_newline(bytes: &[u8], from: usize) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while i + 8 <= bytes.len() {
        let x = u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8])) ^ (LOW * b'\n' as u64);
        let z = x.wrapping_sub(LOW) & !x & HIGH;
        if z != 0 {
            return Some(i + z.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    bytes.get(i..)?.iter().position(|&b| b == b'\n').map(|k| i + k)
}

/// Byte offset of the first non-whitespace character of `text[para]`.
fn lead(text: &str, para: &Range<usize>) -> usize {
    let s = &text[para.clone()];
    para.start + (s.len() - s.trim_start().len())
}

/// Finds the quoted statements in `text`, skipping the `clutter` byte ranges
/// (sorted and disjoint, as [`crate::clutter::clutter_ranges`] returns them;
/// anything else is clipped and merged first). Quotes come out in text order.
pub fn find_quotes(text: &str, clutter: &[Range<usize>]) -> Vec<QuoteSpan> {
    let clutter = sanitize_clutter(text, clutter);
    let paras = paragraphs(text, &clutter);
    let mut spans: Vec<QuoteSpan> = Vec::new();
    let mut marks = Vec::new();
    let mut raws = Vec::new();
    // A multi-paragraph quote waiting for its next paragraph, and whether
    // that paragraph re-opens it with a mark (the convention) or not (the
    // quote just runs on to a closing mark there).
    let mut carry: Option<(QuoteSpan, bool)> = None;
    for (pi, (para, _)) in paras.iter().enumerate() {
        marks.clear();
        raws.clear();
        scan_marks(text, para.clone(), &mut marks);
        let mut first = 0;
        if let Some((mut c, reopened)) = carry.take() {
            // The re-opening mark, checked to sit where `continues` saw it.
            let reopen = marks.first().copied().filter(|m| reopened && m.pos == lead(text, para));
            let rest = if reopen.is_some() { &marks[1..] } else { &marks[..] };
            let start = reopen.map_or_else(|| lead(text, para), |m| m.end());
            let style = reopen.map_or(c.style, |m| m.style);
            let cont = pair_continuation(start, style, rest, text, para.end, &mut c);
            first = cont.consumed + usize::from(reopen.is_some());
            if !cont.closed {
                match continues(&paras, pi, text, style) {
                    Some(r) => carry = Some((c, r)),
                    None => {
                        c.unclosed = true;
                        spans.push(c);
                    }
                }
                continue;
            }
            spans.push(c);
        }
        let open_left = pair_paragraph(&marks[first..], &mut raws, text);
        let mut pending = None;
        if let Some(o) = open_left {
            // Quotes nested in a quote left open stay inside it, unless the
            // opening mark turns out to be stray.
            let nested_from = raws.iter().position(|r| r.open_at > o.pos).unwrap_or(raws.len());
            if let Some(r) = continues(&paras, pi, text, o.style) {
                raws.truncate(nested_from);
                pending = Some((o, r));
            } else if let Some(content) = capped(text, para, o) {
                raws.truncate(nested_from);
                raws.push(Raw { open_at: o.pos, close_end: para.end, content, style: o.style, closed: false });
            }
            // Otherwise the opening mark is taken as stray (`Kyiv 's`,
            // `6'2"`) and left out: quotes paired inside it come out on
            // their own.
        }
        outermost(&mut raws);
        link_into(&raws, text, &mut spans);
        if let Some((o, r)) = pending {
            let parts = content_range(text, o.end()..para.end).into_iter().collect();
            carry = Some((QuoteSpan { parts, style: o.style, continued: true, unclosed: false }, r));
        }
    }
    if let Some((mut c, _)) = carry.take() {
        c.unclosed = true;
        spans.push(c);
    }
    spans.retain(|s| !s.parts.is_empty());
    spans
}

/// A quote whose closing mark is missing is still reported, capped at the end
/// of its paragraph, when it looks like a whole quoted statement: it opens
/// the paragraph or follows a colon (`She added: "…`), and runs to the end of
/// a sentence. Any other unclosed mark is taken as stray.
fn capped(text: &str, para: &Range<usize>, open: Mark) -> Option<Range<usize>> {
    let before = text[para.start..open.pos].trim_end();
    if !(before.is_empty() || before.ends_with(':')) {
        return None;
    }
    let content = content_range(text, open.end()..para.end)?;
    let body = &text[content.clone()];
    if body.ends_with(['.', '!', '?', '…']) && body.split_whitespace().nth(2).is_some() {
        Some(content)
    } else {
        None
    }
}

/// Does the quote left open at the end of paragraph `pi` continue into the
/// next one? `Some(true)` when the next paragraph opens with a quotation
/// mark (the newswire convention for a quote over several paragraphs),
/// `Some(false)` when it opens without one but the first mark of its kind
/// there closes a quote (a writer who did not re-open), `None` otherwise.
fn continues(paras: &[(Range<usize>, bool)], pi: usize, text: &str, style: MarkStyle) -> Option<bool> {
    let (next, joined) = paras.get(pi + 1)?;
    if !joined {
        return None;
    }
    if next_opens(text, next) {
        return Some(true);
    }
    if style == MarkStyle::Single {
        // `’` closes too often as an apostrophe to be trusted here.
        return None;
    }
    let mut marks = Vec::new();
    scan_marks(text, next.clone(), &mut marks);
    let m = marks.iter().find(|m| m.style == style)?;
    let closes = match m.role {
        Role::Close => true,
        Role::Either => m.closes(),
        Role::Open => false,
    };
    closes.then_some(false)
}

/// What happened to a quote continued into a new paragraph.
struct Continuation {
    /// The quote closed in this paragraph.
    closed: bool,
    /// How many of the paragraph's marks the continued quote used up.
    consumed: usize,
}

/// Continues quote `c` in a paragraph, from byte `start` (just after the
/// re-opening mark, if any): finds the closing mark of family `style`
/// (skipping nested quotes) and adds the paragraph's part to `c`.
fn pair_continuation(start: usize, style: MarkStyle, rest: &[Mark], text: &str, para_end: usize, c: &mut QuoteSpan) -> Continuation {
    let mut depth: Vec<MarkStyle> = Vec::new();
    for (i, m) in rest.iter().enumerate() {
        let closing = match m.role {
            Role::Close => true,
            Role::Either => !m.opens(),
            Role::Open => false,
        };
        if closing && m.style == style && depth.is_empty() {
            if let Some(r) = content_range(text, start..m.pos) {
                c.parts.push(r);
            }
            return Continuation { closed: true, consumed: i + 1 };
        }
        // Track nested quotes so their marks do not close the outer one.
        if closing {
            if let Some(k) = depth.iter().rposition(|&s| s == m.style) {
                depth.truncate(k);
                continue;
            }
        }
        if (m.role == Role::Open || (m.role == Role::Either && m.opens())) && depth.len() < MAX_NESTING {
            depth.push(m.style);
        }
    }
    if let Some(r) = content_range(text, start..para_end) {
        c.parts.push(r);
    }
    Continuation { closed: false, consumed: rest.len() }
}

/// Does paragraph `para` open with a quotation mark followed by text?
fn next_opens(text: &str, para: &Range<usize>) -> bool {
    let s = text[para.clone()].trim_start();
    let mut ch = s.chars();
    match ch.next() {
        Some('"' | '“' | '«' | '„' | '‘' | '”' | '″') => ch.next().is_some_and(|c| !c.is_whitespace()),
        Some('\'') => s.starts_with("''"),
        Some('`') => s.starts_with("``"),
        _ => false,
    }
}

/// Groups consecutive quotes of one paragraph that are one statement broken
/// by its attribution, and appends them to `spans`.
///
/// Two quotes are linked when they use the same marks, the first breaks off
/// mid-sentence (it ends in a comma or a dash, or with no punctuation when
/// the gap ends in a comma), and the gap between them is a short clause of a
/// few words ending in `,` `.` or `:`: `"…," he said, "…"`,
/// `"…," Peskov told reporters. "…"`. A gap that runs on into the second
/// quote (`… called it "absurd"`) is a new, embedded quote, and a quote that
/// ends a sentence (`"We won." Then … "…"`) starts a new statement.
fn link_into(raws: &[Raw], text: &str, spans: &mut Vec<QuoteSpan>) {
    let mut prev: Option<&Raw> = None;
    for r in raws {
        let linked = prev.is_some_and(|p| p.closed && linkable(text, p, r));
        if linked {
            if let Some(last) = spans.last_mut() {
                last.parts.push(r.content.clone());
                last.unclosed = !r.closed;
                prev = Some(r);
                continue;
            }
        }
        spans.push(QuoteSpan { parts: vec![r.content.clone()], style: r.style, continued: false, unclosed: !r.closed });
        prev = Some(r);
    }
}

fn is_quote_char(c: char) -> bool {
    matches!(c, '"' | '\'' | '`' | '“' | '”' | '„' | '«' | '»' | '‹' | '›' | '‘' | '’' | '″')
}

/// Longest attribution clause (in words) that may separate two linked parts;
/// appositions make some long (`," said Jane Roe, a strategist who advised
/// two campaigns in the state. "`).
const MAX_GAP_WORDS: usize = 30;

fn linkable(text: &str, a: &Raw, b: &Raw) -> bool {
    if b.open_at < a.close_end || a.style != b.style {
        return false;
    }
    let gap = text[a.close_end..b.open_at].trim();
    if gap.is_empty() || !gap.ends_with([',', '.', ':']) {
        return false;
    }
    // The first part with its closing mark (and any space before it).
    let first = &text[a.content.start..a.close_end];
    let first = first.trim_end_matches(|c: char| c.is_whitespace() || is_quote_char(c));
    let broken_off =
        first.ends_with([',', '—', '–', '-']) || (gap.ends_with(',') && first.ends_with(char::is_alphanumeric));
    // `"…under control," while Reznikov affirmed …, "…"`: a gap that opens a
    // contrasting clause brings in another speaker's words.
    let contrast = gap
        .split_whitespace()
        .next()
        .is_some_and(|w| matches!(w.to_lowercase().as_str(), "while" | "whereas" | "although" | "though"));
    broken_off
        && !contrast
        && gap.split_whitespace().count() <= MAX_GAP_WORDS
        && gap.chars().any(char::is_alphabetic)
        && !has_inner_sentence_break(gap)
}

/// Does `gap` end one sentence and start another before its last character
/// (`said A. B disagreed, saying:`)? Full stops after short capitalised
/// words or initials (`Mr.`, `Gov.`, `U.S.`, `J.`) do not count.
fn has_inner_sentence_break(gap: &str) -> bool {
    let words: Vec<&str> = gap.split_whitespace().collect();
    words.windows(2).any(|w| {
        let (a, b) = (w[0], w[1]);
        if !a.ends_with(['.', '?', '!']) || !b.starts_with(char::is_uppercase) {
            return false;
        }
        let stem = a.trim_end_matches(['.', '?', '!']);
        let abbreviation = a.ends_with('.')
            && (stem.len() <= 3 && stem.starts_with(char::is_uppercase) || stem.contains('.'));
        !abbreviation
    })
}

/// Clips clutter ranges to the text and to char boundaries, sorted and
/// disjoint, so that a sloppy caller cannot make quote finding panic.
fn sanitize_clutter(text: &str, clutter: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut v: Vec<Range<usize>> = clutter
        .iter()
        .map(|r| {
            let mut s = r.start.min(text.len());
            let mut e = r.end.min(text.len());
            while !text.is_char_boundary(s) {
                s -= 1;
            }
            while !text.is_char_boundary(e) {
                e += 1;
            }
            s..e
        })
        .filter(|r| r.start < r.end)
        .collect();
    v.sort_by_key(|r| (r.start, r.end));
    crate::clutter::merge(v)
}

#[cfg(test)]
// A quote of one part is a `Vec` holding one range, as the type says; not a
// mistake for a range of numbers.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    #[test]
    fn mark_lead_mask_matches_the_byte_table() {
        for b in 0..=255u8 {
            let w = u64::from_le_bytes([b'"', b, 0, b, 0xE2, b, 0xff, b]);
            let m = super::mark_lead_mask(w);
            for (k, &x) in w.to_le_bytes().iter().enumerate() {
                assert_eq!(m >> (8 * k + 7) & 1 == 1, super::MARK_LEAD[x as usize], "byte {x:#x} at {k}");
            }
        }
    }

    use super::*;

    #[test]
    fn newline_search_agrees_with_a_byte_scan() {
        let t = "ab\ncdefghijklmnop\n\nqrstuvwxyz0123456789\u{10a}\u{a0}\n tail without newline";
        let b = t.as_bytes();
        for from in 0..=b.len() {
            assert_eq!(memchr_newline(b, from), b[from..].iter().position(|&c| c == b'\n').map(|i| from + i), "from {from}");
        }
    }

    /// The quoted text of every part, one inner vec per quote.
    fn q(text: &str) -> Vec<Vec<&str>> {
        find_quotes(text, &[]).into_iter().map(|s| s.parts.into_iter().map(|p| &text[p]).collect()).collect()
    }

    #[test]
    fn straight_double_quotes() {
        assert_eq!(q("The mayor said \"we will rebuild the bridge\" on Sunday."), vec![vec!["we will rebuild the bridge"]]);
    }

    #[test]
    fn curly_double_quotes_with_apostrophes_inside() {
        let t = "“We don’t accept the council’s view of the ’90s,” the envoy said.";
        assert_eq!(q(t), vec![vec!["We don’t accept the council’s view of the ’90s,"]]);
    }

    #[test]
    fn guillemets() {
        assert_eq!(q("Le ministre a parlé d'une «crise profonde» hier."), vec![vec!["crise profonde"]]);
        assert_eq!(q("He called it « a farce » twice."), vec![vec!["a farce"]]);
    }

    #[test]
    fn curly_single_quotes_are_quotes_but_apostrophes_are_not() {
        let t = "Town sees ties going ‘from bad to worse’ as Smith’s rivals in the ’80s said they’d wait.";
        assert_eq!(q(t), vec![vec!["from bad to worse"]]);
    }

    #[test]
    fn straight_single_quotes_with_apostrophes_inside() {
        let t = "'It's the farmers' harvest that matters,' she said, and Jones' dog barked.";
        assert_eq!(q(t), vec![vec!["It's the farmers' harvest that matters,"]]);
    }

    #[test]
    fn elisions_are_not_quotes() {
        assert!(q("And how ‘bout that, said nobody, rock ’n roll.").is_empty());
        assert!(q("We'll get 'em next time.").is_empty());
    }

    #[test]
    fn doubled_apostrophes_and_backticks() {
        assert_eq!(q("''The plan works,'' the aide said."), vec![vec!["The plan works,"]]);
        assert_eq!(q("``A fair deal,'' he called it."), vec![vec!["A fair deal,"]]);
    }

    #[test]
    fn quote_broken_by_attribution_is_one_quote_with_two_parts() {
        let t = "\"The past two years,\" he said, \"were very hard for the town.\"";
        assert_eq!(q(t), vec![vec!["The past two years,", "were very hard for the town."]]);
        let t = "“Relations are at a low point,” the spokesman told reporters. “There is little hope.”";
        assert_eq!(q(t), vec![vec!["Relations are at a low point,", "There is little hope."]]);
    }

    #[test]
    fn separate_sentences_or_running_text_are_not_linked() {
        let t = "“We won.” Then the crowd left. “Another day,” she said.";
        assert_eq!(q(t).len(), 2);
        let t = "“Fine,” he said of the “new” plan.";
        assert_eq!(q(t), vec![vec!["Fine,"], vec!["new"]]);
    }

    #[test]
    fn multi_paragraph_quote_is_one_quote_with_a_part_per_paragraph() {
        let t = "The mayor spoke.\n\n“First we fix the roads.\n\n“Then we fix the schools.\n\n“Then the parks,” she said.\n";
        let spans = find_quotes(t, &[]);
        assert_eq!(spans.len(), 1);
        assert!(spans[0].continued && !spans[0].unclosed);
        let parts: Vec<&str> = spans[0].parts.iter().map(|p| &t[p.clone()]).collect();
        assert_eq!(parts, vec!["First we fix the roads.", "Then we fix the schools.", "Then the parks,"]);
    }

    #[test]
    fn quote_running_into_next_paragraph_without_reopening() {
        let t = "He said: “The first point is clear\n\nand so is the second,” adding more.\n";
        assert_eq!(q(t), vec![vec!["The first point is clear", "and so is the second,"]]);
    }

    #[test]
    fn nested_quotes_do_not_break_the_outer_one() {
        let t = "\"They seek a 'strategic defeat' of our side,\" the ministry said.";
        assert_eq!(q(t), vec![vec!["They seek a 'strategic defeat' of our side,"]]);
        let t = "‘He called it “absurd” twice,’ she said.";
        assert_eq!(q(t), vec![vec!["He called it “absurd” twice,"]]);
        let t = "“They call it ‘the Countries’ Plan’ now,” he said.";
        assert_eq!(q(t).len(), 1);
    }

    #[test]
    fn stray_marks_never_swallow_the_rest() {
        let t = "He is 6'2\" tall and said \"hello\" twice.\n\nA new paragraph with \"a quote\" in it.\n";
        assert_eq!(q(t), vec![vec!["hello"], vec!["a quote"]]);
        let t = "The head of the city 's council spoke.\n\nLater \"this\" happened.";
        assert_eq!(q(t), vec![vec!["this"]]);
        let t = "An unclosed “mark in mid sentence goes nowhere.\n\nNext “one” is fine.";
        assert_eq!(q(t), vec![vec!["one"]]);
    }

    #[test]
    fn unclosed_statement_after_colon_is_capped_at_paragraph_end() {
        let t = "She added: “This was a shock to all of us.\n\nThe meeting ended early.";
        let spans = find_quotes(t, &[]);
        assert_eq!(spans.len(), 1);
        assert!(spans[0].unclosed);
        assert_eq!(&t[spans[0].parts[0].clone()], "This was a shock to all of us.");
    }

    #[test]
    fn scare_quotes_are_spans() {
        assert_eq!(q("The so-called “republics” voted."), vec![vec!["republics"]]);
    }

    #[test]
    fn odd_marks_used_as_quotes() {
        assert_eq!(q("“Absolutely, ″ she said."), vec![vec!["Absolutely,"]]);
        assert_eq!(q("he said, ” lies in the risk.”"), vec![vec!["lies in the risk."]]);
        assert_eq!(q("‘The Tanks Are on the Lawn’The minister said."), vec![vec!["The Tanks Are on the Lawn"]]);
    }

    #[test]
    fn empty_or_markless_quotes_are_dropped() {
        assert!(q("He said \"\" and “  ” and \"...\".").is_empty());
        assert!(q("").is_empty());
        assert!(q("\"").is_empty());
    }

    #[test]
    fn quotes_inside_clutter_are_not_reported() {
        let t = "Latest news\nThe “Big” Story\nThe minister said “yes” today.\n";
        let clutter = vec![0..t.find("The minister").unwrap()];
        let spans = find_quotes(t, &clutter);
        assert_eq!(spans.len(), 1);
        assert_eq!(&t[spans[0].parts[0].clone()], "yes");
    }

    #[test]
    fn clutter_between_paragraphs_of_a_quote_is_skipped() {
        let t = "She said: “One thing first.\n\nMost read in Sport\n\n“And then another,” she said.\n";
        let a = t.find("Most").unwrap();
        let clutter = vec![a..a + "Most read in Sport".len()];
        let spans = find_quotes(t, &clutter);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].parts.len(), 2);
    }

    #[test]
    fn windows_line_endings() {
        let t = "“First part.\r\n\r\n“Second part,” she said.\r\nHe said “yes”.\r\n";
        assert_eq!(q(t), vec![vec!["First part.", "Second part,"], vec!["yes"]]);
    }

    #[test]
    // The reversed range is the point: callers may pass sloppy ranges.
    #[allow(clippy::reversed_empty_ranges)]
    fn sloppy_clutter_ranges_do_not_panic() {
        let t = "“é” and “ü”";
        let _ = find_quotes(t, &[5..2, 1..2, 0..100, 3..4]);
    }

    #[test]
    fn parts_are_on_char_boundaries_and_ordered() {
        let t = "«Ça va» — “ünïcödé” ‘ß’ \"日本\" ''x''";
        let spans = find_quotes(t, &[]);
        let mut last = 0;
        for s in &spans {
            for p in &s.parts {
                assert!(t.is_char_boundary(p.start) && t.is_char_boundary(p.end));
                assert!(p.start >= last && p.start < p.end);
                last = p.end;
            }
        }
        assert_eq!(spans.len(), 5);
    }
}
