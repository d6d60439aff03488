#!/bin/sh
# One run prints, side by side, our tone model and the scikit-learn baseline
# (../shared/bench/sklearn_baseline.py) trained on the same labels/tone/*.csv
# rows with the same n-gram settings and C, evaluated on the gold quotes in
# ../shared/eval/quotes.csv (never trained on): macro-F1, accuracy, training
# wall time and peak memory (/usr/bin/time -v). Then a training-size sweep on
# generated text (1k, 10k, 100k rows) for our trainer.
#
# usage: benches/train_bench.sh [--no-sweep] [--sweep-sklearn]
# Needs python3 with scikit-learn and GNU time; reads ../shared.
set -eu
cd "$(dirname "$0")/.."
SHARED=../shared
SWEEP=1; SWEEP_SK=0
for a in "$@"; do
    case $a in
        --no-sweep) SWEEP=0 ;;
        --sweep-sklearn) SWEEP_SK=1 ;;
        *) echo "unknown option $a" >&2; exit 2 ;;
    esac
done
[ -d "$SHARED/eval" ] || { echo "skipping: $SHARED not found" >&2; exit 0; }
python3 -c 'import sklearn' 2>/dev/null || pip install --quiet scikit-learn
cargo build --release --quiet
BIN=./target/release/stance
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

# The settings of the shipped model (models/train-default.sh), with the C its
# cross-validation chose (read from the embedded model), for both sides.
$BIN explain --top 0 > "$TMP/builtin_summary.txt"
NGRAM=$(sed -n 's/^vectoriser: n-grams 1-\([0-9]*\),.*/\1/p' "$TMP/builtin_summary.txt")
MINDF=$(sed -n 's/^vectoriser: .* min_df \([0-9]*\),.*/\1/p' "$TMP/builtin_summary.txt")
C=${C:-$(sed -n 's/.*(C = \([0-9.e+-]*\)).*/\1/p' "$TMP/builtin_summary.txt")}
# Class weights as models/train-default.sh sets them (the baseline has none).
CW=$(sed -n 's/.*--class-weight \([a-z]*\).*/\1/p' models/train-default.sh)
OURS_FLAGS="--ngram-max $NGRAM --min-df $MINDF --tfidf --class-weight $CW"

