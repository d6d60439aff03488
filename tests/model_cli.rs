//! train → eval → predict → explain through the binary, bad training input,
//! and hostile model files.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn stance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stance")).args(args).output().expect("running stance")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// A small labelled set written for this test: four tones, varied wording.
fn training_csv(dir: &Path) -> PathBuf {
    let rows = [
        ("They lied to the world and must answer for this aggression", "accusatory"),
        ("Their provocations are criminal and reckless", "accusatory"),
        ("This is blackmail, pure and simple", "accusatory"),
        ("They are to blame for every broken promise", "accusatory"),
        ("The regime's lies will not go unpunished", "accusatory"),
        ("Shameful hypocrisy from the other side", "accusatory"),
        ("We are ready to talk and we welcome their offer", "conciliatory"),
        ("Dialogue is the only way forward, and we extend our hand", "conciliatory"),
        ("We appreciate their constructive approach", "conciliatory"),
        ("There is room for cooperation and good will", "conciliatory"),
        ("We hope to build trust together", "conciliatory"),
        ("Both sides showed real willingness to compromise", "conciliatory"),
        ("Relations are at their lowest point and there is no hope", "pessimistic"),
        ("I do not expect any progress soon", "pessimistic"),
        ("Things will only get worse from here", "pessimistic"),
        ("The talks are dead, nothing will come of them", "pessimistic"),
        ("We see no light at the end of this tunnel", "pessimistic"),
        ("A dangerous spiral with no way out", "pessimistic"),
        ("The delegation will arrive on Tuesday", "neutral"),
        ("The ministry published the schedule of the meeting", "neutral"),
        ("We will announce the results when they are ready", "neutral"),
        ("The talks take place in Geneva", "neutral"),
        ("The spokesman declined to comment on the report", "neutral"),
        ("The agenda includes trade and visas", "neutral"),
    ];
    let mut s = String::from("id,text,label\n");
    for (i, (t, l)) in rows.iter().enumerate() {
        s.push_str(&format!("r{i},\"{t}\",{l}\n"));
    }
    let p = dir.join("train.csv");
    std::fs::write(&p, s).unwrap();
    p
}

