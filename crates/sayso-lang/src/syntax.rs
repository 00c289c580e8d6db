//! From text to [`ast::File`]: the pest parser, syntax-error recovery and string decoding.
//!
//! pest types stay in this module. After a syntax error the parser skips to the next line that
//! starts a declaration and goes on, so a file with several broken rules reports all of them.

use std::num::NonZeroUsize;

use pest::Parser;
use pest::iterators::Pair;

use crate::ast::{self, ByteSpan, Ident, InlineSet, IntLit, StrLit, Test, TestKind};
use crate::codes;
use crate::ir::{Anchor, LookDirection};

// The grammar path is relative to this crate's directory (pest_derive resolves it from
// CARGO_MANIFEST_DIR). Pointing outside the crate is fine because the workspace is
// `publish = false`: the crate is never packaged on its own.
#[derive(pest_derive::Parser)]
#[grammar = "../../grammars/sayso.pest"]
struct SaysoParser;

/// A problem found while parsing, before any name is resolved.
#[derive(Clone, Debug)]
pub(crate) struct SyntaxProblem {
    pub code: &'static str,
    pub message: String,
    pub span: ByteSpan,
    pub label: String,
    pub help: Option<String>,
}

/// The declarations that parsed and the problems met on the way.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub file: ast::File,
    pub problems: Vec<SyntaxProblem>,
}

/// The top-level words a declaration starts with, used to resynchronise after an error.
const DECLARATION_KEYWORDS: [&str; 5] = ["import", "lexicon", "feature", "pattern", "rule"];

/// Parses a whole file. `max_nesting` bounds the depth of brackets and parentheses so that
/// hostile input cannot exhaust the stack of the recursive-descent parser.
pub(crate) fn parse_file(text: &str, max_nesting: usize) -> Parsed {
    let mut parsed = Parsed::default();
    if let Some((depth_at, depth)) = nesting_too_deep(text, max_nesting) {
        parsed.problems.push(SyntaxProblem {
            code: codes::LIMIT,
            message: format!("brackets are nested more than {max_nesting} levels deep"),
            span: depth_at..depth_at + 1,
            label: format!("nesting depth {depth} reached here"),
            help: Some("split the pattern into named patterns, or raise `max_nesting`".into()),
        });
        return parsed;
    }
    // Each call of a grammar rule counts; this bounds the work on any input while leaving room
    // for large but ordinary files. The limit is a process-wide setting of pest: two threads
    // compiling at once may see each other's limit, which only loosens or tightens a bound
    // that ordinary files are far from.
    let call_limit = text.len().saturating_mul(400).max(1_000_000);
    pest::set_call_limit(NonZeroUsize::new(call_limit));

    let mut position = 0;
    while position < text.len() {
        let rest = &text[position..];
        let end = match SaysoParser::parse(Rule::declarations, rest) {
            Ok(mut pairs) => {
                let Some(list) = pairs.next() else { break };
                let end = position + list.as_span().end();
                let mut builder = Builder {
                    offset: position,
                    problems: &mut parsed.problems,
                };
                for pair in list.into_inner() {
                    if let Some(declaration) = builder.declaration(pair) {
                        parsed.file.declarations.push(declaration);
                    }
                }
                end
            }
            Err(error) => {
                parsed
                    .problems
                    .push(problem_from_pest(&error, rest, position));
                break;
            }
        };
        let after = skip_trivia(text, end);
        if after >= text.len() {
            break;
        }
        let error_at = syntax_error_at(text, position, after, &mut parsed.problems);
        match resynchronise(text, error_at, after) {
            Some(next) => position = next,
            None => break,
        }
    }
    pest::set_call_limit(None);
    parsed
}

/// Reports the syntax error that stopped the declarations parsed from `start` short of `stop`;
/// returns where it is.
fn syntax_error_at(
    text: &str,
    start: usize,
    stop: usize,
    problems: &mut Vec<SyntaxProblem>,
) -> usize {
    let rest = &text[start..];
    pest::set_error_detail(true);
    let result = SaysoParser::parse(Rule::file, rest);
    pest::set_error_detail(false);
    match result {
        Err(error) => {
            let problem = problem_from_pest(&error, rest, start);
            let at = problem.span.start.max(stop);
            problems.push(problem);
            at
        }
        Ok(_) => {
            // Cannot happen when `declarations` stopped early; report the stop itself.
            problems.push(unexpected_text(text, stop));
            stop
        }
    }
}