# One training file for both sides (the baseline takes a single CSV).
python3 - "$TMP/train.csv" labels/tone/*.csv <<'PY'
import csv, sys
out = csv.writer(open(sys.argv[1], "w", newline="", encoding="utf-8"))
out.writerow(["text", "label"])
for p in sys.argv[2:]:
    for r in csv.DictReader(open(p, newline="", encoding="utf-8")):
        out.writerow([r["text"], r["label"]])
PY
TEST=$SHARED/eval/quotes.csv
ROWS=$(python3 -c "import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1]))))" "$TMP/train.csv")

# peak RSS (kB) and wall seconds from GNU time's report
rss() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
wall() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$1"; }

/usr/bin/time -v $BIN train "$TMP/train.csv" -o "$TMP/ours.model" --folds 0 --c "$C" $OURS_FLAGS \
    >/dev/null 2>"$TMP/ours.time"
$BIN eval "$TEST" --model "$TMP/ours.model" --json > "$TMP/ours.json"
/usr/bin/time -v python3 "$SHARED/bench/sklearn_baseline.py" "$TMP/train.csv" "$TEST" \
    --ngram-max $NGRAM --min-df $MINDF --tfidf --C "$C" > "$TMP/sk.json" 2>"$TMP/sk.time"
python3 "$SHARED/bench/sklearn_baseline.py" "$TMP/train.csv" "$TEST" \
    --ngram-max $NGRAM --min-df $MINDF --tfidf > "$TMP/sk1.json"
# Our shipped model, as embedded in the binary.
$BIN eval "$TEST" --json > "$TMP/builtin.json"
$BIN explain --top 0 | sed -n 's/^cross-validation/cross-validation on labels\//p' > "$TMP/builtin_cv.txt"

CW=$CW python3 - "$TMP" "$ROWS" "$C" "$NGRAM" "$MINDF" <<'PY'
import json, os, sys, re
d, rows, C, NG, MD = sys.argv[1:6]
def tv(name):
    t = open(f"{d}/{name}.time").read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
    w = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
    s = 0.0
    for part in w.split(":"):
        s = s * 60 + float(part)
    return s, rss
ours = json.load(open(f"{d}/ours.json")); sk = json.load(open(f"{d}/sk.json")); sk1 = json.load(open(f"{d}/sk1.json"))
bi = json.load(open(f"{d}/builtin.json"))
(ow, orss), (sw, srss) = tv("ours"), tv("sk")
print(f"train rows: {rows} (labels/tone/*.csv)   test: ../shared/eval/quotes.csv ({ours['rows']} gold quotes)")
print(f"settings: n-grams 1-{NG}, min_df {MD}, tf-idf, C = {C} (the shipped model's)")
print(f"{'':34} {'macro-F1':>9} {'accuracy':>9} {'train wall s':>13} {'peak RSS MB':>12}")
print(f"{'stance (class weights ' + os.environ['CW'] + ')':34} {ours['macro_f1']:9.4f} {ours['accuracy']:9.4f} {ow:13.2f} {orss/1024:12.1f}")
print(f"{'sklearn':34} {sk['macro_f1']:9.4f} {sk['accuracy']:9.4f} {sw:13.2f} {srss/1024:12.1f}")
print(f"{'  sklearn fit+vectorise only':34} {'':9} {'':9} {sk['train_s']:13.2f}")
print(f"{'sklearn (C=1, its default)':34} {sk1['macro_f1']:9.4f} {sk1['accuracy']:9.4f} {sk1['train_s']:13.2f}")
print(f"{'stance built-in model':34} {bi['macro_f1']:9.4f} {bi['accuracy']:9.4f}")
print("built-in model's own " + open(f"{d}/builtin_cv.txt").read().strip())
print(f"speed-up (whole process vs whole process): {sw/ow:.1f}x;  vs sklearn fit only: {sk['train_s']/ow:.1f}x;  memory ratio: {srss/orss:.1f}x lower")
PY

$BIN predict "$TEST" --model "$TMP/ours.model" -o "$TMP/ours_pred.csv" 2>/dev/null
python3 benches/paired_bootstrap.py "$TMP/train.csv" "$TEST" "$TMP/ours_pred.csv" \
    --ngram-max $NGRAM --min-df $MINDF --tfidf --C "$C"

if [ "$SWEEP" = 1 ]; then
    echo
    echo "training-size sweep (generated text, --folds 0, same settings):"
    printf '%8s %10s %12s %10s %10s %11s %12s' rows "wall s" "peak RSS MB" "s/1k rows" features iterations "ms/iteration"
    [ "$SWEEP_SK" = 1 ] && printf ' %12s %14s' "sklearn s" "sklearn RSS MB"
    echo
    for n in 1000 10000 100000; do
        python3 benches/gen_text.py $n "$TMP/gen$n.csv"
        /usr/bin/time -v $BIN train "$TMP/gen$n.csv" -o "$TMP/gen$n.model" --folds 0 --c 1 $OURS_FLAGS \
            >/dev/null 2>"$TMP/gen$n.time"
        feats=$($BIN explain --model "$TMP/gen$n.model" --top 0 | sed -n 's/.* labels, \([0-9]*\) features.*/\1/p')
        iters=$(sed -n 's/.* features, \([0-9]*\) L-BFGS iterations.*/\1/p' "$TMP/gen$n.time")
        w=$(wall "$TMP/gen$n.time"); r=$(rss "$TMP/gen$n.time")
        printf '%8d %10.2f %12.1f %10.3f %10s %11s %12.2f' $n "$w" "$(echo "$r/1024" | bc -l)" "$(echo "$w*1000/$n" | bc -l)" \
            "$feats" "$iters" "$(echo "$w*1000/$iters" | bc -l)"
        if [ "$SWEEP_SK" = 1 ]; then
            /usr/bin/time -v python3 "$SHARED/bench/sklearn_baseline.py" "$TMP/gen$n.csv" "$TMP/gen1000.csv" \
                --ngram-max $NGRAM --min-df $MINDF --tfidf --C 1 >/dev/null 2>"$TMP/skgen.time"
            printf ' %12.2f %14.1f' "$(wall "$TMP/skgen.time")" "$(echo "$(rss "$TMP/skgen.time")/1024" | bc -l)"
        fi
        echo
    done
    # Prediction throughput of the built-in model over the largest file
    # (CSV parsing and writing included), in MB of text per second.
    /usr/bin/time -v $BIN predict "$TMP/gen100000.csv" -o "$TMP/pred.csv" 2>"$TMP/pred.time" >/dev/null
    mb=$(python3 -c "import csv,sys; print(sum(len(r['text'].encode()) for r in csv.DictReader(open(sys.argv[1])))/1e6)" "$TMP/gen100000.csv")
    w=$(wall "$TMP/pred.time")
    printf 'predict: 100000 rows, %.1f MB of text in %.2f s = %.0f MB/s (one thread, CSV in and out)\n' "$mb" "$w" "$(echo "$mb/$w" | bc -l)"
fi
