#!/usr/bin/env python3
"""How far bag-of-words models can go on the real evaluation quotes (issue 3's 0.60).

usage: benches/tone_ceiling.py [--stance BIN] [--folds K]

Prints macro-F1 on ../shared/eval/quotes.csv for four families of measurement, so
that the shipped model's figure can be read against what its model class reaches:

1. other bag-of-words learners trained on labels/tone/*.csv (scikit-learn: counts
   and TF-IDF, words and character n-grams, logistic regression, linear SVM, naive
   Bayes), each with a few settings. The best of these is chosen on the evaluation
   set itself, so it is an optimistic figure.
2. in-domain: article-grouped K-fold cross-validation on the evaluation quotes
   (no quote's article is in its own training fold), alone and added to labels/
   with weights 1, 5 and 20. This is what real, labelled war coverage would buy;
   the project may not train on it (../shared is for measurement only).
3. the shipped model (`stance predict`), and the same probabilities with the best
   per-label prior weights chosen on the evaluation set (a grid of 5^4): the most
   any recalibration of its label mix could give.

Nothing here is used to build the model; it measures the ceiling only.
"""
import csv, glob, itertools, os, subprocess, sys
import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
EVAL = os.path.join(ROOT, "..", "shared", "eval", "quotes.csv")
LABELS = ["accusatory", "conciliatory", "neutral", "pessimistic"]


def main():
    args = sys.argv[1:]
    opts = {"--stance": os.path.join(ROOT, "target", "release", "stance"), "--folds": "5"}
    for k in list(opts):
        if k in args:
            i = args.index(k); opts[k] = args[i + 1]; del args[i:i + 2]
    if args:
        sys.exit(__doc__)
    if not os.path.exists(EVAL):
        sys.exit(f"tone_ceiling: {EVAL} not found (../shared is beside developer checkouts and CI only)")
    train = []
    for f in sorted(glob.glob(os.path.join(ROOT, "labels", "tone", "*.csv"))):
        with open(f, encoding="utf-8") as fh:
            train += list(csv.DictReader(fh))
    X = [r["text"] for r in train]; y = [r["label"] for r in train]
    with open(EVAL, encoding="utf-8") as fh:
        ev = list(csv.DictReader(fh))
    Xe = [r["text"] for r in ev]; ye = np.array([r["label"] for r in ev])
    f1 = lambda pred: f1_score(ye, pred, average="macro")
    print(f"labels/: {len(X)} statements; evaluation: {len(Xe)} real quotes in "
          f"{len(set(r['doc'] for r in ev))} articles")

    print("\n1. bag-of-words learners trained on labels/ (best setting chosen on the evaluation set)")
    word = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True)
    counts = CountVectorizer(ngram_range=(1, 2), min_df=2, binary=True)
    W, We = word.fit_transform(X), word.transform(Xe)
    Ch, Che = chars.fit_transform(X), chars.transform(Xe)
    WC, WCe = hstack([W, Ch]).tocsr(), hstack([We, Che]).tocsr()
    B, Be = counts.fit_transform(X), counts.transform(Xe)
    families = [
        ("counts, words 1-2, logistic", [(f"C={c}", lambda c=c: LogisticRegression(C=c, max_iter=3000).fit(B, y).predict(Be)) for c in (1, 10, 100)]),
        ("tf-idf, words 1-2, logistic", [(f"C={c}", lambda c=c: LogisticRegression(C=c, max_iter=3000).fit(W, y).predict(We)) for c in (1, 10, 100)]),
        ("tf-idf, words 1-2 + chars 2-5, logistic", [(f"C={c}", lambda c=c: LogisticRegression(C=c, max_iter=3000).fit(WC, y).predict(WCe)) for c in (1, 10, 100)]),
        ("tf-idf, words 1-2 + chars 2-5, linear SVM", [(f"C={c}", lambda c=c: LinearSVC(C=c).fit(WC, y).predict(WCe)) for c in (0.1, 0.5, 1)]),
        ("counts, words 1-2, naive Bayes", [(f"alpha={a}", lambda a=a: MultinomialNB(alpha=a).fit(B, y).predict(Be)) for a in (0.1, 0.5, 1)]),
    ]
    for name, runs in families:
        scores = [(f1(fit()), setting) for setting, fit in runs]
        best = max(scores)
        print(f"   {name:44} best {best[0]:.3f} ({best[1]});  all: " + " ".join(f"{s:.3f}" for s, _ in scores))

    k = int(opts["--folds"])
    print(f"\n2. in-domain: {k}-fold cross-validation on the evaluation quotes, grouped by article (counts, words 1-2, logistic C=1)")
    groups = [r["doc"] for r in ev]
    Xe_arr = np.array(Xe, dtype=object)
    for weight in (None, 1, 5, 20):
        pred = np.empty(len(ye), dtype=object)
        for a, b in GroupKFold(k).split(Xe_arr, ye, groups):
            texts = ([] if weight is None else X) + list(Xe_arr[a])
            labels = ([] if weight is None else y) + list(ye[a])
            sw = ([] if weight is None else [1.0] * len(X)) + [float(weight or 1)] * len(a)
            v = CountVectorizer(ngram_range=(1, 2), min_df=1, binary=True)
            m = LogisticRegression(C=1, max_iter=3000).fit(v.fit_transform(texts), labels, sample_weight=sw)
            pred[b] = m.predict(v.transform(Xe_arr[b]))
        what = "evaluation folds alone" if weight is None else f"labels/ + evaluation folds, weight {weight}"
        print(f"   {what:44} {f1(pred):.3f}")

    print("\n3. the shipped model")
    bin_ = opts["--stance"]
    if not os.path.exists(bin_):
        print(f"   {bin_} not built (cargo build --release); skipped")
        return
    out = subprocess.run([bin_, "predict", EVAL], check=True, capture_output=True, text=True).stdout
    rows = list(csv.DictReader(out.splitlines()))
    P = np.array([[float(r["p_" + l]) for l in LABELS] for r in rows])
    shipped = [r["pred_label"] for r in rows]
    print(f"   {'as shipped':44} {f1(shipped):.3f}")
    best = max((f1([LABELS[i] for i in (P * np.array(w)).argmax(1)]), w)
               for w in itertools.product((0.25, 0.5, 1, 2, 4), repeat=4))
    print(f"   {'best label-prior weights (oracle)':44} {best[0]:.3f} (weights {best[1]})")


if __name__ == "__main__":
    main()
