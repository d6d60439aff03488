#!/bin/sh
# Trains the default tone model (embedded in the binary) from every labelled
# file in labels/tone/, with the settings chosen by cross-validation on those
# labels. Run from anywhere; rebuild afterwards so the binary embeds it:
#   models/train-default.sh && cargo build --release
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
exec ./target/release/stance train labels/tone/*.csv \
    --labels accusatory,pessimistic,conciliatory,neutral \
    --ngram-max 2 --min-df 1 --class-weight balanced \
    --c 1,3,10,30 --folds 5 \
    -o models/default.model "$@"
