//! The visible text of an HTML page, and its metadata.
//!
//! Scraped pages are parsed with a real HTML5 parser (`scraper`/html5ever),
//! so broken markup, unclosed tags and entities are handled the way a browser
//! would. What a reader does not see as the article is dropped: `script`,
//! `style`, `nav`, `header`, `footer`, `aside`, `form`, `noscript`,
//! `template`, `iframe`, `svg`, buttons, figure captions (photo credits) and
//! the `<head>`; elements with a furniture ARIA role (`navigation`, `banner`,
//! …); and elements whose class or id names furniture (`newsletter-signup`,
//! `related-links`, `teaser`, `share-bar`, `ad`, …; see `CLUTTER_WORDS`). Paragraphs,
//! headings, list items, table rows and `<br>` become line breaks (a blank
//! line after a paragraph or heading), so quote finding sees the paragraph
//! structure; runs of spaces collapse as a browser collapses them, except in
//! `<pre>`.
//!
//! **Offsets of HTML input point into this extracted text**, not into the
//! HTML source: the extracted text is the article's `text`, and every row
//! carries it (`text` column) so it can be checked.
//!
//! The walk over the tree is iterative, so a page nested a million levels deep
//! cannot overflow the stack.

use crate::article::Meta;
use scraper::{Html, Node};

/// The text and metadata taken from a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub text: String,
    pub meta: Meta,
    /// Problems met that did not stop the text from being taken.
    pub warnings: Vec<String>,
}

/// Nesting deeper than this is not given to the HTML parser, whose scope
/// checks make deep nesting quadratic (200,000 nested `<div>`s take minutes);
/// real pages nest a few dozen levels.
pub const MAX_DEPTH: usize = 2_000;

/// Elements whose whole content is left out.
const DROPPED: &[&str] = &[
    "script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "iframe", "svg", "button",
    "select", "head", "object", "canvas", "dialog", "menu", "figcaption",
];

/// Elements after which a blank line separates paragraphs.
const PARAGRAPHS: &[&str] = &["p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "figure", "table", "ul", "ol"];

/// Elements that start and end on a line of their own.
const LINES: &[&str] = &[
    "div", "li", "tr", "section", "article", "main", "figcaption", "dt", "dd", "dl", "hr", "address", "caption", "details",
    "summary", "body", "html",
];

/// Extracts the visible text and metadata of an HTML page.
pub fn extract(html: &str) -> Page {
    let depth = estimated_depth(html);
    if depth > MAX_DEPTH {
        return Page {
            text: strip_tags(html),
            meta: Meta::default(),
            warnings: vec![format!(
                "HTML nested about {depth} elements deep (more than {MAX_DEPTH}): tags stripped without a full parse"
            )],
        };
    }
    let doc = Html::parse_document(html);
    let meta = extract_meta(&doc);
    let text = visible_text(&doc);
    Page { text, meta, warnings: Vec::new() }
}

/// Elements that never nest (void) or that the parser closes by itself when
/// a sibling starts, so they do not deepen the tree however many are open.
const NON_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "p", "li",
    "dt", "dd", "tr", "td", "th", "option", "optgroup", "rt", "rp", "tbody", "thead", "tfoot", "colgroup", "caption",
    "param", "keygen", "!doctype",
];

/// A cheap upper estimate of the element nesting depth from a scan of the
/// tags (no parse): opening tags of nesting elements minus closing tags.
fn estimated_depth(html: &str) -> usize {
    let b = html.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(off) = memchr_lt(&b[i..]) {
        i += off + 1;
        let closing = b.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let end = b[start..].iter().position(|c| !(c.is_ascii_alphanumeric() || *c == b'!')).map_or(b.len(), |n| start + n);
        if end == start || !(b[start].is_ascii_alphabetic() || b[start] == b'!') {
            continue;
        }
        let name = html[start..end].to_ascii_lowercase();
        if name.starts_with("!--") || NON_NESTING.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            let self_closing = b[end..].iter().take(4096).position(|&c| c == b'>').is_some_and(|gt| gt > 0 && b[end + gt - 1] == b'/');
            if !self_closing {
                depth += 1;
                max = max.max(depth);
            }
        }
        i = end;
    }
    max
}

fn memchr_lt(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'<')
}

