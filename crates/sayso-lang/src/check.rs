//! The checker: resolves the names of every loaded file, checks what the grammar cannot, and
//! lowers the syntax trees into [`ir::Program`].
//!
//! It never stops at the first problem: each check reports into a [`Reporter`] and carries on
//! with a placeholder, so a rule writer sees every error of a rule set in one run.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};
use std::ops::Range;

use crate::ast::{self, ByteSpan, Ident};
use crate::diagnostic::{Diagnostic, Diagnostics, FileId, Label, Severity, SourceMap};
use crate::ir::{self, BuiltinLabel, CaptureId, LabelId, LexiconId, Pattern, TokenTest};
use crate::lexicon;
use crate::load::{self, LoadedFile, ReadError};
use crate::loader::Loader;
use crate::{CompileOptions, codes};

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
fn also(diagnostic: &mut Diagnostic, file: FileId, span: ByteSpan, message: impl Into<String>) {
    diagnostic.secondary.push(Label {
        file,
        span,
        message: message.into(),
    });
}

/// "did you mean `x`?" for the closest candidate, if any is close enough.
fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
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
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}

/// The flag names of token tests.
const FLAGS: [(&str, ir::FlagTest); 10] = [
    ("title", ir::FlagTest::Title),
    ("upper", ir::FlagTest::Upper),
    ("lower", ir::FlagTest::Lower),
    ("capitalized", ir::FlagTest::Capitalized),
    ("alpha", ir::FlagTest::Alpha),
    ("digit", ir::FlagTest::Digit),
    ("abbrev", ir::FlagTest::Abbrev),
    ("quote_open", ir::FlagTest::QuoteOpen),
    ("quote_close", ir::FlagTest::QuoteClose),
    ("space_before", ir::FlagTest::SpaceBefore),
];

/// The kind names of token tests.
const KINDS: [(&str, ir::TokenKindTest); 7] = [
    ("word", ir::TokenKindTest::Word),
    ("number", ir::TokenKindTest::Number),
    ("punct", ir::TokenKindTest::Punct),
    ("quote", ir::TokenKindTest::QuoteMark),
    ("symbol", ir::TokenKindTest::Symbol),
    ("url", ir::TokenKindTest::Url),
    ("email", ir::TokenKindTest::Email),
];

/// A declaration, by kind and index into the checker's lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Symbol {
    Lexicon(usize),
    Pattern(usize),
    Feature(usize),
    Rule(usize),
}

impl Symbol {
    fn kind_name(self) -> &'static str {
        match self {
            Symbol::Lexicon(_) => "lexicon",
            Symbol::Pattern(_) => "pattern",
            Symbol::Feature(_) => "feature",
            Symbol::Rule(_) => "rule",
        }
    }
}

/// A declaration with the file it is written in.
struct Declared<'a, T> {
    file: FileId,
    path: &'a std::path::Path,
    node: &'a T,
}

/// A lexicon declaration after its file, if any, was read.
struct DeclaredLexicon {
    file: FileId,
    name: Ident,
    /// The entries, or `None` when the file could not be read (already reported).
    entries: Option<Vec<String>>,
    lemmas: Vec<String>,
    case_sensitive: bool,
    inflections: bool,
    span: ByteSpan,
}

/// Loads, checks and lowers a rule set.
pub(crate) fn check(
    roots: &[&std::path::Path],
    loader: &dyn Loader,
    options: &CompileOptions,
) -> (Option<ir::Program>, Diagnostics) {
    let mut reporter = Reporter::new();
    let files = load::load_all(roots, loader, options, &mut reporter);
    let program = {
        let mut checker = Checker::new(&files, loader, options, &mut reporter);
        checker.run();
        checker.program
    };
    let ok = !reporter.has_errors();
    (ok.then_some(program), reporter.finish())
}

/// Facts about one capture of the rule being lowered.
#[derive(Clone, Debug, Default)]
struct CaptureInfo {
    /// Labels of the annotation it captures whole, if it captures nothing else.
    labels: Option<BTreeSet<LabelId>>,
    /// Where it is first bound.
    file: Option<FileId>,
    span: ByteSpan,
}

/// Where lowered captures go.
#[derive(Clone, Debug)]
enum CaptureMode {
    /// Captures are kept, their names prefixed (empty for a rule's own captures, `s.` for the
    /// captures of a pattern captured as `s`).
    Keep(String),
    /// Captures are dropped (inside a named pattern used without a capture, or in `when`).
    Drop,
}

/// A capture bound somewhere in a pattern, for the checks of double binding.
#[derive(Clone, Debug)]
struct Binding {
    name: String,
    file: FileId,
    span: ByteSpan,
}

/// The state of lowering one pattern (a rule's `match`, a link's `when`, a pattern declaration).
struct PatternContext {
    captures: Vec<String>,
    capture_info: Vec<CaptureInfo>,
    /// Named patterns being inlined, innermost last, to stop cycles and bound depth.
    inlining: Vec<usize>,
    /// Nodes produced so far, to bound the growth of inlining.
    size: usize,
    size_reported: bool,
    /// Labels referenced with `@`, with the first place each is referenced.
    labels: Vec<LabelNeed>,
    /// Captures written inside a lookaround: already reported, so their uses are not reported
    /// again as unbound.
    look_captures: Vec<String>,
    /// Whether diagnostics inside named patterns are muted (they are reported once, when the
    /// pattern declaration itself is checked).
    muted: usize,
}

impl PatternContext {
    fn new() -> Self {
        PatternContext {
            captures: Vec::new(),
            capture_info: Vec::new(),
            inlining: Vec::new(),
            size: 0,
            size_reported: false,
            labels: Vec::new(),
            look_captures: Vec::new(),
            muted: 0,
        }
    }

    fn capture_id(&mut self, name: &str, file: FileId, span: &ByteSpan) -> CaptureId {
        if let Some(n) = self.captures.iter().position(|c| c == name) {
            return CaptureId(n as u32);
        }
        self.captures.push(name.to_string());
        self.capture_info.push(CaptureInfo {
            labels: None,
            file: Some(file),
            span: span.clone(),
        });
        CaptureId(self.captures.len() as u32 - 1)
    }
}

struct Checker<'a> {
    files: &'a [LoadedFile],
    loader: &'a dyn Loader,
    options: &'a CompileOptions,
    reporter: &'a mut Reporter,
    symbols: HashMap<String, (Symbol, FileId, ByteSpan)>,
    lexicons: Vec<DeclaredLexicon>,
    patterns: Vec<Declared<'a, ast::PatternDecl>>,
    features: Vec<Declared<'a, ast::FeatureDecl>>,
    rules: Vec<Declared<'a, ast::RuleDecl>>,
    /// Program lexicon id of each declared lexicon, assigned on first use.
    lexicon_ids: Vec<Option<LexiconId>>,
    /// Inline sets already in the program, by (entries, case sensitivity).
    inline_ids: HashMap<(Vec<String>, bool), LexiconId>,
    used_patterns: Vec<bool>,
    used_features: Vec<bool>,
    /// Label ids by name.
    label_ids: HashMap<String, LabelId>,
    /// Patterns whose cycle has been reported.
    cycle_reported: HashSet<usize>,
    /// Pattern nodes the whole program may still produce.
    budget_left: usize,
    /// Bytes of lexicon files read so far.
    lexicon_bytes_read: usize,
    program: ir::Program,
}

impl<'a> Checker<'a> {
    fn new(
        files: &'a [LoadedFile],
        loader: &'a dyn Loader,
        options: &'a CompileOptions,
        reporter: &'a mut Reporter,
    ) -> Self {
        Checker {
            files,
            loader,
            options,
            reporter,
            symbols: HashMap::new(),
            lexicons: Vec::new(),
            patterns: Vec::new(),
            features: Vec::new(),
            rules: Vec::new(),
            lexicon_ids: Vec::new(),
            inline_ids: HashMap::new(),
            used_patterns: Vec::new(),
            used_features: Vec::new(),
            label_ids: HashMap::new(),
            cycle_reported: HashSet::new(),
            budget_left: options.max_total_pattern_size,
            lexicon_bytes_read: 0,
            program: ir::Program::default(),
        }
    }

    fn run(&mut self) {
        self.collect();
        self.declare_labels();
        self.declare_features();
        self.check_pattern_declarations();
        let lowered = self.lower_rules();
        self.order_rules(lowered);
        self.report_unused();
    }

    // ---------------------------------------------------------------------------------------
    // Declarations
    // ---------------------------------------------------------------------------------------

