//! Where the rule set comes from: the pack embedded at build time, or the files and directories
//! given with `--rules`; and how rule diagnostics are shown (through miette, like rustc).

use std::path::{Path, PathBuf};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceSpan, SpanContents,
};
use sayso_engine::{CompileError, EngineConfig, RuleSet};
use sayso_lang::{
    CompileOptions, Diagnostic, Diagnostics, FsLoader, MemoryLoader, Severity, SourceFile,
};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/default_pack.rs"));
}

/// The prefix of the embedded files' names in diagnostics and rule origins.
const EMBEDDED_DIR: &str = "rules";

/// The limits on a rule set, shared by every subcommand that loads rules. Each option is a
/// field of `sayso_lang::CompileOptions` or `sayso_engine::EngineConfig` under the same name,
/// and its default is the library's.
#[derive(Clone, Debug, clap::Args)]
#[command(next_help_heading = "Rule-set limits (raise one when a rule set reports E0021)")]
pub struct LimitArgs {
    /// Deepest nesting of `(`, `[` and `{` in a rule file, and of named patterns inlined into
    /// one another.
    #[arg(long, value_name = "N", default_value_t = CompileOptions::default().max_nesting)]
    pub max_nesting: usize,
    /// Most rules in the rule set.
    #[arg(long, value_name = "N", default_value_t = CompileOptions::default().max_rules)]
    pub max_rules: usize,
    /// Most bytes of all lexicon files together.
    #[arg(long, value_name = "BYTES",
          default_value_t = CompileOptions::default().max_lexicon_bytes)]
    pub max_lexicon_bytes: usize,
    /// Most rule files, the given ones and their imports.
    #[arg(long, value_name = "N", default_value_t = CompileOptions::default().max_files)]
    pub max_files: usize,
    /// Most bytes of one rule file.
    #[arg(long, value_name = "BYTES", default_value_t = CompileOptions::default().max_file_bytes)]
    pub max_file_bytes: usize,
    /// Most pattern nodes of one rule once its named patterns are inlined.
    #[arg(long, value_name = "N", default_value_t = CompileOptions::default().max_pattern_size)]
    pub max_pattern_size: usize,
    /// Most pattern nodes of the whole rule set once named patterns are inlined.
    #[arg(long, value_name = "N",
          default_value_t = CompileOptions::default().max_total_pattern_size)]
    pub max_total_pattern_size: usize,
    /// Largest bound of a counted repetition `{m,n}`.
    #[arg(long, value_name = "N", default_value_t = CompileOptions::default().max_repeat)]
    pub max_repeat: u32,
    /// Most engine instructions one rule compiles into (counted repetitions are expanded).
    #[arg(long, value_name = "N", default_value_t = EngineConfig::default().max_instructions)]
    pub max_instructions: usize,
}

impl LimitArgs {
    /// The checker's settings.
    pub fn compile_options(&self) -> CompileOptions {
        CompileOptions {
            max_nesting: self.max_nesting,
            max_rules: self.max_rules,
            max_lexicon_bytes: self.max_lexicon_bytes,
            max_files: self.max_files,
            max_file_bytes: self.max_file_bytes,
            max_pattern_size: self.max_pattern_size,
            max_total_pattern_size: self.max_total_pattern_size,
            max_repeat: self.max_repeat,
        }
    }

    /// The engine's settings.
    pub fn engine_config(&self) -> EngineConfig {
        EngineConfig {
            max_instructions: self.max_instructions,
            ..EngineConfig::default()
        }
    }
}

/// The library's name of each limit with the command-line option that sets it, so that help
/// lines written for library users name the option instead.
const LIMIT_OPTIONS: [(&str, &str); 9] = [
    ("max_nesting", "--max-nesting"),
    ("max_rules", "--max-rules"),
    ("max_lexicon_bytes", "--max-lexicon-bytes"),
    ("max_files", "--max-files"),
    ("max_file_bytes", "--max-file-bytes"),
    ("max_pattern_size", "--max-pattern-size"),
    ("max_total_pattern_size", "--max-total-pattern-size"),
    ("max_repeat", "--max-repeat"),
    ("max_instructions", "--max-instructions"),
];

