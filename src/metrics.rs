//! Classification metrics: accuracy, per-class precision / recall / F1,
//! macro-F1 and the confusion matrix, as `train` and `eval` print them.
//!
//! Macro-F1 averages over the labels that occur in the gold labels or the
//! predictions, the way scikit-learn's `f1_score(average="macro")` does, so
//! the figures can be put beside the baseline's.

use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Counts of (gold, predicted) pairs over a fixed label set.
#[derive(Clone, Debug, PartialEq)]
pub struct Confusion {
    labels: Vec<String>,
    /// `counts[gold][predicted]`.
    counts: Vec<Vec<u64>>,
}

/// One label's scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassReport {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Gold rows with this label.
    pub support: u64,
}

/// Everything `eval --json` prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub rows: u64,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub per_class: Vec<ClassReport>,
    pub labels: Vec<String>,
    /// `confusion[gold][predicted]`, in `labels` order.
    pub confusion: Vec<Vec<u64>>,
}

/// One point of the regularisation search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridPoint {
    pub c: f64,
    pub accuracy: f64,
    pub macro_f1: f64,
}

/// What cross-validation found; stored in the model file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CvSummary {
    pub folds: usize,
    /// Whether folds kept groups (files, conflicts) whole.
    #[serde(default)]
    pub grouped: bool,
    pub grid: Vec<GridPoint>,
    pub best_c: f64,
    /// Out-of-fold predictions at the best C.
    pub report: Report,
}

impl Confusion {
    pub fn new(labels: &[String]) -> Confusion {
        Confusion { labels: labels.to_vec(), counts: vec![vec![0; labels.len()]; labels.len()] }
    }

    pub fn add(&mut self, gold: usize, predicted: usize) {
        self.counts[gold][predicted] += 1;
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    pub fn accuracy(&self) -> f64 {
        let t = self.total();
        if t == 0 {
            return 0.0;
        }
        (0..self.labels.len()).map(|i| self.counts[i][i]).sum::<u64>() as f64 / t as f64
    }

    pub fn per_class(&self) -> Vec<ClassReport> {
        let k = self.labels.len();
        (0..k)
            .map(|c| {
                let tp = self.counts[c][c] as f64;
                let gold: u64 = self.counts[c].iter().sum();
                let pred: u64 = (0..k).map(|g| self.counts[g][c]).sum();
                let precision = if pred > 0 { tp / pred as f64 } else { 0.0 };
                let recall = if gold > 0 { tp / gold as f64 } else { 0.0 };
                let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
                ClassReport { label: self.labels[c].clone(), precision, recall, f1, support: gold }
            })
            .collect()
    }

    /// Mean F1 over labels seen in the gold labels or the predictions.
    pub fn macro_f1(&self) -> f64 {
        let k = self.labels.len();
        let per = self.per_class();
        let seen: Vec<f64> = (0..k)
            .filter(|&c| self.counts[c].iter().sum::<u64>() > 0 || (0..k).any(|g| self.counts[g][c] > 0))
            .map(|c| per[c].f1)
            .collect();
        if seen.is_empty() {
            0.0
        } else {
            seen.iter().sum::<f64>() / seen.len() as f64
        }
    }

    pub fn report(&self) -> Report {
        Report {
            rows: self.total(),
            accuracy: self.accuracy(),
            macro_f1: self.macro_f1(),
            per_class: self.per_class(),
            labels: self.labels.clone(),
            confusion: self.counts.clone(),
        }
    }
}

impl Report {
    /// The human-readable form: summary, per-class table, confusion matrix.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "rows: {}   accuracy: {:.4}   macro-F1: {:.4}", self.rows, self.accuracy, self.macro_f1);
        let w = self.labels.iter().map(|l| l.len()).max().unwrap_or(5).max(5);
        let _ = writeln!(s, "\n{:<w$}  precision  recall      f1  support", "label");
        for c in &self.per_class {
            let _ = writeln!(s, "{:<w$}  {:>9.4}  {:>6.4}  {:>6.4}  {:>7}", c.label, c.precision, c.recall, c.f1, c.support);
        }
        let cw = w.max(6);
        let _ = write!(s, "\nconfusion (rows: gold, columns: predicted)\n{:<w$}", "");
        for l in &self.labels {
            let _ = write!(s, "  {:>cw$}", l);
        }
        s.push('\n');
        for (g, row) in self.confusion.iter().enumerate() {
            let _ = write!(s, "{:<w$}", self.labels[g]);
            for v in row {
                let _ = write!(s, "  {:>cw$}", v);
            }
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        ["a", "b", "c"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn scores_match_hand_computation() {
        let mut m = Confusion::new(&labels());
        // gold a: predicted a, a, b; gold b: predicted b; gold c: none.
        m.add(0, 0);
        m.add(0, 0);
        m.add(0, 1);
        m.add(1, 1);
        assert_eq!(m.total(), 4);
        assert!((m.accuracy() - 0.75).abs() < 1e-12);
        let p = m.per_class();
        assert!((p[0].precision - 1.0).abs() < 1e-12);
        assert!((p[0].recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((p[1].precision - 0.5).abs() < 1e-12);
        // c never occurs, so macro-F1 averages a and b only (as sklearn).
        let f1a = 2.0 * (2.0 / 3.0) / (1.0 + 2.0 / 3.0);
        let f1b = 2.0 * 0.5 / 1.5;
        assert!((m.macro_f1() - (f1a + f1b) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn render_lists_every_label() {
        let mut m = Confusion::new(&labels());
        m.add(2, 1);
        let r = m.report().render();
        for l in labels() {
            assert!(r.contains(&l));
        }
        assert!(r.contains("macro-F1: 0.0000"));
    }
}
