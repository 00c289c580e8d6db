//! Collecting diagnostics while checking: the sources they point into, a line index for
//! origins, and the "did you mean" suggestions, kept apart from the checks themselves.

use crate::ast::ByteSpan;
use crate::diagnostic::{Diagnostic, Diagnostics, FileId, Label, Severity, SourceMap};
use crate::ir;

/// Collects diagnostics and the sources they point into, with a line index per file so that
/// origins are computed in logarithmic time even for very large files.
pub(crate) struct Reporter {
    sources: SourceMap,
    line_starts: Vec<Vec<usize>>,
    items: Vec<Diagnostic>,
}

impl Reporter {
    pub(crate) fn new() -> Self {
        Reporter {
            sources: SourceMap::default(),
            line_starts: Vec::new(),
            items: Vec::new(),
        }
    }

    pub(crate) fn add_source(&mut self, name: String, text: String) -> FileId {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        self.line_starts.push(starts);
        self.sources.add(name, text)
    }

    /// An empty source standing for a file that could not be read, so that a diagnostic about
    /// it has somewhere to point.
    pub(crate) fn placeholder(&mut self, path: &std::path::Path) -> FileId {
        self.add_source(path.display().to_string(), String::new())
    }

    pub(crate) fn text(&self, id: FileId) -> &str {
        &self.sources.file(id).text
    }

    pub(crate) fn origin(&self, file: FileId, offset: usize) -> ir::Origin {
        let source = self.sources.file(file);
        let starts = &self.line_starts[file.0 as usize];
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let line_start = starts[line - 1];
        let end = offset.min(source.text.len());
        let column = source
            .text
            .get(line_start..end)
            .map_or(1, |s| s.chars().count() + 1);
        ir::Origin {
            file: source.name.clone(),
            line: line as u32,
            column: column as u32,
        }
    }

    // A diagnostic has this many parts; a builder would only move the list elsewhere.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        message: String,
        file: FileId,
        span: ByteSpan,
        label: impl Into<String>,
        help: Option<String>,
    ) -> &mut Diagnostic {
        self.items.push(Diagnostic {
            severity,
            code,
            message,
            primary: Label {
                file,
                span,
                message: label.into(),
            },
            secondary: Vec::new(),
            help,
        });
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    /// Clamps a span to its file and widens it to character boundaries, so every renderer can
    /// slice the text with it.
    fn snap(&self, file: FileId, span: ByteSpan) -> ByteSpan {
        let text = &self.sources.file(file).text;
        let mut start = span.start.min(text.len());
        let mut end = span.end.clamp(start, text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        start..end
    }

    pub(crate) fn error(
        &mut self,
        code: &'static str,
        message: String,
        file: FileId,
        span: ByteSpan,
        label: impl Into<String>,
        help: Option<String>,
    ) -> &mut Diagnostic {
        self.push(Severity::Error, code, message, file, span, label, help)
    }

    pub(crate) fn warning(
        &mut self,
        code: &'static str,
        message: String,
        file: FileId,
        span: ByteSpan,
        label: impl Into<String>,
        help: Option<String>,
    ) -> &mut Diagnostic {
        self.push(Severity::Warning, code, message, file, span, label, help)
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub(crate) fn finish(mut self) -> Diagnostics {
        let mut items = std::mem::take(&mut self.items);
        for item in &mut items {
            for label in std::iter::once(&mut item.primary).chain(&mut item.secondary) {
                label.span = self.snap(label.file, label.span.clone());
            }
        }
        self.items = items;
        self.items
            .sort_by_key(|d| (d.primary.file.0, d.primary.span.start));
        Diagnostics {
            sources: self.sources,
            items: self.items,
        }
    }
}

/// Adds a secondary label to a diagnostic.
pub(crate) fn also(
    diagnostic: &mut Diagnostic,
    file: FileId,
    span: ByteSpan,
    message: impl Into<String>,
) {
    diagnostic.secondary.push(Label {
        file,
        span,
        message: message.into(),
    });
}

/// The candidate closest to `name`, if any is close enough to be what was meant.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let score = strsim::jaro_winkler(&lower, &candidate.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// "did you mean `x`?" for the closest candidate, if any is close enough.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}