/// A diagnostic's help line as a command-line user needs it: the library's limit names become
/// options ("raise `max_rules` in the compile options" reads "raise `--max-rules`"), and a
/// repetition bound out of range also points at `--max-repeat`.
fn command_line_help(diagnostic: &Diagnostic) -> Option<String> {
    let mut help = diagnostic.help.clone()?;
    for (field, option) in LIMIT_OPTIONS {
        help = help
            .replace(
                &format!("`{field}` in the compile options"),
                &format!("`{option}`"),
            )
            .replace(&format!("`{field}`"), &format!("`{option}`"));
    }
    if diagnostic.code == "E0020" && diagnostic.message.starts_with("repetition bound") {
        help.push_str(", or raise the limit with `--max-repeat`");
    }
    Some(help)
}

/// Why a rule set could not be loaded.
#[derive(Debug)]
pub enum RulesError {
    /// Errors in the rule files.
    Diagnostics(Diagnostics),
    /// A `--rules` path could not be listed, or the engine refused the program.
    Other(String),
}

/// The embedded files as (name, text), names under `rules/`.
pub fn embedded_files() -> impl Iterator<Item = (String, &'static str)> {
    embedded::DEFAULT_PACK
        .iter()
        .map(|(name, text)| (format!("{EMBEDDED_DIR}/{name}"), *text))
}

/// Loads the rule set from `paths`, or the embedded pack when there are none.
pub fn load(paths: &[PathBuf], limits: &LimitArgs) -> Result<RuleSet, RulesError> {
    load_with_warnings(paths, limits).map(|(rules, _warnings)| rules)
}

/// The stack that compiling takes per level of nesting allowed: parsing, checking and compiling
/// each recurse once per level (a default 8 MiB stack overflowed between 2,500 and 3,000 levels
/// of parentheses), with room for named patterns inlined into one another.
const STACK_PER_NESTING_LEVEL: usize = 16 << 10;

/// The stack of the thread that compiles under a raised nesting limit, besides the levels.
const BASE_COMPILE_STACK: usize = 8 << 20;

/// Like [`load`], and also returns the warnings of a rule set that loaded.
pub fn load_with_warnings(
    paths: &[PathBuf],
    limits: &LimitArgs,
) -> Result<(RuleSet, Diagnostics), RulesError> {
    // The default limits fit the main thread's stack. Under a raised nesting limit the rules
    // compile on a thread whose stack fits the limit, so that a deeply nested file gets its
    // error or its rule set instead of overflowing the stack.
    if limits.max_nesting <= CompileOptions::default().max_nesting {
        return compile(paths, limits);
    }
    let stack = limits
        .max_nesting
        .saturating_mul(STACK_PER_NESTING_LEVEL)
        .saturating_add(BASE_COMPILE_STACK);
    std::thread::scope(|scope| {
        let compiling = std::thread::Builder::new()
            .name("compile".into())
            .stack_size(stack)
            .spawn_scoped(scope, || compile(paths, limits))
            .map_err(|e| {
                RulesError::Other(format!(
                    "cannot start a thread with {stack} bytes of stack for --max-nesting: {e}"
                ))
            })?;
        compiling
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Checks and compiles the rules of `paths`, or the embedded pack when there are none.
fn compile(paths: &[PathBuf], limits: &LimitArgs) -> Result<(RuleSet, Diagnostics), RulesError> {
    let options = limits.compile_options();
    let checked = if paths.is_empty() {
        let mut loader = MemoryLoader::new();
        let mut roots = Vec::new();
        for (name, text) in embedded_files() {
            // The top-level rule files are the roots; the rest are imports and lexicons.
            if name.ends_with(".sayso") && name.matches('/').count() == 1 {
                roots.push(PathBuf::from(&name));
            }
            loader = loader.with(name, text);
        }
        let roots: Vec<&Path> = roots.iter().map(PathBuf::as_path).collect();
        sayso_lang::check(&roots, &loader, &options)
    } else {
        let roots = rule_files(paths)?;
        let roots: Vec<&Path> = roots.iter().map(PathBuf::as_path).collect();
        sayso_lang::check(&roots, &FsLoader, &options)
    };
    let Some(program) = checked.program else {
        return Err(RulesError::Diagnostics(checked.diagnostics));
    };
    let rules = RuleSet::with_config(program, limits.engine_config()).map_err(|e| match e {
        CompileError::Limit(_) => {
            RulesError::Other(format!("{e} (or raise the limit with --max-instructions)"))
        }
        other => RulesError::Other(other.to_string()),
    })?;
    Ok((rules, checked.diagnostics))
}

/// The `.sayso` files named by `paths`: files as given, directories searched recursively.
fn rule_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, RulesError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path())
                .filter(|p| p.extension().is_some_and(|x| x == "sayso"))
                .collect();
            if found.is_empty() {
                return Err(RulesError::Other(format!(
                    "no .sayso file under {}",
                    path.display()
                )));
            }
            files.append(&mut found);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(RulesError::Other(format!(
                "cannot read rules {}: no such file or directory",
                path.display()
            )));
        }
    }
    Ok(files)
}

