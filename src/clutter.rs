//! Page clutter: navigation, "Latest news" lists, sign-up prompts, photo
//! credits, teaser lines, leftover markup. Quote finding skips these regions,
//! but the text is never altered, so offsets still point into the text as read.
//!
//! Scraped articles carry the page around them: menus (`• Live`,
//! `News > Russia`), prompts (`Sign up now: …`, `Subscribe to … Telegram
//! channel`), captions with credits (`… | Photo: X/ @tassagency_en`,
//! `PHOTO: REUTERS`), and lists of teaser headlines under a "Latest news" or
//! "Read more" heading, whose quoted words (`The Use of the “Oreshnik”
//! Missile`) are not statements of the article. The rules are per line and
//! deliberately conservative: a headline or a short body line with a quote
//! is real content (evaluation gold quotes sit in headlines too), so a line
//! is clutter only when it matches one of the patterns below.
//!
//! One pass over the lines, with a small state for teaser lists: linear time.

use std::ops::Range;

/// Headings that introduce a list of links or teasers (lower case, matched
/// at the start of a line). The list that follows is clutter too.
const LIST_HEADINGS: &[&str] = &[
    "latest news",
    "latest stories",
    "latest articles",
    "read more",
    "read also",
    "also read",
    "see also",
    "related",
    "more from",
    "more on this",
    "more news",
    "more stories",
    "most read",
    "most read in",
    "most popular",
    "popular now",
    "recommended",
    "top stories",
    "trending",
    "you may also like",
    "you might also like",
    "editor's picks",
    "editors' picks",
    "what to read next",
    "further reading",
];

/// Phrases of sign-up prompts, share bars, cookie banners and similar page
/// furniture (lower case, anywhere in a short line).
const PROMPTS: &[&str] = &[
    "sign up",
    "signup",
    "subscribe",
    "newsletter",
    "telegram channel",
    "follow us",
    "follow topic",
    "join our",
    "click here",
    "terms of use",
    "terms of service",
    "privacy policy",
    "cookie",
    "accept all",
    "we pay for your stories",
    "do you have a story",
    "email us at",
    "download the app",
    "download our app",
    "share this article",
    "share on facebook",
    "share on twitter",
    "leave a reply",
    "leave a comment",
    "post with no comments",
    "all rights reserved",
    "advertisement",
    "skip to content",
    "skip to main content",
    "this article was originally published",
    "is reprinted with permission",
    "with inputs from agencies",
    "see more on",
];

/// Whole short lines that are navigation or share-bar items (lower case,
/// compared with the trimmed line without a leading bullet).
const NAV_ITEMS: &[&str] = &[
    "navigation",
    "menu",
    "home",
    "search",
    "share",
    "print",
    "email",
    "comments",
    "live",
    "audio only",
    "video",
    "facebook",
    "twitter",
    "google plus",
    "linkedin",
    "whatsapp",
    "telegram",
    "reddit",
    "copy link",
    "close",
];

/// Prefixes of photo captions and credits (lower case).
const CREDIT_PREFIXES: &[&str] = &["photo:", "photo credit", "image:", "picture:", "credit:", "pictured:", "file photo", "photograph:"];

/// Ends of credit lines (lower case).
const CREDIT_ENDS: &[&str] = &["(reuters)", "(ap)", "(afp)", "getty images", "/ afp", "/afp", "via reuters", "reuters", "(tass)", "/ reuters"];

/// Longest line (in words) that a prompt or navigation rule may call clutter:
/// longer lines are prose, whatever words they contain.
const MAX_PROMPT_WORDS: usize = 25;

/// Longest teaser line (in words) inside a teaser list.
const MAX_TEASER_WORDS: usize = 30;

/// Longest line (in words) that any per-line rule may call clutter.
const MAX_RULE_WORDS: usize = 40;

/// Longest teaser list (in lines, dates included) after one heading.
const MAX_LIST_LINES: usize = 24;

