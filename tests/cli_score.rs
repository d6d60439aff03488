//! `stance score` from the outside: exit codes, messages, formats, formula
//! neutralisation, and output that does not depend on the thread count.

use std::path::Path;
use std::process::{Command, Output};

fn stance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stance")).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A JSONL corpus of `n` small made-up articles with quotes in the common
/// attribution forms; written for these tests.
fn corpus(dir: &Path, n: usize) -> std::path::PathBuf {
    let speakers = ["Dmitry Peskov", "Joe Biden", "Maria Zakharova", "Antony Blinken", "a regional governor"];
    let sayings = [
        "The other side is to blame for this reckless escalation",
        "We still hope that talks can resume next month",
        "Relations have never been worse and nothing will change soon",
        "The delegation arrived on Tuesday and met the committee",
        "We are ready for dialogue if our partners show respect",
    ];
    let topics = ["grain exports", "the pipeline", "prisoner exchanges", "the embassy staff", "border patrols", "fishing rights"];
    let mut s = String::new();
    for i in 0..n {
        let (a, b) = (speakers[i % 5], speakers[(i / 5 + 2) % 5]);
        let (q1, q2) = (sayings[i % 5], sayings[(i * 7 + 3) % 5]);
        let topic = topics[i % 6];
        let body = format!(
            "Officials discussed {topic} in meeting number {i} on a cold morning.\n\n\
             \u{201c}{q1},\u{201d} {a} said after the session on {topic}.\n\n\
             Later, {b} told reporters: \u{201c}{q2}.\u{201d} Item {i} closed the day."
        );
        let row = serde_json::json!({"id": format!("art-{i:05}"), "date": format!("2024-{:02}-1{}", i % 12 + 1, i % 9), "title": format!("Talks {i}"), "text": body});
        s.push_str(&row.to_string());
        s.push('\n');
    }
    let p = dir.join("corpus.jsonl");
    std::fs::write(&p, s).unwrap();
    p
}

#[test]
fn thread_count_does_not_change_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path(), 300);
    let c = c.to_str().unwrap();
    let one = stance(&["score", c, "--threads", "1", "--chunk", "7"]);
    let two = stance(&["score", c, "--threads", "2", "--chunk", "7"]);
    let big = stance(&["score", c, "--threads", "2"]);
    assert_eq!(one.status.code(), Some(0), "{}", text(&one.stderr));
    assert!(one.stdout.len() > 10_000, "too little output: {}", text(&one.stdout));
    assert!(one.stdout == two.stdout, "--threads 1 and 2 differ");
    assert!(one.stdout == big.stdout, "chunk size changes the output");
}

#[test]
fn rows_carry_metadata_a_label_and_a_probability_per_label() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path(), 3);
    let out = stance(&["score", c.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    for c in ["doc", "quote", "part", "text", "speaker", "side", "date", "title", "label", "duplicate_of"] {
        assert!(h.contains(&c.to_string()), "no column {c}: {h:?}");
    }
    let p_cols: Vec<usize> = (0..h.len()).filter(|&i| h[i].starts_with("p_")).collect();
    assert!(p_cols.len() >= 2, "{h:?}");
    let label = h.iter().position(|c| c == "label").unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert!(!rows.is_empty());
    for row in &rows {
        let sum: f64 = p_cols.iter().map(|&i| row[i].parse::<f64>().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-4, "probabilities sum to {sum}");
        assert!(p_cols.iter().any(|&i| h[i] == format!("p_{}", &row[label])), "label {} has no column", &row[label]);
    }
    assert!(rows.iter().any(|r| &r[0] == "art-00000"));
    assert!(text(&out.stderr).contains("3 articles read, 3 scored, 0 skipped"), "{}", text(&out.stderr));
}

#[test]
fn jsonl_output_is_one_object_per_row_with_the_same_rows_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path(), 20);
    let c = c.to_str().unwrap();
    let j = stance(&["score", c, "--format", "jsonl"]);
    let csv_out = stance(&["score", c]);
    assert_eq!(j.status.code(), Some(0), "{}", text(&j.stderr));
    let rows: Vec<serde_json::Value> = text(&j.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let n_csv = csv::Reader::from_reader(csv_out.stdout.as_slice()).records().count();
    assert_eq!(rows.len(), n_csv);
    assert!(rows[0]["label"].is_string() && rows[0]["quote"].is_u64());
    assert!(rows[0].as_object().unwrap().keys().any(|k| k.starts_with("p_")));
}

