//! Property tests for quote finding and clutter detection on hostile input:
//! random quotation marks, random Unicode, empty and very large texts must
//! never panic and must always give byte ranges that slice the text.

use proptest::prelude::*;
use stance::clutter::clutter_ranges;
use stance::quotes::{find_quotes, QuoteSpan};
use std::ops::Range;

/// Text made mostly of the characters quote finding reacts to, so that the
/// odd combinations (`''‘"`, `« ”`, a mark before a newline) come up often.
fn marky_text() -> impl Strategy<Value = String> {
    let pieces = prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(vec![
                "\"", "“", "”", "„", "«", "»", "‹", "›", "'", "''", "‘", "’", "`", "``", "″",
            ])
            .prop_map(str::to_string),
            3 => prop::sample::select(vec![
                " ", "\n", "\n\n", ",", ".", ":", "s", "S", "n", "em", "90", "<", ">", "<a b=\"c\">", "…",
            ])
            .prop_map(str::to_string),
            3 => "[a-zA-Z]{1,8}",
            2 => any::<char>().prop_map(|c| c.to_string()),
            1 => "Latest news|Read more|Subscribe|Photo: |PHOTO: REUTERS|• Live",
        ],
        0..120,
    );
    pieces.prop_map(|v| v.concat())
}

/// Checks everything the contract promises about the quotes of `text`.
fn check(text: &str, clutter: &[Range<usize>], spans: &[QuoteSpan]) {
    let mut last_end = 0;
    for s in spans {
        assert!(!s.parts.is_empty(), "empty quote in {text:?}");
        for p in &s.parts {
            assert!(p.start < p.end && p.end <= text.len(), "bad range {p:?} in {text:?}");
            assert!(text.is_char_boundary(p.start) && text.is_char_boundary(p.end), "range {p:?} splits a char in {text:?}");
            assert!(p.start >= last_end, "parts out of order or overlapping at {p:?} in {text:?}");
            assert!(
                !clutter.iter().any(|c| c.start < p.end && p.start < c.end),
                "part {p:?} reaches into clutter in {text:?}"
            );
            last_end = p.end;
        }
    }
}

fn check_clutter(text: &str, clutter: &[Range<usize>]) {
    let mut last_end = None;
    for c in clutter {
        assert!(c.start < c.end && c.end <= text.len(), "bad clutter {c:?}");
        assert!(text.is_char_boundary(c.start) && text.is_char_boundary(c.end));
        if let Some(e) = last_end {
            assert!(c.start > e, "clutter not sorted and disjoint: {clutter:?}");
        }
        last_end = Some(c.end);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn marky_text_never_panics_and_ranges_slice_the_text(text in marky_text()) {
        let clutter = clutter_ranges(&text);
        check_clutter(&text, &clutter);
        let spans = find_quotes(&text, &clutter);
        check(&text, &clutter, &spans);
        // Without clutter too: every part must still slice the text.
        let bare = find_quotes(&text, &[]);
        check(&text, &[], &bare);
        // Deterministic.
        prop_assert_eq!(spans, find_quotes(&text, &clutter_ranges(&text)));
    }

    #[test]
    fn any_unicode_never_panics(text in any::<String>()) {
        let clutter = clutter_ranges(&text);
        check_clutter(&text, &clutter);
        check(&text, &clutter, &find_quotes(&text, &clutter));
    }

    #[test]
    fn arbitrary_clutter_ranges_are_tolerated(text in marky_text(), raw in prop::collection::vec((0usize..400, 0usize..400), 0..6)) {
        let ranges: Vec<Range<usize>> = raw.into_iter().map(|(a, b)| a..b).collect();
        let spans = find_quotes(&text, &ranges);
        check(&text, &[], &spans);
    }
}

#[test]
fn empty_text() {
    assert!(clutter_ranges("").is_empty());
    assert!(find_quotes("", &[]).is_empty());
}

/// A 5 MB single line (no paragraph breaks to bound the work) of quotes,
/// stray marks and apostrophes: must finish (pairing is linear) and obey
/// the same invariants.
#[test]
fn five_megabyte_single_line() {
    let unit = "He said “it’s fine,” then ‘no’ and \"yes\" and 6'2\" «ça» ''x'' “ ‘ « ";
    let mut text = String::with_capacity(5_200_000);
    while text.len() < 5_000_000 {
        text.push_str(unit);
    }
    let clutter = clutter_ranges(&text);
    check_clutter(&text, &clutter);
    let spans = find_quotes(&text, &clutter);
    check(&text, &clutter, &spans);
    assert!(spans.len() > 10_000, "expected many quotes, got {}", spans.len());
}

/// Megabytes of opening marks with nothing closing them: the worst case for
/// the pairing stack.
#[test]
fn megabytes_of_unclosed_marks() {
    let text = "“‘«\"'".repeat(400_000);
    let spans = find_quotes(&text, &clutter_ranges(&text));
    check(&text, &[], &spans);
    let text = format!("“{}", "‘".repeat(1_000_000)) + &"”“".repeat(200_000);
    check(&text, &[], &find_quotes(&text, &[]));
}

/// The articles in tests/fixtures/quotes (written for these tests, with page
/// clutter of the kinds real scraped pages carry) against their `.expected`
/// files: one quote per line, its parts separated by ` ‖ `.
#[test]
fn fixture_articles_give_expected_quotes() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/quotes");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 4, "fixtures missing in {}", dir.display());
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let exp_path = path.with_extension("expected");
        let expected = std::fs::read_to_string(&exp_path).unwrap_or_else(|e| panic!("reading {}: {e}", exp_path.display()));
        let clutter = clutter_ranges(&text);
        let spans = find_quotes(&text, &clutter);
        check(&text, &clutter, &spans);
        let got: Vec<String> = spans.iter().map(|s| s.parts.iter().map(|p| &text[p.clone()]).collect::<Vec<_>>().join(" ‖ ")).collect();
        let want: Vec<String> = expected.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect();
        assert_eq!(got, want, "quotes of {}", path.display());
    }
}
