//! `stance tables` from the outside: shards merge to the table of the whole,
//! formats, formula neutralisation, the chart, and errors.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn stance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stance")).args(args).output().unwrap()
}

fn stance_stdin(args: &[&str], input: &[u8]) -> Output {
    common::run_with_stdin(args, input)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Writes `n` made-up articles as JSONL rows numbered from `from`.
fn articles(path: &Path, from: usize, n: usize) {
    let speakers = ["Dmitry Peskov", "Joe Biden", "Maria Zakharova", "Antony Blinken", "Sergei Ryabkov"];
    let sayings = [
        "The other side is to blame for this reckless escalation",
        "We still hope that talks can resume next month",
        "Relations have never been worse and nothing will change soon",
        "The delegation arrived on Tuesday and met the committee",
        "We are ready for dialogue if our partners show respect",
    ];
    let places = ["Vienna", "Geneva", "Helsinki", "Oslo", "Ankara", "Doha", "Astana"];
    let mut s = String::new();
    for i in from..from + n {
        let body = format!(
            "Envoys met in {} for round {i} of the {} talks.\n\n\u{201c}{},\u{201d} {} said after round {i}.\n\n\
             {} told reporters: \u{201c}{}.\u{201d}",
            places[i % 7],
            ["grain", "border", "prisoner", "arms"][i % 4],
            sayings[i % 5],
            speakers[i % 5],
            speakers[(i / 5 + 1) % 5],
            sayings[(i * 3 + 1) % 5],
        );
        let row = serde_json::json!({"id": format!("n{i:04}"), "date": format!("202{}-{:02}-05", 3 + i % 2, i % 12 + 1), "text": body});
        s.push_str(&row.to_string());
        s.push('\n');
    }
    std::fs::write(path, s).unwrap();
}

fn ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn shards_in_csv_and_jsonl_add_up_to_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, all) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"), dir.path().join("all.jsonl"));
    articles(&a, 0, 70);
    articles(&b, 70, 50);
    let mut both = std::fs::read(&a).unwrap();
    both.extend(std::fs::read(&b).unwrap());
    std::fs::write(&all, both).unwrap();
    let p = |x: &Path| x.to_str().unwrap().to_string();
    let (sa, sb, sall) = (dir.path().join("a.csv"), dir.path().join("b.jsonl.scores"), dir.path().join("all.csv"));
    ok(&stance(&["score", &p(&a), "-o", &p(&sa)]));
    ok(&stance(&["score", &p(&b), "--format", "jsonl", "-o", &p(&sb)]));
    ok(&stance(&["score", &p(&all), "-o", &p(&sall)]));
    // Duplicates across shards can only be seen by scoring them together,
    // so the exact comparison counts every quote.
    for by in ["speaker", "side", "month", "speaker,month"] {
        for format in ["csv", "md", "json"] {
            let whole = ok(&stance(&["tables", &p(&sall), "--by", by, "--format", format, "--include-duplicates"]));
            let merged = ok(&stance(&["tables", &p(&sb), &p(&sa), "--by", by, "--format", format, "--include-duplicates"]));
            assert_eq!(whole, merged, "--by {by} --format {format}");
            assert!(whole.lines().count() >= 2, "{whole}");
        }
    }
}

const SCORES: &str = "doc,quote,part,parts,speaker,side,date,label,p_accusatory,p_neutral,duplicate_of\n\
    d1,1,1,2,Ann Lee,X,2024-01-03,accusatory,0.800000,0.200000,\n\
    d1,1,2,2,Ann Lee,X,2024-01-03,accusatory,0.800000,0.200000,\n\
    d1,2,1,1,=HYPERLINK(\"x\"),Y,2024-01-03,neutral,0.300000,0.700000,\n\
    d2,1,1,1,Ann Lee,X,2024-02-07,neutral,0.400000,0.600000,\n\
    d3,1,1,1,Ann Lee,X,2024-02-07,neutral,0.400000,0.600000,d2:1\n";

#[test]
fn csv_counts_quotes_once_leaves_duplicates_out_and_neutralises_formulas() {
    let out = ok(&stance_stdin(&["tables", "-", "--format", "csv"], SCORES.as_bytes()));
    let mut lines = out.lines();
    assert!(lines.next().unwrap().starts_with("speaker,quotes,parts,articles,n_accusatory,n_neutral,share_accusatory"));
    assert_eq!(lines.next().unwrap(), "Ann Lee,2,3,2,1,1,0.5000,0.5000,0.6000,0.4000");
    let second = lines.next().unwrap();
    assert!(second.starts_with("\"'=HYPERLINK(\"\"x\"\")\",1,1,1"), "{second}");
    let with = ok(&stance_stdin(&["tables", "-", "--format", "csv", "--include-duplicates"], SCORES.as_bytes()));
    assert!(with.contains("Ann Lee,3,4,3,"), "{with}");
    let few = ok(&stance_stdin(&["tables", "-", "--format", "csv", "--min-quotes", "2"], SCORES.as_bytes()));
    assert_eq!(few.lines().count(), 2, "{few}");
}

#[test]
fn markdown_and_json_formats() {
    let md = ok(&stance_stdin(&["tables", "-", "--by", "month", "--format", "md"], SCORES.as_bytes()));
    assert!(md.starts_with("| month | quotes |"), "{md}");
    assert!(md.contains("| 2024-01 | 2 | 3 | 1 |"), "{md}");
    let j = ok(&stance_stdin(&["tables", "-", "--by", "side", "--format", "json"], SCORES.as_bytes()));
    let v: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(v["by"][0], "side");
    assert_eq!(v["groups"][0]["side"], "X");
    assert_eq!(v["groups"][0]["labels"]["neutral"]["count"], 1);
    assert_eq!(v["groups"][0]["labels"]["accusatory"]["mean_p"], 0.6);
}

#[test]
fn the_chart_is_written_with_names_legend_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("tone.svg");
    ok(&stance_stdin(&["tables", "-", "--chart", svg.to_str().unwrap()], SCORES.as_bytes()));
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
    assert!(s.contains("Ann Lee") && s.contains(">accusatory</text>") && s.contains("n = 2"), "{s}");
    let by_month = dir.path().join("months.svg");
    ok(&stance_stdin(&["tables", "-", "--by", "month", "--chart", by_month.to_str().unwrap()], SCORES.as_bytes()));
    assert!(std::fs::read_to_string(&by_month).unwrap().contains("2024-02"));
}

#[test]
fn errors_say_what_is_wrong_with_exit_status_2() {
    let out = stance(&["tables", "/no/such/scores.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/no/such/scores.csv"), "{}", text(&out.stderr));

    let out = stance_stdin(&["tables", "-"], b"file,speaker\nx,Ann\n");
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(e.contains("missing column(s) doc, part, label") && e.contains("columns found: file, speaker"), "{e}");

    let out = stance_stdin(&["tables", "-", "--by", "weekday"], SCORES.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("weekday"), "{}", text(&out.stderr));

    let out = stance_stdin(&["tables", "-"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("empty"), "{}", text(&out.stderr));
}

#[test]
fn with_no_file_named_it_reads_standard_input_as_a_pipe_from_score_would() {
    let piped = stance_stdin(&["tables", "--format", "csv"], SCORES.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("scores.csv");
    std::fs::write(&f, SCORES).unwrap();
    let named = stance(&["tables", f.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(ok(&piped), ok(&named));
    assert!(text(&piped.stdout).contains("Ann Lee"));
}
