#!/bin/sh
# Trains the default tone model (embedded in the binary) from every labelled
# file in labels/tone/. Settings were chosen by cross-validation on those
# labels that leaves whole files (each written separately) out of training,
# the closest the labels get to "text unlike the training text", and checked
# with folds that leave whole conflicts out (--group-col conflict):
#   1-2-grams with tf-idf beat unigrams (+0.01 macro-F1 on 5,100 rows; with
#   3,300 rows unigrams had been ahead), plain counts and min_df 2;
#   negation marking (NOT_, closed by punctuation or a clause word) helps;
#   C is picked from the grid below. Class weights: with 11,117 rows (6,000 of
#   them written in the mix of real coverage, mostly neutral and accusatory)
#   balanced weights and none tie in this CV (macro-F1 0.8621 vs 0.8617), so
#   the rows count once each and the model keeps the training mix as its prior
#   (with 5,100 evenly mixed rows balanced had been ahead). With 16,995 rows
#   (2,500 more on the remaining confusions) this CV picks C = 100 again
#   (macro-F1 0.8635; C = 300: 0.8630, C = 1000: 0.8615).
# Run from anywhere, then rebuild so the binary embeds the new model:
#   models/train-default.sh && cargo build --release
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
exec ./target/release/stance train labels/tone/*.csv \
    --labels accusatory,pessimistic,conciliatory,neutral \
    --ngram-max 2 --min-df 1 --tfidf --class-weight none \
    --c 10,30,100,300,1000 --cv-by-file \
    -o models/default.model "$@"
