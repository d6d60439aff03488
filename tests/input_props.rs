//! Property tests over the readers: arbitrary bytes in any format never
//! panic and read the same way twice; well-formed tables round-trip exactly.

use proptest::prelude::*;
use stance::input::{articles, InputArgs, InputFormat, Item};
use std::fs;
use std::path::Path;

/// Reads `bytes` saved as `name`, with a forced format or not. `Err` is the
/// error text (allowed only for a table without its text column).
fn read(dir: &Path, name: &str, bytes: &[u8], format: Option<InputFormat>) -> Result<Vec<Item>, String> {
    let p = dir.join(name);
    fs::write(&p, bytes).unwrap();
    let mut args = InputArgs::new(vec![p]);
    args.input_format = format;
    articles(&args).map(|it| it.collect()).map_err(|e| format!("{e:#}"))
}

/// Bytes that look like article files: markup, quote marks, separators,
/// multi-byte characters, invalid UTF-8 and the odd NUL.
fn texty_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        &b"<p>"[..], b"</p>", b"<div>", b"<script>", b"</script>", b"<br>", b"&amp;", b"&#8220;", b"&#x110000;", b"\"",
        b"\"\"", b",", b"\n", b"\r\n", b"{", b"}", b"\"text\":", b"\"id\":", b":", b"\xE2\x80\x9C", b"\xE2\x80\x9D", b"\xC2\xAB",
        b"\xEF\xBB\xBF", b"\xFF", b"\xC3", b"\x00", b"said ", b"Peskov ", b"text,id\n", b" ", b"<", b">", b"&",
    ]);
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        prop::collection::vec(pieces, 0..120).prop_map(|v| v.concat()),
    ]
}