/// Byte ranges of `text` that are page clutter, sorted and disjoint.
pub fn clutter_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    // Lines left in the teaser list being read; 0 when not in a list.
    let mut in_list = 0usize;
    let mut ellipsis_run: Vec<Range<usize>> = Vec::new();
    // The lower-cased line, one buffer for all lines.
    let mut lower = String::new();
    let mut start = 0;
    loop {
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[start..end];
        let t = line.trim();
        if t.is_empty() {
            // Blank lines neither start nor end a teaser list.
        } else {
            // Counting stops past the longest line any rule looks at, so
            // long paragraphs cost no more than a glance.
            let words = count_words(t, MAX_RULE_WORDS + 1);
            let teaser_end = ends_in_ellipsis(t);
            lower_into(t, words <= MAX_RULE_WORDS, &mut lower);
            if words > MAX_RULE_WORDS {
                in_list = 0;
            } else if starts_list(t, &lower) {
                in_list = MAX_LIST_LINES;
                push(&mut out, start..end);
            } else if in_list > 0 && words <= MAX_TEASER_WORDS && !is_prose(t) {
                in_list -= 1;
                push(&mut out, start..end);
            } else {
                in_list = 0;
                if is_line_clutter(t, &lower, words) {
                    push(&mut out, start..end);
                }
            }
            // Runs of two or more teaser snippets cut off with "…".
            if teaser_end && !has_quote_mark(t) {
                ellipsis_run.push(start..end);
            } else {
                flush_ellipsis(&mut ellipsis_run, &mut out);
            }
        }
        if end >= text.len() {
            break;
        }
        start = end + 1;
    }
    flush_ellipsis(&mut ellipsis_run, &mut out);
    tags(text, &mut out);
    out.sort_by_key(|r| (r.start, r.end));
    merge(out)
}

fn push(out: &mut Vec<Range<usize>>, r: Range<usize>) {
    if r.start < r.end {
        out.push(r);
    }
}

fn flush_ellipsis(run: &mut Vec<Range<usize>>, out: &mut Vec<Range<usize>>) {
    if run.len() >= 2 {
        out.append(run);
    }
    run.clear();
}

/// `t.split_whitespace().take(cap).count()`, by bytes while the line is
/// ASCII (a long paragraph is glanced at once per line, so this runs over
/// a good part of every article).
fn count_words(t: &str, cap: usize) -> usize {
    let (mut n, mut in_word) = (0, false);
    // Eight ASCII bytes at a time: a word starts at each non-space byte
    // after a space (or after the previous block's last byte, if a space).
    // Stops before a block with a non-ASCII byte or one that would pass
    // `cap`; the byte loop below goes on from there exactly as alone.
    let bytes = t.as_bytes();
    let mut from = 0;
    while from + 8 <= bytes.len() {
        let w = u64::from_le_bytes(bytes[from..from + 8].try_into().unwrap_or([0; 8]));
        if w & HIGH != 0 {
            break;
        }
        let word = !ascii_space_mask(w) & HIGH;
        let after_space = (!word & HIGH) << 8 | if in_word { 0 } else { 0x80 };
        let starts = (word & after_space).count_ones() as usize;
        if n + starts > cap {
            break;
        }
        n += starts;
        in_word = word >> 63 == 1;
        from += 8;
    }
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        if b >= 0x80 {
            // Unicode spaces (no-break, em space, ...) count as separators:
            // recount the rest by chars, from the start of the current word.
            let from = t[..i].rfind(|c: char| c.is_ascii_whitespace()).map_or(0, |k| k + 1);
            let before = if in_word { n - 1 } else { n };
            return before + t[from..].split_whitespace().take(cap.saturating_sub(before)).count();
        }
        let space = matches!(b, b' ' | b'\t'..=b'\r');
        if !space && !in_word {
            n += 1;
            if n > cap {
                return cap;
            }
        }
        in_word = !space;
    }
    n
}

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// For eight ASCII bytes (high bits clear) in a `u64`, the high bit of each
/// that is a space, `\t`, `\n`, `\x0b`, `\x0c` or `\r` (what the byte loop
/// of [`count_words`] takes as a space). No sum carries into the next byte.
#[inline(always)]
fn ascii_space_mask(w: u64) -> u64 {
    let y = w ^ (LOW * b' ' as u64);
    let space = !((y + LOW * 0x7f) | y) & HIGH;
    let control = (w + LOW * (0x80 - 0x09)) & !(w + LOW * (0x7f - 0x0d)) & HIGH;
    space | control
}