fn unexpected_text(text: &str, start: usize) -> SyntaxProblem {
    let end = text[start..]
        .find(char::is_whitespace)
        .map_or(text.len(), |n| start + n);
    SyntaxProblem {
        code: codes::SYNTAX,
        message: "expected a declaration".into(),
        span: start..end.max(start + 1).min(text.len()),
        label: "expected `import`, `lexicon`, `feature`, `pattern` or `rule`".into(),
        help: None,
    }
}

/// The start of the first line at or after the line of `error_at` that begins with a
/// declaration keyword and lies after `after` (so parsing always moves forward).
fn resynchronise(text: &str, error_at: usize, after: usize) -> Option<usize> {
    let mut line_start = text[..error_at.min(text.len())]
        .rfind('\n')
        .map_or(0, |n| n + 1);
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |n| line_start + n);
        let line = &text[line_start..line_end];
        let indent = line.len() - line.trim_start().len();
        let word_start = line_start + indent;
        if word_start > after && starts_declaration(&text[word_start..]) {
            return Some(word_start);
        }
        line_start = line_end + 1;
    }
    None
}

fn starts_declaration(text: &str) -> bool {
    DECLARATION_KEYWORDS.iter().any(|keyword| {
        text.strip_prefix(keyword).is_some_and(|rest| {
            rest.chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        })
    })
}

/// Skips white space and comments.
fn skip_trivia(text: &str, mut position: usize) -> usize {
    let bytes = text.as_bytes();
    while position < bytes.len() {
        match bytes[position] {
            b' ' | b'\t' | b'\r' | b'\n' => position += 1,
            b'#' => {
                position = text[position..]
                    .find('\n')
                    .map_or(text.len(), |n| position + n);
            }
            _ if text[position..].starts_with('\u{FEFF}') => position += '\u{FEFF}'.len_utf8(),
            _ => break,
        }
    }
    position
}

/// Finds the first place where `(`, `[` or `{` nest deeper than `max`, outside strings,
/// comments and regexes.
fn nesting_too_deep(text: &str, max: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut chars = text.char_indices().peekable();
    let mut previous = '\n';
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => {
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
            }
            '#' => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            // A slash after `<` is an anchor such as `</s>`; any other slash opens a regex.
            '/' if previous != '<' => {
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '/' | '\n' => break,
                        _ => {}
                    }
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                if depth > max {
                    return Some((at, depth));
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = c;
    }
    None
}

