//! The JSON of the output contract, written directly. JSON Lines is the hot path of the output:
//! through serde_json a match cost thousands of instructions, spent escaping constant keys,
//! formatting the rule origin anew and building the record first. This writer produces
//! exactly the bytes `serde_json::to_writer` produces for the document's [`DocumentRecord`],
//! which stays the definition of the contract; the tests compare the two byte for byte.
//!
//! [`DocumentRecord`]: crate::DocumentRecord

use sayso_engine::{Field, Match, Program, Span};

use crate::{DocumentView, OffsetMap, OffsetUnit, label_name, rule_name, rule_origin, slice};

/// Writes documents as compact JSON, keeping what repeats from match to match (label and rule
/// names, rule origins) escaped once.
pub(crate) struct JsonWriter<'p> {
    program: &'p Program,
    offsets: OffsetUnit,
    /// Each label's name as a JSON string, by label id, made when first needed.
    labels: Vec<Option<Box<[u8]>>>,
    /// Each rule's name and origin, by rule id, made when first needed.
    rules: Vec<Option<RulePieces>>,
}

/// The parts of a match's JSON that only depend on its rule.
struct RulePieces {
    /// The name as a JSON string.
    name: Box<[u8]>,
    /// The origin member with its leading comma: `,"origin":"file:line"`.
    origin: Box<[u8]>,
}

impl<'p> JsonWriter<'p> {
    pub(crate) fn new(program: &'p Program, offsets: OffsetUnit) -> Self {
        JsonWriter {
            program,
            offsets,
            labels: Vec::new(),
            rules: Vec::new(),
        }
    }

    /// Appends the document's object, without a line break.
    pub(crate) fn document(&mut self, out: &mut Vec<u8>, doc: &DocumentView<'_>) {
        let offsets = OffsetMap::new(doc.text, self.offsets);
        out.extend_from_slice(b"{\"id\":");
        write_str(out, doc.id);
        out.extend_from_slice(b",\"matches\":[");
        for (index, m) in doc.matches.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            self.write_match(out, doc.text, m, &offsets);
        }
        out.push(b']');
        if let Some(error) = doc.error {
            out.extend_from_slice(b",\"error\":");
            write_str(out, error);
        }
        out.push(b'}');
    }

    fn write_match(&mut self, out: &mut Vec<u8>, text: &str, m: &Match, offsets: &OffsetMap) {
        out.extend_from_slice(b"{\"label\":");
        out.extend_from_slice(self.label(m));
        out.extend_from_slice(b",\"rule\":");
        // A rule the program does not know has the name `?` and no origin, as in the record.
        let rule = self.rule(m);
        out.extend_from_slice(rule.map_or(b"\"?\"", |r| &r.name));
        write_span(out, b",\"start\":", text, m.span, offsets);
        out.extend_from_slice(b",\"captures\":{");
        write_captures(out, text, &m.fields, offsets);
        out.extend_from_slice(b"},\"attrs\":{");
        for (index, (name, value)) in m.attrs.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            write_str(out, name);
            out.push(b':');
            write_str(out, value);
        }
        out.push(b'}');
        if let Some(rule) = rule {
            out.extend_from_slice(&rule.origin);
        }
        out.push(b'}');
    }

    /// The match's label name as a JSON string.
    fn label(&mut self, m: &Match) -> &[u8] {
        let index = m.label.0 as usize;
        if index >= self.program.labels.len() {
            return b"\"?\"";
        }
        let program = self.program;
        cached(&mut self.labels, index, || {
            let mut name = Vec::new();
            write_str(&mut name, label_name(program, m));
            name.into_boxed_slice()
        })
        .as_ref()
    }

    /// The match's rule name and origin, or `None` for a rule the program does not know.
    fn rule(&mut self, m: &Match) -> Option<&RulePieces> {
        let index = m.rule.0 as usize;
        let origin = rule_origin(self.program, m)?;
        let program = self.program;
        Some(cached(&mut self.rules, index, || {
            let mut name = Vec::new();
            write_str(&mut name, rule_name(program, m));
            let mut member = b",\"origin\":".to_vec();
            write_str(&mut member, &origin.to_string());
            RulePieces {
                name: name.into_boxed_slice(),
                origin: member.into_boxed_slice(),
            }
        }))
    }
}

/// The entry at `index` of a cache that grows as ids are met, made by `make` the first time.
/// Callers pass only ids the program knows, so the cache stays as small as the program.
fn cached<T>(cache: &mut Vec<Option<T>>, index: usize, make: impl FnOnce() -> T) -> &T {
    if cache.len() <= index {
        cache.resize_with(index + 1, || None);
    }
    cache[index].get_or_insert_with(make)
}