    /// Gathers every declaration into the one program namespace, reading lexicon files.
    fn collect(&mut self) {
        let files = self.files;
        let mut rule_count = 0usize;
        for file in files {
            for declaration in &file.ast.declarations {
                match declaration {
                    ast::Declaration::Import(_) => {}
                    ast::Declaration::Lexicon(decl) => {
                        let index = self.lexicons.len();
                        if self.declare(&decl.name, Symbol::Lexicon(index), file.id) {
                            let lexicon = self.read_lexicon(file, decl);
                            self.lexicons.push(lexicon);
                            self.lexicon_ids.push(None);
                        }
                    }
                    ast::Declaration::Pattern(decl) => {
                        let index = self.patterns.len();
                        if self.declare(&decl.name, Symbol::Pattern(index), file.id) {
                            self.patterns.push(Declared {
                                file: file.id,
                                path: &file.path,
                                node: decl,
                            });
                            self.used_patterns.push(false);
                        }
                    }
                    ast::Declaration::Feature(decl) => {
                        let index = self.features.len();
                        if self.declare(&decl.name, Symbol::Feature(index), file.id) {
                            self.features.push(Declared {
                                file: file.id,
                                path: &file.path,
                                node: decl,
                            });
                            self.used_features.push(false);
                        }
                    }
                    ast::Declaration::Rule(decl) => {
                        rule_count += 1;
                        if rule_count == self.options.max_rules + 1 {
                            self.reporter.error(
                                codes::LIMIT,
                                format!(
                                    "the rule set has more than {} rules",
                                    self.options.max_rules
                                ),
                                file.id,
                                decl.name.span.clone(),
                                "this rule is one too many",
                                Some("raise `max_rules` in the compile options".into()),
                            );
                        }
                        if rule_count > self.options.max_rules {
                            continue;
                        }
                        let index = self.rules.len();
                        if self.declare(&decl.name, Symbol::Rule(index), file.id) {
                            self.rules.push(Declared {
                                file: file.id,
                                path: &file.path,
                                node: decl,
                            });
                        }
                    }
                }
            }
        }
    }

    /// Adds a name to the namespace; reports a duplicate and returns false if it is taken.
    fn declare(&mut self, name: &Ident, symbol: Symbol, file: FileId) -> bool {
        if let Some((first, first_file, first_span)) = self.symbols.get(&name.name).cloned() {
            let diagnostic = self.reporter.error(
                codes::DUPLICATE_NAME,
                format!("the name `{}` is declared twice", name.name),
                file,
                name.span.clone(),
                format!("{} `{}` declared again here", symbol.kind_name(), name.name),
                Some(
                    "lexicons, patterns, features and rules share one namespace; rename one".into(),
                ),
            );
            also(
                diagnostic,
                first_file,
                first_span,
                format!("first declared here as a {}", first.kind_name()),
            );
            return false;
        }
        self.symbols
            .insert(name.name.clone(), (symbol, file, name.span.clone()));
        true
    }

    fn read_lexicon(&mut self, file: &LoadedFile, decl: &ast::LexiconDecl) -> DeclaredLexicon {
        let mut lexicon = DeclaredLexicon {
            file: file.id,
            name: decl.name.clone(),
            entries: None,
            lemmas: Vec::new(),
            case_sensitive: decl.case_sensitive,
            inflections: false,
            span: decl.span.clone(),
        };
        let (path_lit, inflections) = match &decl.source {
            ast::LexiconSource::Inline(set) => {
                let entries = lexicon::prepare_inline(
                    set.entries.iter().map(|e| e.value.as_str()),
                    decl.case_sensitive,
                );
                lexicon.entries = Some(entries);
                return lexicon;
            }
            ast::LexiconSource::File(path) => (path, false),
            ast::LexiconSource::Inflections(path) => (path, true),
        };
        lexicon.inflections = inflections;
        let path = load::resolve(&file.path, &path_lit.value);
        let remaining = self
            .options
            .max_lexicon_bytes
            .saturating_sub(self.lexicon_bytes());
        let text = match load::read(self.loader, &path, remaining) {
            Ok(text) => text,
            Err(error) => {
                let shown = path.display();
                let (code, message, help) = match error {
                    ReadError::Missing(why) => (
                        codes::MISSING_FILE,
                        format!("cannot read lexicon file `{shown}`: {why}"),
                        "paths are relative to the file that names them".to_string(),
                    ),
                    ReadError::NotText(why) => (
                        codes::NOT_TEXT,
                        format!("lexicon file `{shown}` is not text: {why}"),
                        "lexicon files must be UTF-8 text, one entry per line".to_string(),
                    ),
                    ReadError::TooLarge(size) => (
                        codes::LIMIT,
                        format!(
                            "lexicon file `{shown}` ({size} bytes) goes over the limit of {} bytes for all lexicons",
                            self.options.max_lexicon_bytes
                        ),
                        "raise `max_lexicon_bytes` in the compile options".to_string(),
                    ),
                };
                self.reporter.error(
                    code,
                    message,
                    file.id,
                    path_lit.span.clone(),
                    "named here",
                    Some(help),
                );
                return lexicon;
            }
        };
        self.lexicon_bytes_read += text.len();
        if inflections {
            let (entries, lemmas) = lexicon::parse_inflections(&text, decl.case_sensitive);
            lexicon.entries = Some(entries);
            lexicon.lemmas = lemmas;
        } else {
            lexicon.entries = Some(lexicon::parse_plain(&text, decl.case_sensitive));
        }
        lexicon
    }

    fn lexicon_bytes(&self) -> usize {
        self.lexicon_bytes_read
    }
}

/// A label a rule needs made before it runs, and where the rule names it.
type LabelNeed = (LabelId, FileId, ByteSpan);

/// A rule after lowering, before it is put in cascade order.
struct LoweredRule {
    rule: ir::Rule,
    /// Labels it needs made before it runs, with where each is first referenced.
    needs: Vec<LabelNeed>,
    file: FileId,
}

