//! CSV: one row per match, with a start, end and text column for every field the program can
//! emit and a column per constant attribute, so a spreadsheet gets a fixed header.

use std::io::{self, Write};

use sayso_engine::Program;

use crate::{
    DocumentView, OffsetMap, RenderOptions, Renderer, attr_names, field_names, label_name,
    rule_name, slice,
};

pub(crate) struct Csv<'p> {
    program: &'p Program,
    options: RenderOptions,
    fields: Vec<String>,
    attrs: Vec<String>,
}

impl<'p> Csv<'p> {
    pub(crate) fn new(program: &'p Program, options: RenderOptions) -> Self {
        Csv {
            program,
            options,
            fields: field_names(program),
            attrs: attr_names(program),
        }
    }
}

/// Quotes a cell when it holds a comma, quote or line break (RFC 4180).
fn cell(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

fn write_row(out: &mut dyn Write, cells: &[String]) -> io::Result<()> {
    let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
    writeln!(out, "{}", line.join(","))
}

impl Renderer for Csv<'_> {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let mut header: Vec<String> = ["id", "label", "rule", "start", "end", "text"]
            .map(String::from)
            .to_vec();
        for name in &self.fields {
            header.extend([
                format!("{name}_start"),
                format!("{name}_end"),
                format!("{name}_text"),
            ]);
        }
        header.extend(self.attrs.iter().cloned());
        write_row(out, &header)
    }

    fn document(&mut self, out: &mut dyn Write, doc: &DocumentView<'_>) -> io::Result<()> {
        let offsets = OffsetMap::new(doc.text, self.options.offsets);
        for m in doc.matches {
            let mut row = vec![
                doc.id.to_owned(),
                label_name(self.program, m).to_owned(),
                rule_name(self.program, m).to_owned(),
                offsets.map(m.span.start).to_string(),
                offsets.map(m.span.end).to_string(),
                slice(doc.text, m.span.start, m.span.end).to_owned(),
            ];
            for name in &self.fields {
                // A repeated field joins its spans with `|` so the row keeps its width.
                let spans: Vec<_> = m.fields.iter().filter(|f| *f.name == **name).collect();
                let join = |part: &dyn Fn(&sayso_engine::Field) -> String| {
                    spans.iter().map(|f| part(f)).collect::<Vec<_>>().join("|")
                };
                row.push(join(&|f| offsets.map(f.span.start).to_string()));
                row.push(join(&|f| offsets.map(f.span.end).to_string()));
                row.push(join(&|f| {
                    slice(doc.text, f.span.start, f.span.end).to_owned()
                }));
            }
            for name in &self.attrs {
                row.push(m.attr(name).unwrap_or_default().to_owned());
            }
            write_row(out, &row)?;
        }
        Ok(())
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}
