//! `stance quotes` driven from the outside: input formats, stdin, output
//! formats, `-o`, exit codes and error messages.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn stance() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stance"))
}

fn run(args: &[&str]) -> Output {
    stance().args(args).output().expect("running stance")
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    common::run_with_stdin(args, input)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn jsonl(o: &Output) -> Vec<serde_json::Value> {
    stdout(o).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/input")
}

fn fixture(name: &str) -> String {
    fixtures().join(name).display().to_string()
}

/// The substring of `text` between code-point offsets.
fn chars(text: &str, start: u64, end: u64) -> String {
    text.chars().skip(start as usize).take((end - start) as usize).collect()
}

#[test]
fn plain_text_gives_jsonl_rows_with_the_path_as_doc_and_valid_offsets() {
    let path = fixture("peskov.txt");
    let o = run(&["quotes", &path, "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = jsonl(&o);
    assert!(!rows.is_empty());
    let text = fs::read_to_string(&path).unwrap();
    for r in &rows {
        assert_eq!(r["doc"], path.as_str());
        let (s, e) = (r["start"].as_u64().unwrap(), r["end"].as_u64().unwrap());
        assert_eq!(chars(&text, s, e), r["text"].as_str().unwrap());
    }
    let speakers: Vec<&str> = rows.iter().filter_map(|r| r["speaker"].as_str()).collect();
    assert!(speakers.contains(&"Dmitry Peskov"), "{speakers:?}");
    assert!(stderr(&o).contains("stance quotes: 1 article,"), "{}", stderr(&o));
}

#[test]
fn csv_output_has_a_header_and_context_columns() {
    let o = run(&["quotes", &fixture("peskov.txt"), "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    for col in ["doc", "start", "end", "text", "speaker", "speaker_mention", "side", "cue", "title", "date"] {
        assert!(header.iter().any(|h| h == col), "missing {col} in {header:?}");
    }
    assert!(r.records().count() > 0);
}

#[test]
fn stdin_is_read_with_dash_and_its_format_sniffed() {
    let text = "\"We will respond,\" Kremlin spokesman Dmitry Peskov said.";
    let o = run_stdin(&["quotes", "-", "--format", "jsonl"], text.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = jsonl(&o);
    assert_eq!(rows[0]["doc"], "-");
    assert!(rows[0]["text"].as_str().unwrap().starts_with("We will respond"), "{:?}", rows[0]);

    let line = serde_json::json!({"id": "s1", "title": "T", "text": text}).to_string();
    let o = run_stdin(&["quotes", "-", "--format", "jsonl"], line.as_bytes());
    let rows = jsonl(&o);
    assert_eq!(rows[0]["doc"], "s1");
    assert_eq!(rows[0]["title"], "T");
}

#[test]
fn stdin_csv_needs_the_format_flag() {
    let csv = "id,text\nr1,\"\"\"We will respond,\"\" Kremlin spokesman Dmitry Peskov said.\"\n";
    let o = run_stdin(&["quotes", "-", "--input-format", "csv", "--format", "jsonl"], csv.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = jsonl(&o);
    assert_eq!(rows[0]["doc"], "r1");
    assert!(rows[0]["text"].as_str().unwrap().starts_with("We will respond"), "{:?}", rows[0]);
}

#[test]
fn html_pages_give_quotes_from_the_visible_text_with_page_metadata() {
    let o = run(&["quotes", &fixture("page.html"), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = jsonl(&o);
    let texts: Vec<&str> = rows.iter().map(|r| r["text"].as_str().unwrap()).collect();
    assert!(texts.iter().any(|t| t.starts_with("Washington is pushing")), "{texts:?}");
    // The script, nav and "Latest news" box hold quote marks too; none come out.
    for t in &texts {
        assert!(!t.contains("tracking"), "{t}");
        assert!(!t.contains("coach"), "{t}");
    }
    assert_eq!(rows[0]["title"], "Kremlin rejects US claims");
    assert_eq!(rows[0]["date"], "2024-02-01");
    assert_eq!(rows[0]["outlet"], "Example Times");
}

#[test]
fn examples_folder_reads_without_skips() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let o = run(&["quotes", examples.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains(" 0 skipped"), "{}", stderr(&o));
    let docs: std::collections::BTreeSet<String> = csv::Reader::from_reader(o.stdout.as_slice())
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    assert!(docs.len() >= 4, "{docs:?}");
}

#[test]
fn skipped_inputs_are_named_on_stderr_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a-empty.txt"), "").unwrap();
    fs::write(dir.path().join("b.txt"), "\"We regret this,\" Peskov said.").unwrap();
    let o = run(&["quotes", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("skipped") && err.contains("a-empty.txt: empty file"), "{err}");
    assert!(err.contains("1 article, 1 quote part, 1 skipped"), "{err}");
    assert_eq!(stdout(&o).lines().count(), 2, "header and one row");
}

#[test]
fn a_missing_text_column_exits_2_listing_the_columns() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rows.csv");
    fs::write(&p, "id,body,date\n1,\"\"\"We will not accept this,\"\" Kremlin spokesman Dmitry Peskov said.\",2024-01-01\n").unwrap();
    let o = run(&["quotes", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("rows.csv: no `text` column; columns found: `id`, `body`, `date`"), "{err}");
    assert!(stdout(&o).is_empty());

    let o = run(&["quotes", p.to_str().unwrap(), "--text-col", "body", "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(jsonl(&o)[0]["date"], "2024-01-01");
}

#[test]
fn a_nonexistent_path_exits_2_naming_it() {
    let o = run(&["quotes", "/no/such/dir/article.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/no/such/dir/article.txt"), "{}", stderr(&o));
}

#[test]
fn output_file_is_written_and_an_error_leaves_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("quotes.csv");
    let o = run(&["quotes", &fixture("peskov.txt"), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let first = fs::read_to_string(&out).unwrap();
    assert!(first.starts_with("doc,quote,"));

    let bad = dir.path().join("bad.csv");
    fs::write(&bad, "x,y\n1,2\n").unwrap();
    let o = run(&["quotes", bad.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(fs::read_to_string(&out).unwrap(), first);
    // No temporary files are left beside it.
    let names: Vec<String> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn formula_like_cells_are_neutralised_in_csv_only() {
    let text = "\"=HYPERLINK(1) is not a plan,\" Kremlin spokesman Dmitry Peskov said.";
    let o = run_stdin(&["quotes", "-"], text.as_bytes());
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let rec = r.records().next().unwrap().unwrap();
    assert!(rec[6].starts_with("'=HYPERLINK(1) is not a plan"), "{rec:?}");
    let o = run_stdin(&["quotes", "-", "--format", "jsonl"], text.as_bytes());
    assert!(jsonl(&o)[0]["text"].as_str().unwrap().starts_with("=HYPERLINK(1) is not a plan"));
}

#[test]
fn output_is_identical_across_runs() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let a = run(&["quotes", examples.to_str().unwrap(), &fixture("peskov.txt"), "--format", "jsonl"]);
    let b = run(&["quotes", examples.to_str().unwrap(), &fixture("peskov.txt"), "--format", "jsonl"]);
    assert_eq!(a.stdout, b.stdout);
    assert!(!a.stdout.is_empty());
}

#[test]
fn help_documents_exit_codes_and_columns() {
    let o = run(&["quotes", "--help"]);
    let help = stdout(&o);
    for needle in ["Exit status", "--input-format", "--text-col", "--actors", "--format", "-o, --output", "code-point"] {
        assert!(help.contains(needle), "help lacks {needle}:\n{help}");
    }
}

#[test]
fn bad_flags_exit_2() {
    let o = run(&["quotes", &fixture("peskov.txt"), "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("xml"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut child = stance()
        .args(["quotes", examples.to_str().unwrap(), examples.to_str().unwrap(), examples.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert!(!stderr(&o).contains("error"), "{}", stderr(&o));
}

#[test]
fn polnear_docs_are_the_text_file_paths() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if !shared.is_dir() {
        eprintln!("skipping: ../shared not found (it only exists on developer machines and CI)");
        return;
    }
    let dir = shared.join("polnear/dev/text");
    let o = run(&["quotes", dir.to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = jsonl(&o);
    assert!(rows.len() > 100);
    assert!(rows.iter().all(|r| r["doc"].as_str().unwrap().ends_with(".txt")));
}

#[test]
fn thread_count_does_not_change_the_output() {
    let dir = tempfile::tempdir().unwrap();
    // More articles than one parallel chunk, so chunks and threads both vary.
    let mut lines = String::new();
    for i in 0..150 {
        let text = format!("Report {i}. \"We regret decision number {i},\" Kremlin spokesman Dmitry Peskov said. He added: \"Nothing changes.\"");
        lines.push_str(&serde_json::json!({"id": format!("a{i}"), "text": text}).to_string());
        lines.push('\n');
    }
    let p = dir.path().join("many.jsonl");
    fs::write(&p, lines).unwrap();
    let with = |threads: &str| {
        stance().args(["quotes", p.to_str().unwrap(), "--format", "jsonl"]).env("RAYON_NUM_THREADS", threads).output().unwrap()
    };
    let one = with("1");
    let four = with("4");
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    assert_eq!(one.stdout, four.stdout);
    let rows = jsonl(&one);
    assert!(rows.len() >= 150);
    assert_eq!(rows[0]["doc"], "a0");
    assert_eq!(rows.last().unwrap()["doc"], "a149");
}

#[test]
fn no_quotes_still_gives_a_csv_header() {
    let o = run_stdin(&["quotes", "-"], b"An article without any quotation at all.");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("doc,quote,part,parts,start,end,text,"), "{out}");
}
