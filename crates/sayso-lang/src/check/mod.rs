//! The checker: resolves the names of every loaded file, checks what the grammar cannot, and
//! lowers the syntax trees into [`ir::Program`].
//!
//! It never stops at the first problem: each check reports into a [`Reporter`] and carries on
//! with a placeholder, so a rule writer sees every error of a rule set in one run.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};
use std::ops::Range;

use crate::ast::{self, ByteSpan, Ident};
use crate::diagnostic::{Diagnostic, Diagnostics, FileId};
use crate::ir::{self, BuiltinLabel, CaptureId, LabelId, LexiconId, Pattern, TokenTest};
use crate::lexicon;
use crate::load::{self, LoadedFile, ReadError};
use crate::loader::Loader;
use crate::report::Reporter;
use crate::report::{also, closest, did_you_mean};

mod cascade;
mod patterns;
mod rules;
mod tokens;
mod warnings;

use crate::{CompileOptions, codes};
use patterns::{longest_capture, min_tokens};

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
        self.report_label_typos(&lowered);
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
}

impl Checker<'_> {
    // ---------------------------------------------------------------------------------------
    // Labels and features
    // ---------------------------------------------------------------------------------------

    fn declare_labels(&mut self) {
        for builtin in BuiltinLabel::ALL {
            self.label_ids
                .insert(builtin.name().to_string(), builtin.id());
            self.program.labels.push(builtin.label());
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
}
