//! Diagnostics: every problem found in a rule set, with the file, the byte span and a help line,
//! so that a front end can render them like rustc does.

use std::fmt;

/// Index into [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileId(pub u32);

/// One loaded rule or lexicon file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The name shown in diagnostics (the path as given, or an embedded name).
    pub name: String,
    /// Its full text.
    pub text: String,
}

/// Every file read while loading a rule set, so diagnostics can show their lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
        });
        FileId(self.files.len() as u32 - 1)
    }

    /// The file with this id.
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// All files in the order they were read.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// 1-based line and column (in characters) of a byte offset in a file.
    pub fn line_column(&self, id: FileId, offset: usize) -> (u32, u32) {
        let text = &self.file(id).text;
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() as u32 + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() as u32 + 1;
        (line, column)
    }
}

/// Columns a text takes on screen: one per character, four per tab.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum()
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The rule set cannot be used.
    Error,
    /// The rule set works but probably not as meant.
    Warning,
}

/// A labelled span in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The file.
    pub file: FileId,
    /// Half-open byte range in the file.
    pub span: std::ops::Range<usize>,
    /// What to say under the caret (may be empty).
    pub message: String,
}

/// One problem in a rule set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable code such as `E0002`, documented in docs/language.md.
    pub code: &'static str,
    /// The headline (`unknown pattern `Speakr``).
    pub message: String,
    /// The main span, where the caret goes.
    pub primary: Label,
    /// Further spans (`first declared here`).
    pub secondary: Vec<Label>,
    /// A suggestion (`did you mean `Speaker`?`).
    pub help: Option<String>,
}

/// All the diagnostics of one load, with the sources they point into.
#[derive(Clone, Debug, Default, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics {
    /// The files read.
    pub sources: SourceMap,
    /// The problems, in file and position order.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Whether any item is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }
}

impl fmt::Display for Diagnostics {
    /// Plain rustc-style text, without colour: the CLI renders the same data with colours.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, d) in self.items.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            render_one(f, &self.sources, d)?;
        }
        Ok(())
    }
}

fn render_one(f: &mut fmt::Formatter<'_>, sources: &SourceMap, d: &Diagnostic) -> fmt::Result {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    writeln!(f, "{severity}[{}]: {}", d.code, d.message)?;
    for (n, label) in std::iter::once(&d.primary).chain(&d.secondary).enumerate() {
        let file = sources.file(label.file);
        let (line, column) = sources.line_column(label.file, label.span.start);
        let arrow = if n == 0 { "-->" } else { ":::" };
        writeln!(f, "  {arrow} {}:{line}:{column}", file.name)?;
        let text = file.text.lines().nth(line as usize - 1).unwrap_or("");
        let width = line.to_string().len();
        let caret = if n == 0 { '^' } else { '-' };
        // Tabs are shown as four spaces, as rustc does, so the caret stays under the span.
        let before: String = text.chars().take(column as usize - 1).collect();
        let indent = display_width(&before);
        let span_text = file
            .text
            .get(label.span.clone())
            .map_or("", |s| s.lines().next().unwrap_or(""));
        let span_width = display_width(span_text).max(1);
        writeln!(f, "{:width$} |", "")?;
        writeln!(f, "{line} | {}", text.replace('\t', "    "))?;
        writeln!(
            f,
            "{:width$} | {}{} {}",
            "",
            " ".repeat(indent),
            caret.to_string().repeat(span_width),
            label.message
        )?;
    }
    if let Some(help) = &d.help {
        writeln!(f, "  = help: {help}")?;
    }
    Ok(())
}
