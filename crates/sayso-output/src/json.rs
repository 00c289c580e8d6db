//! JSON Lines (the contract) and a single JSON array, both built from [`DocumentRecord`].

use std::io::{self, Write};

use sayso_engine::Program;

use crate::{DocumentRecord, DocumentView, RenderOptions, Renderer};

/// One object per line.
pub(crate) struct JsonLines<'p> {
    program: &'p Program,
    options: RenderOptions,
}

impl<'p> JsonLines<'p> {
    pub(crate) fn new(program: &'p Program, options: RenderOptions) -> Self {
        JsonLines { program, options }
    }
}

impl Renderer for JsonLines<'_> {
    fn begin(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    fn document(&mut self, out: &mut dyn Write, doc: &DocumentView<'_>) -> io::Result<()> {
        let record = DocumentRecord::new(self.program, doc, self.options);
        serde_json::to_writer(&mut *out, &record)?;
        out.write_all(b"\n")
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

/// One array of document objects, written as the documents come.
pub(crate) struct JsonArray<'p> {
    program: &'p Program,
    options: RenderOptions,
    written: usize,
}

impl<'p> JsonArray<'p> {
    pub(crate) fn new(program: &'p Program, options: RenderOptions) -> Self {
        JsonArray {
            program,
            options,
            written: 0,
        }
    }
}

impl Renderer for JsonArray<'_> {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"[")
    }

    fn document(&mut self, out: &mut dyn Write, doc: &DocumentView<'_>) -> io::Result<()> {
        let record = DocumentRecord::new(self.program, doc, self.options);
        out.write_all(if self.written == 0 { b"\n  " } else { b",\n  " })?;
        serde_json::to_writer(&mut *out, &record)?;
        self.written += 1;
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(if self.written == 0 { b"]\n" } else { b"\n]\n" })
    }
}