/// The text of a page too deeply nested to parse: tags removed (`script` and
/// `style` with their content), block tags as line breaks, the common
/// entities decoded.
fn strip_tags(html: &str) -> String {
    let mut out = TextBuilder::default();
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    let mut text_start = 0;
    while let Some(off) = lower[i..].find('<') {
        let lt = i + off;
        push_decoded(&mut out, &html[text_start..lt]);
        let Some(gt) = lower[lt..].find('>').map(|g| lt + g) else {
            text_start = html.len();
            break;
        };
        let tag = lower[lt + 1..gt].trim_start_matches('/');
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        i = gt + 1;
        if !lower[lt + 1..gt].starts_with('/') && (name == "script" || name == "style") {
            let close = format!("</{name}");
            i = lower[i..].find(&close).map_or(html.len(), |c| i + c);
            i = lower[i..].find('>').map_or(html.len(), |g| i + g + 1);
        } else if PARAGRAPHS.contains(&name.as_str()) {
            out.newline(2);
        } else if name == "br" {
            out.line_break();
        } else if LINES.contains(&name.as_str()) {
            out.newline(1);
        }
        text_start = i;
    }
    if text_start < html.len() {
        push_decoded(&mut out, &html[text_start..]);
    }
    out.finish()
}

/// Pushes text with the common character references decoded.
fn push_decoded(out: &mut TextBuilder, s: &str) {
    if !s.contains('&') {
        out.push_text(s, false);
        return;
    }
    let mut decoded = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        decoded.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let semi = rest.find(';').filter(|&n| n <= 10);
        let ch = semi.and_then(|n| decode_entity(&rest[1..n]));
        match (semi, ch) {
            (Some(n), Some(c)) => {
                decoded.push(c);
                rest = &rest[n + 1..];
            }
            _ => {
                decoded.push('&');
                rest = &rest[1..];
            }
        }
    }
    decoded.push_str(rest);
    out.push_text(&decoded, false);
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let n = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(n).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        "ldquo" => '\u{201C}',
        "rdquo" => '\u{201D}',
        "lsquo" => '\u{2018}',
        "rsquo" => '\u{2019}',
        "laquo" => '\u{AB}',
        "raquo" => '\u{BB}',
        "mdash" => '\u{2014}',
        "ndash" => '\u{2013}',
        "hellip" => '\u{2026}',
        _ => return None,
    })
}

/// Whether an element's whole subtree is left out.
fn is_dropped(el: &scraper::node::Element) -> bool {
    let name = el.name();
    if DROPPED.contains(&name) || el.attr("hidden").is_some() || el.attr("aria-hidden") == Some("true") {
        return true;
    }
    if let Some(role) = el.attr("role") {
        if CLUTTER_ROLES.iter().any(|r| role.trim().eq_ignore_ascii_case(r)) {
            return true;
        }
    }
    // The article's own containers are never dropped by their class names
    // (`<article class="story-with-related-links">` is still the story).
    if matches!(name, "html" | "body" | "main" | "article") {
        return false;
    }
    let class_id = el.attr("class").into_iter().chain(el.attr("id"));
    class_id.flat_map(|v| v.split(is_html_space)).any(is_clutter_token)
}

/// ARIA landmark roles of page furniture (the `role=` spelling of nav,
/// header, footer and aside).
const CLUTTER_ROLES: &[&str] = &["navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert"];

/// Class or id words that mark page furniture a reader skips: newsletter
/// sign-ups, "related"/"latest news" boxes, teasers, share bars, adverts,
/// cookie banners, photo credits. Matched as a whole `-`/`_`-separated part
/// of a class name, so `related-links` and `newsletter_box` match but
/// `unrelated` does not.
const CLUTTER_WORDS: &[&str] = &[
    "newsletter", "signup", "subscribe", "subscription", "promo", "related", "teaser", "teasers", "share", "sharing",
    "social", "advert", "advertisement", "ad", "ads", "cookie", "cookies", "banner", "sidebar", "breadcrumb",
    "breadcrumbs", "comments", "paywall", "recommended", "trending", "outbrain", "taboola", "credit",
    "credits", "mostread", "most-read",
];

fn is_clutter_token(token: &str) -> bool {
    if token.is_empty() {
        return false;
    }
    let lower = token.to_ascii_lowercase();
    if CLUTTER_WORDS.contains(&lower.as_str()) {
        return true;
    }
    lower.split(['-', '_']).any(|part| CLUTTER_WORDS.contains(&part))
}

