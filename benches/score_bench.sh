#!/bin/sh
# End-to-end speed and memory of `stance score` on a generated corpus:
# MB/s per core, quotes/s, peak RSS, for --threads 1 and --threads 2 (to standard
# output and to a file with -o), and the
# 2-vs-1 speed-up; checks that both runs wrote the same bytes.
# Targets (issue 4): >= 50 MB/s per core, peak RSS < 200 MB, speed-up >= 1.8.
#
# usage: benches/score_bench.sh [SIZE_MB]     (default 1000, i.e. >= 1 GB)
# STANCE_BIN=path runs that binary instead of building this tree's (to compare
# two builds back to back on the same corpus).
# The corpus (JSONL shards from benches/gen_articles.py) is kept in
# $BENCH_DIR (default /tmp/stance_score_bench) and reused when its size
# matches; the score outputs go there too. Nothing is written in the repo.
set -eu
cd "$(dirname "$0")/.."
SIZE_MB=${1:-1000}
DIR=${BENCH_DIR:-/tmp/stance_score_bench}
if [ -n "${STANCE_BIN:-}" ]; then
    BIN=$STANCE_BIN
else
    cargo build --release --quiet
    BIN=$(pwd)/target/release/stance
fi

if [ "$(cat "$DIR/size" 2>/dev/null)" != "$SIZE_MB" ]; then
    rm -rf "$DIR/corpus"
    mkdir -p "$DIR"
    echo "generating $SIZE_MB MB of articles in $DIR/corpus ..." >&2
    python3 benches/gen_articles.py "$SIZE_MB" "$DIR/corpus" 8
    echo "$SIZE_MB" > "$DIR/size"
fi
bytes=$(cat "$DIR"/corpus/*.jsonl | wc -c)

# run THREADS MODE: prints "seconds peak_kb quotes cpu_seconds" for one run.
# MODE `stream` writes to standard output (as `stance score … | stance tables`
# does); `file` writes with -o, which also checkpoints every chunk (an fsync
# of the output and an atomic progress file) so that --resume can continue it.
run() {
    out="$DIR/out$1-$2.csv"; err="$DIR/err$1-$2"
    if [ "$2" = file ]; then
        /usr/bin/time -v "$BIN" score "$DIR/corpus" --threads "$1" -o "$out" 2> "$err" || true
    else
        /usr/bin/time -v "$BIN" score "$DIR/corpus" --threads "$1" > "$out" 2> "$err" || true
    fi
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$err")
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$err")
    quotes=$(sed -n 's/.* skipped; \([0-9]*\) quotes.*/\1/p' "$err")
    cpu=$(awk -F': ' '/(User|System) time/ {s+=$2} END {print s}' "$err")
    echo "$secs $kb $quotes $cpu"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
for mode in stream file; do
    set -- $(run 1 $mode); t1=$1; kb1=$2; q=$3; c1=$4
    set -- $(run 2 $mode); t2=$1; kb2=$2; c2=$4
    if cmp -s "$DIR/out1-$mode.csv" "$DIR/out2-$mode.csv"; then same=yes; else same=NO; fi
    awk -v mode="$mode" -v c1="$c1" -v c2="$c2" -v b="$bytes" -v t1="$t1" -v t2="$t2" -v kb1="$kb1" -v kb2="$kb2" -v q="$q" -v same="$same" 'BEGIN {
        mb = b / 1e6
        if (mode == "stream") printf "corpus: %.0f MB of JSONL input, %d quotes\n\nto standard output (streaming):\n", mb, q
        else printf "\nto a file with -o (checkpointed for --resume):\n"
        printf "threads 1: %6.1f s  %6.1f MB/s per core  %8.0f quotes/s  peak RSS %5.1f MB\n", t1, mb / t1, q / t1, kb1 / 1024
        printf "threads 2: %6.1f s  %6.1f MB/s per core  %8.0f quotes/s  peak RSS %5.1f MB\n", t2, mb / t2 / 2, q / t2, kb2 / 1024
        printf "speed-up 2 vs 1: %.2fx   identical output: %s\n", t1 / t2, same
        printf "per CPU-second (user+sys; what a core does when not shared): threads 1 %.1f MB/s, threads 2 %.1f MB/s\n", mb / c1, mb / c2
    }'
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "(wall-clock figures need an otherwise idle machine: check the load lines above)"
echo "targets: >= 50 MB/s per core, < 200 MB, >= 1.8x"