fn check_items(items: &[Item]) {
    for item in items {
        match item {
            Item::Article(a) => {
                assert!(!a.doc.is_empty());
                assert!(!a.text.trim().is_empty(), "articles have text");
            }
            Item::Skipped { doc, reason } => {
                assert!(!doc.is_empty());
                assert!(!reason.is_empty());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_in_any_format_never_panic_and_read_the_same_twice(bytes in texty_bytes(), ext in 0usize..6) {
        let dir = tempfile::tempdir().unwrap();
        let name = ["a.txt", "a.csv", "a.jsonl", "a.html", "noext", "a.tsv"][ext];
        let first = read(dir.path(), name, &bytes, None);
        let second = read(dir.path(), name, &bytes, None);
        prop_assert_eq!(&first, &second);
        match first {
            Ok(items) => check_items(&items),
            Err(e) => prop_assert!(e.contains("found"), "only a missing column is an error: {}", e),
        }
    }

    #[test]
    fn forced_formats_never_panic(bytes in texty_bytes(), f in 0usize..4) {
        let dir = tempfile::tempdir().unwrap();
        let format = [InputFormat::Txt, InputFormat::Html, InputFormat::Jsonl, InputFormat::Csv][f];
        if let Ok(items) = read(dir.path(), "x.dat", &bytes, Some(format)) {
            check_items(&items);
        }
    }

    #[test]
    fn plain_text_is_the_file_decoded(bytes in texty_bytes()) {
        let dir = tempfile::tempdir().unwrap();
        let items = read(dir.path(), "a.txt", &bytes, None).unwrap();
        prop_assert_eq!(items.len(), 1);
        let head = &bytes[..bytes.len().min(8192)];
        match &items[0] {
            Item::Article(a) => {
                let decoded = String::from_utf8_lossy(&bytes);
                prop_assert_eq!(a.text.as_str(), decoded.strip_prefix('\u{FEFF}').unwrap_or(&decoded));
                prop_assert_eq!(a.warnings.is_empty(), std::str::from_utf8(&bytes).is_ok());
            }
            Item::Skipped { reason, .. } => {
                let blank = String::from_utf8_lossy(&bytes).trim_start_matches('\u{FEFF}').trim().is_empty();
                prop_assert!(blank || head.contains(&0) || head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF"), "{}", reason);
            }
        }
    }

    #[test]
    fn csv_tables_round_trip(rows in prop::collection::vec(("[a-z0-9]{1,8}", "\\PC{0,40}", "[ -~\n\r\"',]{0,30}"), 1..8)) {
        let dir = tempfile::tempdir().unwrap();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["id", "text", "title"]).unwrap();
        for (id, text, title) in &rows {
            w.write_record([id, text, title]).unwrap();
        }
        let bytes = w.into_inner().unwrap();
        let items = read(dir.path(), "t.csv", &bytes, None).unwrap();
        prop_assert_eq!(items.len(), rows.len());
        let mut seen = std::collections::HashSet::new();
        for (item, (id, text, title)) in items.iter().zip(&rows) {
            match item {
                Item::Article(a) => {
                    prop_assert_eq!(&a.text, text);
                    let prefix = format!("{}#", id);
                    prop_assert!(a.doc == *id || a.doc.starts_with(&prefix), "{}", a.doc);
                    prop_assert!(seen.insert(a.doc.clone()), "doc ids are unique");
                    let expected_title = Some(title.clone()).filter(|t| !t.trim().is_empty());
                    prop_assert_eq!(&a.meta.title, &expected_title);
                }
                Item::Skipped { reason, .. } => prop_assert!(text.trim().is_empty(), "{}", reason),
            }
        }
    }

    #[test]
    fn jsonl_rows_round_trip(rows in prop::collection::vec(("\\PC{0,12}", "\\PC{0,60}"), 1..8)) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = Vec::new();
        for (id, text) in &rows {
            bytes.extend(serde_json::json!({"id": id, "text": text}).to_string().into_bytes());
            bytes.push(b'\n');
        }
        let items = read(dir.path(), "t.jsonl", &bytes, None).unwrap();
        prop_assert_eq!(items.len(), rows.len());
        for (item, (_, text)) in items.iter().zip(&rows) {
            match item {
                Item::Article(a) => prop_assert_eq!(&a.text, text),
                Item::Skipped { .. } => prop_assert!(text.trim().is_empty()),
            }
        }
    }

    #[test]
    fn html_text_has_no_markup_from_dropped_elements(words in prop::collection::vec("[a-z]{1,8}", 1..20)) {
        let dir = tempfile::tempdir().unwrap();
        let body = words.join(" ");
        let html = format!("<html><head><title>t</title><script>SECRETSCRIPT</script></head><body><nav>SECRETNAV</nav><p>{body}</p><footer>SECRETFOOT</footer></body></html>");
        let items = read(dir.path(), "p.html", html.as_bytes(), None).unwrap();
        match &items[0] {
            Item::Article(a) => {
                prop_assert_eq!(&a.text, &body);
                prop_assert!(!a.text.contains("SECRET"));
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }
}

/// HTML-ish strings: tags, entities, quote marks and text in any order.
fn html_soup() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "<p>", "</p>", "<div class=\"x\">", "</div>", "<script>", "</script>", "<style>", "<br>", "<br/>", "&amp;",
        "&#8220;", "&#x;", "&", "<", ">", "\"", "\u{201C}", "word ", "é", "<nav>", "</nav>", "<pre>", "</pre>", "<!--",
        "-->", "<title>", "</title>", "<meta name=\"date\" content=\"2024\">", "\n", "<b", "</", "<!doctype html>",
    ]);
    prop::collection::vec(pieces, 0..200).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Both paths (the parser, and the tag stripper used for hostile
    /// nesting) never panic, are deterministic and collapse blank lines.
    #[test]
    fn html_extraction_never_panics_on_soup(soup in html_soup(), deep in any::<bool>()) {
        let html = if deep {
            "<div>".repeat(stance::html::MAX_DEPTH + 1) + &soup
        } else {
            soup
        };
        let a = stance::html::extract(&html);
        let b = stance::html::extract(&html);
        prop_assert_eq!(&a, &b);
        if !html.contains("<pre>") {
            prop_assert!(!a.text.contains("\n\n\n"), "{:?}", a.text);
        }
        prop_assert_eq!(a.text.trim(), a.text.as_str());
        prop_assert_eq!(deep, !a.warnings.is_empty());
    }
}