/// Builds the visible text with an iterative depth-first walk over the tree
/// (first child, next sibling, back up through parents).
fn visible_text(doc: &Html) -> String {
    let mut out = TextBuilder::default();
    let mut pre_depth = 0usize;
    let root = doc.tree.root();
    let mut cur = root;
    loop {
        // Open `cur`; descend unless it is dropped.
        let mut descend = true;
        match cur.value() {
            Node::Element(el) if is_dropped(el) => descend = false,
            Node::Element(el) => {
                let name = el.name();
                if name == "pre" {
                    pre_depth += 1;
                }
                if name == "br" {
                    out.line_break();
                } else if PARAGRAPHS.contains(&name) {
                    out.newline(2);
                } else if LINES.contains(&name) {
                    out.newline(1);
                } else if matches!(name, "td" | "th") {
                    out.space();
                }
            }
            Node::Text(t) => out.push_text(t, pre_depth > 0),
            _ => {}
        }
        if descend {
            if let Some(child) = cur.first_child() {
                cur = child;
                continue;
            }
        }
        // Close `cur` and every ancestor that has no next sibling.
        loop {
            if let Node::Element(el) = cur.value() {
                if !is_dropped(el) {
                    let name = el.name();
                    if name == "pre" {
                        pre_depth = pre_depth.saturating_sub(1);
                    }
                    if PARAGRAPHS.contains(&name) {
                        out.newline(2);
                    } else if LINES.contains(&name) {
                        out.newline(1);
                    }
                }
            }
            if cur.id() == root.id() {
                return out.finish();
            }
            if let Some(next) = cur.next_sibling() {
                cur = next;
                break;
            }
            match cur.parent() {
                Some(parent) => cur = parent,
                None => return out.finish(),
            }
        }
    }
}

/// Accumulates text with collapsed spaces and at most one blank line.
#[derive(Default)]
struct TextBuilder {
    text: String,
    /// Line breaks owed before the next visible character (0, 1 or 2).
    pending_newlines: usize,
    pending_space: bool,
}

impl TextBuilder {
    fn newline(&mut self, n: usize) {
        self.pending_newlines = self.pending_newlines.max(n);
        self.pending_space = false;
    }

    /// A `<br>`: each adds a line, so `<br><br>` (how older pages separate
    /// paragraphs) gives a blank line.
    fn line_break(&mut self) {
        self.pending_newlines = (self.pending_newlines + 1).min(2);
        self.pending_space = false;
    }

    fn space(&mut self) {
        if self.pending_newlines == 0 {
            self.pending_space = true;
        }
    }

    fn flush_pending(&mut self) {
        if self.text.is_empty() {
            self.pending_newlines = 0;
            self.pending_space = false;
            return;
        }
        if self.pending_newlines > 0 {
            for _ in 0..self.pending_newlines {
                self.text.push('\n');
            }
        } else if self.pending_space {
            self.text.push(' ');
        }
        self.pending_newlines = 0;
        self.pending_space = false;
    }

    fn push_text(&mut self, t: &str, pre: bool) {
        if pre {
            // Preformatted text keeps its whitespace, except before the
            // first visible character of the page.
            let t = if self.text.is_empty() { t.trim_start() } else { t };
            if !t.is_empty() {
                self.flush_pending();
                self.text.push_str(t);
            }
            return;
        }
        for (i, word) in t.split(is_html_space).enumerate() {
            if i > 0 {
                self.space();
            }
            if word.is_empty() {
                continue;
            }
            self.flush_pending();
            // Non-breaking spaces are kept: they are text, not markup.
            self.text.push_str(word);
        }
    }

    /// The text, without trailing whitespace (a `<pre>` may end with some).
    fn finish(mut self) -> String {
        self.text.truncate(self.text.trim_end().len());
        self.text
    }
}

/// The ASCII whitespace that HTML collapses.
fn is_html_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{0C}')
}

