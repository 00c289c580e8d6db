//! The terminal view: each match with its text, the fields highlighted in their colours, then
//! the fields one per line, so that the view also reads without colour.

use std::io::{self, Write};

use sayso_engine::{Match, Program};

use crate::style::{ansi, field_rank};
use crate::{
    DocumentView, OffsetMap, RenderOptions, Renderer, label_name, rule_name, rule_origin, slice,
};

pub(crate) struct Pretty<'p> {
    program: &'p Program,
    options: RenderOptions,
}

impl<'p> Pretty<'p> {
    pub(crate) fn new(program: &'p Program, options: RenderOptions) -> Self {
        Pretty { program, options }
    }

    fn paint(&self, sgr: &str, text: &str) -> String {
        if self.options.color {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// The match text with every field inside it painted; line breaks shown as spaces.
    fn highlighted(&self, text: &str, m: &Match) -> String {
        let (start, end) = (m.span.start, m.span.end);
        let mut cuts = vec![start, end];
        for f in &m.fields {
            if f.span.start >= start && f.span.end <= end {
                cuts.extend([f.span.start, f.span.end]);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut out = String::new();
        for pair in cuts.windows(2) {
            let piece = slice(text, pair[0], pair[1]).replace(['\n', '\r'], " ");
            let field = m
                .fields
                .iter()
                .filter(|f| f.span.start <= pair[0] && f.span.end >= pair[1])
                .max_by_key(|f| (field_rank(&f.name), std::cmp::Reverse(f.span.len())));
            match field {
                Some(f) => out.push_str(&self.paint(ansi(&f.name), &piece)),
                None => out.push_str(&piece),
            }
        }
        out
    }
}

impl Renderer for Pretty<'_> {
    fn begin(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    fn document(&mut self, out: &mut dyn Write, doc: &DocumentView<'_>) -> io::Result<()> {
        let count = doc.matches.len();
        let noun = if count == 1 { "match" } else { "matches" };
        writeln!(
            out,
            "{}",
            self.paint("1", &format!("── {} ── {count} {noun}", doc.id))
        )?;
        if let Some(error) = doc.error {
            writeln!(out, "  {}", self.paint("1;31", &format!("error: {error}")))?;
        }
        let offsets = OffsetMap::new(doc.text, self.options.offsets);
        for m in doc.matches {
            let origin = rule_origin(self.program, m).map_or_else(String::new, |o| o.to_string());
            writeln!(
                out,
                "  {} {} {} {}..{}",
                self.paint("1", label_name(self.program, m)),
                rule_name(self.program, m),
                self.paint("2", &format!("({origin})")),
                offsets.map(m.span.start),
                offsets.map(m.span.end),
            )?;
            writeln!(out, "    {}", self.highlighted(doc.text, m))?;
            let width = m.fields.iter().map(|f| f.name.len()).max().unwrap_or(0);
            for f in &m.fields {
                let value = slice(doc.text, f.span.start, f.span.end).replace(['\n', '\r'], " ");
                writeln!(
                    out,
                    "    {:width$}  {}",
                    f.name,
                    self.paint(ansi(&f.name), &value)
                )?;
            }
            for (name, value) in m.attrs.iter() {
                writeln!(out, "    {name:width$}  = {value}")?;
            }
        }
        writeln!(out)
    }

    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}
