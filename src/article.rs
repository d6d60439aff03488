//! An article as read: a stable document id, its text exactly as read (offsets
//! in every later stage point into this text), and whatever metadata the input
//! carried.

use serde::{Deserialize, Serialize};

/// Metadata an input may carry beside the text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub date: Option<String>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub outlet: Option<String>,
}

/// One article ready for quote finding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Article {
    /// Stable id: the file path for files, the id column for JSONL/CSV rows.
    pub doc: String,
    /// The text quotes are found in. For plain text, the file as read; for
    /// HTML, the visible text extracted from the page.
    pub text: String,
    pub meta: Meta,
    /// Problems met while reading that did not stop the article from being
    /// scored (for example invalid UTF-8 replaced).
    pub warnings: Vec<String>,
}
