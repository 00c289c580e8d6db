//! Byte offsets are what the engine works in; character offsets exist only for output, so
//! they are computed here, once per document, and only when asked for.

/// The unit of printed offsets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OffsetUnit {
    /// UTF-8 byte offsets (the engine's own).
    #[default]
    Bytes,
    /// Unicode scalar value (code point) offsets, as Python strings count.
    Chars,
}

/// Converts byte offsets of one text into the chosen unit.
#[derive(Clone, Debug)]
pub struct OffsetMap {
    /// For character offsets: the code point index of every byte offset (non-boundaries get
    /// the index of the character they fall in). Empty for byte offsets.
    chars_at: Vec<u32>,
}

impl OffsetMap {
    /// Prepares the conversion for `text`.
    pub fn new(text: &str, unit: OffsetUnit) -> Self {
        let chars_at = match unit {
            OffsetUnit::Bytes => Vec::new(),
            OffsetUnit::Chars => {
                let mut table = Vec::with_capacity(text.len() + 1);
                for (index, c) in text.chars().enumerate() {
                    table.extend(std::iter::repeat_n(index as u32, c.len_utf8()));
                }
                table.push(text.chars().count() as u32);
                table
            }
        };
        OffsetMap { chars_at }
    }

    /// The offset of byte `byte` in the chosen unit.
    pub fn map(&self, byte: usize) -> usize {
        if self.chars_at.is_empty() {
            return byte;
        }
        let last = self.chars_at.len() - 1;
        self.chars_at[byte.min(last)] as usize
    }
}
