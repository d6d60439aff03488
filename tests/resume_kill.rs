//! A `stance score -o FILE` run killed with SIGKILL midway leaves FILE as it
//! was, a partial output that is a whole-row prefix of the complete one, and
//! `--resume` finishes it to the same bytes as an uninterrupted run, without
//! scoring any article twice.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stance"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A JSONL corpus large enough that scoring it takes a while: made-up
/// articles, each with a few attributed quotes.
fn corpus(dir: &Path, n: usize) -> PathBuf {
    let speakers = ["Dmitry Peskov", "Joe Biden", "Maria Zakharova", "Antony Blinken"];
    let words = ["harbour", "grain", "talks", "border", "treaty", "winter", "council", "pipeline", "ferry", "sanctions", "envoy", "vote"];
    let mut s = String::new();
    for i in 0..n {
        let mut body = String::new();
        for k in 0..12 {
            let w = |j: usize| words[(i * 7 + k * 3 + j) % words.len()];
            body.push_str(&format!(
                "Reporters asked about the {} and the {} in dispatch {i}-{k}. \u{201c}The {} is not our fault and the {} will wait,\u{201d} {} said. ",
                w(0),
                w(1),
                w(2),
                w(5),
                speakers[(i + k) % 4]
            ));
            body.push_str("\n\n");
        }
        s.push_str(&serde_json::json!({"id": format!("k{i:05}"), "text": body}).to_string());
        s.push('\n');
    }
    let p = dir.join("corpus.jsonl");
    std::fs::write(&p, s).unwrap();
    p
}

fn score(args: &[&str]) -> Output {
    bin().arg("score").args(args).output().unwrap()
}

/// Committed article count recorded by the sidecar, if it exists yet.
fn committed(sidecar: &Path) -> u64 {
    std::fs::read(sidecar)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["items"].as_u64())
        .unwrap_or(0)
}

/// Starts `score -o out` and SIGKILLs it once the sidecar shows at least
/// `after` articles committed (or the run ended by itself).
fn kill_after(args: &[&str], sidecar: &Path, after: u64) {
    let mut child = bin().arg("score").args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        if committed(sidecar) >= after || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
}

#[test]
fn killed_runs_leave_the_old_file_and_resume_to_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    // Large enough that a run is still going when the sidecar first shows
    // progress (checkpoints come every 16 chunks, 128 articles here).
    let c = corpus(dir.path(), 6000);
    let c = c.to_str().unwrap();
    let whole = dir.path().join("whole.csv");
    let out = score(&[c, "-o", whole.to_str().unwrap(), "--chunk", "8", "--threads", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let reference = std::fs::read(&whole).unwrap();

    let target = dir.path().join("out.csv");
    std::fs::write(&target, "old contents\n").unwrap();
    let partial = dir.path().join("out.csv.partial");
    let sidecar = dir.path().join("out.csv.partial.json");
    let t = target.to_str().unwrap();
    let args = [c, "-o", t, "--chunk", "8", "--threads", "2"];

    kill_after(&args, &sidecar, 200);
    assert_eq!(std::fs::read(&target).unwrap(), b"old contents\n", "a killed run touched the target");
    let p = std::fs::read(&partial).expect("partial output kept for --resume");
    assert!(reference.starts_with(&p), "the partial output is not a prefix of the complete one");
    assert!(p.ends_with(b"\n"), "the partial output ends inside a row");
    let done_first = committed(&sidecar);
    assert!(done_first > 0 && done_first < 6000, "killed too late to test anything: {done_first}");

    // Without --resume the interrupted run is not silently thrown away.
    let again = score(&args);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("--resume"), "{}", text(&again.stderr));
    // Resuming with other arguments is refused.
    let other = score(&[c, "-o", t, "--chunk", "8", "--format", "jsonl", "--resume"]);
    assert_eq!(other.status.code(), Some(2));
    assert!(text(&other.stderr).contains("other arguments"), "{}", text(&other.stderr));

    // Kill the resumed run too, later on, then let the last one finish.
    let mut resume_args = args.to_vec();
    resume_args.push("--resume");
    kill_after(&resume_args, &sidecar, done_first + 1000);
    let p = std::fs::read(&partial).unwrap();
    assert!(reference.starts_with(&p));
    let before_last = committed(&sidecar);
    let last = score(&resume_args);
    let err = text(&last.stderr);
    assert_eq!(last.status.code(), Some(0), "{err}");
    assert!(err.contains(&format!("resuming: {before_last} articles already scored")), "{err}");
    assert!(err.contains("6000 articles read, 6000 scored"), "counts carried over: {err}");

    assert!(std::fs::read(&target).unwrap() == reference, "resumed output differs from an uninterrupted run");
    assert!(!partial.exists() && !sidecar.exists(), "partial files left behind");
}

#[test]
fn resume_with_nothing_to_resume_scores_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path(), 5);
    let o = dir.path().join("o.jsonl");
    let out = score(&[c.to_str().unwrap(), "-o", o.to_str().unwrap(), "--format", "jsonl", "--resume"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("nothing to resume"));
    assert!(text(&std::fs::read(&o).unwrap()).lines().count() > 5);
}
