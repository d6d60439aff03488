//! Small text utilities shared by several stages.

/// Converts byte offsets into a `&str` to Unicode code-point offsets.
///
/// Output offsets are code points (what Python's `str` indexing and the
/// evaluation scorers use), while Rust slices by bytes. Building the table
/// once per article makes every later conversion O(log n).
pub struct CharIndex {
    /// Byte offset of every char boundary, in order; the last entry is `text.len()`.
    bounds: Vec<usize>,
}

impl CharIndex {
    pub fn new(text: &str) -> Self {
        let mut bounds: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bounds.push(text.len());
        CharIndex { bounds }
    }

    /// Code-point offset of a byte offset. A byte offset inside a character
    /// maps to the start of that character.
    pub fn char_of(&self, byte: usize) -> usize {
        match self.bounds.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Byte offset of a code-point offset (clamped to the end of the text).
    pub fn byte_of(&self, ch: usize) -> usize {
        self.bounds[ch.min(self.bounds.len() - 1)]
    }

    /// Number of code points in the text.
    pub fn len_chars(&self) -> usize {
        self.bounds.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_both_ways_across_multibyte_chars() {
        let t = "a“é”b";
        let ix = CharIndex::new(t);
        assert_eq!(ix.len_chars(), 5);
        let b = t.find('b').unwrap();
        assert_eq!(ix.char_of(b), 4);
        assert_eq!(ix.byte_of(4), b);
        assert_eq!(ix.char_of(t.len()), 5);
    }
}