/// `t` lower-cased into `buf` when `wanted`, else `buf` emptied. ASCII
/// lines (nearly all) reuse the buffer; others go through
/// `str::to_lowercase`, whose final-sigma rule a per-char mapping lacks.
fn lower_into(t: &str, wanted: bool, buf: &mut String) {
    buf.clear();
    if !wanted {
        return;
    }
    if t.is_ascii() {
        buf.push_str(t);
        buf.make_ascii_lowercase();
    } else {
        *buf = t.to_lowercase();
    }
}

/// One bit per pair of bytes that begins a prompt: the prompt search looks
/// at each byte pair of a line once, and compares whole prompts only where
/// one could start, instead of searching the line once per prompt.
static PROMPT_PAIRS: std::sync::LazyLock<[u64; 1024]> = std::sync::LazyLock::new(|| {
    let mut t = [0u64; 1024];
    for p in PROMPTS {
        let b = p.as_bytes();
        let k = (b[0] as usize) << 8 | b[1] as usize;
        t[k >> 6] |= 1 << (k & 63);
    }
    t
});

/// Whether `lower` contains any of [`PROMPTS`] (all at least two bytes long).
fn has_prompt(lower: &str) -> bool {
    let h = lower.as_bytes();
    let pairs = &*PROMPT_PAIRS;
    for i in 0..h.len().saturating_sub(1) {
        let k = (h[i] as usize) << 8 | h[i + 1] as usize;
        if pairs[k >> 6] >> (k & 63) & 1 != 0 && PROMPTS.iter().any(|p| h[i..].starts_with(p.as_bytes())) {
            return true;
        }
    }
    false
}

