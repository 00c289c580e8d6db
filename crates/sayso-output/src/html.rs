//! One standalone HTML page per run, in the spirit of displaCy: each document's text with the
//! matches shaded, their fields coloured as in the legend and a label tag after each match,
//! and a summary of what matched per document. No script and no external resource.

use std::collections::BTreeMap;
use std::io::{self, Write};

use sayso_engine::{Match, Program};

use crate::style::{field_rank, html_colour};
use crate::{
    DocumentView, OffsetMap, RenderOptions, Renderer, field_names, label_name, rule_name,
    rule_origin, slice,
};

pub(crate) struct Html<'p> {
    program: &'p Program,
    options: RenderOptions,
    fields: Vec<String>,
    documents: usize,
    matches: usize,
}

impl<'p> Html<'p> {
    pub(crate) fn new(program: &'p Program, options: RenderOptions) -> Self {
        Html {
            program,
            options,
            fields: field_names(program),
            documents: 0,
            matches: 0,
        }
    }

    fn field_class(&self, name: &str) -> String {
        match self.fields.iter().position(|f| f == name) {
            Some(index) => format!("f{index}"),
            None => "fx".to_owned(),
        }
    }
}

/// Escapes text for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; color: #222; background: #fafafa; }
h1 { font-size: 1.4rem; margin-bottom: .3rem; }
.legend { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0 1.5rem; }
.legend span { padding: .15rem .5rem; border-radius: .3rem; font-size: .85rem; }
.legend .match { background: #eee; border-bottom: 2px solid #888; }
section.doc { background: #fff; border: 1px solid #ddd; border-radius: .5rem;
              padding: 1rem 1.25rem; margin-bottom: 1.5rem; }
section.doc h2 { font-size: 1rem; margin: 0 0 .3rem; font-family: ui-monospace, monospace; }
.summary { font-size: .85rem; color: #555; margin: 0 0 .8rem; }
.summary b { color: #222; }
.error { color: #b00020; font-weight: 600; }
.text { white-space: pre-wrap; line-height: 2.1; font-size: 1rem; }
.m { background: #eee; border-bottom: 2px solid #888; padding: .2rem 0; }
.tag { font-size: .65rem; font-weight: 700; text-transform: uppercase; letter-spacing: .03em;
       background: #555; color: #fff; border-radius: .25rem; padding: .05rem .3rem;
       margin: 0 .2rem; vertical-align: middle; }
.f { padding: .2rem .05rem; border-radius: .2rem; }
footer { font-size: .85rem; color: #555; }
";

impl Renderer for Html<'_> {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "<!DOCTYPE html>")?;
        writeln!(out, "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")?;
        writeln!(out, "<title>sayso matches</title>\n<style>{STYLE}")?;
        for (index, name) in self.fields.iter().enumerate() {
            writeln!(
                out,
                ".f{index} {{ background: {}; }}",
                html_colour(name, index)
            )?;
        }
        writeln!(
            out,
            ".fx {{ background: #ddd; }}\n</style>\n</head>\n<body>"
        )?;
        writeln!(out, "<h1>sayso matches</h1>\n<div class=\"legend\">")?;
        writeln!(out, "<span class=\"match\">match</span>")?;
        for name in &self.fields {
            writeln!(
                out,
                "<span class=\"f {}\">{}</span>",
                self.field_class(name),
                escape(name)
            )?;
        }
        writeln!(out, "</div>")
    }

    fn document(&mut self, out: &mut dyn Write, doc: &DocumentView<'_>) -> io::Result<()> {
        self.documents += 1;
        self.matches += doc.matches.len();
        writeln!(out, "<section class=\"doc\">\n<h2>{}</h2>", escape(doc.id))?;
        if let Some(error) = doc.error {
            writeln!(out, "<p class=\"error\">{}</p>\n</section>", escape(error))?;
            return Ok(());
        }
        writeln!(
            out,
            "<p class=\"summary\">{}</p>",
            self.summary(doc.matches)
        )?;
        write!(out, "<div class=\"text\">")?;
        self.text(out, doc)?;
        writeln!(out, "</div>\n</section>")
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let docs = if self.documents == 1 {
            "document"
        } else {
            "documents"
        };
        let matches = if self.matches == 1 {
            "match"
        } else {
            "matches"
        };
        writeln!(
            out,
            "<footer>{} {docs}, {} {matches}.</footer>\n</body>\n</html>",
            self.documents, self.matches
        )
    }
}

impl Html<'_> {
    /// `3 matches · Attribution 3 · rules: a 2, b 1`.
    fn summary(&self, matches: &[Match]) -> String {
        let mut labels: BTreeMap<&str, usize> = BTreeMap::new();
        let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
        for m in matches {
            *labels.entry(label_name(self.program, m)).or_default() += 1;
            *rules.entry(rule_name(self.program, m)).or_default() += 1;
        }
        let noun = if matches.len() == 1 {
            "match"
        } else {
            "matches"
        };
        let mut parts = vec![format!("<b>{}</b> {noun}", matches.len())];
        for (label, count) in &labels {
            parts.push(format!("{} {count}", escape(label)));
        }
        if !rules.is_empty() {
            let list: Vec<String> = rules
                .iter()
                .map(|(rule, count)| format!("{} {count}", escape(rule)))
                .collect();
            parts.push(format!("rules: {}", list.join(", ")));
        }
        parts.join(" · ")
    }

    /// The text cut at every match and field boundary; each piece carries the classes of what
    /// covers it, and a label tag follows the end of each match.
    fn text(&self, out: &mut dyn Write, doc: &DocumentView<'_>) -> io::Result<()> {
        let text = doc.text;
        let in_text = |b: usize| b <= text.len() && text.is_char_boundary(b);
        let mut cuts = vec![0, text.len()];
        for m in doc.matches {
            cuts.extend([m.span.start, m.span.end]);
            for f in &m.fields {
                cuts.extend([f.span.start, f.span.end]);
            }
        }
        cuts.retain(|&b| in_text(b));
        cuts.sort_unstable();
        cuts.dedup();
        let offsets = OffsetMap::new(text, self.options.offsets);
        for pair in cuts.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let piece = escape(slice(text, a, b));
            let covering: Vec<&Match> = doc
                .matches
                .iter()
                .filter(|m| m.span.start <= a && m.span.end >= b)
                .collect();
            let field = doc
                .matches
                .iter()
                .flat_map(|m| m.fields.iter().map(move |f| (m, f)))
                .filter(|(_, f)| f.span.start <= a && f.span.end >= b)
                .max_by_key(|(_, f)| (field_rank(&f.name), std::cmp::Reverse(f.span.len())));
            let mut classes = Vec::new();
            if !covering.is_empty() {
                classes.push("m".to_owned());
            }
            if let Some((_, f)) = field {
                classes.push(format!("f {}", self.field_class(&f.name)));
            }
            if classes.is_empty() {
                write!(out, "{piece}")?;
            } else {
                let title = match field {
                    Some((m, f)) => format!("{} of {}", f.name, rule_name(self.program, m)),
                    None => covering
                        .iter()
                        .map(|m| rule_name(self.program, m))
                        .collect::<Vec<_>>()
                        .join(", "),
                };
                write!(
                    out,
                    "<span class=\"{}\" title=\"{}\">{piece}</span>",
                    classes.join(" "),
                    escape(&title)
                )?;
            }
            for m in doc.matches.iter().filter(|m| m.span.end == b) {
                let origin =
                    rule_origin(self.program, m).map_or_else(String::new, |o| o.to_string());
                write!(
                    out,
                    "<span class=\"tag\" title=\"{} ({}) {}..{}\">{}</span>",
                    escape(rule_name(self.program, m)),
                    escape(&origin),
                    offsets.map(m.span.start),
                    offsets.map(m.span.end),
                    escape(label_name(self.program, m))
                )?;
            }
        }
        Ok(())
    }
}
