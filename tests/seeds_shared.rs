//! Golden checks on the five seed articles in ../shared/seeds: the per-speaker
//! table of `stance score | stance tables` names the expected speakers with
//! the expected counts, and the rewritten wire story (001 and 003) is flagged
//! as a duplicate. Skips where ../shared is absent (a user's clone).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn seeds() -> Option<PathBuf> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if !shared.is_dir() {
        eprintln!("skipping: ../shared not found (it only exists on developer machines and CI)");
        return None;
    }
    Some(shared.join("seeds"))
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stance"))
}

/// `stance score SEEDS/*.txt` as CSV.
fn score(seeds: &Path) -> Vec<u8> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(seeds)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let out = bin().arg("score").args(&files).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// `stance tables - ARGS` fed `input`.
fn tables(input: &[u8], args: &[&str]) -> String {
    let out = common::run_with_stdin(&[&["tables", "-"], args].concat(), input);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// speaker → (quotes, parts) from a CSV table.
fn by_speaker(csv: &str) -> BTreeMap<String, (u64, u64)> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[0].to_string(), (rec[1].parse().unwrap(), rec[2].parse().unwrap()))
        })
        .collect()
}

#[test]
fn tables_name_the_expected_speakers_with_the_expected_counts() {
    let Some(seeds) = seeds() else { return };
    let scores = score(&seeds);
    // expected.csv has one row per quote part (a quote broken by its
    // attribution gives two rows), lists a quote printed twice in one article
    // once, and lists every article, so it is compared with the `parts`
    // column of the table that includes repeats of earlier articles.
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    let mut r = csv::Reader::from_path(seeds.join("expected.csv")).unwrap();
    for rec in r.records() {
        *expected.entry(rec.unwrap()[1].to_string()).or_default() += 1;
    }
    let got = by_speaker(&tables(&scores, &["--by", "speaker", "--format", "csv", "--include-duplicates"]));
    let mut wrong = Vec::new();
    for name in ["Dmitry Peskov", "Sergei Ryabkov", "Joe Biden", "Russian Foreign Ministry", "Russian embassy to the United States"] {
        let want = expected[name];
        let have = got.get(name).map(|g| g.1);
        if have != Some(want) {
            wrong.push(format!("{name}: expected {want} quote parts, table has {have:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}\nwhole table: {got:?}", wrong.join("\n"));

    // The default table counts the repeated story once: fewer Peskov quotes.
    let dedup = by_speaker(&tables(&scores, &["--by", "speaker", "--format", "csv"]));
    assert!(dedup["Dmitry Peskov"].0 < got["Dmitry Peskov"].0, "{dedup:?} vs {got:?}");
}

#[test]
fn the_rewritten_wire_story_is_flagged_as_a_duplicate_of_the_first() {
    let Some(seeds) = seeds() else { return };
    let scores = score(&seeds);
    let mut r = csv::Reader::from_reader(scores.as_slice());
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (doc, dup) = (col("doc"), col("duplicate_of"));
    let mut marked: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        // A quote printed twice in one article points at its own article;
        // only repeats of another article matter here.
        let own = rec[dup].rsplit_once(':').is_some_and(|(d, _)| d == &rec[doc]);
        if !rec[dup].is_empty() && !own {
            let name = Path::new(&rec[doc]).file_name().unwrap().to_string_lossy().into_owned();
            marked.entry(name).or_default().push(rec[dup].to_string());
        }
    }
    let in_003 = marked.remove("003_4bbbf8f6627909ee.txt").unwrap_or_default();
    assert!(!in_003.is_empty(), "no quote of 003 is marked as a repeat");
    assert!(in_003.iter().all(|d| d.contains("001_510ed8611bf5d889.txt:")), "{in_003:?}");
    // No other article is a reprint.
    assert!(marked.is_empty(), "unexpected duplicates: {marked:?}");
}

#[test]
fn only_001_and_003_are_the_same_story() {
    let Some(seeds) = seeds() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&seeds)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let sk: Vec<_> = files.iter().map(|p| stance::dedup::sketch(&std::fs::read_to_string(p).unwrap(), &[])).collect();
    for i in 0..sk.len() {
        for j in i + 1..sk.len() {
            let s = stance::dedup::similarity(&sk[i], &sk[j]);
            eprintln!("seeds {i} {j}: estimated Jaccard {s:.3}");
            let same = (i, j) == (1, 3);
            assert_eq!(s >= stance::dedup::DOC_THRESHOLD, same, "pair {i} {j}: {s:.3}");
        }
    }
}