/// Prints a loading failure on stderr.
pub fn report(error: &RulesError, color: bool) {
    match error {
        RulesError::Diagnostics(diagnostics) => eprint!("{}", render(diagnostics, color)),
        RulesError::Other(message) => eprintln!("error: {message}"),
    }
}

/// Renders every diagnostic like rustc does, followed by a count.
pub fn render(diagnostics: &Diagnostics, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let files: Vec<FileLines<'_>> = diagnostics
        .sources
        .files()
        .iter()
        .map(FileLines::new)
        .collect();
    let mut out = String::new();
    for item in &diagnostics.items {
        let report = RuleDiagnostic::new(&files, item);
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}: {}\n", item.code, item.message));
        }
        out.push('\n');
    }
    let errors = diagnostics
        .items
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.items.len() - errors;
    match (errors, warnings) {
        (0, 0) => out.push_str("error: the rule set could not be loaded\n"),
        (0, w) => out.push_str(&format!("warning: {w} warning(s)\n")),
        (e, w) => out.push_str(&format!(
            "error: could not load the rules: {e} error(s), {w} warning(s)\n"
        )),
    }
    out
}

/// A rule-file diagnostic as miette sees it: one source file with its labels; labels in other
/// files become related diagnostics so each is shown against its own text.
#[derive(Debug)]
struct RuleDiagnostic {
    message: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Excerpt,
    labels: Vec<LabeledSpan>,
    related: Vec<RuleDiagnostic>,
}

impl RuleDiagnostic {
    fn new(files: &[FileLines<'_>], d: &Diagnostic) -> Self {
        let severity = match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        };
        let file = d.primary.file;
        let label = |l: &sayso_lang::Label, primary: bool| {
            let text = (!l.message.is_empty()).then(|| l.message.clone());
            let span = (l.span.start, l.span.end.saturating_sub(l.span.start));
            if primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        };
        let mut labels = vec![label(&d.primary, true)];
        let mut spans = vec![d.primary.span.clone()];
        let mut related = Vec::new();
        for other in &d.secondary {
            if other.file == file {
                labels.push(label(other, false));
                spans.push(other.span.clone());
            } else {
                related.push(RuleDiagnostic {
                    message: if other.message.is_empty() {
                        "related".to_owned()
                    } else {
                        other.message.clone()
                    },
                    code: String::new(),
                    severity: miette::Severity::Advice,
                    help: None,
                    source: Excerpt::new(files, other.file, std::slice::from_ref(&other.span)),
                    labels: vec![LabeledSpan::new_primary_with_span(
                        None,
                        (
                            other.span.start,
                            other.span.end.saturating_sub(other.span.start),
                        ),
                    )],
                    related: Vec::new(),
                });
            }
        }
        RuleDiagnostic {
            message: d.message.clone(),
            code: d.code.to_owned(),
            severity,
            help: command_line_help(d),
            source: Excerpt::new(files, file, &spans),
            labels,
            related,
        }
    }
}

