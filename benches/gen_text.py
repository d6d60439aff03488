#!/usr/bin/env python3
"""Writes N rows of generated labelled text (text,label) for the training-size
sweep in train_bench.sh. Words follow a Zipf-like law over a vocabulary that
grows with the data (as real text does), each label has its own cue words,
and the stream is seeded so every run produces the same file.

usage: gen_text.py N OUT.csv
"""
import csv, random, sys

LABELS = ["accusatory", "pessimistic", "conciliatory", "neutral"]

def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(42)
    vocab = 2000 + n // 5
    common = [f"w{i}" for i in range(vocab)]
    weights = [1.0 / (i + 1) for i in range(vocab)]
    cues = {l: [f"{l[:3]}{i}" for i in range(60)] for l in LABELS}
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        for r in range(n):
            label = LABELS[r % 4]
            k = rng.randint(4, 30)
            words = rng.choices(common, weights, k=k)
            for _ in range(rng.randint(1, 3)):
                words.insert(rng.randrange(len(words) + 1), rng.choice(cues[label]))
            if rng.random() < 0.2:
                words.insert(rng.randrange(len(words) + 1), "not")
            w.writerow([" ".join(words) + rng.choice([".", "!", "?", ""]), label])

if __name__ == "__main__":
    main()
