#!/usr/bin/env python3
"""usage: labels/check.py labels/tone/*.csv -- validates labelled statements: header, labels,
empty or duplicate texts (also across files), and that no statement repeats a sentence of the
evaluation texts in ../shared (skipped with a note when ../shared is absent)."""
import csv, glob, json, os, re, sys, collections
paths = sys.argv[1:] or sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tone", "*.csv")))
shared = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared")
LABELS = {"accusatory", "pessimistic", "conciliatory", "neutral"}
def norm(s): return re.sub(r"\W+", " ", s.lower()).strip()
errs = []
need = ["text", "label", "speaker", "side", "conflict"]
rows = []
for p in paths:
    part = list(csv.DictReader(open(p, newline="", encoding="utf-8")))
    if part and list(part[0].keys()) != need: errs.append(f"{p}: header must be {need}, got {list(part[0].keys())}")
    rows += [dict(r, _at=f"{p}:{i}") for i, r in enumerate(part, 2)]
seen = {}
dups = []
for r in rows:
    i = r["_at"]
    if r.get("label") not in LABELS: errs.append(f"{i}: bad label {r.get('label')!r}")
    t = (r.get("text") or "").strip()
    if not t: errs.append(f"{i}: empty text")
    n = norm(t)
    if n in seen:
        j, lab = seen[n]
        if lab != r.get("label"): errs.append(f"{i}: same text as {j} with another label")
        else: dups.append(i)
    seen[n] = (i, r.get("label"))
# overlap with shared evaluation text (same rule as the project's before-stop hook)
ev = set()
if not os.path.isdir(shared): print("note: ../shared absent, overlap check skipped")
for f in glob.glob(f"{shared}/seeds/*.txt") + glob.glob(f"{shared}/eval/**/*.txt", recursive=True):
    for s in re.split(r"(?<=[.!?\u201d\"])\s+", open(f, encoding="utf-8", errors="replace").read()):
        s = norm(s)
        if len(s.split()) >= 8: ev.add(s)
for f in glob.glob(f"{shared}/eval/**/*.jsonl", recursive=True):
    for line in open(f, encoding="utf-8"):
        s = norm(json.loads(line).get("text", ""))
        if len(s.split()) >= 8: ev.add(s)
# Every cell, as the hook checks: a long speaker description can repeat an
# evaluation sentence as well as a statement can.
for r in rows:
    i = r["_at"]
    for col in need:
        n = norm(r.get(col) or "")
        if len(n.split()) >= 8 and any(n in s or s in n for s in ev if abs(len(s)-len(n)) < 400 and (n[:40] in s or s[:40] in n)):
            errs.append(f"{i}: the {col} repeats a sentence of ../shared evaluation text")
            break
c = collections.Counter(r["label"] for r in rows)
lens = [len(r["text"].split()) for r in rows]
print(f"{len(rows)} rows; labels {dict(c)}; fragments(<=6 words) {sum(l<=6 for l in lens)}; mean words {sum(lens)/max(1,len(lens)):.1f}")
print(f"speakers {len(set(r['speaker'] for r in rows))}; conflicts {dict(collections.Counter(r['conflict'] for r in rows))}")
if dups: print(f"note: {len(dups)} repeated texts with the same label (short stock phrases such as {dups[0]})")
for e in errs[:30]: print("ERROR", e)
sys.exit(1 if errs else 0)