/// A rule file with the byte offset where each of its lines starts, counting line breaks as
/// miette does (`\n`, `\r\n` or a lone `\r`).
struct FileLines<'a> {
    file: &'a SourceFile,
    starts: Vec<usize>,
}

impl<'a> FileLines<'a> {
    fn new(file: &'a SourceFile) -> Self {
        let bytes = file.text.as_bytes();
        let mut starts = vec![0];
        for (at, &byte) in bytes.iter().enumerate() {
            let breaks = byte == b'\n' || (byte == b'\r' && bytes.get(at + 1) != Some(&b'\n'));
            if breaks {
                starts.push(at + 1);
            }
        }
        FileLines { file, starts }
    }

    /// The 0-based line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }
}

/// The lines of a rule file around one diagnostic's labels, with where they sit in the file.
/// miette finds a span's line by scanning its source from the start, so handing it the whole
/// file made rendering every warning of a large rule file take time quadratic in its size.
#[derive(Debug)]
struct Excerpt {
    name: String,
    text: String,
    /// The byte offset of `text` in the file.
    offset: usize,
    /// The 0-based line of the file where `text` starts.
    first_line: usize,
}

impl Excerpt {
    /// Lines of context kept on each side of the labels: more than miette shows (one), so that
    /// it renders the excerpt exactly as it would the whole file.
    const CONTEXT_LINES: usize = 3;

    fn new(
        files: &[FileLines<'_>],
        id: sayso_lang::FileId,
        spans: &[std::ops::Range<usize>],
    ) -> Self {
        let Some(lines) = files.get(id.0 as usize) else {
            return Excerpt {
                name: "<unknown>".to_owned(),
                text: String::new(),
                offset: 0,
                first_line: 0,
            };
        };
        let text = &lines.file.text;
        let low = spans.iter().map(|span| span.start).min().unwrap_or(0);
        let high = spans.iter().map(|span| span.end).max().unwrap_or(0);
        let first_line = lines
            .line_of(low.min(text.len()))
            .saturating_sub(Self::CONTEXT_LINES);
        let after_last = lines.line_of(high.min(text.len())) + Self::CONTEXT_LINES + 1;
        let offset = lines.starts[first_line];
        let end = lines.starts.get(after_last).copied().unwrap_or(text.len());
        Excerpt {
            name: lines.file.name.clone(),
            text: text[offset..end].to_owned(),
            offset,
            first_line,
        }
    }
}

impl miette::SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let local = SourceSpan::new(
            span.offset()
                .checked_sub(self.offset)
                .ok_or(MietteError::OutOfBounds)?
                .into(),
            span.len(),
        );
        let contents =
            self.text
                .as_bytes()
                .read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            SourceSpan::new(
                (contents.span().offset() + self.offset).into(),
                contents.span().len(),
            ),
            contents.line() + self.first_line,
            contents.column(),
            contents.line_count() + self.first_line,
        )))
    }
}

impl std::fmt::Display for RuleDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuleDiagnostic {}