/// Turns a pest error into a problem with a readable list of what was expected.
fn problem_from_pest(
    error: &pest::error::Error<Rule>,
    input: &str,
    offset: usize,
) -> SyntaxProblem {
    use pest::error::{ErrorVariant, InputLocation};
    let at = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    if let ErrorVariant::CustomError { message } = &error.variant {
        if message.contains("call limit") {
            return SyntaxProblem {
                code: codes::LIMIT,
                message: "the file is too large or too complex to parse".into(),
                span: offset + at..offset + at + 1,
                label: "the parser gave up here".into(),
                help: Some("split the file into smaller files".into()),
            };
        }
    }
    let mut expected: Vec<String> = Vec::new();
    let mut at = at;
    if let Some(attempts) = error.parse_attempts() {
        if attempts.max_position >= at {
            at = attempts.max_position;
            // The token type is not exported by pest; its Display gives the literal for
            // literals, `a..z` for ranges and BUILTIN_RULE for the rest, which are skipped.
            for token in attempts.expected_tokens() {
                let token = token.to_string();
                let is_range =
                    token.chars().count() == 4 && token.chars().skip(1).take(2).all(|c| c == '.');
                if !is_range
                    && token != "BUILTIN_RULE"
                    && !matches!(
                        token.as_str(),
                        " " | "\t" | "\r" | "\n" | "#" | "\u{FEFF}" | "_"
                    )
                {
                    expected.push(format!("`{token}`"));
                }
            }
            if expected.is_empty() {
                for stack in attempts.call_stacks() {
                    // The rule around a name says more than "a name" (a pattern, a label).
                    let description = stack
                        .parent
                        .as_ref()
                        .and_then(describe)
                        .or_else(|| stack.deepest.get_rule().and_then(describe));
                    if let Some(description) = description {
                        expected.push(description.to_string());
                    }
                }
            }
        }
    }
    // Lookaheads such as the reserved-word check run past the start of a word; the mistake is
    // the word itself, so point at its start.
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let at = at.min(input.len());
    let word_start = input[..at]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word(c))
        .last()
        .map_or(at, |(i, _)| i);
    let at = if word_start < at && input[at..].chars().next().is_none_or(|c| !is_word(c)) {
        word_start
    } else {
        at
    };
    if let (true, ErrorVariant::ParsingError { positives, .. }) =
        (expected.is_empty(), &error.variant)
    {
        for rule in positives {
            if let Some(description) = describe(rule) {
                expected.push(description.to_string());
            }
        }
    }
    expected.sort();
    expected.dedup();
    // Literal tokens say more than "a declaration"; keep the phrase only when alone.
    if expected.len() > 1 {
        expected.retain(|e| e != "a declaration");
    }
    let at = at.min(input.len());
    let found = match input[at..].chars().next() {
        None => "the end of the file".to_string(),
        Some(c) if c.is_whitespace() => "white space".to_string(),
        Some(_) => {
            let word: String = input[at..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .take(20)
                .collect();
            format!("`{word}`")
        }
    };
    let end = input[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    let found_word: String = input[at..].chars().take_while(|&c| is_word(c)).collect();
    let reserved = RESERVED.contains(&found_word.as_str());
    let help = reserved.then(|| {
        if found_word == "required" {
            "`required` is a reserved word: it ends a `link` clause and cannot be a name".to_string()
        } else {
            format!("`{found_word}` is a reserved word: it starts a clause or a declaration and cannot be a name")
        }
    });
    // After `where`, name the conditions and what each is for.
    let help = help.or_else(|| {
        expected.iter().any(|e| e == "`same`").then(|| {
            "a link's conditions are `agree(FEATURE, ...)`, `same(FEATURE, ...)` (the candidate has \
             the anchor's value) and `shares(LEXICON, ...)`, joined by `and`"
                .to_string()
        })
    });
    // pest only saw the name that the reserved word could not be; after `match`, `when`, `|`
    // or `(` that name would have started a pattern, which is what is missing.
    if reserved && expected.iter().all(|e| e == "a name") {
        let before = input[..at].trim_end();
        let after_pattern_start = ["match", "when", "|", "(", "="]
            .iter()
            .any(|w| before.ends_with(w));
        if after_pattern_start {
            expected = vec!["a pattern".to_string()];
        }
    }
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&expected))
    };
    SyntaxProblem {
        code: codes::SYNTAX,
        message,
        span: offset + at..offset + end.max(at),
        label: "unexpected here".into(),
        help,
    }
}

/// The reserved words of the grammar (its `keyword` rule).
const RESERVED: [&str; 12] = [
    "import", "lexicon", "feature", "pattern", "rule", "match", "emit", "link", "example", "when",
    "where", "required",
];

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A phrase for grammar rules worth naming in "expected ..." messages.
fn describe(rule: &Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::name => "a name",
        Rule::capture_name | Rule::reference => "a pattern",
        Rule::test_name => "a token test",
        Rule::string | Rule::string_test | Rule::string_element => "a string",
        Rule::integer => "a number",
        Rule::pattern | Rule::alternative | Rule::item => "a pattern",
        Rule::token_test => "a token test `[...]`",
        Rule::test_or | Rule::test_and | Rule::test_not => "a token test",
        Rule::inline_set | Rule::set_element => "a set `{...}`",
        Rule::quantifier => "a quantifier",
        Rule::annotation => "`@Label`",
        Rule::match_clause => "`match`",
        Rule::emit_clause => "`emit`",
        Rule::link_clause => "`link`",
        Rule::example_clause => "`example`",
        Rule::import_decl
        | Rule::lexicon_decl
        | Rule::feature_decl
        | Rule::pattern_decl
        | Rule::rule_decl => "a declaration",
        Rule::path => "a capture name",
        Rule::label_field => "`@Label.field`",
        Rule::link_condition | Rule::condition_kind => {
            "a condition `agree(...)`, `same(...)` or `shares(...)`"
        }
        Rule::link_required => "`required`",
        _ => return None,
    })
}