/// Collapses whitespace in a metadata value; empty values are absent.
fn clean(s: &str) -> Option<String> {
    let s = s.split(is_html_space).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

/// Date keys in `<meta name|property|itemprop>` in order of preference.
const DATE_KEYS: &[&str] = &[
    "article:published_time",
    "og:published_time",
    "datepublished",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
];

/// Takes the title, date, URL and outlet from `<meta>` (Open Graph and the
/// usual date names), `<link rel=canonical>`, JSON-LD, `<title>` and `<time
/// datetime>`, in that order of preference.
fn extract_meta(doc: &Html) -> Meta {
    let mut title_tag = None;
    let mut og_title = None;
    let mut site = None;
    let mut url = None;
    let mut canonical = None;
    let mut dates: Vec<(usize, String)> = Vec::new();
    let mut time_tag = None;
    let mut ld = Meta::default();
    for node in doc.tree.nodes() {
        let Node::Element(el) = node.value() else { continue };
        match el.name() {
            "script" if el.attr("type").is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json")) => {
                let src: String = node.children().filter_map(|c| c.value().as_text().map(|t| t.to_string())).collect();
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&src) {
                    json_ld_meta(&v, &mut ld, 0);
                }
            }
            "title" if title_tag.is_none() => {
                let t: String = node
                    .children()
                    .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
                    .collect();
                title_tag = clean(&t);
            }
            "meta" => {
                let key = el.attr("property").or_else(|| el.attr("name")).or_else(|| el.attr("itemprop"));
                let (Some(key), Some(content)) = (key, el.attr("content")) else { continue };
                let key = key.trim().to_ascii_lowercase();
                let Some(content) = clean(content) else { continue };
                match key.as_str() {
                    "og:title" | "twitter:title" if og_title.is_none() => og_title = Some(content),
                    "og:site_name" | "application-name" if site.is_none() => site = Some(content),
                    "og:url" if url.is_none() => url = Some(content),
                    k => {
                        if let Some(rank) = DATE_KEYS.iter().position(|d| *d == k) {
                            dates.push((rank, content));
                        }
                    }
                }
            }
            "link" if canonical.is_none() => {
                let rel = el.attr("rel").unwrap_or("");
                if rel.split(is_html_space).any(|r| r.eq_ignore_ascii_case("canonical")) {
                    canonical = el.attr("href").and_then(clean);
                }
            }
            "time" if time_tag.is_none() => time_tag = el.attr("datetime").and_then(clean),
            _ => {}
        }
    }
    // Stable: the first key of the best rank wins.
    dates.sort_by_key(|(rank, _)| *rank);
    Meta {
        date: dates.into_iter().next().map(|(_, d)| d).or(ld.date).or(time_tag),
        title: og_title.or(ld.title).or(title_tag),
        url: url.or(canonical).or(ld.url),
        outlet: site.or(ld.outlet),
    }
}

