#!/bin/sh
# Extraction speed of `stance quotes` (clutter, quote spans, attribution,
# JSONL output) in MB/s of article text, on the PolNeAR train+dev texts
# repeated to at least 50 MB:
#   1. as many article files in a folder (the ordinary use: one article each);
#   2. as one concatenated file with no article breaks, at SINGLE_MB and at
#      twice that: equal MB/s means extraction is linear in the size of one
#      text, a drop means some stage is not (a 50 MB single text would then
#      take too long to be worth timing).
# Each is run REPEAT times (default 3); the best wall time is reported.
#
# usage: benches/extract_bench.sh [TARGET_MB]   (default 50; SINGLE_MB=2 env)
# Needs ../shared (PolNeAR); the test data stays in a temporary folder in /tmp.
set -eu
cd "$(dirname "$0")/.."
SHARED=../shared
TARGET_MB=${1:-50}
SINGLE_MB=${SINGLE_MB:-2}
REPEAT=${REPEAT:-3}
[ -d "$SHARED/polnear/train/text" ] || { echo "skipping: $SHARED not found (it only exists on developer machines and CI)" >&2; exit 0; }
cargo build --release --quiet
BIN=$(pwd)/target/release/stance
TMP=$(mktemp -d /tmp/extract_bench.XXXXXX); trap 'rm -rf "$TMP"' EXIT

# Copies of every train+dev article until the folder holds TARGET_MB.
target=$((TARGET_MB * 1000 * 1000))
total=0; round=0
mkdir -p "$TMP/docs"
while [ "$total" -lt "$target" ]; do
    round=$((round + 1))
    mkdir "$TMP/docs/r$round"
    cp "$SHARED"/polnear/train/text/*.txt "$SHARED"/polnear/dev/text/*.txt "$TMP/docs/r$round/"
    total=$(cat "$TMP"/docs/r*/*.txt | wc -c)
done
files=$(find "$TMP/docs" -name '*.txt' | wc -l)
find "$TMP/docs" -name '*.txt' | sort | xargs cat | head -c $((SINGLE_MB * 1000 * 1000)) > "$TMP/one.txt"
find "$TMP/docs" -name '*.txt' | sort | xargs cat | head -c $((2 * SINGLE_MB * 1000 * 1000)) > "$TMP/two.txt"

now() { date +%s.%N; }

# best_time PATH: prints "seconds rows" of the fastest of REPEAT runs.
best_time() {
    best=""
    i=0
    while [ "$i" -lt "$REPEAT" ]; do
        t0=$(now)
        "$BIN" quotes "$1" --format jsonl > "$TMP/out.jsonl" 2>/dev/null
        t1=$(now)
        s=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$s < $best" | bc -l)" = 1 ]; then best=$s; fi
        i=$((i + 1))
    done
    echo "$best $(wc -l < "$TMP/out.jsonl")"
}

report() { # label bytes seconds rows
    awk -v l="$1" -v b="$2" -v s="$3" -v r="$4" 'BEGIN {
        printf "%-28s %8.1f MB  %7.2f s  %8.1f MB/s  %9d quote rows\n", l, b / 1e6, s, b / 1e6 / s, r }'
}

echo "stance quotes, best of $REPEAT runs ($(nproc) cores; $(uname -m))"
set -- $(best_time "$TMP/docs")
report "$files article files" "$total" "$1" "$2"
for f in one two; do
    size=$(wc -c < "$TMP/$f.txt")
    set -- $(best_time "$TMP/$f.txt")
    report "one concatenated file" "$size" "$1" "$2"
done
