#!/usr/bin/env python3
"""Is the macro-F1 difference between stance and the scikit-learn baseline on
the test quotes real or noise? Refits the baseline exactly as
../shared/bench/sklearn_baseline.py does, reads stance's predictions for the
same rows, and resamples the test rows (paired bootstrap, fixed seed) to give
a 95% interval for macro-F1(stance) - macro-F1(sklearn).

usage: paired_bootstrap.py TRAIN.csv TEST.csv STANCE_PRED.csv [--ngram-max N] [--min-df N] [--C C] [--tfidf]
STANCE_PRED.csv is `stance predict TEST.csv` output (column pred_label, or label
when the test file has none).
"""
import argparse, csv, random
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r.get("text") and r.get("label")]
    return [r["text"] for r in rows], [r["label"] for r in rows]

ap = argparse.ArgumentParser()
ap.add_argument("train"); ap.add_argument("test"); ap.add_argument("ours")
ap.add_argument("--ngram-max", type=int, default=2); ap.add_argument("--min-df", type=int, default=1)
ap.add_argument("--C", type=float, default=1.0); ap.add_argument("--tfidf", action="store_true")
a = ap.parse_args()
Xtr, ytr = load(a.train)
Xte, yte = load(a.test)
vec = (TfidfVectorizer if a.tfidf else CountVectorizer)(ngram_range=(1, a.ngram_max), min_df=a.min_df)
sk = list(LogisticRegression(C=a.C, max_iter=1000).fit(vec.fit_transform(Xtr), ytr).predict(vec.transform(Xte)))
with open(a.ours, newline="", encoding="utf-8") as f:
    ours = [r["pred_label"] for r in csv.DictReader(f) if r.get("text") and r.get("label")]
assert len(ours) == len(yte), "prediction rows do not match the test rows"
f = lambda y, p: f1_score(y, p, average="macro")
d0 = f(yte, ours) - f(yte, sk)
rng = random.Random(1)
n = len(yte); diffs = []
for _ in range(2000):
    idx = [rng.randrange(n) for _ in range(n)]
    y = [yte[i] for i in idx]
    diffs.append(f(y, [ours[i] for i in idx]) - f(y, [sk[i] for i in idx]))
diffs.sort()
agree = sum(o == s for o, s in zip(ours, sk)) / n
print(f"macro-F1 stance - sklearn = {d0:+.4f}, paired bootstrap 95% interval [{diffs[50]:+.4f}, {diffs[1949]:+.4f}]; "
      f"the two agree on {agree:.0%} of the quotes")