impl miette::Diagnostic for RuleDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn std::fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miette::SourceCode;
    use sayso_lang::SourceMap;

    /// Every option left out gives the library's own setting.
    #[test]
    fn the_default_limits_are_the_librarys() {
        #[derive(clap::Parser)]
        struct Limits {
            #[command(flatten)]
            limits: LimitArgs,
        }
        let parsed = <Limits as clap::Parser>::try_parse_from(["limits"]).unwrap();
        assert_eq!(parsed.limits.compile_options(), CompileOptions::default());
        assert_eq!(
            parsed.limits.engine_config().max_instructions,
            EngineConfig::default().max_instructions
        );
        let raised =
            <Limits as clap::Parser>::try_parse_from(["limits", "--max-rules", "7"]).unwrap();
        assert_eq!(raised.limits.compile_options().max_rules, 7);
    }

    /// An excerpt reads every span exactly as the whole file would, whatever the line breaks.
    #[test]
    fn excerpts_read_spans_like_the_whole_file() {
        let text = "rule a -> A {\r\n  match [SAY]\n\n  emit\rx: y\r\n}\nrule b\n";
        let mut sources = SourceMap::default();
        let id = sources.add("a.sayso", text);
        let files = [FileLines::new(sources.file(id))];
        for start in 0..=text.len() {
            for end in start..=text.len() {
                let excerpt = Excerpt::new(&files, id, std::slice::from_ref(&(start..end)));
                let span = SourceSpan::new(start.into(), end - start);
                for context in 0..=1 {
                    let whole = text.as_bytes().read_span(&span, context, context);
                    let cut = excerpt.read_span(&span, context, context);
                    let summary = |contents: &dyn SpanContents<'_>| {
                        (
                            contents.data().to_vec(),
                            contents.span().offset(),
                            contents.span().len(),
                            contents.line(),
                            contents.column(),
                            contents.line_count(),
                        )
                    };
                    assert_eq!(
                        whole.map(|c| summary(&*c)).ok(),
                        cut.map(|c| summary(&*c)).ok(),
                        "span {start}..{end}, {context} context lines"
                    );
                }
            }
        }
    }

    /// Help lines written for library users name the command-line options.
    #[test]
    fn limit_help_names_the_option() {
        let mut sources = SourceMap::default();
        let file = sources.add("a.sayso", "rule r -> A { match [] }\n");
        let diagnostic = |code: &'static str, message: &str, help: &str| Diagnostic {
            severity: Severity::Error,
            code,
            message: message.to_owned(),
            primary: sayso_lang::Label {
                file,
                span: 0..4,
                message: String::new(),
            },
            secondary: Vec::new(),
            help: Some(help.to_owned()),
        };
        let cases = [
            diagnostic(
                "E0021",
                "the rule set has more than 2 rules",
                "raise `max_rules` in the compile options",
            ),
            diagnostic(
                "E0021",
                "brackets are nested more than 3 levels deep",
                "split the pattern into named patterns, or raise `max_nesting`",
            ),
            diagnostic(
                "E0020",
                "repetition bound `5000` is out of range",
                "for no upper bound, leave it out: `{2,}`",
            ),
            diagnostic(
                "E0020",
                "priority `5000` is out of range",
                "priorities only order rules",
            ),
        ];
        let helps: Vec<String> = cases.iter().filter_map(command_line_help).collect();
        assert_eq!(
            helps,
            [
                "raise `--max-rules`",
                "split the pattern into named patterns, or raise `--max-nesting`",
                "for no upper bound, leave it out: `{2,}`, or raise the limit with `--max-repeat`",
                "priorities only order rules",
            ]
        );
    }

    /// Two errors in one file, one with a note in another file, rendered without colour.
    #[test]
    fn diagnostics_render_like_rustc() {
        let mut sources = SourceMap::default();
        let rules = sources.add(
            "pack.sayso",
            "lexicon SAY = {said}\n\nrule r -> A {\n  match s:Speakr c:[SAYS]\n  emit speaker: s\n}\n",
        );
        let common = sources.add("common.sayso", "pattern Speaker = [title]\n");
        let label = |file, start: usize, end: usize, message: &str| sayso_lang::Label {
            file,
            span: start..end,
            message: message.to_owned(),
        };
        let text = &sources.file(rules).text;
        let speakr = text.find("Speakr").unwrap();
        let says = text.find("SAYS").unwrap();
        let diagnostics = Diagnostics {
            items: vec![
                Diagnostic {
                    severity: Severity::Error,
                    code: "E0002",
                    message: "unknown pattern `Speakr`".to_owned(),
                    primary: label(rules, speakr, speakr + 6, "not declared"),
                    secondary: vec![label(common, 8, 15, "a similar name is declared here")],
                    help: Some("did you mean `Speaker`?".to_owned()),
                },
                Diagnostic {
                    severity: Severity::Error,
                    code: "E0003",
                    message: "unknown lexicon `SAYS`".to_owned(),
                    primary: label(rules, says, says + 4, ""),
                    secondary: vec![label(rules, 8, 11, "`SAY` is declared here")],
                    help: Some("did you mean `SAY`?".to_owned()),
                },
            ],
            sources,
        };
        insta::assert_snapshot!(render(&diagnostics, false));
    }
}