/// Sorted ranges → sorted, disjoint ranges.
pub(crate) fn merge(v: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::with_capacity(v.len());
    for r in v {
        match out.last_mut() {
            Some(l) if r.start <= l.end => l.end = l.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// A line that opens a teaser list: a known heading, alone, glued to the
/// first teaser (`Latest newsThe Use of …`), as a prefix (`READ MORE: …`),
/// or all in capitals (`READ MORE SUN STORIES`).
fn starts_list(t: &str, lower: &str) -> bool {
    if t.split_whitespace().count() > MAX_TEASER_WORDS {
        return false;
    }
    let shouted = !t.chars().any(char::is_lowercase);
    LIST_HEADINGS.iter().any(|h| {
        // Headings are ASCII, so a match in `lower` has the same length in `t`.
        lower.starts_with(h)
            && t.get(h.len()..).is_some_and(|rest| {
                let rest = rest.trim_start();
                rest.is_empty()
                    || rest.starts_with([':', '|', '>', '»'])
                    || shouted
                    || !t[h.len()..].starts_with(char::is_whitespace) && rest.starts_with(char::is_uppercase)
            })
    })
}

/// Prose: a line that ends a sentence. Teaser headlines and dates have no
/// final full stop; teaser snippets end cut off, with an ellipsis.
fn is_prose(t: &str) -> bool {
    let t = t.trim_end_matches(['"', '”', '’', '\'', ')', '»']);
    t.ends_with(['.', '!', '?']) && !ends_in_ellipsis(t)
}

fn ends_in_ellipsis(t: &str) -> bool {
    t.ends_with('…') || t.ends_with("...")
}

fn has_quote_mark(t: &str) -> bool {
    t.contains(['"', '“', '”', '«', '»', '‘'])
}

/// The single-line rules: prompts, navigation items, breadcrumbs, credits,
/// bare links and datelines.
fn is_line_clutter(t: &str, lower: &str, words: usize) -> bool {
    let item = lower.trim_start_matches(['•', '·', '*', '|', '-', '–', ' ', '\u{a0}']).trim();
    if item.is_empty() {
        return true; // a bullet or separator alone
    }
    if NAV_ITEMS.contains(&item) {
        return true;
    }
    // A line that opens with a quotation mark is someone's words (`"We call
    // on Washington …," the embassy wrote on its Telegram channel.`), not a
    // prompt, whatever words it contains.
    let quoted = t.trim_start().starts_with(['"', '“', '«', '„', '‘']);
    if words <= MAX_PROMPT_WORDS && !quoted && has_prompt(lower) {
        return true;
    }
    // Breadcrumbs: `News > Russia`.
    if words <= 8 && t.contains(" > ") && !t.ends_with(['.', '!', '?']) {
        return true;
    }
    if is_credit(t, lower, words) {
        return true;
    }
    // A bare link.
    if words <= 6 && (lower.contains("http://") || lower.contains("https://") || lower.starts_with("www.")) {
        return true;
    }
    false
}

/// Photo captions with a credit and credit lines: `PHOTO: REUTERS`,
/// `… | Photo: X/ @agency`, `… (Mikhail Metzel/Tass/Abaca Press/TNS)`.
fn is_credit(t: &str, lower: &str, words: usize) -> bool {
    if CREDIT_PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    if lower.contains("| photo:") || lower.contains("| image:") || lower.contains("photo by ") && words <= MAX_RULE_WORDS {
        return true;
    }
    if words <= 12 && CREDIT_ENDS.iter().any(|e| lower.ends_with(e)) && !has_quote_mark(t) {
        return true;
    }
    // A caption ending in a parenthesised agency credit with a slash.
    if words <= MAX_RULE_WORDS && t.ends_with(')') {
        if let Some(open) = t.rfind('(') {
            let credit = &t[open..];
            if credit.contains('/') && credit.split_whitespace().count() <= 8 && !credit.contains("http") {
                return true;
            }
        }
    }
    false
}

/// Longest markup tag taken as clutter (bytes); a lone `<` in prose must
/// not hide the text after it.
const MAX_TAG_LEN: usize = 600;

/// Leftover markup tags (`<tweet id="…" author="@AP">`, possibly broken over
/// a line): the tag itself is clutter, so its attribute values are not taken
/// for quotes, while the text between tags stays. A tag starts with `<` and
/// a letter or `/`, and ends at the next `>` with no `<` or blank line first.
fn tags(text: &str, out: &mut Vec<Range<usize>>) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(off) = text[i..].find('<') {
        let s = i + off;
        i = s + 1;
        if !b.get(s + 1).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'/') {
            continue;
        }
        let window = &b[s + 1..b.len().min(s + 1 + MAX_TAG_LEN)];
        for (k, &c) in window.iter().enumerate() {
            match c {
                b'>' => {
                    push(out, s..s + k + 2);
                    i = s + k + 2;
                    break;
                }
                b'<' => break,
                b'\n' if window.get(k + 1) == Some(&b'\n') => break,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_count_agrees_with_split_whitespace() {
        let long = "The  quick\tbrown fox,\x0bjumps over\r\nthe lazy dog; 12 345 6789 abcdefghijklmnop q r s t u v w x y z ";
        let mixed = format!("{long}naïve café{long}\u{a0}{long}");
        for t in ["", "one", " two  words ", "a\tb\x0bc\x0cd\re", "no\u{a0}break space", "é début", "x é", "ab\u{2003}cd ef", "w ".repeat(60).as_str(), long, &long[1..], &mixed, &mixed[3..]] {
            for cap in [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 41] {
                assert_eq!(count_words(t, cap), t.split_whitespace().take(cap).count(), "{t:?} cap {cap}");
            }
        }
    }

    /// The pair-filtered search finds exactly what one `contains` per prompt
    /// finds, at the start, in the middle and at the end of a line.
    #[test]
    fn a_quoted_line_naming_a_telegram_channel_is_not_a_prompt() {
        let t = "Intro.\n\n\u{201c}We call on Washington to stop,\u{201d} the embassy wrote on its Telegram channel.\n\nSubscribe to our Telegram channel\n";
        let r = clutter_ranges(t);
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(t[r[0].clone()].starts_with("Subscribe"));
    }

    #[test]
    fn prompt_search_agrees_with_contains() {
        let mut lines: Vec<String> = vec![String::new(), "s".into(), "the talks went on".into(), "sig nup".into()];
        for p in PROMPTS {
            lines.push(p.to_string());
            lines.push(format!("please {p} today"));
            lines.push(format!("x{}", &p[..p.len() - 1]));
        }
        for l in &lines {
            assert_eq!(has_prompt(l), PROMPTS.iter().any(|p| l.contains(p)), "{l:?}");
        }
    }

    fn clutter_text(t: &str) -> Vec<&str> {
        clutter_ranges(t).into_iter().map(|r| &t[r]).collect()
    }

    #[test]
    fn teaser_list_under_heading_is_clutter_until_prose() {
        let t = "The minister spoke on Monday.\nLatest news\nThe “Grand” Plan Moves Ahead\n01.Feb.2025\nA Second Headline Here\n\nThe talks, he said, would resume in the spring after a pause of many weeks.\n";
        let c = clutter_text(t);
        assert_eq!(c, vec!["Latest news", "The “Grand” Plan Moves Ahead", "01.Feb.2025", "A Second Headline Here"]);
    }

    #[test]
    fn glued_heading_starts_a_list() {
        let t = "Body text ends here.\nLatest newsA Teaser About “Things”\n12.Jan.2025\n";
        assert_eq!(clutter_text(t), vec!["Latest newsA Teaser About “Things”", "12.Jan.2025"]);
    }

    #[test]
    fn prompts_navigation_and_credits() {
        let t = "Navigation\n  •  \nSign up now: get our newsletter in your inbox\nPHOTO: REUTERS\nThe summit hall in Oslo. | Photo: X/ @someagency\nA minister and a general. (Jane Doe/Agency/Press)\nNews > World\n• Live\nThe envoy said the “door is open” to talks.\n";
        let c = clutter_text(t);
        assert_eq!(c.len(), 8, "{c:?}");
        assert!(!c.iter().any(|l| l.contains("door is open")));
    }

    #[test]
    fn ordinary_lines_are_not_clutter() {
        let t = "Envoy Says Talks Are ‘Possible’\n\n“We will share our proposal,” the envoy said, adding that more meetings would follow.\n";
        assert!(clutter_ranges(t).is_empty());
    }

    #[test]
    fn runs_of_cut_off_teasers_are_clutter_but_one_is_not() {
        let t = "He paused…\nBody goes on.\nCheap flights are back, and here is how to find…\nThe best garden tools this year are…\n";
        assert_eq!(clutter_text(t), vec!["Cheap flights are back, and here is how to find…", "The best garden tools this year are…"]);
    }

    #[test]
    fn markup_tags_are_clutter_but_their_text_is_not() {
        let t = "He wrote:\n<post id=\"123\" when=\"2016-01-01\">The plan is \"bold\" indeed</post>\n";
        let c = clutter_text(t);
        assert_eq!(c, vec!["<post id=\"123\" when=\"2016-01-01\">", "</post>"]);
    }

    #[test]
    fn ranges_are_sorted_disjoint_and_on_char_boundaries() {
        let t = "Related\n“É” ünïcödé <a href=\"x\">\n\nsubscribe\n";
        let r = clutter_ranges(t);
        for w in r.windows(2) {
            assert!(w[0].end < w[1].start);
        }
        for x in &r {
            assert!(t.is_char_boundary(x.start) && t.is_char_boundary(x.end));
        }
    }

    #[test]
    fn empty_and_odd_inputs() {
        assert!(clutter_ranges("").is_empty());
        assert!(clutter_ranges("\n\n\n").is_empty());
        let _ = clutter_ranges("<<<>>>< a<b>\n<");
    }
}
