//! Hostile inputs that reach the readers (issue 5), each with the behaviour it
//! must get. Driven through `stance quotes` so exit codes and messages are
//! checked too; the same readers feed `stance score`.

use stance::input::{articles, InputArgs, Item};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

fn quotes(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stance")).arg("quotes").args(args).output().expect("running stance")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn rows(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(o.stdout.clone()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const QUOTE: &str = "\"We regret this decision,\" Kremlin spokesman Dmitry Peskov said.";

#[test]
fn empty_file_is_skipped_by_name_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("empty.txt");
    fs::write(&p, "").unwrap();
    let o = quotes(&[s(&p)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains(&format!("skipped {}: empty file", p.display())), "{}", err(&o));
}

#[test]
fn binary_file_is_skipped_not_read_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("photo.txt");
    let mut bytes = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    bytes.extend(std::iter::repeat_n(0xAB, 5000));
    fs::write(&p, bytes).unwrap();
    let o = quotes(&[s(&p), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("binary file (NUL byte at offset 8)"), "{}", err(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn utf16_file_is_skipped_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("utf16.txt");
    let mut bytes = vec![0xFF, 0xFE];
    for u in QUOTE.encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    fs::write(&p, bytes).unwrap();
    let o = quotes(&[s(&p)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("UTF-16 text is not supported: convert the file to UTF-8"), "{}", err(&o));
}

#[test]
fn invalid_utf8_is_scored_with_a_warning_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("latin1.txt");
    let mut bytes = b"Caf\xE9 owners were worried. ".to_vec();
    bytes.extend(QUOTE.as_bytes());
    fs::write(&p, bytes).unwrap();
    let o = quotes(&[s(&p), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "a warning is not a skip: {}", err(&o));
    let e = err(&o);
    assert!(e.contains("warning") && e.contains("invalid UTF-8: 1 byte sequence replaced with U+FFFD (first at byte 3)"), "{e}");
    assert!(e.contains("1 article, 1 quote part, 0 skipped, 1 with warnings"), "{e}");
    let r = rows(&o);
    assert!(r[0]["text"].as_str().unwrap().starts_with("We regret this decision"), "{:?}", r[0]);
    // Offsets count the replacement character as one code point.
    assert_eq!(r[0]["start"], 27, "the opening mark is code point 26, after the one U+FFFD");
}

#[test]
fn a_200_mb_single_line_file_is_read_as_one_article() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.txt");
    {
        let mut f = std::io::BufWriter::new(fs::File::create(&p).unwrap());
        let filler = "and the talks went on without any result at all ".repeat(1000);
        let mut written = 0;
        f.write_all(QUOTE.as_bytes()).unwrap();
        while written < 200 * 1024 * 1024 {
            f.write_all(filler.as_bytes()).unwrap();
            written += filler.len();
        }
        f.write_all(QUOTE.as_bytes()).unwrap();
    }
    let items: Vec<Item> = articles(&InputArgs::new(vec![p.clone()])).unwrap().collect();
    assert_eq!(items.len(), 1);
    let Item::Article(a) = &items[0] else { panic!("skipped: {:?}", items[0]) };
    assert!(a.text.len() > 200 * 1024 * 1024);
    assert!(!a.text.contains('\n'));
    drop(items);

    let o = quotes(&[s(&p), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let r = rows(&o);
    assert_eq!(r.len(), 2);
    assert!(r[1]["start"].as_u64().unwrap() > 200 * 1024 * 1024);
}

#[test]
fn ragged_csv_rows_are_skipped_by_line_and_the_rest_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ragged.csv");
    let q = QUOTE.replace('"', "\"\"");
    fs::write(&p, format!("id,text\na,\"{q}\"\nb,\"{q}\",extra\nc\nd,\"{q}\"\n")).unwrap();
    let o = quotes(&[s(&p), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(e.contains(&format!("{}:3: row has 3 fields but the header has 2", p.display())), "{e}");
    assert!(e.contains(&format!("{}:4: row has 1 fields but the header has 2", p.display())), "{e}");
    let docs: Vec<String> = rows(&o).iter().map(|r| r["doc"].as_str().unwrap().to_string()).collect();
    assert_eq!(docs, ["a", "d"]);
}

#[test]
fn csv_bom_embedded_newlines_and_quotes_in_quotes_are_read_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("excel.csv");
    let text = "First line of the story.\r\n\"We regret this decision,\" Kremlin spokesman Dmitry Peskov said.";
    let cell = text.replace('"', "\"\"");
    fs::write(&p, format!("\u{FEFF}id,title,text\r\nx1,\"Title, with comma\",\"{cell}\"\r\n")).unwrap();
    let o = quotes(&[s(&p), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let r = rows(&o);
    assert_eq!(r[0]["doc"], "x1", "the BOM is not part of the first column name");
    assert_eq!(r[0]["title"], "Title, with comma");
    assert!(r[0]["text"].as_str().unwrap().starts_with("We regret this decision"), "{:?}", r[0]);
    let start = r[0]["start"].as_u64().unwrap() as usize;
    assert_eq!(text.chars().nth(start), Some('W'));
}

#[test]
fn missing_or_renamed_text_column_lists_the_columns_found() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("renamed.csv");
    fs::write(&csv, format!("doc_id,Body\n1,\"{}\"\n", QUOTE.replace('"', "\"\""))).unwrap();
    let o = quotes(&[s(&csv)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("no `text` column; columns found: `doc_id`, `Body`; name the text column with --text-col"), "{}", err(&o));
    let o = quotes(&[s(&csv), "--text-col", "body", "--id-col", "doc_id", "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "columns match ignoring case: {}", err(&o));
    assert_eq!(rows(&o)[0]["doc"], "1");

    let jsonl = dir.path().join("renamed.jsonl");
    fs::write(&jsonl, serde_json::json!({"content": QUOTE, "id": "j"}).to_string()).unwrap();
    let o = quotes(&[s(&jsonl)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("fields found: content, id"), "{}", err(&o));
}

#[test]
fn duplicate_ids_are_made_unique_in_reading_order_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("dups.jsonl");
    let line = serde_json::json!({"id": "same", "text": QUOTE}).to_string();
    fs::write(&p, format!("{line}\n{line}\n{line}\n")).unwrap();
    let o = quotes(&[s(&p), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let docs: Vec<String> = rows(&o).iter().map(|r| r["doc"].as_str().unwrap().to_string()).collect();
    assert_eq!(docs, ["same", "same#2", "same#3"]);
    assert!(err(&o).contains("duplicate id `same`: renamed to `same#2`"), "{}", err(&o));
}

#[test]
fn broken_jsonl_lines_are_skipped_and_the_rest_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("broken.jsonl");
    let good = serde_json::json!({"id": "ok", "text": QUOTE}).to_string();
    fs::write(&p, format!("{good}\n{{\"id\": \"cut\", \"text\": \"We re\n\"just a string\"\n{}\n", good.replace("ok", "ok2"))).unwrap();
    let o = quotes(&[s(&p), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(e.contains(&format!("{}:2: not valid JSON", p.display())), "{e}");
    assert!(e.contains(&format!("{}:3: not a JSON object", p.display())), "{e}");
    let docs: Vec<String> = rows(&o).iter().map(|r| r["doc"].as_str().unwrap().to_string()).collect();
    assert_eq!(docs, ["ok", "ok2"]);
}

#[test]
fn deeply_nested_html_is_read_without_a_stack_overflow_or_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nested.html");
    let html = "<html><body>".to_string() + &"<div><span>".repeat(100_000) + "<p>" + QUOTE + "</p>" + &"</span></div>".repeat(100_000);
    fs::write(&p, html).unwrap();
    let o = quotes(&[s(&p), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("tags stripped without a full parse"), "{}", err(&o));
    let r = rows(&o);
    assert!(r[0]["text"].as_str().unwrap().starts_with("We regret this decision"), "{:?}", r[0]);
    assert_eq!(r[0]["start"], 1, "offsets point into the stripped text");
}

#[test]
fn a_page_of_only_markup_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("blank.html");
    fs::write(&p, "<html><head><script>var a = \"x\";</script></head><body><nav>Home</nav></body></html>").unwrap();
    let o = quotes(&[s(&p)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("no visible text in the page"), "{}", err(&o));
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_in_a_folder_is_reported_not_followed_forever() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub/a.txt"), QUOTE).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/loop")).unwrap();
    let o = quotes(&[s(dir.path()), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("loop"), "{}", err(&o));
    assert_eq!(rows(&o).len(), 1);
}

#[test]
fn stdin_given_twice_is_an_error() {
    let o = quotes(&["-", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("`-` (stdin) can be given only once"), "{}", err(&o));
}