/// Fills what is still missing from schema.org JSON-LD (`datePublished`,
/// `headline`, `publisher.name`, `url`), which many news pages carry instead
/// of `<meta>` tags. Looks into `@graph` and arrays, a few levels deep.
fn json_ld_meta(v: &serde_json::Value, m: &mut Meta, depth: usize) {
    use serde_json::Value;
    if depth > 4 {
        return;
    }
    match v {
        Value::Array(items) => items.iter().for_each(|i| json_ld_meta(i, m, depth + 1)),
        Value::Object(o) => {
            let text = |k: &str| o.get(k).and_then(Value::as_str).and_then(clean);
            if m.date.is_none() {
                m.date = text("datePublished").or_else(|| text("dateCreated"));
            }
            if m.title.is_none() {
                m.title = text("headline");
            }
            if m.outlet.is_none() {
                m.outlet = o.get("publisher").and_then(|p| p.get("name")).and_then(Value::as_str).and_then(clean);
            }
            if m.url.is_none() && o.contains_key("headline") {
                m.url = text("url");
            }
            if let Some(g) = o.get("@graph") {
                json_ld_meta(g, m, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_page_furniture_and_keeps_paragraphs() {
        let page = extract(
            "<html><head><title>T</title><script>var x = 1;</script><style>p{}</style></head><body>\
             <header>Site name</header><nav><a>Home</a> <a>World</a></nav>\
             <h1>Headline here</h1><p>First   paragraph\n with <b>bold</b> text.</p><p>Second &amp; last &ldquo;one&rdquo;.</p>\
             <aside>Latest news</aside><form>Sign up</form><footer>(c) 2024</footer></body></html>",
        );
        assert_eq!(page.text, "Headline here\n\nFirst paragraph with bold text.\n\nSecond & last \u{201C}one\u{201D}.");
    }

    #[test]
    fn takes_metadata_from_meta_tags() {
        let page = extract(
            r#"<html><head><title>Page title | Outlet</title>
            <meta property="og:title" content="The real headline">
            <meta property="og:site_name" content="Daily Example">
            <meta property="article:published_time" content="2024-03-01T10:00:00Z">
            <meta name="date" content="2020-01-01">
            <link rel="canonical" href="https://example.org/a"></head><body><p>x</p></body></html>"#,
        );
        assert_eq!(page.meta.title.as_deref(), Some("The real headline"));
        assert_eq!(page.meta.outlet.as_deref(), Some("Daily Example"));
        assert_eq!(page.meta.date.as_deref(), Some("2024-03-01T10:00:00Z"));
        assert_eq!(page.meta.url.as_deref(), Some("https://example.org/a"));
    }

    #[test]
    fn json_ld_fills_missing_metadata() {
        let page = extract(
            r#"<html><head><title>Tag title</title><script type="application/ld+json">
            {"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"x"},
             {"@type":"NewsArticle","headline":"LD headline","datePublished":"2024-04-05T06:00:00Z",
              "url":"https://ex.example/a","publisher":{"@type":"Organization","name":"LD Outlet"}}]}
            </script></head><body><p>Body</p></body></html>"#,
        );
        assert_eq!(page.meta.title.as_deref(), Some("LD headline"));
        assert_eq!(page.meta.date.as_deref(), Some("2024-04-05T06:00:00Z"));
        assert_eq!(page.meta.outlet.as_deref(), Some("LD Outlet"));
        assert_eq!(page.meta.url.as_deref(), Some("https://ex.example/a"));
        assert_eq!(page.text, "Body");
    }

    #[test]
    fn falls_back_to_title_tag_and_time_element() {
        let page = extract("<title> Just  a title </title><p>Body <time datetime=\"2023-05-06\">May 6</time></p>");
        assert_eq!(page.meta.title.as_deref(), Some("Just a title"));
        assert_eq!(page.meta.date.as_deref(), Some("2023-05-06"));
        assert_eq!(page.text, "Body May 6");
    }

    #[test]
    fn br_and_list_items_break_lines() {
        let page = extract("<div>one<br>two</div><ul><li>a</li><li>b</li></ul><p>end</p>");
        assert_eq!(page.text, "one\ntwo\n\na\nb\n\nend");
    }

    #[test]
    fn double_br_separates_paragraphs() {
        let page = extract("<body>First para.<br><br>\n\"Quote,\" he said.<br>Same para.</body>");
        assert_eq!(page.text, "First para.\n\n\"Quote,\" he said.\nSame para.");
    }

    #[test]
    fn deep_nesting_is_stripped_without_a_parse() {
        let html = "<script>x</script><div>".repeat(200_000) + "deep &amp; <p>down</p>" + &"</div>".repeat(200_000);
        let page = extract(&html);
        assert_eq!(page.text, "deep &\n\ndown");
        assert!(page.warnings[0].contains("nested about 200000 elements deep"), "{:?}", page.warnings);
    }

    #[test]
    fn ordinary_depth_and_many_unclosed_paragraphs_are_parsed() {
        let html = "<div>".repeat(MAX_DEPTH - 10) + "<p>a".repeat(50_000).as_str() + &"</div>".repeat(MAX_DEPTH - 10);
        let page = extract(&html);
        assert!(page.warnings.is_empty());
        assert!(page.text.starts_with("a\n\na\n\n"));
    }

    #[test]
    fn furniture_classes_and_roles_are_dropped_but_not_the_article() {
        let page = extract(
            "<article class=\"story related-content\"><p>Body.</p>\
             <div class=\"newsletter-signup\">Sign up now</div>\
             <p class=\"teaser\">Read this next</p><div id=\"share_bar\">Share</div>\
             <div class=\"unrelated-heading\">Kept</div><div role=\"navigation\">Menu</div>\
             <figure><img src=x><figcaption>Photo: Agency</figcaption></figure></article>",
        );
        assert_eq!(page.text, "Body.\n\nKept");
    }

    #[test]
    fn hidden_elements_are_dropped() {
        let page = extract("<p>shown</p><p hidden>not shown</p><span aria-hidden=\"true\">icon</span>");
        assert_eq!(page.text, "shown");
    }

    #[test]
    fn broken_markup_still_gives_text() {
        let page = extract("<p>unclosed <b>bold <i>both</p><p>next &zzentity; &#8220;q&#8221;");
        assert_eq!(page.text, "unclosed bold both\n\nnext &zzentity; \u{201C}q\u{201D}");
    }
}
