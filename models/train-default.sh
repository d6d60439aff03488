#!/bin/sh
# Trains the default tone model (embedded in the binary) from every labelled
# file in labels/tone/. Settings were chosen by cross-validation on those
# labels, leaving whole files (each written separately) out of training, which
# is the closest the labels get to "text unlike the training text":
#   unigrams (negation kept by the NOT_ marking) with tf-idf beat 1-2-grams
#   and plain counts; balanced class weights; C picked from the grid below.
# Run from anywhere, then rebuild so the binary embeds the new model:
#   models/train-default.sh && cargo build --release
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
exec ./target/release/stance train labels/tone/*.csv \
    --labels accusatory,pessimistic,conciliatory,neutral \
    --ngram-max 1 --min-df 1 --tfidf --class-weight balanced \
    --c 1,3,10,30,100 --cv-by-file \
    -o models/default.model "$@"
