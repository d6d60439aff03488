//! Small text utilities shared by several stages.

/// Converts byte offsets into a `&str` to Unicode code-point offsets.
///
/// Output offsets are code points (what Python's `str` indexing and the
/// evaluation scorers use), while Rust slices by bytes. News text is nearly
/// all ASCII, where the two agree, so the index records only the multi-byte
/// chars (their byte and char offsets): an ASCII article costs no allocation
/// and any other one a few bytes per curly quote or accented letter, instead
/// of a table entry for every char (which was 5 % of `stance score`).
/// Every conversion is a binary search over the multi-byte chars.
pub struct CharIndex {
    /// `(byte offset, char offset)` of every char longer than one byte, in order.
    wide: Vec<(u32, u32)>,
    /// Byte offsets do not fit in `u32`: fall back to a per-char table.
    big: Option<Vec<usize>>,
    len_bytes: usize,
    len_chars: usize,
}

/// Length in bytes of the UTF-8 char whose first byte is `b` (>= 0xC0).
#[inline]
fn utf8_len(b: u8) -> usize {
    if b < 0xE0 {
        2
    } else if b < 0xF0 {
        3
    } else {
        4
    }
}

impl CharIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        if bytes.len() > u32::MAX as usize {
            let mut bounds: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
            bounds.push(text.len());
            let len_chars = bounds.len() - 1;
            return CharIndex { wide: Vec::new(), big: Some(bounds), len_bytes: text.len(), len_chars };
        }
        let mut wide = Vec::new();
        let mut extra = 0usize; // continuation bytes before `i`
        let mut i = 0;
        while i < bytes.len() {
            // Skip ASCII eight bytes at a time.
            if i + 8 <= bytes.len() {
                let w = u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0x80; 8]));
                if w & 0x8080_8080_8080_8080 == 0 {
                    i += 8;
                    continue;
                }
            }
            let b = bytes[i];
            if b < 0x80 {
                i += 1;
                continue;
            }
            // `text` is valid UTF-8, so a byte >= 0x80 reached here starts a char.
            let n = utf8_len(b);
            wide.push((i as u32, (i - extra) as u32));
            extra += n - 1;
            i += n;
        }
        CharIndex { wide, big: None, len_bytes: text.len(), len_chars: text.len() - extra }
    }

    /// Code-point offset of a byte offset. A byte offset inside a character
    /// maps to the start of that character; one past the end maps to the
    /// char count.
    pub fn char_of(&self, byte: usize) -> usize {
        if let Some(bounds) = &self.big {
            return match bounds.binary_search(&byte) {
                Ok(i) => i,
                Err(i) => i.saturating_sub(1),
            };
        }
        let byte = byte.min(self.len_bytes);
        // The last multi-byte char starting at or before `byte`.
        let k = self.wide.partition_point(|&(b, _)| b as usize <= byte);
        if k == 0 {
            return byte;
        }
        let (b, c) = (self.wide[k - 1].0 as usize, self.wide[k - 1].1 as usize);
        // Its length: where the next char starts, in bytes, is b + len.
        let len = self.wide_len(k - 1);
        if byte < b + len {
            c
        } else {
            c + 1 + (byte - b - len)
        }
    }

    /// Byte offset of a code-point offset (clamped to the end of the text).
    pub fn byte_of(&self, ch: usize) -> usize {
        if let Some(bounds) = &self.big {
            return bounds[ch.min(bounds.len() - 1)];
        }
        let ch = ch.min(self.len_chars);
        let k = self.wide.partition_point(|&(_, c)| c as usize <= ch);
        if k == 0 {
            return ch;
        }
        let (b, c) = (self.wide[k - 1].0 as usize, self.wide[k - 1].1 as usize);
        if ch == c {
            b
        } else {
            b + self.wide_len(k - 1) + (ch - c - 1)
        }
    }

    /// Byte length of the `k`th multi-byte char, from the offsets around it.
    fn wide_len(&self, k: usize) -> usize {
        let (b, c) = self.wide[k];
        // Chars after this one up to the next wide char (or the end) are
        // one byte each; what is left over is this char's length.
        let (nb, nc) = match self.wide.get(k + 1) {
            Some(&(nb, nc)) => (nb as usize, nc as usize),
            None => (self.len_bytes, self.len_chars),
        };
        (nb - b as usize) - (nc - c as usize - 1)
    }

    /// Number of code points in the text.
    pub fn len_chars(&self) -> usize {
        self.len_chars
    }
}

/// `0x01` in each byte of a `u64`, for eight-bytes-at-a-time scans.
pub(crate) const LOW: u64 = 0x0101_0101_0101_0101;
/// `0x80` in each byte of a `u64`.
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;

/// For eight bytes in a `u64` (little-endian), the high bit of each byte
/// whose low seven bits are an ASCII letter or digit: range tests on all
/// eight at once (no sum carries into the next byte). Bytes >= 0x80 are
/// left to the caller (a tokenizer drops them, a word scanner keeps them).
#[inline(always)]
pub(crate) fn ascii_alnum_lanes(w: u64) -> u64 {
    let x = w & !HIGH;
    let digit = (x + LOW * (0x80 - b'0' as u64)) & !(x + LOW * (0x7f - b'9' as u64));
    let l = x | (LOW * 0x20);
    let letter = (l + LOW * (0x80 - b'a' as u64)) & !(l + LOW * (0x7f - b'z' as u64));
    (digit | letter) & HIGH
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

    /// Every byte offset and every char offset agree with a per-char table,
    /// on ASCII runs longer and shorter than the 8-byte skip, chars of 1 to
    /// 4 bytes, and wide chars at both ends.
    #[test]
    fn agrees_with_a_full_table() {
        for t in [
            "",
            "plain ascii text that is longer than eight bytes",
            "é",
            "“Quoted,” he said — twice. 😀 end",
            "ééé😀😀abc",
            "abcdefghijk“lmnopqrstuvwxyz”0123456789ж",
        ] {
            let ix = CharIndex::new(t);
            let mut bounds: Vec<usize> = t.char_indices().map(|(b, _)| b).collect();
            bounds.push(t.len());
            assert_eq!(ix.len_chars(), bounds.len() - 1, "{t:?}");
            for byte in 0..=t.len() + 2 {
                let want = match bounds.binary_search(&byte) {
                    Ok(i) => i,
                    Err(i) => i.saturating_sub(1),
                };
                assert_eq!(ix.char_of(byte), want, "char_of({byte}) in {t:?}");
            }
            for ch in 0..bounds.len() + 2 {
                assert_eq!(ix.byte_of(ch), bounds[ch.min(bounds.len() - 1)], "byte_of({ch}) in {t:?}");
            }
        }
    }
}
