//! `stance`: find quoted statements in news articles, work out who said them
//! and which side they speak for, and tag their tone toward the other side.
//!
//! The pipeline runs one way, one module per stage:
//!
//! ```text
//! input ─► article ─► quotes ─► attribution/actors ─► extract (Quote rows)
//!        (clean text,   (spans)   (speaker, side)          │
//!         metadata)                                         ▼
//!                      features (bag of words) ─► model (label, probabilities)
//!                                                          │
//!                                      score (rows) ─► tables (+ chart)
//! ```
//!
//! The `stance` binary (`src/main.rs`, `src/cmd/`) is a thin layer over this
//! library: everything it does can be done from Rust by calling these modules.

pub mod actors;
pub mod article;
pub mod atomic;
pub mod attribution;
pub mod chart;
pub mod clutter;
pub mod dedup;
pub mod extract;
pub mod features;
pub mod html;
pub mod input;
pub mod metrics;
pub mod model;
pub mod output;
pub mod quotes;
pub mod score;
pub mod tables;
pub mod text;
