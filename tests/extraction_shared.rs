//! Extraction measured on the real articles in `../shared`: the seed
//! articles' expected rows, and the PolNeAR dev and eval figures through the
//! Python scorers. Skips with a message where `../shared` (or python3) is
//! absent: it only exists on developer machines and CI.
//!
//! The floors asserted here are the figures reached when they were written
//! (see the report in the commit history); raise them as extraction improves.

use stance::actors::Actors;
use stance::extract::extract;
use std::path::{Path, PathBuf};
use std::process::Command;

fn shared() -> Option<PathBuf> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if !shared.is_dir() {
        eprintln!("skipping: ../shared not found (it only exists on developer machines and CI)");
        return None;
    }
    Some(shared)
}

fn python() -> bool {
    let ok = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipping: python3 not found (the scorers are Python scripts)");
    }
    ok
}

/// Content words of a name, as the scorers compare speakers.
fn name_tokens(s: &str) -> Vec<String> {
    const STOP: &[&str] = &["the", "a", "an", "of", "and", "mr", "mrs", "ms", "dr", "president", "spokesman", "minister"];
    s.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|t| t.len() >= 3 && !STOP.contains(&t.as_str()))
        .collect()
}

#[test]
fn seed_rows_are_found_with_their_speaker_and_side() {
    let Some(shared) = shared() else { return };
    let seeds = shared.join("seeds");
    let actors = Actors::builtin();
    let mut rdr = csv::Reader::from_path(seeds.join("expected.csv")).unwrap();
    let mut failures = Vec::new();
    let mut rows = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let (file, speaker, side, start) = (&rec[0], &rec[1], &rec[2], &rec[4]);
        rows += 1;
        let text = std::fs::read_to_string(seeds.join(file)).unwrap();
        let qs = extract(&text, &actors);
        let found = qs.iter().filter(|q| q.text.starts_with(start)).collect::<Vec<_>>();
        let right = found.iter().any(|q| {
            q.side.as_deref() == Some(side)
                && q.speaker.as_deref().is_some_and(|s| {
                    s == speaker || name_tokens(s).iter().any(|t| name_tokens(speaker).contains(t))
                })
        });
        if !right {
            let got: Vec<_> = found.iter().map(|q| (q.speaker.clone(), q.side.clone())).collect();
            failures.push(format!("{file}: {start:?} want {speaker}/{side}, got {got:?}"));
        }
    }
    assert!(rows > 20, "expected.csv has {rows} rows");
    assert!(failures.is_empty(), "{} of {rows} seed rows wrong:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn seed_page_clutter_is_not_quoted() {
    let Some(shared) = shared() else { return };
    let seeds = shared.join("seeds");
    let actors = Actors::builtin();
    let mut rdr = csv::Reader::from_path(seeds.join("expected.csv")).unwrap();
    let mut expected: Vec<(String, String)> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        expected.push((rec[0].to_string(), rec[4].to_string()));
    }
    let mut files: Vec<String> = expected.iter().map(|e| e.0.clone()).collect();
    files.dedup();
    let mut stray = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(seeds.join(&file)).unwrap();
        for q in extract(&text, &actors) {
            // Every quote found is (part of) a listed quote, or lists one.
            let listed = expected
                .iter()
                .filter(|e| e.0 == file)
                .any(|e| q.text.starts_with(&e.1) || e.1.starts_with(q.text.trim_end_matches(['.', ',']).trim()) || text_contains_row(&q.text, &e.1));
            if !listed {
                stray.push(format!("{file}: {:?}", q.text));
            }
        }
    }
    assert!(stray.is_empty(), "quotes not in expected.csv:\n{}", stray.join("\n"));
}

fn text_contains_row(quote: &str, row: &str) -> bool {
    quote.contains(row)
}

/// Runs `stance quotes DIR --format jsonl` into a temporary file.
fn run_quotes(dir: &Path) -> tempfile::NamedTempFile {
    let out = tempfile::NamedTempFile::new().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(["quotes", dir.to_str().unwrap(), "--format", "jsonl"])
        .stdout(out.reopen().unwrap())
        .status()
        .unwrap();
    assert!(status.success(), "stance quotes failed on {}", dir.display());
    out
}

fn score(cmd: &mut Command) -> serde_json::Value {
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "scorer failed: {}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8_lossy(&o.stdout);
    let line = s.lines().last().unwrap_or("");
    serde_json::from_str(line).unwrap_or_else(|e| panic!("scorer output {s:?}: {e}"))
}

#[test]
fn polnear_dev_speaker_accuracy() {
    let Some(shared) = shared() else { return };
    if !python() {
        return;
    }
    let dev = shared.join("polnear/dev");
    let pred = run_quotes(&dev.join("text"));
    let v = score(Command::new("python3").arg(shared.join("bench/polnear_score.py")).arg(&dev).arg(pred.path()));
    eprintln!("PolNeAR dev: {v}");
    let f1 = v["f1"].as_f64().unwrap();
    let acc = v["speaker_accuracy"].as_f64().unwrap();
    assert!(acc >= SPEAKER_FLOOR_POLNEAR, "speaker accuracy {acc} < {SPEAKER_FLOOR_POLNEAR}");
    assert!(f1 >= SPAN_F1_FLOOR_POLNEAR, "span F1 {f1} < {SPAN_F1_FLOOR_POLNEAR}");
}

#[test]
fn eval_articles_speaker_and_side() {
    let Some(shared) = shared() else { return };
    if !python() {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/eval_quotes.py");
    if !script.is_file() {
        eprintln!("skipping: benches/eval_quotes.py not found");
        return;
    }
    let pred = run_quotes(&shared.join("eval/articles"));
    let v = score(
        Command::new("python3")
            .arg(&script)
            .arg(pred.path())
            .arg("--gold")
            .arg(shared.join("eval/quotes.jsonl")),
    );
    eprintln!("eval: {v}");
    let spk = v["speaker_accuracy"].as_f64().unwrap();
    let side = v["side_accuracy"].as_f64().unwrap();
    assert!(spk >= SPEAKER_FLOOR_EVAL, "speaker accuracy {spk} < {SPEAKER_FLOOR_EVAL}");
    assert!(side >= SIDE_FLOOR_EVAL, "side accuracy {side} < {SIDE_FLOOR_EVAL}");
}

/// Floors: the targets of issue 2, or the figure reached where lower.
/// Reached on 2026-11-26: PolNeAR dev speaker accuracy 0.945, span F1 0.932;
/// eval speaker 0.853, side 0.880, span F1 0.937. Extraction is
/// deterministic, so the floors can sit close to what is reached.
const SPEAKER_FLOOR_POLNEAR: f64 = 0.92;
const SPAN_F1_FLOOR_POLNEAR: f64 = 0.93;
const SPEAKER_FLOOR_EVAL: f64 = 0.85;
const SIDE_FLOOR_EVAL: f64 = 0.80;
