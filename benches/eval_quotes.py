#!/usr/bin/env python3
"""Score `stance quotes` / `stance score` output against the gold quotes of ../shared/eval.

usage: eval_quotes.py PRED.jsonl [--gold ../shared/eval/quotes.jsonl] [--overlap 0.5] [--misses N]

PRED.jsonl: one row per quote part, as `stance quotes --format jsonl` writes it
({"doc": path ending in the article's file name, "start", "end" (code points, marks
excluded), "speaker", "side", and for `score` output "label"}).

A prediction matches the unused gold quote of the same article it overlaps most, if
intersection / union >= --overlap (the PolNeAR scorer's rule). Speaker is right when
predicted and gold names share a content word (so "Mr Reznikov" matches "Oleksii
Reznikov"); side is right when the codes are equal. With labels present, the tone of
matched quotes is scored too (accuracy and macro-F1 over the four labels).
Prints one JSON object.
"""
import json, os, re, sys
from collections import defaultdict

STOP = {"the", "a", "an", "of", "and", "mr", "mrs", "ms", "dr", "president", "spokesman",
        "spokeswoman", "spokesperson", "minister", "former", "secretary", "said"}

def tokens(s):
    return {t for t in re.findall(r"[a-z][a-z'\-]+", (s or "").lower()) if len(t) >= 3 and t not in STOP}

def main():
    args = sys.argv[1:]
    opts = {"--gold": os.path.join(os.path.dirname(__file__), "..", "..", "shared", "eval", "quotes.jsonl"),
            "--overlap": "0.5", "--misses": "0"}
    for k in list(opts):
        if k in args:
            i = args.index(k); opts[k] = args[i + 1]; del args[i:i + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    thr, show = float(opts["--overlap"]), int(opts["--misses"])
    gold = defaultdict(list)
    for line in open(opts["--gold"], encoding="utf-8"):
        if line.strip():
            g = json.loads(line); gold[g["doc"]].append(g)
    preds = defaultdict(list)
    for line in open(args[0], encoding="utf-8"):
        if line.strip():
            r = json.loads(line); preds[os.path.basename(str(r["doc"]))].append(r)
    tp = fp = n_gold = spk_ok = side_ok = 0
    tone = []
    misses, wrong = [], []
    for doc in sorted(set(gold) | set(preds)):
        g = gold.get(doc, [])
        if doc not in gold:
            continue  # articles without gold are not scored
        n_gold += len(g)
        used = set()
        for r in sorted(preds.get(doc, []), key=lambda r: (int(r["start"]), int(r["end"]))):
            a, b = int(r["start"]), int(r["end"])
            best, bi = 0.0, None
            for i, x in enumerate(g):
                s, e = x["start"], x["end"]
                inter = max(0, min(b, e) - max(a, s)); union = max(b, e) - min(a, s)
                ov = inter / union if union else 0.0
                if ov > best and i not in used:
                    best, bi = ov, i
            if bi is None or best < thr:
                fp += 1
                continue
            used.add(bi); tp += 1
            x = g[bi]
            ok = bool(tokens(r.get("speaker")) & tokens(x["speaker"]))
            spk_ok += ok
            side_ok += (r.get("side") or "") == x["speaker_side"]
            if not ok:
                wrong.append((doc, x["start"], x["speaker"], r.get("speaker")))
            if r.get("label"):
                tone.append((x["label"], r["label"]))
        misses += [(doc, x["start"], x["text"][:60]) for i, x in enumerate(g) if i not in used]
    p = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / n_gold if n_gold else 0.0
    out = {"gold_quotes": n_gold, "predicted": tp + fp, "matched": tp, "false_positives": fp,
           "overlap": thr, "precision": round(p, 4), "recall": round(rc, 4),
           "f1": round(2 * p * rc / (p + rc), 4) if p + rc else 0.0,
           "speaker_accuracy": round(spk_ok / tp, 4) if tp else None,
           "side_accuracy": round(side_ok / tp, 4) if tp else None}
    if tone:
        labels = sorted({g for g, _ in tone})
        f1s = []
        for l in labels:
            t = sum(1 for g, q in tone if g == l and q == l)
            pp = sum(1 for _, q in tone if q == l); gg = sum(1 for g, _ in tone if g == l)
            pr, rr = (t / pp if pp else 0.0), (t / gg if gg else 0.0)
            f1s.append(2 * pr * rr / (pr + rr) if pr + rr else 0.0)
        out["tone_accuracy"] = round(sum(g == q for g, q in tone) / len(tone), 4)
        out["tone_macro_f1"] = round(sum(f1s) / len(f1s), 4)
    print(json.dumps(out))
    for m in misses[:show]:
        print("MISS", *m, file=sys.stderr)
    for w in wrong[:show]:
        print("SPEAKER", *w, file=sys.stderr)

if __name__ == "__main__":
    main()
