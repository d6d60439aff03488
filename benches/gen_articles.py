#!/usr/bin/env python3
"""Writes generated news articles as JSONL shards (id, date, title, outlet,
text) for benches/score_bench.sh, until the shards hold SIZE_MB of text.

Articles read like wire copy: narrative sentences and quotes in the usual
attribution forms ("...," X said. / X said: "..." / "...," X told reporters,
"..." / According to X, "..."), from known actors of the built-in dictionary
and from made-up officials. Words come from a pseudo-word vocabulary with a
Zipf-like law plus tone words, so articles differ as real ones do; 2 % are
reprints of a recent article with a few sentences changed, so the
near-duplicate index does real work. Seeded: every run writes the same bytes.
Sentences are drawn from a pre-built pool so that a gigabyte takes well under
a minute.

usage: gen_articles.py SIZE_MB OUT_DIR [SHARDS]
"""
import json, os, random, sys

KNOWN = ["Dmitry Peskov", "Sergei Ryabkov", "Joe Biden", "Antony Blinken", "Maria Zakharova",
         "Vladimir Putin", "Sergey Lavrov", "Volodymyr Zelensky", "Jake Sullivan", "Dmitry Medvedev"]
ROLES = ["the deputy minister", "a senior official", "the spokeswoman", "the ambassador", "the envoy"]
CUES = ["said", "told reporters", "added", "warned", "insisted", "noted", "stressed"]
TONE = ["reckless", "hostile", "provocation", "blame", "aggression", "dialogue", "cooperation",
        "hope", "regret", "worse", "crisis", "talks", "sanctions", "threat", "respect", "partners",
        "lowest", "confrontation", "compromise", "deliberately", "unacceptable", "constructive"]
FUNC = ["the", "of", "and", "to", "in", "a", "that", "is", "for", "on", "with", "as", "was", "by",
        "it", "not", "this", "be", "are", "from", "at", "have", "has", "will", "we", "our", "their"]


def main():
    size_mb, out = int(sys.argv[1]), sys.argv[2]
    shards = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    rng = random.Random(7)
    # Pseudo-words of random letters: their five-letter stems are as varied
    # as real words', so unrelated articles share about as many features as
    # unrelated news does (estimated Jaccard ~0.1), and reprints stand out.
    letters = "etaoinshrdlcumwfgypbvk"
    lw = [12, 9, 8, 8, 7, 7, 6, 6, 6, 4, 4, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1]
    vocab = sorted({"".join(rng.choices(letters, lw, k=rng.randint(3, 11))) for _ in range(60000)})
    rng.shuffle(vocab)
    cum, acc = [], 0.0
    for i in range(len(vocab)):
        acc += 1.0 / (i + 1) ** 0.8
        cum.append(acc)
    syl = ["ka", "lo", "ven", "dri", "sa", "mor", "tel", "bru", "nis", "ga", "por", "li", "det", "an", "sel"]
    made_up = [f"{rng.choice(['Aldo', 'Mira', 'Tomas', 'Ilse', 'Petr', 'Nadia', 'Omar', 'Lena'])} "
               f"{''.join(rng.choices(syl, k=3)).capitalize()}" for _ in range(400)]

    def words(k):
        w = rng.choices(vocab, cum_weights=cum, k=k)
        for _ in range(k // 3):
            w.insert(rng.randrange(len(w) + 1), rng.choice(FUNC))
        if rng.random() < 0.6:
            w.insert(rng.randrange(len(w) + 1), rng.choice(TONE))
        return " ".join(w)

    narrative = [words(rng.randint(10, 28)).capitalize() + "." for _ in range(40000)]
    quotes = [words(rng.randint(4, 22)).capitalize() for _ in range(40000)]

    def quote_sentence():
        who = rng.choice(KNOWN) if rng.random() < 0.6 else rng.choice(made_up)
        q, cue = rng.choice(quotes), rng.choice(CUES)
        form = rng.randrange(5)
        if form == 0:
            return f"\u201c{q},\u201d {who} {cue}."
        if form == 1:
            return f"{who} {cue}: \u201c{q}.\u201d"
        if form == 2:
            return f"\u201c{q},\u201d {who} {cue}, \u201c{rng.choice(quotes).lower()}.\u201d"
        if form == 3:
            return f"According to {who}, \u201c{q.lower()}.\u201d"
        return f"\"{q},\" {rng.choice(ROLES)} {cue}."

    os.makedirs(out, exist_ok=True)
    target = size_mb * 1_000_000
    files = [open(os.path.join(out, f"shard{i:02}.jsonl"), "w", encoding="utf-8") for i in range(shards)]
    recent, total, n = [], 0, 0
    while total < target:
        if recent and rng.random() < 0.02:
            paras = list(rng.choice(recent))
            for _ in range(3):
                paras[rng.randrange(len(paras))] = rng.choice(narrative)
        else:
            paras = []
            for _ in range(rng.randint(8, 16)):
                k = rng.randint(2, 4)
                sents = rng.choices(narrative, k=k)
                sents.insert(rng.randrange(k + 1), quote_sentence())
                paras.append(" ".join(sents))
            recent.append(paras)
            if len(recent) > 200:
                recent.pop(0)
        text = "\n\n".join(paras)
        row = {"id": f"gen-{n:07}", "date": f"{rng.randint(2021, 2024)}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
               "title": narrative[n % len(narrative)][:60], "outlet": rng.choice(["Wire A", "Daily B", "Post C"]),
               "text": text}
        files[n % shards].write(json.dumps(row, ensure_ascii=False) + "\n")
        total += len(text.encode("utf-8"))
        n += 1
    for f in files:
        f.close()
    print(f"{n} articles, {total / 1e6:.0f} MB of text in {shards} shards under {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