/// Converts pairs into AST nodes, shifting spans by the offset of the parsed slice.
struct Builder<'p> {
    offset: usize,
    problems: &'p mut Vec<SyntaxProblem>,
}

impl Builder<'_> {
    fn span(&self, pair: &Pair<'_, Rule>) -> ByteSpan {
        let span = pair.as_span();
        self.offset + span.start()..self.offset + span.end()
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn int(&self, pair: Pair<'_, Rule>) -> IntLit {
        IntLit {
            text: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn declaration(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Declaration> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        Some(match rule {
            Rule::import_decl => ast::Declaration::Import(self.string(inner.next()?)),
            Rule::lexicon_decl => {
                let name = self.ident(inner.next()?);
                let source_pair = inner.next()?;
                let source = match source_pair.as_rule() {
                    Rule::file_source => {
                        ast::LexiconSource::File(self.string(source_pair.into_inner().next()?))
                    }
                    Rule::inflections_source => ast::LexiconSource::Inflections(
                        self.string(source_pair.into_inner().next()?),
                    ),
                    _ => ast::LexiconSource::Inline(self.inline_set(source_pair)),
                };
                let case_sensitive = inner.next().is_some();
                ast::Declaration::Lexicon(ast::LexiconDecl {
                    name,
                    source,
                    case_sensitive,
                    span,
                })
            }
            Rule::feature_decl => {
                let name = self.ident(inner.next()?);
                let mut values = Vec::new();
                for value in inner {
                    let mut parts = value.into_inner();
                    let value_name = self.ident(parts.next()?);
                    let test = self.token_test(parts.next()?);
                    values.push((value_name, test));
                }
                ast::Declaration::Feature(ast::FeatureDecl { name, values, span })
            }
            Rule::pattern_decl => {
                let name = self.ident(inner.next()?);
                let pattern = self.pattern(inner.next()?);
                ast::Declaration::Pattern(ast::PatternDecl {
                    name,
                    pattern,
                    span,
                })
            }
            Rule::rule_decl => ast::Declaration::Rule(self.rule(inner, span)?),
            _ => return None,
        })
    }

    fn rule(
        &mut self,
        mut inner: pest::iterators::Pairs<'_, Rule>,
        span: ByteSpan,
    ) -> Option<ast::RuleDecl> {
        let name = self.ident(inner.next()?);
        let label = self.ident(inner.next()?);
        let mut rule = ast::RuleDecl {
            name,
            label,
            priorities: Vec::new(),
            scopes: Vec::new(),
            matches: Vec::new(),
            emits: Vec::new(),
            links: Vec::new(),
            examples: Vec::new(),
            span,
        };
        for part in inner {
            let part_span = self.span(&part);
            match part.as_rule() {
                Rule::priority => rule.priorities.push(self.int(part.into_inner().next()?)),
                Rule::scope => rule.scopes.push(self.ident(part.into_inner().next()?)),
                Rule::match_clause => rule.matches.push(self.pattern(part.into_inner().next()?)),
                Rule::emit_clause => {
                    for field in part.into_inner() {
                        let mut parts = field.into_inner();
                        let name = self.ident(parts.next()?);
                        let value_pair = parts.next()?;
                        let value = if value_pair.as_rule() == Rule::string {
                            ast::EmitValue::Constant(self.string(value_pair))
                        } else {
                            ast::EmitValue::Path(
                                value_pair.into_inner().map(|p| self.ident(p)).collect(),
                            )
                        };
                        rule.emits.push(ast::EmitField { name, value });
                    }
                }
                Rule::link_clause => {
                    let mut parts = part.into_inner();
                    let field = self.ident(parts.next()?);
                    let mut label_field = parts.next()?.into_inner();
                    let label = self.ident(label_field.next()?);
                    let target_field = self.ident(label_field.next()?);
                    let anchor = self.ident(parts.next()?);
                    let mut link = ast::LinkClause {
                        field,
                        label,
                        label_field: target_field,
                        anchor,
                        window: None,
                        when: None,
                        agree: Vec::new(),
                        same: Vec::new(),
                        shares: Vec::new(),
                        required: false,
                        span: part_span,
                    };
                    for option in parts {
                        match option.as_rule() {
                            Rule::link_window => {
                                let mut count = None;
                                let mut unit = None;
                                for piece in option.into_inner() {
                                    if piece.as_rule() == Rule::integer {
                                        count = Some(self.int(piece));
                                    } else {
                                        unit = Some(self.ident(piece));
                                    }
                                }
                                link.window = Some((count, unit?));
                            }
                            Rule::link_when => {
                                link.when = Some(self.pattern(option.into_inner().next()?));
                            }
                            Rule::link_where => {
                                for condition in option.into_inner() {
                                    if condition.as_rule() != Rule::link_condition {
                                        continue;
                                    }
                                    let mut pieces = condition.into_inner();
                                    let kind = pieces.next()?;
                                    let kind = match kind.as_str() {
                                        "same" => ast::LinkConditionKind::Same,
                                        "shares" => ast::LinkConditionKind::Shares,
                                        _ => ast::LinkConditionKind::Agree,
                                    };
                                    let names: Vec<ast::Ident> =
                                        pieces.map(|p| self.ident(p)).collect();
                                    match kind {
                                        ast::LinkConditionKind::Agree => link.agree.extend(names),
                                        ast::LinkConditionKind::Same => link.same.extend(names),
                                        ast::LinkConditionKind::Shares => link.shares.push(names),
                                    }
                                }
                            }
                            Rule::link_required => link.required = true,
                            _ => {}
                        }
                    }
                    rule.links.push(link);
                }
                Rule::example_clause => {
                    let mut parts = part.into_inner();
                    let text = self.string(parts.next()?);
                    let expect_pair = parts.next()?;
                    let expect = if expect_pair.as_rule() == Rule::expect_none {
                        None
                    } else {
                        let mut fields = Vec::new();
                        for field in expect_pair.into_inner() {
                            let mut pieces = field.into_inner();
                            let name = self.ident(pieces.next()?);
                            let value = self.string(pieces.next()?);
                            fields.push((name, value));
                        }
                        Some(fields)
                    };
                    rule.examples.push(ast::ExampleClause {
                        text,
                        expect,
                        span: part_span,
                    });
                }
                _ => {}
            }
        }
        Some(rule)
    }

    fn pattern(&mut self, pair: Pair<'_, Rule>) -> ast::Pattern {
        let span = self.span(&pair);
        let mut alternatives: Vec<ast::Pattern> =
            pair.into_inner().map(|a| self.alternative(a)).collect();
        if alternatives.len() == 1 {
            alternatives.pop().unwrap_or(ast::Pattern {
                kind: ast::PatternKind::Seq(Vec::new()),
                span,
            })
        } else {
            ast::Pattern {
                kind: ast::PatternKind::Alt(alternatives),
                span,
            }
        }
    }

    fn alternative(&mut self, pair: Pair<'_, Rule>) -> ast::Pattern {
        let span = self.span(&pair);
        let mut items: Vec<ast::Pattern> = pair.into_inner().map(|i| self.item(i)).collect();
        if items.len() == 1 {
            items.pop().unwrap_or(ast::Pattern {
                kind: ast::PatternKind::Seq(Vec::new()),
                span,
            })
        } else {
            ast::Pattern {
                kind: ast::PatternKind::Seq(items),
                span,
            }
        }
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> ast::Pattern {
        let span = self.span(&pair);
        let mut capture = None;
        let mut element = None;
        let mut quantifier = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::capture_name => {
                    if let Some(name) = part.into_inner().next() {
                        capture = Some(self.ident(name));
                    }
                }
                Rule::quantifier => quantifier = Some(self.quantifier(part)),
                _ => element = Some(self.element(part)),
            }
        }
        let mut node = element.unwrap_or(ast::Pattern {
            kind: ast::PatternKind::Seq(Vec::new()),
            span: span.clone(),
        });
        if let Some(quantifier) = quantifier {
            let repeat_span = node.span.start..quantifier.span.end;
            node = ast::Pattern {
                kind: ast::PatternKind::Repeat {
                    inner: Box::new(node),
                    quantifier,
                },
                span: repeat_span,
            };
        }
        if let Some(name) = capture {
            node = ast::Pattern {
                kind: ast::PatternKind::Capture {
                    name,
                    inner: Box::new(node),
                },
                span,
            };
        }
        node
    }

    fn quantifier(&self, pair: Pair<'_, Rule>) -> ast::Quantifier {
        let span = self.span(&pair);
        let mut quantifier = ast::Quantifier {
            min: None,
            max: None,
            has_comma: false,
            fixed: None,
            greedy: true,
            span,
        };
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::optional => quantifier.fixed = Some((0, Some(1))),
                Rule::star => quantifier.fixed = Some((0, None)),
                Rule::plus => quantifier.fixed = Some((1, None)),
                Rule::lazy => quantifier.greedy = false,
                Rule::bounds => {
                    for piece in part.into_inner() {
                        match piece.as_rule() {
                            Rule::bound_comma => quantifier.has_comma = true,
                            _ if quantifier.has_comma => quantifier.max = Some(self.int(piece)),
                            _ => quantifier.min = Some(self.int(piece)),
                        }
                    }
                }
                _ => {}
            }
        }
        quantifier
    }

    fn element(&mut self, pair: Pair<'_, Rule>) -> ast::Pattern {
        use ast::PatternKind as K;
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::token_test => K::Token(self.token_test(pair)),
            Rule::string_element => {
                let (text, case_insensitive) = match pair.into_inner().next() {
                    Some(test) => self.string_test(test),
                    None => (
                        StrLit {
                            value: String::new(),
                            span: span.clone(),
                        },
                        false,
                    ),
                };
                K::Text {
                    text,
                    case_insensitive,
                }
            }
            Rule::lookaround => {
                let mut parts = pair.into_inner();
                let op = parts.next().map_or("(?=", |p| p.as_str());
                let (direction, negated) = match op {
                    "(?<=" => (LookDirection::Behind, false),
                    "(?<!" => (LookDirection::Behind, true),
                    "(?!" => (LookDirection::Ahead, true),
                    _ => (LookDirection::Ahead, false),
                };
                let inner = match parts.next() {
                    Some(p) => self.pattern(p),
                    None => empty(span.clone()),
                };
                K::Look {
                    direction,
                    negated,
                    inner: Box::new(inner),
                }
            }
            Rule::group => match pair.into_inner().next() {
                // A group only sets precedence; its span is kept on the inner node's parent.
                Some(p) => return self.pattern(p),
                None => K::Seq(Vec::new()),
            },
            Rule::annotation => match pair.into_inner().next() {
                Some(name) => K::Annotation(self.ident(name)),
                None => K::Seq(Vec::new()),
            },
            Rule::anchor => K::Anchor(match pair.as_str() {
                "<s>" => Anchor::SentenceStart,
                "</s>" => Anchor::SentenceEnd,
                "<p>" => Anchor::ParagraphStart,
                "</p>" => Anchor::ParagraphEnd,
                "<doc>" => Anchor::DocumentStart,
                _ => Anchor::DocumentEnd,
            }),
            Rule::set_element => match pair.into_inner().next() {
                Some(set) => K::Set(self.inline_set(set)),
                None => K::Seq(Vec::new()),
            },
            Rule::reference => match pair.into_inner().next() {
                Some(name) => K::Reference(self.ident(name)),
                None => K::Seq(Vec::new()),
            },
            _ => K::Seq(Vec::new()),
        };
        ast::Pattern { kind, span }
    }

    fn string_test(&mut self, pair: Pair<'_, Rule>) -> (StrLit, bool) {
        let span = self.span(&pair);
        let mut text = StrLit {
            value: String::new(),
            span,
        };
        let mut case_insensitive = false;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::string => text = self.string(part),
                Rule::case_insensitive => case_insensitive = true,
                _ => {}
            }
        }
        (text, case_insensitive)
    }

    fn token_test(&mut self, pair: Pair<'_, Rule>) -> Test {
        let span = self.span(&pair);
        match pair.into_inner().next() {
            Some(formula) => self.test(formula),
            None => Test {
                kind: TestKind::Any,
                span,
            },
        }
    }

    fn test(&mut self, pair: Pair<'_, Rule>) -> Test {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::test_or | Rule::test_and => {
                let is_or = pair.as_rule() == Rule::test_or;
                let mut parts: Vec<Test> = pair.into_inner().map(|p| self.test(p)).collect();
                if parts.len() == 1 {
                    return parts.pop().unwrap_or(Test {
                        kind: TestKind::Any,
                        span,
                    });
                }
                if is_or {
                    TestKind::Or(parts)
                } else {
                    TestKind::And(parts)
                }
            }
            Rule::test_not => {
                let mut negations = 0;
                let mut atom = None;
                for part in pair.into_inner() {
                    if part.as_rule() == Rule::negation {
                        negations += 1;
                    } else {
                        atom = Some(self.test(part));
                    }
                }
                let mut test = atom.unwrap_or(Test {
                    kind: TestKind::Any,
                    span: span.clone(),
                });
                for _ in 0..negations {
                    test = Test {
                        kind: TestKind::Not(Box::new(test)),
                        span: span.clone(),
                    };
                }
                return test;
            }
            Rule::test_group => match pair.into_inner().next() {
                Some(inner) => return self.test(inner),
                None => TestKind::Any,
            },
            Rule::norm_test => match pair.into_inner().next() {
                Some(s) => TestKind::Norm(self.string(s)),
                None => TestKind::Any,
            },
            Rule::shape_test => match pair.into_inner().next() {
                Some(s) => TestKind::Shape(self.string(s)),
                None => TestKind::Any,
            },
            Rule::lemma_test => match pair.into_inner().next() {
                Some(s) => TestKind::Lemma(self.string(s)),
                None => TestKind::Any,
            },
            Rule::regex_test => {
                let mut source = String::new();
                let mut body_start = span.start + 1;
                let mut case_insensitive = false;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::regex_body => {
                            body_start = self.span(&part).start;
                            source = part.as_str().to_string();
                        }
                        Rule::case_insensitive => case_insensitive = true,
                        _ => {}
                    }
                }
                TestKind::Regex {
                    source,
                    body_start,
                    case_insensitive,
                }
            }
            Rule::string_test => {
                let (text, case_insensitive) = self.string_test(pair);
                TestKind::Text {
                    text,
                    case_insensitive,
                }
            }
            Rule::inline_set => TestKind::Set(self.inline_set(pair)),
            Rule::test_name => match pair.into_inner().next() {
                Some(name) => TestKind::Name(self.ident(name)),
                None => TestKind::Any,
            },
            _ => TestKind::Any,
        };
        Test { kind, span }
    }

    fn inline_set(&mut self, pair: Pair<'_, Rule>) -> InlineSet {
        let span = self.span(&pair);
        let mut entries = Vec::new();
        for entry in pair.into_inner() {
            if entry.as_rule() == Rule::string {
                entries.push(self.string(entry));
            } else {
                entries.push(StrLit {
                    value: entry.as_str().to_string(),
                    span: self.span(&entry),
                });
            }
        }
        InlineSet { entries, span }
    }

    /// Decodes a string literal, reporting each bad escape at its own span.
    fn string(&mut self, pair: Pair<'_, Rule>) -> StrLit {
        let span = self.span(&pair);
        let raw = pair.as_str();
        let body = raw
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or(raw);
        let body_start = span.start + 1;
        let mut value = String::with_capacity(body.len());
        let mut chars = body.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            let escape_start = body_start + at;
            match chars.next() {
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, 'u')) => {
                    let rest = &body[at + 2..];
                    let decoded = rest
                        .strip_prefix('{')
                        .and_then(|r| r.find('}').map(|end| &r[..end]))
                        .and_then(|hex| {
                            let c = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
                            c.map(|c| (c, hex.len() + 2))
                        });
                    match decoded {
                        Some((c, consumed)) => {
                            value.push(c);
                            for _ in 0..consumed {
                                chars.next();
                            }
                        }
                        None => self.problems.push(SyntaxProblem {
                            code: codes::BAD_ESCAPE,
                            message: "invalid unicode escape".into(),
                            span: escape_start..escape_start + 2,
                            label: "expected `\\u{HEX}` with a valid code point".into(),
                            help: Some("write a code point in hex, such as `\\u{201C}`".into()),
                        }),
                    }
                }
                Some((next_at, other)) => {
                    self.problems.push(SyntaxProblem {
                        code: codes::BAD_ESCAPE,
                        message: format!("unknown escape `\\{other}`"),
                        span: escape_start..body_start + next_at + other.len_utf8(),
                        label: "not a known escape".into(),
                        help: Some(
                            "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{HEX}`".into(),
                        ),
                    });
                    value.push(other);
                }
                None => value.push('\\'),
            }
        }
        StrLit { value, span }
    }
}

fn empty(span: ByteSpan) -> ast::Pattern {
    ast::Pattern {
        kind: ast::PatternKind::Seq(Vec::new()),
        span,
    }
}
