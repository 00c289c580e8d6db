//! brat standoff: a text-bound annotation (`T`) per match and per field, a relation (`R`) from
//! each match to each of its fields, and an attribute (`A`) per constant. brat counts offsets
//! in characters and a text-bound span may not hold a line break, so spans are split into
//! fragments at line breaks.

use std::fmt::Write as _;
use std::io::{self, Write};

use sayso_engine::{Program, Span};

use crate::{DocumentView, OffsetMap, OffsetUnit, Renderer, label_name, slice};

pub(crate) struct Brat<'p> {
    program: &'p Program,
    documents: usize,
}

impl<'p> Brat<'p> {
    pub(crate) fn new(program: &'p Program) -> Self {
        Brat {
            program,
            documents: 0,
        }
    }
}

impl Renderer for Brat<'_> {
    fn begin(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    /// On a stream, each document's annotations follow a `# id` comment line so that they
    /// can be split into `.ann` files.
    fn document(&mut self, out: &mut dyn Write, doc: &DocumentView<'_>) -> io::Result<()> {
        if self.documents > 0 {
            writeln!(out)?;
        }
        self.documents += 1;
        writeln!(out, "# {}", doc.id)?;
        if let Some(error) = doc.error {
            writeln!(out, "# error: {error}")?;
        }
        out.write_all(annotations(self.program, doc).as_bytes())
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

/// brat type names may not hold white space.
fn type_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect()
}

/// `start end[;start end]` in characters, with the fragments' text joined by spaces.
fn fragments(text: &str, span: Span, offsets: &OffsetMap) -> (String, String) {
    let mut ranges = Vec::new();
    let mut texts = Vec::new();
    let mut start = span.start;
    let whole = slice(text, span.start, span.end);
    for (index, line) in whole.split('\n').enumerate() {
        let piece_start = start;
        let piece_end = piece_start + line.len();
        start = piece_end + 1;
        let trimmed = line.trim_end_matches('\r');
        let piece_end = piece_start + trimmed.len();
        if trimmed.is_empty() && index > 0 {
            continue;
        }
        ranges.push(format!(
            "{} {}",
            offsets.map(piece_start),
            offsets.map(piece_end)
        ));
        texts.push(trimmed);
    }
    (ranges.join(";"), texts.join(" "))
}

pub(crate) fn annotations(program: &Program, doc: &DocumentView<'_>) -> String {
    let offsets = OffsetMap::new(doc.text, OffsetUnit::Chars);
    let mut out = String::new();
    let (mut t, mut r, mut a) = (0, 0, 0);
    for m in doc.matches {
        t += 1;
        let head = t;
        let (ranges, text) = fragments(doc.text, m.span, &offsets);
        let _ = writeln!(
            out,
            "T{head}\t{} {ranges}\t{text}",
            type_name(label_name(program, m))
        );
        for f in &m.fields {
            t += 1;
            r += 1;
            let (ranges, text) = fragments(doc.text, f.span, &offsets);
            let kind = type_name(&f.name);
            let _ = writeln!(out, "T{t}\t{kind} {ranges}\t{text}");
            let _ = writeln!(out, "R{r}\t{kind} Arg1:T{head} Arg2:T{t}");
        }
        for (name, value) in m.attrs.iter() {
            a += 1;
            let _ = writeln!(
                out,
                "A{a}\t{} T{head} {}",
                type_name(name),
                type_name(value)
            );
        }
    }
    out
}
