//! JSON Lines (the contract) and a single JSON array, both the JSON of [`DocumentRecord`]
//! written by [`JsonWriter`].
//!
//! [`DocumentRecord`]: crate::DocumentRecord

use std::io::{self, Write};

use sayso_engine::Program;

use crate::write::JsonWriter;
use crate::{DocumentView, RenderOptions, Renderer};

/// One object per line.
pub(crate) struct JsonLines<'p> {
    writer: JsonWriter<'p>,
    /// The line being written, so that the output sees one write per document.
    line: Vec<u8>,
}

impl<'p> JsonLines<'p> {
    pub(crate) fn new(program: &'p Program, options: RenderOptions) -> Self {
        JsonLines {
            writer: JsonWriter::new(program, options.offsets),
            line: Vec::new(),
        }
    }
}

impl Renderer for JsonLines<'_> {
    fn begin(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    fn document(&mut self, out: &mut dyn Write, doc: &DocumentView<'_>) -> io::Result<()> {
        self.line.clear();
        self.writer.document(&mut self.line, doc);
        self.line.push(b'\n');
        let written = out.write_all(&self.line);
        keep_small(&mut self.line);
        written
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

/// One array of document objects, written as the documents come.
pub(crate) struct JsonArray<'p> {
    writer: JsonWriter<'p>,
    written: usize,
    /// The document being written, as for [`JsonLines`].
    object: Vec<u8>,
}

impl<'p> JsonArray<'p> {
    pub(crate) fn new(program: &'p Program, options: RenderOptions) -> Self {
        JsonArray {
            writer: JsonWriter::new(program, options.offsets),
            written: 0,
            object: Vec::new(),
        }
    }
}

impl Renderer for JsonArray<'_> {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"[")
    }

    fn document(&mut self, out: &mut dyn Write, doc: &DocumentView<'_>) -> io::Result<()> {
        self.object.clear();
        self.object
            .extend_from_slice(if self.written == 0 { b"\n  " } else { b",\n  " });
        self.writer.document(&mut self.object, doc);
        let written = out.write_all(&self.object);
        keep_small(&mut self.object);
        written?;
        self.written += 1;
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(if self.written == 0 { b"]\n" } else { b"\n]\n" })
    }
}

/// The largest buffer a renderer keeps between documents (1 MiB): one huge document must not
/// hold its memory for the rest of the run.
const MAX_KEPT_BUFFER: usize = 1 << 20;

fn keep_small(buffer: &mut Vec<u8>) {
    if buffer.capacity() > MAX_KEPT_BUFFER {
        *buffer = Vec::new();
    }
}