fn train(dir: &Path) -> PathBuf {
    let csv = training_csv(dir);
    let model = dir.join("m.stance");
    let o = stance(&["train", csv.to_str().unwrap(), "-o", model.to_str().unwrap(), "--folds", "3", "--c", "1,10"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "train failed: {err}");
    assert!(out.contains("macro-F1") && out.contains("confusion"), "{out}");
    assert!(err.contains("C = 10"), "{err}");
    model
}

#[test]
fn train_eval_predict_explain() {
    let d = tempfile::tempdir().unwrap();
    let model = train(d.path());
    let m = model.to_str().unwrap();
    let csv = d.path().join("train.csv");

    let o = stance(&["eval", csv.to_str().unwrap(), "--model", m, "--json"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rows"], 24);
    assert!(v["accuracy"].as_f64().unwrap() > 0.9, "training accuracy {out}");

    let pred = d.path().join("pred.csv");
    let o = stance(&["predict", csv.to_str().unwrap(), "--model", m, "-o", pred.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o).1);
    let body = std::fs::read_to_string(&pred).unwrap();
    let mut lines = body.lines();
    // "label" exists in the input, so the prediction column is renamed.
    assert_eq!(
        lines.next().unwrap(),
        "id,text,label,pred_label,p_accusatory,p_conciliatory,p_neutral,p_pessimistic"
    );
    assert_eq!(lines.count(), 24);

    let o = stance(&["explain", "--model", m, "--top", "3"]);
    let (out, _) = text(&o);
    assert!(o.status.success());
    for l in ["accusatory:", "conciliatory:", "neutral:", "pessimistic:"] {
        assert!(out.contains(l), "{out}");
    }
    let o = stance(&["explain", "--model", m, "They lied, shameful hypocrisy"]);
    let (out, _) = text(&o);
    assert!(out.contains("predicted: accusatory"), "{out}");
    assert!(out.contains("lied"), "{out}");
}

#[test]
fn eval_with_unknown_labels_fails_or_skips() {
    let d = tempfile::tempdir().unwrap();
    let model = train(d.path());
    let csv = d.path().join("odd.csv");
    std::fs::write(&csv, "text,label\nThey lied,accusatory\nwe laughed,amused\n").unwrap();
    let o = stance(&["eval", csv.to_str().unwrap(), "--model", model.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("\"amused\"") && err.contains("odd.csv:3:2") && err.contains("--skip-unknown"), "{err}");
    let o = stance(&["eval", csv.to_str().unwrap(), "--model", model.to_str().unwrap(), "--skip-unknown"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(out.contains("rows: 1"), "{out}");
    assert!(err.contains("skipped 1 rows"), "{err}");
}

#[test]
fn bad_training_input_names_file_line_and_column() {
    let d = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[u8], &str)] = &[
        ("missing.csv", b"words,tone\nx,neutral\n", "missing.csv:1: no column named \"text\"; the columns found are: \"words\", \"tone\""),
        ("empty_text.csv", b"text,label\nok,neutral\n\"\",neutral\n", "empty_text.csv:3:1: empty text"),
        ("single.csv", b"text,label\na,neutral\nb,neutral\n", "at least two different labels"),
        ("ragged.csv", b"text,label\na,neutral\nb,neutral,extra\n", "ragged.csv:3:3: malformed CSV"),
        ("latin1.csv", b"text,label\ncaf\xe9 talks,neutral\n", "latin1.csv:2:1: invalid UTF-8"),
        ("empty.csv", b"", "empty.csv: the file is empty"),
    ];
    for (name, bytes, want) in cases {
        let p = d.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let o = stance(&["train", p.to_str().unwrap(), "-o", d.path().join("x.model").to_str().unwrap()]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(want), "{name}: expected {want:?} in {err:?}");
    }
    // An unknown label against --labels.
    let p = d.path().join("typo.csv");
    std::fs::write(&p, "text,label\na,neutral\nb,acusatory\n").unwrap();
    let o = stance(&["train", p.to_str().unwrap(), "--labels", "neutral,accusatory"]);
    let (_, err) = text(&o);
    assert!(err.contains("\"acusatory\" (1 rows, first at ") && err.contains("typo.csv:3:2"), "{err}");
    assert!(!d.path().join("x.model").exists(), "no model is written on error");
}

/// Rewrites a model file with a new payload and a valid checksum, so that
/// only the payload's claims are tested.
fn reseal(bytes: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = bytes[..12].to_vec();
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&Sha256::digest(payload));
    out.extend_from_slice(payload);
    out
}

#[test]
fn hostile_model_files_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let model = train(d.path());
    let good = std::fs::read(&model).unwrap();
    let csv = d.path().join("train.csv");
    let check = |name: &str, bytes: &[u8], want: &str| {
        let p = d.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let o = stance(&["eval", csv.to_str().unwrap(), "--model", p.to_str().unwrap()]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(want), "{name}: expected {want:?} in {err:?}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    };
    check("truncated.model", &good[..good.len() - 100], "truncated");
    check("header_only.model", &good[..30], "truncated");
    let mut tampered = good.clone();
    let i = good.len() - 20;
    tampered[i] ^= 0x40;
    check("tampered.model", &tampered, "checksum does not match");
    let mut newer = good.clone();
    newer[8..12].copy_from_slice(&99u32.to_le_bytes());
    check("newer.model", &newer, "format version 99, newer than");
    check("text.model", b"this is not a model file at all, just some words here and there", "not a stance model file");
    check("empty.model", b"", "truncated");

    // A header that claims 10^12 features, correctly checksummed: refused
    // by the size check before anything is allocated.
    let payload = &good[52..];
    let meta_len = u32::from_le_bytes(payload[..4].try_into().unwrap()) as usize;
    let meta: serde_json::Value = serde_json::from_slice(&payload[4..4 + meta_len]).unwrap();
    let mut giant = meta.clone();
    giant["n_features"] = serde_json::json!(1_000_000_000_000u64);
    let giant_meta = serde_json::to_vec(&giant).unwrap();
    let mut p2 = (giant_meta.len() as u32).to_le_bytes().to_vec();
    p2.extend_from_slice(&giant_meta);
    p2.extend_from_slice(&payload[4 + meta_len..]);
    check("giant.model", &reseal(&good, &p2), "declares 1000000000000 features");

    // A model for other labels than the data: eval says which.
    let mut other = meta.clone();
    other["labels"] = serde_json::json!(["a", "b", "c", "d"]);
    let other_meta = serde_json::to_vec(&other).unwrap();
    let mut p3 = (other_meta.len() as u32).to_le_bytes().to_vec();
    p3.extend_from_slice(&other_meta);
    p3.extend_from_slice(&payload[4 + meta_len..]);
    let p = d.path().join("other.model");
    std::fs::write(&p, reseal(&good, &p3)).unwrap();
    let o = stance(&["eval", csv.to_str().unwrap(), "--model", p.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert!(err.contains("the model's labels are a, b, c, d"), "{err}");
}

#[test]
fn the_builtin_model_is_used_without_model_flag() {
    let d = tempfile::tempdir().unwrap();
    let csv = d.path().join("in.csv");
    std::fs::write(&csv, "text\nWe welcome the talks\n").unwrap();
    let o = stance(&["predict", csv.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.starts_with("text,label,p_"), "{out}");
    assert_eq!(out.lines().count(), 2);
}

#[test]
fn a_killed_training_run_leaves_the_old_model_intact() {
    let d = tempfile::tempdir().unwrap();
    let model = train(d.path());
    let old = std::fs::read(&model).unwrap();
    // Enough generated rows that training takes a while: random words, and
    // cue words that tell the labels apart (with no signal at all the
    // gradient at zero is already below the tolerance and training stops
    // at once).
    let big = d.path().join("big.csv");
    let mut s = String::from("text,label\n");
    let labels = ["accusatory", "conciliatory", "neutral", "pessimistic"];
    let mut x: u64 = 7;
    for i in 0..60_000 {
        let mut words = Vec::new();
        for _ in 0..12 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            words.push(format!("w{}", x % 20_000));
        }
        words.push(format!("cue{}x{}", i % 4, x % 50));
        s.push_str(&format!("{},{}\n", words.join(" "), labels[i % 4]));
    }
    std::fs::write(&big, s).unwrap();
    for delay_ms in [50u64, 400, 1500] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stance"))
            .args(["train", big.to_str().unwrap(), "-o", model.to_str().unwrap(), "--folds", "0", "--c", "100"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let now = std::fs::read(&model).unwrap();
        if status.success() || now != old {
            // It finished before the kill (or was killed while exiting, after
            // the rename): the new model must be whole.
            let o = stance(&["explain", "--model", model.to_str().unwrap(), "--top", "1"]);
            assert!(o.status.success(), "killed after {delay_ms} ms: {}", text(&o).1);
            return;
        }
        assert_eq!(now, old, "killed after {delay_ms} ms: the old model must be untouched");
    }
}