/// The captures object's members. A name that comes more than once is written where it first
/// comes, with a list of all its spans in order.
fn write_captures(out: &mut Vec<u8>, text: &str, fields: &[Field], offsets: &OffsetMap) {
    let mut first = true;
    for (index, field) in fields.iter().enumerate() {
        if fields[..index].iter().any(|f| f.name == field.name) {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        write_str(out, &field.name);
        out.push(b':');
        let mut repeats = fields[index + 1..]
            .iter()
            .filter(|f| f.name == field.name)
            .peekable();
        if repeats.peek().is_none() {
            write_capture(out, text, field, offsets);
        } else {
            out.push(b'[');
            write_capture(out, text, field, offsets);
            for repeat in repeats {
                out.push(b',');
                write_capture(out, text, repeat, offsets);
            }
            out.push(b']');
        }
    }
}

fn write_capture(out: &mut Vec<u8>, text: &str, field: &Field, offsets: &OffsetMap) {
    write_span(out, b"{\"start\":", text, field.span, offsets);
    out.push(b'}');
}

/// The `start`, `end` and `text` members of a span; `opening` is what comes before the start
/// offset: the start key and whatever precedes it.
fn write_span(out: &mut Vec<u8>, opening: &[u8], text: &str, span: Span, offsets: &OffsetMap) {
    out.extend_from_slice(opening);
    write_usize(out, offsets.map(span.start));
    out.extend_from_slice(b",\"end\":");
    write_usize(out, offsets.map(span.end));
    out.extend_from_slice(b",\"text\":");
    write_str(out, slice(text, span.start, span.end));
}

/// Writes `n` in decimal with the formatter serde_json uses.
fn write_usize(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Writes `s` as a JSON string, escaped as serde_json escapes: the two-character escapes for
/// `"`, `\` and five controls, `\u00XX` for the other bytes below 0x20, every other byte as is.
fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.push(b'"');
    if needs_escape(bytes) {
        write_escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// The contents of a string that needs escapes, copying the runs between them whole.
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut copied = 0;
    while let Some(at) = next_escape(bytes, copied) {
        out.extend_from_slice(&bytes[copied..at]);
        write_escape(out, bytes[at]);
        copied = at + 1;
    }
    out.extend_from_slice(&bytes[copied..]);
}

/// The first byte at or after `from` that needs an escape. Escapes are few even in a string
/// that has one (a newline or a pair of quotes in a paragraph), so the run up to the next one
/// is skipped eight bytes at a time.
fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + 8) {
        if word_needs_escape(word(chunk)) {
            break;
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&b| ESCAPE[usize::from(b)] != 0)
        .map(|offset| at + offset)
}

/// What each byte becomes after a backslash: 0 for a byte written as is, `u` for `\u00XX`.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x0C] = b'f';
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[b'\t' as usize] = b't';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

fn write_escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match ESCAPE[usize::from(byte)] {
        b'u' => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(byte >> 4)],
            HEX[usize::from(byte & 0xF)],
        ]),
        letter => out.extend_from_slice(&[b'\\', letter]),
    }
}

/// Whether any byte of `bytes` needs an escape. Most strings need none, so they are checked
/// eight bytes at a time, the last word overlapping the one before it rather than ending in a
/// loop over single bytes; strings shorter than a word are read as two overlapping halves.
fn needs_escape(bytes: &[u8]) -> bool {
    let len = bytes.len();
    match len {
        0..4 => bytes.iter().any(|&b| ESCAPE[usize::from(b)] != 0),
        4..8 => {
            let first = u32::from_le_bytes(bytes[..4].try_into().unwrap());
            let last = u32::from_le_bytes(bytes[len - 4..].try_into().unwrap());
            word_needs_escape(u64::from(first) | (u64::from(last) << 32))
        }
        _ => {
            word_needs_escape(word(&bytes[len - 8..]))
                || bytes.chunks_exact(8).any(|c| word_needs_escape(word(c)))
        }
    }
}

/// Eight bytes as one word, the first in the lowest byte.
fn word(chunk: &[u8]) -> u64 {
    u64::from_le_bytes(chunk.try_into().unwrap())
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of `word` is below 0x20, `"` or `\`. The tests are the usual bit tricks
/// for "a byte below n" and "a zero byte"; they are exact about whether there is one.
fn word_needs_escape(word: u64) -> bool {
    let below = |n: u8, w: u64| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGHS;
    let control = below(0x20, word);
    let quote = below(1, word ^ (ONES * u64::from(b'"')));
    let backslash = below(1, word ^ (ONES * u64::from(b'\\')));
    control | quote | backslash != 0
}