#[test]
fn formula_cells_are_neutralised_in_csv() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("a.txt");
    std::fs::write(&f, "The statement was short.\n\n\u{201c}=SUM(A1:A9)*2 is what they sent us,\u{201d} Dmitry Peskov said.\n").unwrap();
    let out = stance(&["score", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let t = r.headers().unwrap().iter().position(|c| c == "text").unwrap();
    let cells: Vec<String> = r.records().map(|x| x.unwrap()[t].to_string()).collect();
    assert!(cells.iter().any(|c| c.starts_with("'=SUM(A1:A9)")), "{cells:?}");
    assert!(!cells.iter().any(|c| c.starts_with('=')), "{cells:?}");
}

#[test]
fn skipped_inputs_are_named_counted_and_give_exit_status_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.txt"), "\u{201c}We are ready for talks,\u{201d} Joe Biden said.\n").unwrap();
    std::fs::write(dir.path().join("empty.txt"), "").unwrap();
    let out = stance(&["score", dir.path().to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("empty.txt"), "{err}");
    assert!(err.contains("2 articles read, 1 scored, 1 skipped"), "{err}");
    assert!(text(&out.stdout).contains("good.txt"));
}

#[test]
fn errors_name_the_problem_and_give_exit_status_2() {
    let out = stance(&["score", "/no/such/folder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/no/such/folder"), "{}", text(&out.stderr));

    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path(), 2);
    let c = c.to_str().unwrap();
    let out = stance(&["score", c, "--model", "/no/such.model"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/no/such.model"), "{}", text(&out.stderr));

    let out = stance(&["score", c, "--threads", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--threads"), "{}", text(&out.stderr));

    // --resume needs -o.
    let out = stance(&["score", c, "--resume"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--output"), "{}", text(&out.stderr));
}

#[test]
fn output_file_is_written_whole_with_no_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path(), 40);
    let o = dir.path().join("out.csv");
    let out = stance(&["score", c.to_str().unwrap(), "-o", o.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let to_stdout = stance(&["score", c.to_str().unwrap()]);
    assert_eq!(std::fs::read(&o).unwrap(), to_stdout.stdout);
    let mut names: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["corpus.jsonl", "out.csv"]);
}

/// `-o /dev/null` (timing runs do it) must write into the device: the
/// partial-file-and-rename used for regular files would replace /dev/null
/// with a regular file for the whole machine.
#[cfg(unix)]
#[test]
fn a_device_output_is_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path(), 5);
    let out = stance(&["score", c.to_str().unwrap(), "-o", "/dev/null"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    assert!(!Path::new("/dev/null.partial").exists() && !Path::new("/dev/null.partial.json").exists());
    let resume = stance(&["score", c.to_str().unwrap(), "-o", "/dev/null", "--resume"]);
    assert_eq!(resume.status.code(), Some(2));
    assert!(text(&resume.stderr).contains("not a regular file"), "{}", text(&resume.stderr));
}

/// A made-up wire story that the dedup tests reprint.
const FERRY_STORY: &str = "Harbour officials in Valmora said on Tuesday that the northern ferry line to Ostrel \
    would close for repairs until March 2031, stranding hundreds of commuters.\n\n\
    \u{201c}This decision is a betrayal of the islanders and their children,\u{201d} Joe Biden said.\n\n\
    The ministry answered that the vessels were forty years old and unsafe for winter crossings.";

/// `--dedup-window N`: a reprint N or more articles after its story is no
/// longer matched (memory stays bounded); nearer ones still are, and the
/// window is part of what `--resume` checks.
#[test]
fn the_dedup_window_bounds_how_far_back_reprints_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let story = FERRY_STORY;
    std::fs::write(dir.path().join("a0.txt"), story).unwrap();
    let others = [
        "Farmers in the lowlands warned that the late frost had ruined most of the apricot harvest this spring.",
        "The city council approved a new bicycle lane along the river despite objections from shop owners.",
        "A chess tournament drew two hundred players from nine countries to the old library hall.",
        "Engineers finished testing the flood barrier after three years of delays and rising costs.",
    ];
    for (i, o) in others.iter().enumerate() {
        std::fs::write(dir.path().join(format!("a{}.txt", i + 1)), o).unwrap();
    }
    std::fs::write(dir.path().join("a5.txt"), format!("Reprinted from the Valmora Courier.\n\n{story}")).unwrap();
    let marked = |window: &str| -> bool {
        let out = stance(&["score", dir.path().to_str().unwrap(), "--format", "jsonl", "--dedup-window", window]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|r| r["doc"].as_str().unwrap().ends_with("a5.txt"))
            .any(|r| r["duplicate_of"].as_str().is_some_and(|d| d.ends_with("a0.txt:1")))
    };
    assert!(marked("0"), "no window: found");
    assert!(marked("12"), "five articles back, window of 12 (6 always kept): found");
    assert!(!marked("4"), "five articles back, window of 4: forgotten");
}

#[test]
fn a_reprinted_article_has_its_quotes_marked() {
    let dir = tempfile::tempdir().unwrap();
    let story = FERRY_STORY;
    std::fs::write(dir.path().join("a.txt"), story).unwrap();
    std::fs::write(dir.path().join("b.txt"), format!("Reprinted from the Valmora Courier.\n\n{story}")).unwrap();
    let out = stance(&["score", dir.path().to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let a: Vec<_> = rows.iter().filter(|r| r["doc"].as_str().unwrap().ends_with("a.txt")).collect();
    let b: Vec<_> = rows.iter().filter(|r| r["doc"].as_str().unwrap().ends_with("b.txt")).collect();
    assert!(!a.is_empty() && a.len() == b.len(), "{rows:?}");
    assert!(a.iter().all(|r| r["duplicate_of"].is_null()));
    for r in b {
        let d = r["duplicate_of"].as_str().unwrap_or_else(|| panic!("not marked: {r}"));
        assert!(d.ends_with(&format!("a.txt:{}", r["quote"])), "{d}");
    }
}
