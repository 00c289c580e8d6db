//! Renders sayso matches for people and programs. The JSON Lines form is the output contract
//! that downstream tools and the scorer read.
//!
//! The core types are [`DocumentView`] (one document's id, text and matches), [`Format`] and
//! [`RenderOptions`] (what to print and how), and the [`Renderer`] trait that every format
//! implements so that the command line can stream documents through it in input order. The
//! [`eval`] module scores predictions against gold annotations.
//!
//! ```
//! use sayso_engine::{Match, Program, RuleSet};
//! use sayso_output::{DocumentView, Format, RenderOptions, renderer};
//!
//! let rules = RuleSet::new(Program::default()).unwrap();
//! let text = "Smith said so.";
//! let matches: Vec<Match> = rules.run(&sayso_tokenize::tokenize(text));
//! let mut out = Vec::new();
//! let mut jsonl = renderer(Format::Jsonl, rules.program(), RenderOptions::default());
//! jsonl.begin(&mut out).unwrap();
//! jsonl.document(&mut out, &DocumentView::new("doc-1", text, &matches)).unwrap();
//! jsonl.finish(&mut out).unwrap();
//! assert_eq!(String::from_utf8(out).unwrap(), "{\"id\":\"doc-1\",\"matches\":[]}\n");
//! ```
#![forbid(unsafe_code)]

mod brat;
mod csv;
pub mod eval;
mod html;
mod json;
mod offsets;
mod pretty;
mod record;
mod style;
mod write;

use std::io::{self, Write};

use sayso_engine::{Match, Program};

pub use offsets::{OffsetMap, OffsetUnit};
pub use record::{CaptureRecord, CaptureValue, DocumentRecord, MatchRecord, RuleOrigin};

/// One input document as the renderers see it.
#[derive(Clone, Copy, Debug)]
pub struct DocumentView<'a> {
    /// The document id: the path of a file, `-` for stdin, or the id field of a JSONL line.
    pub id: &'a str,
    /// The full text the match offsets point into.
    pub text: &'a str,
    /// The matches, ordered by start.
    pub matches: &'a [Match],
    /// Why the document could not be processed, if it could not; its matches are then empty.
    pub error: Option<&'a str>,
}

impl<'a> DocumentView<'a> {
    /// A document that was processed.
    pub fn new(id: &'a str, text: &'a str, matches: &'a [Match]) -> Self {
        DocumentView {
            id,
            text,
            matches,
            error: None,
        }
    }

    /// A document that failed, so that the output still has a record of it.
    pub fn failed(id: &'a str, error: &'a str) -> Self {
        DocumentView {
            id,
            text: "",
            matches: &[],
            error: Some(error),
        }
    }
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// One JSON object per document and line: the output contract.
    Jsonl,
    /// One JSON array holding every document object.
    Json,
    /// One row per match, with a start, end and text column per capture.
    Csv,
    /// A terminal view with the captures highlighted.
    Pretty,
    /// One standalone HTML page highlighting the matches of every document.
    Html,
    /// brat standoff annotations (`.ann`).
    Brat,
}

/// How to render.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Byte or character offsets (brat always uses characters, as brat requires).
    pub offsets: OffsetUnit,
    /// Whether the pretty format may use ANSI colours.
    pub color: bool,
}

/// A streaming renderer: `begin` once, `document` for each document in input order, `finish`
/// once.
pub trait Renderer {
    /// Writes what comes before the first document (a header row, the page head).
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()>;
    /// Writes one document.
    fn document(&mut self, out: &mut dyn Write, doc: &DocumentView<'_>) -> io::Result<()>;
    /// Writes what comes after the last document.
    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()>;
}

/// The renderer for `format`.
pub fn renderer<'p>(
    format: Format,
    program: &'p Program,
    options: RenderOptions,
) -> Box<dyn Renderer + 'p> {
    match format {
        Format::Jsonl => Box::new(json::JsonLines::new(program, options)),
        Format::Json => Box::new(json::JsonArray::new(program, options)),
        Format::Csv => Box::new(csv::Csv::new(program, options)),
        Format::Pretty => Box::new(pretty::Pretty::new(program, options)),
        Format::Html => Box::new(html::Html::new(program, options)),
        Format::Brat => Box::new(brat::Brat::new(program)),
    }
}

/// Renders one document's brat standoff annotations on their own (for writing `.ann` files).
pub fn brat_annotations(program: &Program, doc: &DocumentView<'_>) -> String {
    brat::annotations(program, doc)
}

/// The name of a match's rule, or `?` for an id the program does not know.
pub(crate) fn rule_name<'p>(program: &'p Program, m: &Match) -> &'p str {
    program
        .rules
        .get(m.rule.0 as usize)
        .map_or("?", |r| r.name.as_str())
}

/// The name of a match's label, or `?` for an id the program does not know.
pub(crate) fn label_name<'p>(program: &'p Program, m: &Match) -> &'p str {
    program
        .labels
        .get(m.label.0 as usize)
        .map_or("?", |l| l.name.as_str())
}

/// Where a match's rule is declared, written as `file:line`.
pub(crate) fn rule_origin<'p>(program: &'p Program, m: &Match) -> Option<RuleOrigin<'p>> {
    program.rules.get(m.rule.0 as usize).map(|r| RuleOrigin {
        file: &r.origin.file,
        line: r.origin.line,
    })
}

/// The text of a byte span, empty when the span does not fit the text.
pub(crate) fn slice(text: &str, start: usize, end: usize) -> &str {
    text.get(start..end).unwrap_or("")
}

/// Every span field the program's labels can carry (the documented `Label::fields`, plus the
/// fields links fill), in first-seen order.
pub(crate) fn field_names(program: &Program) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let declared = program
        .labels
        .iter()
        .filter(|l| l.builtin.is_none())
        .flat_map(|l| l.fields.iter());
    let linked = program
        .rules
        .iter()
        .flat_map(|r| r.links.iter().map(|l| &l.field));
    for name in declared.chain(linked) {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

/// Every constant attribute the program's rules can emit: emitted names that are not span
/// fields, in first-seen order.
pub(crate) fn attr_names(program: &Program) -> Vec<String> {
    let fields = field_names(program);
    let mut names: Vec<String> = Vec::new();
    for f in program.rules.iter().flat_map(|r| r.emit.iter()) {
        if !fields.contains(&f.name) && !names.contains(&f.name) {
            names.push(f.name.clone());
        }
    }
    names
}