impl Checker<'_> {
    // ---------------------------------------------------------------------------------------
    // Labels and features
    // ---------------------------------------------------------------------------------------

    fn declare_labels(&mut self) {
        for builtin in BuiltinLabel::ALL {
            let (name, fields): (&str, &[&str]) = match builtin {
                BuiltinLabel::Quote => ("Quote", &["inner", "open", "close"]),
                BuiltinLabel::Sentence => ("Sentence", &[]),
                BuiltinLabel::Paragraph => ("Paragraph", &[]),
            };
            self.label_ids
                .insert(name.to_string(), LabelId(self.program.labels.len() as u32));
            self.program.labels.push(ir::Label {
                name: name.to_string(),
                builtin: Some(builtin),
                fields: fields.iter().map(|f| f.to_string()).collect(),
            });
        }
        for index in 0..self.rules.len() {
            let file = self.rules[index].file;
            let rule = self.rules[index].node;
            let id = match self.label_ids.get(&rule.label.name) {
                Some(&id) if self.program.labels[id.0 as usize].builtin.is_some() => {
                    self.reporter.error(
                        codes::WRONG_KIND,
                        format!(
                            "`{}` is a built-in label, made by the tokenizer",
                            rule.label.name
                        ),
                        file,
                        rule.label.span.clone(),
                        "rules cannot make built-in labels",
                        Some("choose another label name for this rule".into()),
                    );
                    continue;
                }
                Some(&id) => id,
                None => {
                    let id = LabelId(self.program.labels.len() as u32);
                    self.label_ids.insert(rule.label.name.clone(), id);
                    self.program.labels.push(ir::Label {
                        name: rule.label.name.clone(),
                        builtin: None,
                        fields: Vec::new(),
                    });
                    id
                }
            };
            let span_fields = rule
                .emits
                .iter()
                .filter(|e| matches!(e.value, ast::EmitValue::Path(_)))
                .map(|e| &e.name.name)
                .chain(rule.links.iter().map(|l| &l.field.name));
            let fields = &mut self.program.labels[id.0 as usize].fields;
            for field in span_fields {
                if !fields.contains(field) {
                    fields.push(field.clone());
                }
            }
        }
    }

    fn declare_features(&mut self) {
        for index in 0..self.features.len() {
            let file = self.features[index].file;
            let decl = self.features[index].node;
            let mut values: Vec<(String, TokenTest)> = Vec::new();
            for (name, test) in &decl.values {
                if values.iter().any(|(v, _)| *v == name.name) {
                    self.reporter.error(
                        codes::DUPLICATE_NAME,
                        format!(
                            "feature `{}` has the value `{}` twice",
                            decl.name.name, name.name
                        ),
                        file,
                        name.span.clone(),
                        "declared again here",
                        None,
                    );
                    continue;
                }
                let lowered = self.lower_test(file, test, false);
                values.push((name.name.clone(), lowered));
            }
            let origin = self.reporter.origin(file, decl.name.span.start);
            self.program.features.push(ir::Feature {
                name: decl.name.name.clone(),
                values,
                origin,
            });
        }
    }

    // ---------------------------------------------------------------------------------------
    // Lexicons
    // ---------------------------------------------------------------------------------------

    /// The program id of a declared lexicon, adding it to the program on first use.
    fn use_lexicon(&mut self, index: usize) -> LexiconId {
        if let Some(id) = self.lexicon_ids[index] {
            return id;
        }
        let id = LexiconId(self.program.lexicons.len() as u32);
        self.lexicon_ids[index] = Some(id);
        let declared = &self.lexicons[index];
        let origin = self
            .reporter
            .origin(declared.file, declared.name.span.start);
        let entries = declared.entries.clone().unwrap_or_default();
        if declared.entries.as_ref().is_some_and(|e| e.is_empty()) {
            let (file, span, name) = (
                declared.file,
                declared.span.clone(),
                declared.name.name.clone(),
            );
            self.reporter.warning(
                codes::EMPTY_LEXICON,
                format!("lexicon `{name}` has no entries"),
                file,
                span,
                "nothing can match it",
                Some("entries are one per line; `#` starts a comment".into()),
            );
        }
        let declared = &self.lexicons[index];
        self.program.lexicons.push(ir::Lexicon {
            name: declared.name.name.clone(),
            entries,
            case_sensitive: declared.case_sensitive,
            lemmas: declared.lemmas.clone(),
            origin,
        });
        id
    }

    /// The program id of an inline set (or a quoted phrase), shared by identical sets.
    fn inline_lexicon(
        &mut self,
        entries: Vec<String>,
        case_sensitive: bool,
        name: String,
        file: FileId,
        span: &ByteSpan,
    ) -> LexiconId {
        let key = (entries, case_sensitive);
        if let Some(&id) = self.inline_ids.get(&key) {
            return id;
        }
        let id = LexiconId(self.program.lexicons.len() as u32);
        let origin = self.reporter.origin(file, span.start);
        self.program.lexicons.push(ir::Lexicon {
            name,
            entries: key.0.clone(),
            case_sensitive: key.1,
            lemmas: Vec::new(),
            origin,
        });
        self.inline_ids.insert(key, id);
        id
    }

    fn inline_set(&mut self, set: &ast::InlineSet, file: FileId, muted: bool) -> LexiconId {
        let entries = lexicon::prepare_inline(set.entries.iter().map(|e| e.value.as_str()), false);
        if entries.is_empty() && !muted {
            self.reporter.warning(
                codes::EMPTY_LEXICON,
                "this set has no entries".into(),
                file,
                set.span.clone(),
                "nothing can match it",
                None,
            );
        }
        let name = lexicon::inline_name(&entries);
        self.inline_lexicon(entries, false, name, file, &set.span)
    }

    // ---------------------------------------------------------------------------------------
    // Token tests
    // ---------------------------------------------------------------------------------------

    fn lower_test(&mut self, file: FileId, test: &ast::Test, muted: bool) -> TokenTest {
        use ast::TestKind as K;
        match &test.kind {
            K::Any => TokenTest::Any,
            K::Text {
                text,
                case_insensitive,
            } => {
                self.check_one_token(file, text, muted);
                if *case_insensitive {
                    TokenTest::Norm(lexicon::normalize(&text.value))
                } else {
                    TokenTest::Text(text.value.clone())
                }
            }
            K::Norm(text) => {
                self.check_one_token(file, text, muted);
                TokenTest::Norm(lexicon::normalize(&text.value))
            }
            K::Shape(text) => TokenTest::Shape(text.value.clone()),
            K::Lemma(text) => self.lower_lemma(file, text, muted),
            K::Regex {
                source,
                body_start,
                case_insensitive,
            } => {
                if !muted {
                    self.check_regex(file, source, *body_start, *case_insensitive);
                }
                TokenTest::Regex {
                    source: source.clone(),
                    case_insensitive: *case_insensitive,
                }
            }
            K::Name(name) => self.lower_test_name(file, name, muted),
            K::Set(set) => TokenTest::InLexicon(self.inline_set(set, file, muted)),
            K::And(parts) => TokenTest::And(
                parts
                    .iter()
                    .map(|p| self.lower_test(file, p, muted))
                    .collect(),
            ),
            K::Or(parts) => TokenTest::Or(
                parts
                    .iter()
                    .map(|p| self.lower_test(file, p, muted))
                    .collect(),
            ),
            K::Not(inner) => TokenTest::Not(Box::new(self.lower_test(file, inner, muted))),
        }
    }

    /// A one-token text test can never hold white space or be empty.
    fn check_one_token(&mut self, file: FileId, text: &ast::StrLit, muted: bool) {
        if muted {
            return;
        }
        if text.value.is_empty() {
            self.reporter.error(
                codes::IMPOSSIBLE_TEST,
                "an empty string matches no token".into(),
                file,
                text.span.clone(),
                "no token is empty",
                Some("use `[]` for any token".into()),
            );
        } else if text.value.contains(char::is_whitespace) {
            self.reporter.error(
                codes::IMPOSSIBLE_TEST,
                format!(
                    "`{}` holds white space, so no single token can be it",
                    text.value
                ),
                file,
                text.span.clone(),
                "a token test looks at one token",
                Some(format!(
                    "write the phrase outside brackets, `\"{}\"`, or put it in a lexicon",
                    text.value
                )),
            );
        }
    }

    fn check_regex(
        &mut self,
        file: FileId,
        source: &str,
        body_start: usize,
        case_insensitive: bool,
    ) {
        let result = regex_syntax::ParserBuilder::new()
            .case_insensitive(case_insensitive)
            .build()
            .parse(source);
        let (message, span) = match result {
            Ok(_) => return,
            Err(regex_syntax::Error::Parse(e)) => (e.kind().to_string(), *e.span()),
            Err(regex_syntax::Error::Translate(e)) => (e.kind().to_string(), *e.span()),
            Err(other) => (
                other.to_string(),
                regex_syntax::ast::Span::splat(regex_syntax::ast::Position::new(0, 1, 1)),
            ),
        };
        let start = body_start + span.start.offset.min(source.len());
        let end = (body_start + span.end.offset.min(source.len())).max(start + 1);
        self.reporter.error(
            codes::BAD_REGEX,
            format!("invalid regex: {message}"),
            file,
            start..end,
            message,
            Some("the regex syntax is that of the Rust `regex` crate".into()),
        );
    }

    fn lower_lemma(&mut self, file: FileId, text: &ast::StrLit, muted: bool) -> TokenTest {
        let lemma = lexicon::normalize(text.value.trim());
        let mut any_inflections = false;
        for index in 0..self.lexicons.len() {
            let declared = &self.lexicons[index];
            if !declared.inflections {
                continue;
            }
            any_inflections = true;
            let wanted = if declared.case_sensitive {
                text.value.trim().to_string()
            } else {
                lemma.clone()
            };
            if declared.lemmas.contains(&wanted) {
                let id = self.use_lexicon(index);
                return TokenTest::Lemma {
                    lexicon: id,
                    lemma: wanted,
                };
            }
        }
        if !muted {
            let help = if any_inflections {
                let lemmas: Vec<&str> = self
                    .lexicons
                    .iter()
                    .filter(|l| l.inflections)
                    .flat_map(|l| l.lemmas.iter().map(String::as_str))
                    .collect();
                did_you_mean(&lemma, lemmas).or(Some(
                    "each line of an inflections file is `lemma form form ...`".into(),
                ))
            } else {
                Some("declare one: `lexicon VERBS = inflections(\"inflections.txt\")`".into())
            };
            self.reporter.error(
                codes::UNKNOWN_LEMMA,
                format!("no inflections lexicon has the lemma `{}`", text.value),
                file,
                text.span.clone(),
                "unknown lemma",
                help,
            );
        }
        TokenTest::Any
    }

    fn lower_test_name(&mut self, file: FileId, name: &Ident, muted: bool) -> TokenTest {
        if let Some((_, flag)) = FLAGS.iter().find(|(n, _)| *n == name.name) {
            return TokenTest::Flag(*flag);
        }
        if let Some((_, kind)) = KINDS.iter().find(|(n, _)| *n == name.name) {
            return TokenTest::Kind(*kind);
        }
        match self.symbols.get(&name.name).map(|s| s.0) {
            Some(Symbol::Lexicon(index)) => {
                let id = self.use_lexicon(index);
                // A one-token test skips multi-word entries; only a lexicon with nothing else
                // is surely a mistake.
                let only_multiword = self.lexicons[index]
                    .entries
                    .as_ref()
                    .is_some_and(|e| !e.is_empty() && e.iter().all(|e| e.contains(' ')));
                if only_multiword && !muted {
                    self.reporter.warning(
                        codes::MULTIWORD_IN_TEST,
                        format!(
                            "every entry of lexicon `{}` has several words, so a one-token test never matches",
                            name.name
                        ),
                        file,
                        name.span.clone(),
                        "tests one token",
                        Some(format!(
                            "write `{}` outside brackets to match its entries as phrases",
                            name.name
                        )),
                    );
                }
                TokenTest::InLexicon(id)
            }
            Some(other) => {
                if !muted {
                    self.reporter.error(
                        codes::WRONG_KIND,
                        format!(
                            "`{}` is a {}, not a lexicon, flag or kind",
                            name.name,
                            other.kind_name()
                        ),
                        file,
                        name.span.clone(),
                        "used in a token test",
                        match other {
                            Symbol::Pattern(_) => {
                                Some(format!("patterns go outside brackets: `{}`", name.name))
                            }
                            _ => None,
                        },
                    );
                }
                TokenTest::Any
            }
            None => {
                if !muted {
                    let lexicons: Vec<String> =
                        self.lexicons.iter().map(|l| l.name.name.clone()).collect();
                    let candidates = FLAGS
                        .iter()
                        .map(|(n, _)| *n)
                        .chain(KINDS.iter().map(|(n, _)| *n))
                        .chain(lexicons.iter().map(String::as_str));
                    let help = did_you_mean(&name.name, candidates).or(Some(
                        "a token test names a flag (title, upper, ...), a kind (word, punct, ...) or a lexicon"
                            .into(),
                    ));
                    self.reporter.error(
                        codes::UNKNOWN_TEST,
                        format!("unknown lexicon, flag or kind `{}`", name.name),
                        file,
                        name.span.clone(),
                        "not declared",
                        help,
                    );
                }
                TokenTest::Any
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Patterns
    // ---------------------------------------------------------------------------------------

    /// Checks every named pattern once on its own, so problems inside it are reported once
    /// however often it is used.
    fn check_pattern_declarations(&mut self) {
        for index in 0..self.patterns.len() {
            let file = self.patterns[index].file;
            let decl = self.patterns[index].node;
            let mut context = PatternContext::new();
            context.inlining.push(index);
            let _ = self.lower_pattern(
                &mut context,
                file,
                &decl.pattern,
                &CaptureMode::Keep(String::new()),
                false,
                0,
            );
        }
    }

    /// Reports unless muted; returns the diagnostic to add labels to.
    #[allow(clippy::too_many_arguments)]
    fn report(
        &mut self,
        muted: bool,
        code: &'static str,
        message: String,
        file: FileId,
        span: ByteSpan,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Option<&mut Diagnostic> {
        if muted {
            None
        } else {
            Some(self.reporter.error(code, message, file, span, label, help))
        }
    }

    /// Counts a node against the size limits; false once a limit is reached.
    fn grow(&mut self, context: &mut PatternContext, file: FileId, span: &ByteSpan) -> bool {
        context.size += 1;
        if context.size <= self.options.max_pattern_size && self.budget_left > 0 {
            self.budget_left -= 1;
            return true;
        }
        if !context.size_reported {
            context.size_reported = true;
            self.reporter.error(
                codes::LIMIT,
                format!(
                    "this pattern grows past {} nodes once its named patterns are inlined",
                    self.options.max_pattern_size.min(context.size)
                ),
                file,
                span.clone(),
                "the limit is reached here",
                Some(
                    "use a lexicon instead of long alternations, or raise `max_pattern_size`"
                        .into(),
                ),
            );
        }
        false
    }

    #[allow(clippy::too_many_arguments)]
    fn lower_pattern(
        &mut self,
        context: &mut PatternContext,
        file: FileId,
        pattern: &ast::Pattern,
        mode: &CaptureMode,
        in_look: bool,
        depth: usize,
    ) -> (Pattern, Vec<Binding>) {
        use ast::PatternKind as K;
        let muted = context.muted > 0;
        let placeholder = (Pattern::Token(TokenTest::Any), Vec::new());
        if !self.grow(context, file, &pattern.span) {
            return placeholder;
        }
        if depth > self.options.max_nesting.saturating_mul(4) {
            if !context.size_reported {
                context.size_reported = true;
                self.reporter.error(
                    codes::LIMIT,
                    "this pattern nests too deeply once its named patterns are inlined".into(),
                    file,
                    pattern.span.clone(),
                    "the limit is reached here",
                    Some("flatten the chain of named patterns, or raise `max_nesting`".into()),
                );
            }
            return placeholder;
        }
        let depth = depth + 1;
        match &pattern.kind {
            K::Seq(items) => self.lower_seq(context, file, items, mode, in_look, depth),
            K::Alt(branches) => self.lower_alt(context, file, branches, mode, in_look, depth),
            K::Repeat { inner, quantifier } => {
                let (min, max) = self.bounds(file, quantifier, muted);
                let (inner, bindings) =
                    self.lower_pattern(context, file, inner, mode, in_look, depth);
                (
                    Pattern::Repeat {
                        inner: Box::new(inner),
                        min,
                        max,
                        greedy: quantifier.greedy,
                    },
                    bindings,
                )
            }
            K::Capture { name, inner } => {
                self.lower_capture(context, file, name, inner, mode, in_look, depth)
            }
            K::Look {
                direction,
                negated,
                inner,
            } => {
                let (inner, bindings) = self.lower_pattern(context, file, inner, mode, true, depth);
                (
                    Pattern::Look {
                        direction: *direction,
                        negated: *negated,
                        inner: Box::new(inner),
                    },
                    bindings,
                )
            }
            K::Text {
                text,
                case_insensitive,
            } => {
                if text.value.trim().contains(char::is_whitespace) {
                    let entry = lexicon::prepare_entry(&text.value, !case_insensitive);
                    // A phrase is named by its literal, so it prints back as written.
                    let name = format!("{entry:?}{}", if *case_insensitive { "i" } else { "" });
                    let id =
                        self.inline_lexicon(vec![entry], !case_insensitive, name, file, &text.span);
                    (Pattern::Phrase(id), Vec::new())
                } else {
                    self.check_one_token(file, text, muted);
                    let test = if *case_insensitive {
                        TokenTest::Norm(lexicon::normalize(&text.value))
                    } else {
                        TokenTest::Text(text.value.clone())
                    };
                    (Pattern::Token(test), Vec::new())
                }
            }
            K::Token(test) => (
                Pattern::Token(self.lower_test(file, test, muted)),
                Vec::new(),
            ),
            K::Annotation(name) => match self.label(file, name, muted) {
                Some(id) => {
                    if !context.labels.iter().any(|(l, _, _)| *l == id) {
                        context.labels.push((id, file, name.span.clone()));
                    }
                    (Pattern::Annotation(id), Vec::new())
                }
                None => placeholder,
            },
            K::Anchor(anchor) => (Pattern::Anchor(*anchor), Vec::new()),
            K::Set(set) => (
                Pattern::Phrase(self.inline_set(set, file, muted)),
                Vec::new(),
            ),
            K::Reference(name) => self.lower_reference(context, file, name, in_look, depth),
        }
    }

    // The arms of `lower_pattern` with many locals live in their own functions, so that each
    // level of recursion takes a small stack frame.

    #[allow(clippy::too_many_arguments)]
    fn lower_seq(
        &mut self,
        context: &mut PatternContext,
        file: FileId,
        items: &[ast::Pattern],
        mode: &CaptureMode,
        in_look: bool,
        depth: usize,
    ) -> (Pattern, Vec<Binding>) {
        let muted = context.muted > 0;
        let mut parts = Vec::with_capacity(items.len());
        let mut bindings: Vec<Binding> = Vec::new();
        let mut reported: Vec<String> = Vec::new();
        for item in items {
            let (part, item_bindings) =
                self.lower_pattern(context, file, item, mode, in_look, depth);
            for binding in item_bindings {
                // Sub-captures of a capture reported twice are not reported again.
                if reported
                    .iter()
                    .any(|r| binding.name.starts_with(&format!("{r}.")))
                {
                    continue;
                }
                if let Some(first) = bindings.iter().find(|b| b.name == binding.name) {
                    let first = first.clone();
                    reported.push(binding.name.clone());
                    if let Some(d) = self.report(
                        muted,
                        codes::CAPTURE_TWICE,
                        format!("capture `{}` is bound twice in one match", binding.name),
                        binding.file,
                        binding.span.clone(),
                        "bound again here",
                        Some("rename one of them; the same name may only be reused in different branches of `|`".into()),
                    ) {
                        also(d, first.file, first.span, "first bound here");
                    }
                } else {
                    bindings.push(binding);
                }
            }
            parts.push(part);
        }
        let lowered = if parts.len() == 1 {
            parts.pop().unwrap_or(Pattern::Seq(Vec::new()))
        } else {
            Pattern::Seq(parts)
        };
        (lowered, bindings)
    }

    #[allow(clippy::too_many_arguments)]
    fn lower_alt(
        &mut self,
        context: &mut PatternContext,
        file: FileId,
        branches: &[ast::Pattern],
        mode: &CaptureMode,
        in_look: bool,
        depth: usize,
    ) -> (Pattern, Vec<Binding>) {
        let mut parts = Vec::with_capacity(branches.len());
        let mut bindings: Vec<Binding> = Vec::new();
        for branch in branches {
            let (part, branch_bindings) =
                self.lower_pattern(context, file, branch, mode, in_look, depth);
            for binding in branch_bindings {
                if !bindings.iter().any(|b| b.name == binding.name) {
                    bindings.push(binding);
                }
            }
            parts.push(part);
        }
        (Pattern::Alt(parts), bindings)
    }

    #[allow(clippy::too_many_arguments)]
    fn lower_capture(
        &mut self,
        context: &mut PatternContext,
        file: FileId,
        name: &Ident,
        inner: &ast::Pattern,
        mode: &CaptureMode,
        in_look: bool,
        depth: usize,
    ) -> (Pattern, Vec<Binding>) {
        use ast::PatternKind as K;
        let muted = context.muted > 0;
        let prefix = match mode {
            CaptureMode::Drop => {
                return self.lower_pattern(context, file, inner, mode, in_look, depth);
            }
            CaptureMode::Keep(prefix) => prefix,
        };
        if in_look {
            context.look_captures.push(format!("{prefix}{}", name.name));
            self.report(
                muted,
                codes::CAPTURE_IN_LOOK,
                format!("capture `{}` inside a lookaround", name.name),
                file,
                name.span.clone(),
                "a lookaround matches no tokens, so it cannot capture",
                Some("move the capture out of `(?= ...)` / `(?<= ...)`".into()),
            );
            return self.lower_pattern(context, file, inner, &CaptureMode::Drop, in_look, depth);
        }
        let full = format!("{prefix}{}", name.name);
        let id = context.capture_id(&full, file, &name.span);
        let (lowered_inner, mut bindings) = match &inner.kind {
            K::Reference(reference) => match self.symbols.get(&reference.name).map(|s| s.0) {
                Some(Symbol::Pattern(index)) => self.inline_pattern(
                    context,
                    file,
                    index,
                    reference,
                    &CaptureMode::Keep(format!("{full}.")),
                    in_look,
                    depth,
                ),
                _ => self.lower_pattern(context, file, inner, mode, in_look, depth),
            },
            _ => self.lower_pattern(context, file, inner, mode, in_look, depth),
        };
        if let Some(inner_binding) = bindings.iter().find(|b| b.name == full) {
            let inner_binding = inner_binding.clone();
            if let Some(d) = self.report(
                muted,
                codes::CAPTURE_TWICE,
                format!("capture `{full}` is bound inside itself"),
                inner_binding.file,
                inner_binding.span,
                "bound again here",
                Some("rename the inner capture".into()),
            ) {
                also(d, file, name.span.clone(), "outer capture");
            }
        }
        let labels = annotation_labels(&lowered_inner);
        let info = &mut context.capture_info[id.0 as usize];
        if info.file.is_some_and(|f| f == file) && info.span == name.span {
            info.labels = labels;
        } else {
            info.labels = match (info.labels.take(), labels) {
                (Some(mut a), Some(b)) => {
                    a.extend(b);
                    Some(a)
                }
                _ => None,
            };
        }
        // The capture comes before its sub-captures, so a clash is reported on it.
        bindings.insert(
            0,
            Binding {
                name: full,
                file,
                span: name.span.clone(),
            },
        );
        (
            Pattern::Capture {
                id,
                inner: Box::new(lowered_inner),
            },
            bindings,
        )
    }

    fn lower_reference(
        &mut self,
        context: &mut PatternContext,
        file: FileId,
        name: &Ident,
        in_look: bool,
        depth: usize,
    ) -> (Pattern, Vec<Binding>) {
        let muted = context.muted > 0;
        let placeholder = (Pattern::Token(TokenTest::Any), Vec::new());
        match self.symbols.get(&name.name).map(|s| s.0) {
            Some(Symbol::Pattern(index)) => self.inline_pattern(
                context,
                file,
                index,
                name,
                &CaptureMode::Drop,
                in_look,
                depth,
            ),
            Some(Symbol::Lexicon(index)) => (Pattern::Phrase(self.use_lexicon(index)), Vec::new()),
            Some(other) => {
                self.report(
                    muted,
                    codes::WRONG_KIND,
                    format!(
                        "`{}` is a {}, not a pattern or lexicon",
                        name.name,
                        other.kind_name()
                    ),
                    file,
                    name.span.clone(),
                    "used as a pattern",
                    match other {
                        Symbol::Rule(_) => {
                            Some("to match what a rule made, use its label: `@Label`".into())
                        }
                        _ => None,
                    },
                );
                placeholder
            }
            None => {
                let is_test = FLAGS.iter().any(|(n, _)| *n == name.name)
                    || KINDS.iter().any(|(n, _)| *n == name.name);
                let help = if is_test {
                    Some(format!("to test one token, write `[{}]`", name.name))
                } else {
                    let names: Vec<String> = self
                        .symbols
                        .iter()
                        .filter(|(_, s)| matches!(s.0, Symbol::Pattern(_) | Symbol::Lexicon(_)))
                        .map(|(n, _)| n.clone())
                        .collect();
                    let mut names = names;
                    names.sort();
                    did_you_mean(&name.name, names.iter().map(String::as_str))
                };
                self.report(
                    muted,
                    codes::UNKNOWN_NAME,
                    format!("unknown pattern or lexicon `{}`", name.name),
                    file,
                    name.span.clone(),
                    "not declared",
                    help,
                );
                placeholder
            }
        }
    }

    /// Inlines named pattern `index` where `reference` names it.
    #[allow(clippy::too_many_arguments)]
    fn inline_pattern(
        &mut self,
        context: &mut PatternContext,
        file: FileId,
        index: usize,
        reference: &Ident,
        mode: &CaptureMode,
        in_look: bool,
        depth: usize,
    ) -> (Pattern, Vec<Binding>) {
        self.used_patterns[index] = true;
        if context.inlining.contains(&index) {
            if self.cycle_reported.insert(index) {
                let chain: Vec<String> = context
                    .inlining
                    .iter()
                    .skip_while(|&&i| i != index)
                    .map(|&i| self.patterns[i].node.name.name.clone())
                    .chain(std::iter::once(reference.name.clone()))
                    .collect();
                let decl_file = self.patterns[index].file;
                let decl_span = self.patterns[index].node.name.span.clone();
                let d = self.reporter.error(
                    codes::PATTERN_CYCLE,
                    format!(
                        "pattern `{}` refers to itself: {}",
                        reference.name,
                        chain.join(" -> ")
                    ),
                    file,
                    reference.span.clone(),
                    "refers back here",
                    Some(
                        "patterns are inlined, so they cannot be recursive; use a repetition"
                            .into(),
                    ),
                );
                also(d, decl_file, decl_span, "declared here");
            }
            return (Pattern::Token(TokenTest::Any), Vec::new());
        }
        if context.inlining.len() >= self.options.max_nesting {
            if !context.size_reported {
                context.size_reported = true;
                self.reporter.error(
                    codes::LIMIT,
                    format!(
                        "named patterns are nested more than {} deep here",
                        self.options.max_nesting
                    ),
                    file,
                    reference.span.clone(),
                    "the limit is reached here",
                    Some("flatten the chain of named patterns, or raise `max_nesting`".into()),
                );
            }
            return (Pattern::Token(TokenTest::Any), Vec::new());
        }
        let decl_file = self.patterns[index].file;
        let body = &self.patterns[index].node.pattern;
        context.inlining.push(index);
        context.muted += 1;
        let (lowered, bindings) =
            self.lower_pattern(context, decl_file, body, mode, in_look, depth);
        context.muted -= 1;
        context.inlining.pop();
        // Bindings from inside the pattern are reported at the place it is used.
        let bindings = bindings
            .into_iter()
            .map(|b| Binding {
                name: b.name,
                file,
                span: reference.span.clone(),
            })
            .collect();
        for info in &mut context.capture_info {
            if info.file == Some(decl_file)
                && body.span.start <= info.span.start
                && info.span.end <= body.span.end
            {
                info.file = Some(file);
                info.span = reference.span.clone();
            }
        }
        (lowered, bindings)
    }

    fn label(&mut self, file: FileId, name: &Ident, muted: bool) -> Option<LabelId> {
        if let Some(&id) = self.label_ids.get(&name.name) {
            return Some(id);
        }
        if !muted {
            let mut names: Vec<&str> = self.label_ids.keys().map(String::as_str).collect();
            names.sort();
            let help = did_you_mean(&name.name, names).or(Some(
                "labels are `Quote`, `Sentence`, `Paragraph` and those rules make with `-> Label`"
                    .into(),
            ));
            self.reporter.error(
                codes::UNKNOWN_LABEL,
                format!("unknown label `@{}`", name.name),
                file,
                name.span.clone(),
                "no rule makes this label",
                help,
            );
        }
        None
    }

    /// Checks repetition bounds: `{m,n}` with `m <= n`, within the limit.
    fn bounds(
        &mut self,
        file: FileId,
        quantifier: &ast::Quantifier,
        muted: bool,
    ) -> (u32, Option<u32>) {
        if let Some(fixed) = quantifier.fixed {
            return fixed;
        }
        let limit = self.options.max_repeat;
        let number = |this: &mut Self, literal: &ast::IntLit| -> Option<u32> {
            match literal.text.parse::<u32>() {
                Ok(n) if n <= limit => Some(n),
                _ => {
                    this.report(
                        muted,
                        codes::OUT_OF_RANGE,
                        format!("repetition bound `{}` is out of range", literal.text),
                        file,
                        literal.span.clone(),
                        format!("bounds go from 0 to {limit}"),
                        Some("for no upper bound, leave it out: `{2,}`".into()),
                    );
                    None
                }
            }
        };
        let min = quantifier.min.as_ref().map(|m| number(self, m));
        let max = quantifier.max.as_ref().map(|m| number(self, m));
        let bad = |this: &mut Self, message: String, help: &str| {
            this.report(
                muted,
                codes::BAD_BOUNDS,
                message,
                file,
                quantifier.span.clone(),
                "invalid repetition",
                Some(help.to_string()),
            );
        };
        match (min, max, quantifier.has_comma) {
            (None, None, _) => {
                bad(
                    self,
                    "repetition bounds without a number".into(),
                    "write `{n}`, `{m,}`, `{,n}` or `{m,n}`",
                );
                (0, None)
            }
            (Some(Some(n)), None, false) => {
                if n == 0 {
                    bad(
                        self,
                        "`{0}` repeats zero times, so it matches nothing".into(),
                        "remove the element, or write `?` to make it optional",
                    );
                }
                (n, Some(n))
            }
            (Some(Some(m)), None, true) => (m, None),
            (None, Some(Some(n)), _) => (0, Some(n)),
            (Some(Some(m)), Some(Some(n)), _) => {
                if m > n {
                    bad(
                        self,
                        format!(
                            "repetition bounds `{{{m},{n}}}` have the minimum above the maximum"
                        ),
                        &format!("write `{{{n},{m}}}`"),
                    );
                    (n, Some(m))
                } else {
                    if n == 0 {
                        bad(
                            self,
                            "`{0,0}` repeats zero times, so it matches nothing".into(),
                            "remove the element",
                        );
                    }
                    (m, Some(n))
                }
            }
            // A bound out of range was reported; carry on with a neutral repetition.
            _ => (0, None),
        }
    }
}

/// The capture named by the longest prefix of a path (`s.n` in `s.n.first`), with the number of
/// segments it takes.
fn longest_capture(context: &PatternContext, path: &[Ident]) -> Option<(CaptureId, usize)> {
    (1..=path.len()).rev().find_map(|k| {
        let joined = path[..k]
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join(".");
        context
            .captures
            .iter()
            .position(|c| *c == joined)
            .map(|n| (CaptureId(n as u32), k))
    })
}

/// The labels of the annotation a pattern matches whole, if it matches nothing else: `@Quote`,
/// `(@A | @B)`.
fn annotation_labels(pattern: &Pattern) -> Option<BTreeSet<LabelId>> {
    match pattern {
        Pattern::Annotation(label) => Some(BTreeSet::from([*label])),
        Pattern::Alt(branches) => {
            let mut all = BTreeSet::new();
            for branch in branches {
                all.extend(annotation_labels(branch)?);
            }
            Some(all)
        }
        Pattern::Seq(parts) if parts.len() == 1 => annotation_labels(&parts[0]),
        Pattern::Capture { inner, .. } => annotation_labels(inner),
        _ => None,
    }
}

/// The fewest tokens a pattern can match.
pub(crate) fn min_tokens(pattern: &Pattern) -> u64 {
    match pattern {
        Pattern::Token(_) | Pattern::Annotation(_) | Pattern::Phrase(_) => 1,
        Pattern::Seq(parts) => parts.iter().map(min_tokens).fold(0, u64::saturating_add),
        Pattern::Alt(branches) => branches.iter().map(min_tokens).min().unwrap_or(0),
        Pattern::Repeat { inner, min, .. } => min_tokens(inner).saturating_mul(u64::from(*min)),
        Pattern::Capture { inner, .. } => min_tokens(inner),
        Pattern::Look { .. } | Pattern::Anchor(_) => 0,
    }
}

/// Priorities are bounded so that rule writers keep to a readable scale.
pub(crate) const PRIORITY_RANGE: Range<i64> = -1000..1001;

impl Checker<'_> {
    // ---------------------------------------------------------------------------------------
    // Rules
    // ---------------------------------------------------------------------------------------

    fn lower_rules(&mut self) -> Vec<LoweredRule> {
        let mut lowered = Vec::with_capacity(self.rules.len());
        for index in 0..self.rules.len() {
            if let Some(rule) = self.lower_rule(index) {
                lowered.push(rule);
            }
        }
        lowered
    }

    fn lower_rule(&mut self, index: usize) -> Option<LoweredRule> {
        let file = self.rules[index].file;
        let decl = self.rules[index].node;
        let _ = self.rules[index].path;
        let label = *self.label_ids.get(&decl.label.name)?;
        if self.program.labels[label.0 as usize].builtin.is_some() {
            return None;
        }

        let priority = self.rule_priority(file, decl);
        let scope = self.rule_scope(file, decl);

        let mut context = PatternContext::new();
        let pattern = match decl.matches.as_slice() {
            [] => {
                self.reporter.error(
                    codes::MATCH_COUNT,
                    format!("rule `{}` has no `match` clause", decl.name.name),
                    file,
                    decl.name.span.clone(),
                    "this rule matches nothing",
                    Some("add `match PATTERN` inside the braces".into()),
                );
                Pattern::Token(TokenTest::Any)
            }
            [first, rest @ ..] => {
                for extra in rest {
                    let d = self.reporter.error(
                        codes::MATCH_COUNT,
                        format!("rule `{}` has more than one `match` clause", decl.name.name),
                        file,
                        extra.span.clone(),
                        "second pattern",
                        Some("join the patterns with `|`, or split the rule in two".into()),
                    );
                    also(d, file, first.span.clone(), "first pattern");
                }
                let (pattern, _) = self.lower_pattern(
                    &mut context,
                    file,
                    first,
                    &CaptureMode::Keep(String::new()),
                    false,
                    0,
                );
                if min_tokens(&pattern) == 0 && !context.size_reported {
                    self.reporter.error(
                        codes::EMPTY_MATCH,
                        format!(
                            "the pattern of rule `{}` can match zero tokens",
                            decl.name.name
                        ),
                        file,
                        first.span.clone(),
                        "this can match nothing at all",
                        Some(
                            "every match must cover at least one token; make some element required"
                                .into(),
                        ),
                    );
                }
                pattern
            }
        };

        let mut used_captures: HashSet<CaptureId> = HashSet::new();
        let mut field_names: Vec<(String, ByteSpan)> = Vec::new();
        let mut emit = Vec::new();
        for field in &decl.emits {
            if let Some((_, first)) = field_names.iter().find(|(n, _)| *n == field.name.name) {
                let first = first.clone();
                let d = self.reporter.error(
                    codes::DUPLICATE_FIELD,
                    format!("field `{}` is emitted twice", field.name.name),
                    file,
                    field.name.span.clone(),
                    "emitted again here",
                    None,
                );
                also(d, file, first, "first emitted here");
                continue;
            }
            field_names.push((field.name.name.clone(), field.name.span.clone()));
            let value = match &field.value {
                ast::EmitValue::Constant(text) => ir::EmitValue::Constant(text.value.clone()),
                ast::EmitValue::Path(path) => {
                    // The capture counts as used even when the rest of the path is wrong, so
                    // one mistake does not also draw an "unused capture" warning.
                    if let Some(id) = longest_capture(&context, path) {
                        used_captures.insert(id.0);
                    }
                    match self.resolve_path(&context, file, path) {
                        Some(value) => {
                            match &value {
                                ir::EmitValue::Capture(id)
                                | ir::EmitValue::CaptureField { capture: id, .. } => {
                                    used_captures.insert(*id);
                                }
                                ir::EmitValue::Constant(_) => {}
                            }
                            value
                        }
                        None => continue,
                    }
                }
            };
            emit.push(ir::EmitField {
                name: field.name.name.clone(),
                value,
            });
        }

        let mut needs = context.labels.clone();
        let mut links = Vec::new();
        for link in &decl.links {
            if let Some((_, first)) = field_names.iter().find(|(n, _)| *n == link.field.name) {
                let first = first.clone();
                let d = self.reporter.error(
                    codes::DUPLICATE_FIELD,
                    format!("field `{}` is both emitted and linked", link.field.name),
                    file,
                    link.field.span.clone(),
                    "linked here",
                    Some("a link fills a field of its own; give it another name".into()),
                );
                also(d, file, first, "first set here");
                continue;
            }
            field_names.push((link.field.name.clone(), link.field.span.clone()));
            if let Some((lowered, link_needs)) =
                self.lower_link(&context, file, label, link, &mut used_captures)
            {
                for need in link_needs {
                    if !needs.iter().any(|(l, _, _)| *l == need.0) {
                        needs.push(need);
                    }
                }
                links.push(lowered);
            }
        }

        let mut examples = Vec::new();
        for example in &decl.examples {
            if let Some(expect) = &example.expect {
                for (name, _) in expect {
                    if !field_names.iter().any(|(n, _)| *n == name.name) {
                        let known: Vec<&str> =
                            field_names.iter().map(|(n, _)| n.as_str()).collect();
                        let help = did_you_mean(&name.name, known.iter().copied()).or(Some(
                            if known.is_empty() {
                                "the rule emits no fields".to_string()
                            } else {
                                format!(
                                    "the rule's fields are {}",
                                    known
                                        .iter()
                                        .map(|k| format!("`{k}`"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )
                            },
                        ));
                        self.reporter.error(
                            codes::EXAMPLE_FIELD,
                            format!(
                                "rule `{}` never produces the field `{}`",
                                decl.name.name, name.name
                            ),
                            file,
                            name.span.clone(),
                            "expected by this example",
                            help,
                        );
                    }
                }
            }
            examples.push(ir::Example {
                text: example.text.value.clone(),
                expect: example.expect.as_ref().map(|fields| {
                    fields
                        .iter()
                        .map(|(name, value)| (name.name.clone(), value.value.clone()))
                        .collect()
                }),
                origin: self.reporter.origin(file, example.span.start),
            });
        }

        for (n, name) in context.captures.iter().enumerate() {
            let id = CaptureId(n as u32);
            let info = &context.capture_info[n];
            // Sub-captures of a captured pattern are optional to use.
            let used_below = context.captures.iter().enumerate().any(|(m, other)| {
                used_captures.contains(&CaptureId(m as u32))
                    && other.starts_with(&format!("{name}."))
            });
            if !name.contains('.') && !used_captures.contains(&id) && !used_below {
                if let Some(capture_file) = info.file {
                    self.reporter.warning(
                        codes::UNUSED_CAPTURE,
                        format!("capture `{name}` is never used"),
                        capture_file,
                        info.span.clone(),
                        "bound here",
                        Some(format!(
                            "emit it (`emit {name}: {name}`) or remove the name"
                        )),
                    );
                }
            }
        }

        let origin = self.reporter.origin(file, decl.name.span.start);
        Some(LoweredRule {
            rule: ir::Rule {
                name: decl.name.name.clone(),
                label,
                priority,
                scope,
                pattern,
                captures: context.captures,
                emit,
                links,
                examples,
                origin,
            },
            needs,
            file,
        })
    }

    fn rule_priority(&mut self, file: FileId, decl: &ast::RuleDecl) -> i32 {
        let mut priority = 0;
        for (n, literal) in decl.priorities.iter().enumerate() {
            if n > 0 {
                let d = self.reporter.error(
                    codes::DUPLICATE_OPTION,
                    format!("rule `{}` gives `priority` twice", decl.name.name),
                    file,
                    literal.span.clone(),
                    "second priority",
                    None,
                );
                also(d, file, decl.priorities[0].span.clone(), "first priority");
                continue;
            }
            match literal.text.parse::<i64>() {
                Ok(value) if PRIORITY_RANGE.contains(&value) => priority = value as i32,
                _ => {
                    self.reporter.error(
                        codes::OUT_OF_RANGE,
                        format!("priority `{}` is out of range", literal.text),
                        file,
                        literal.span.clone(),
                        "priorities go from -1000 to 1000",
                        Some("priorities only order rules; small steps such as 10, 20, 30 leave room".into()),
                    );
                }
            }
        }
        priority
    }

    fn rule_scope(&mut self, file: FileId, decl: &ast::RuleDecl) -> ir::Scope {
        let mut scope = ir::Scope::default();
        for (n, name) in decl.scopes.iter().enumerate() {
            if n > 0 {
                let d = self.reporter.error(
                    codes::DUPLICATE_OPTION,
                    format!("rule `{}` gives `within` twice", decl.name.name),
                    file,
                    name.span.clone(),
                    "second scope",
                    None,
                );
                also(d, file, decl.scopes[0].span.clone(), "first scope");
                continue;
            }
            scope = match name.name.as_str() {
                "sentence" => ir::Scope::Sentence,
                "paragraph" => ir::Scope::Paragraph,
                "document" => ir::Scope::Document,
                other => {
                    let help = did_you_mean(other, ["sentence", "paragraph", "document"]).or(Some(
                        "the scopes are `sentence`, `paragraph` and `document`".into(),
                    ));
                    self.reporter.error(
                        codes::UNKNOWN_OPTION,
                        format!("unknown scope `{other}`"),
                        file,
                        name.span.clone(),
                        "not a scope",
                        help,
                    );
                    ir::Scope::default()
                }
            };
        }
        scope
    }

    /// Resolves `s`, `q.inner` or `s.who` against the captures of a rule.
    fn resolve_path(
        &mut self,
        context: &PatternContext,
        file: FileId,
        path: &[Ident],
    ) -> Option<ir::EmitValue> {
        let first = path.first()?;
        let Some((capture, used)) = longest_capture(context, path) else {
            self.unknown_capture(context, file, first);
            return None;
        };
        let rest = &path[used..];
        match rest {
            [] => Some(ir::EmitValue::Capture(capture)),
            [field] => {
                let capture_name = &context.captures[capture.0 as usize];
                let Some(labels) = context.capture_info[capture.0 as usize].labels.clone() else {
                    let subs: Vec<&str> = context
                        .captures
                        .iter()
                        .filter_map(|c| c.strip_prefix(&format!("{capture_name}.")))
                        .collect();
                    let help = did_you_mean(&field.name, subs.iter().copied())
                        .map(|h| {
                            h.replace("did you mean `", &format!("did you mean `{capture_name}."))
                        })
                        .or(Some(format!(
                            "fields come from annotations: capture one with `{capture_name}:@Label`"
                        )));
                    self.reporter.error(
                        codes::NOT_AN_ANNOTATION,
                        format!(
                            "capture `{capture_name}` has no field or sub-capture `{}`",
                            field.name
                        ),
                        file,
                        field.span.clone(),
                        format!("`{capture_name}` does not capture an annotation"),
                        help,
                    );
                    return None;
                };
                for label in &labels {
                    let fields = &self.program.labels[label.0 as usize].fields;
                    if !fields.contains(&field.name) {
                        let label_name = self.program.labels[label.0 as usize].name.clone();
                        let help = did_you_mean(&field.name, fields.iter().map(String::as_str)).or(
                            Some(if fields.is_empty() {
                                format!("`{label_name}` has no fields")
                            } else {
                                format!(
                                    "the fields of `{label_name}` are {}",
                                    fields
                                        .iter()
                                        .map(|f| format!("`{f}`"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )
                            }),
                        );
                        self.reporter.error(
                            codes::UNKNOWN_FIELD,
                            format!("label `{label_name}` has no field `{}`", field.name),
                            file,
                            field.span.clone(),
                            "unknown field",
                            help,
                        );
                        return None;
                    }
                }
                Some(ir::EmitValue::CaptureField {
                    capture,
                    field: field.name.clone(),
                })
            }
            [_, extra, ..] => {
                self.reporter.error(
                    codes::UNKNOWN_FIELD,
                    format!(
                        "`{}` goes deeper than a field",
                        path.iter()
                            .map(|i| i.name.as_str())
                            .collect::<Vec<_>>()
                            .join(".")
                    ),
                    file,
                    extra.span.clone(),
                    "a field has no fields",
                    Some("write `capture.field`".into()),
                );
                None
            }
        }
    }

    fn unknown_capture(&mut self, context: &PatternContext, file: FileId, name: &Ident) {
        if context.look_captures.contains(&name.name) {
            return;
        }
        let help = did_you_mean(&name.name, context.captures.iter().map(String::as_str)).or(Some(
            if context.captures.is_empty() {
                "the pattern binds no captures; bind one with `name:element`".to_string()
            } else {
                format!(
                    "the captures are {}",
                    context
                        .captures
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        ));
        self.reporter.error(
            codes::UNKNOWN_CAPTURE,
            format!("capture `{}` is not bound in `match`", name.name),
            file,
            name.span.clone(),
            "unknown capture",
            help,
        );
    }

    fn lower_link(
        &mut self,
        context: &PatternContext,
        file: FileId,
        own_label: LabelId,
        link: &ast::LinkClause,
        used_captures: &mut HashSet<CaptureId>,
    ) -> Option<(ir::Link, Vec<LabelNeed>)> {
        let mut ok = true;
        let mut needs = Vec::new();
        let anchor = match context.captures.iter().position(|c| *c == link.anchor.name) {
            Some(n) => {
                used_captures.insert(CaptureId(n as u32));
                Some(CaptureId(n as u32))
            }
            None => {
                self.unknown_capture(context, file, &link.anchor);
                None
            }
        };
        let target = self.label(file, &link.label, false);
        if let Some(target) = target {
            let fields = self.program.labels[target.0 as usize].fields.clone();
            if !fields.contains(&link.label_field.name) {
                let label_name = &link.label.name;
                let help = did_you_mean(&link.label_field.name, fields.iter().map(String::as_str))
                    .or(Some(format!(
                        "the fields of `{label_name}` are {}",
                        fields
                            .iter()
                            .map(|f| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                self.reporter.error(
                    codes::UNKNOWN_FIELD,
                    format!(
                        "label `{label_name}` has no field `{}`",
                        link.label_field.name
                    ),
                    file,
                    link.label_field.span.clone(),
                    "unknown field",
                    help,
                );
                ok = false;
            }
            if target != own_label {
                needs.push((target, file, link.label.span.clone()));
            }
        }
        let window = match &link.window {
            None => ir::Window::Document,
            Some((count, unit)) => {
                let count_value = match count {
                    None => 0,
                    Some(literal) => match literal.text.parse::<u32>() {
                        Ok(n) => n,
                        Err(_) => {
                            self.reporter.error(
                                codes::OUT_OF_RANGE,
                                format!("window `{}` is out of range", literal.text),
                                file,
                                literal.span.clone(),
                                "not a count",
                                Some("write a count from 0 up, or `within document`".into()),
                            );
                            ok = false;
                            0
                        }
                    },
                };
                match unit.name.as_str() {
                    "sentence" | "sentences" => ir::Window::Sentences(count_value),
                    "paragraph" | "paragraphs" => ir::Window::Paragraphs(count_value),
                    "document" => ir::Window::Document,
                    other => {
                        let help = did_you_mean(other, ["sentences", "paragraphs", "document"]).or(
                            Some("windows are `N sentences`, `N paragraphs` and `document`".into()),
                        );
                        self.reporter.error(
                            codes::UNKNOWN_OPTION,
                            format!("unknown window unit `{other}`"),
                            file,
                            unit.span.clone(),
                            "not a unit",
                            help,
                        );
                        ok = false;
                        ir::Window::Document
                    }
                }
            }
        };
        let when = link.when.as_ref().map(|pattern| {
            let mut when_context = PatternContext::new();
            let (lowered, _) = self.lower_pattern(
                &mut when_context,
                file,
                pattern,
                &CaptureMode::Drop,
                false,
                0,
            );
            needs.extend(when_context.labels);
            lowered
        });
        let mut agree = Vec::new();
        for name in &link.agree {
            match self.symbols.get(&name.name).map(|s| s.0) {
                Some(Symbol::Feature(index)) => {
                    self.used_features[index] = true;
                    agree.push(ir::FeatureId(index as u32));
                }
                found => {
                    let features: Vec<&str> = self
                        .features
                        .iter()
                        .map(|f| f.node.name.name.as_str())
                        .collect();
                    let help = did_you_mean(&name.name, features).or(Some(
                        "declare one: `feature gender { feminine = [...] masculine = [...] }`"
                            .into(),
                    ));
                    let message = match found {
                        Some(other) => {
                            format!("`{}` is a {}, not a feature", name.name, other.kind_name())
                        }
                        None => format!("unknown feature `{}`", name.name),
                    };
                    self.reporter.error(
                        if found.is_some() {
                            codes::WRONG_KIND
                        } else {
                            codes::UNKNOWN_FEATURE
                        },
                        message,
                        file,
                        name.span.clone(),
                        "not a feature",
                        help,
                    );
                    ok = false;
                }
            }
        }
        let (Some(anchor), Some(target), true) = (anchor, target, ok) else {
            return None;
        };
        Some((
            ir::Link {
                field: link.field.name.clone(),
                anchor,
                target,
                target_field: link.label_field.name.clone(),
                window,
                skip_unresolved: when.is_some(),
                when,
                agree,
                origin: self.reporter.origin(file, link.span.start),
            },
            needs,
        ))
    }

    // ---------------------------------------------------------------------------------------
    // Cascade order
    // ---------------------------------------------------------------------------------------

    /// Sorts the rules so each comes after the rules whose labels it needs, keeping source order
    /// where free, groups them into stages, and reports cycles.
    fn order_rules(&mut self, lowered: Vec<LoweredRule>) {
        let count = lowered.len();
        let mut producers: HashMap<LabelId, Vec<usize>> = HashMap::new();
        for (index, rule) in lowered.iter().enumerate() {
            producers.entry(rule.rule.label).or_default().push(index);
        }
        // needs_of[r]: the rules that must run before r, with the label and where it is named.
        let mut before: Vec<Vec<(usize, LabelId, FileId, ByteSpan)>> = vec![Vec::new(); count];
        let mut after: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (index, rule) in lowered.iter().enumerate() {
            for (label, file, span) in &rule.needs {
                for &producer in producers.get(label).map_or(&[][..], Vec::as_slice) {
                    before[index].push((producer, *label, *file, span.clone()));
                    after[producer].push(index);
                }
            }
        }
        let mut waiting: Vec<usize> = before.iter().map(Vec::len).collect();
        let mut ready: BinaryHeap<Reverse<usize>> = (0..count)
            .filter(|&r| waiting[r] == 0)
            .map(Reverse)
            .collect();
        let mut order = Vec::with_capacity(count);
        let mut stage = vec![0usize; count];
        while let Some(Reverse(rule)) = ready.pop() {
            order.push(rule);
            for &next in &after[rule] {
                stage[next] = stage[next].max(stage[rule] + 1);
                waiting[next] -= 1;
                if waiting[next] == 0 {
                    ready.push(Reverse(next));
                }
            }
        }
        if order.len() < count {
            self.report_rule_cycles(&lowered, &before, &waiting);
        }
        let mut slots: Vec<Option<LoweredRule>> = lowered.into_iter().map(Some).collect();
        let mut stages: Vec<Vec<ir::RuleId>> = Vec::new();
        for (position, &index) in order.iter().enumerate() {
            let s = stage[index];
            if stages.len() <= s {
                stages.resize(s + 1, Vec::new());
            }
            stages[s].push(ir::RuleId(position as u32));
            if let Some(rule) = slots[index].take() {
                self.program.rules.push(rule.rule);
            }
        }
        self.program.stages = stages;
    }

    fn report_rule_cycles(
        &mut self,
        lowered: &[LoweredRule],
        before: &[Vec<(usize, LabelId, FileId, ByteSpan)>],
        waiting: &[usize],
    ) {
        let stuck: Vec<bool> = waiting.iter().map(|&w| w > 0).collect();
        let mut reported = vec![false; lowered.len()];
        for start in 0..lowered.len() {
            if !stuck[start] || reported[start] {
                continue;
            }
            // Walk back through stuck producers until a rule repeats: that closes a cycle.
            let mut path: Vec<(usize, usize)> = Vec::new(); // (rule, index into before[rule])
            let mut seen: HashMap<usize, usize> = HashMap::new();
            let mut current = start;
            let cycle_start = loop {
                if let Some(&at) = seen.get(&current) {
                    break at;
                }
                let Some(edge) = before[current].iter().position(|(p, ..)| stuck[*p]) else {
                    break usize::MAX;
                };
                seen.insert(current, path.len());
                path.push((current, edge));
                current = before[current][edge].0;
            };
            if cycle_start == usize::MAX {
                continue;
            }
            let cycle = &path[cycle_start..];
            if cycle.iter().any(|(r, _)| reported[*r]) {
                continue;
            }
            for (r, _) in cycle {
                reported[*r] = true;
            }
            let describe = |(rule, edge): &(usize, usize)| {
                let (producer, label, _, _) = &before[*rule][*edge];
                format!(
                    "`{}` matches `@{}`, made by `{}`",
                    lowered[*rule].rule.name,
                    self.program.labels[label.0 as usize].name,
                    lowered[*producer].rule.name
                )
            };
            let (first_rule, first_edge) = cycle[0];
            let (_, _, file, span) = before[first_rule][first_edge].clone();
            let message = if cycle.len() == 1 {
                format!(
                    "rule `{}` matches `@{}`, the label it makes itself",
                    lowered[first_rule].rule.name,
                    self.program.labels[lowered[first_rule].rule.label.0 as usize].name
                )
            } else {
                format!(
                    "rules depend on each other in a cycle: {}",
                    cycle.iter().map(&describe).collect::<Vec<_>>().join("; ")
                )
            };
            let label_text = describe(&cycle[0]);
            let secondary: Vec<(FileId, ByteSpan, String)> = cycle[1..]
                .iter()
                .map(|step| {
                    let (_, _, f, s) = before[step.0][step.1].clone();
                    (f, s, describe(step))
                })
                .collect();
            let d = self.reporter.error(
                codes::RULE_CYCLE,
                message,
                file,
                span,
                label_text,
                Some("a rule runs after the rules it matches the labels of; break the cycle with a new label".into()),
            );
            for (f, s, text) in secondary {
                also(d, f, s, text);
            }
            let _ = lowered[first_rule].file;
        }
    }

    // ---------------------------------------------------------------------------------------
    // Warnings
    // ---------------------------------------------------------------------------------------

    fn report_unused(&mut self) {
        for index in 0..self.lexicons.len() {
            let declared = &self.lexicons[index];
            if self.lexicon_ids[index].is_none() && declared.entries.is_some() {
                let (file, span, name) = (
                    declared.file,
                    declared.name.span.clone(),
                    declared.name.name.clone(),
                );
                self.reporter.warning(
                    codes::UNUSED_LEXICON,
                    format!("lexicon `{name}` is never used"),
                    file,
                    span,
                    "declared here",
                    Some("use it in a pattern (`[NAME]` or `NAME`), or remove it".into()),
                );
            }
        }
        for index in 0..self.patterns.len() {
            if !self.used_patterns[index] {
                let declared = &self.patterns[index];
                let (file, span, name) = (
                    declared.file,
                    declared.node.name.span.clone(),
                    declared.node.name.name.clone(),
                );
                self.reporter.warning(
                    codes::UNUSED_PATTERN,
                    format!("pattern `{name}` is never used"),
                    file,
                    span,
                    "declared here",
                    Some("use it in a rule, or remove it".into()),
                );
            }
        }
        for index in 0..self.features.len() {
            if !self.used_features[index] {
                let declared = &self.features[index];
                let (file, span, name) = (
                    declared.file,
                    declared.node.name.span.clone(),
                    declared.node.name.name.clone(),
                );
                self.reporter.warning(
                    codes::UNUSED_FEATURE,
                    format!("feature `{name}` is never used"),
                    file,
                    span,
                    "declared here",
                    Some("use it in a link: `where agree(NAME)`".into()),
                );
            }
        }
    }
}
