//! Printing patterns back in rule syntax, for readable snapshots and for `sayso explain`.
//!
//! A plain [`Pattern`] only knows ids, so its `Display` prints `#n` for captures, labels and
//! lexicons; [`PatternDisplay`], made by [`ir::Rule::pattern_display`], prints their names.

use std::fmt;

use crate::ir::{self, Anchor, FlagTest, LookDirection, Pattern, TokenKindTest, TokenTest};

/// A pattern with the names it needs to be printed in rule syntax.
#[derive(Clone, Copy, Debug)]
pub struct PatternDisplay<'a> {
    pattern: &'a Pattern,
    program: Option<&'a ir::Program>,
    captures: &'a [String],
}

impl ir::Rule {
    /// The rule's pattern printed in rule syntax, with the names from `program`.
    pub fn pattern_display<'a>(&'a self, program: &'a ir::Program) -> PatternDisplay<'a> {
        PatternDisplay {
            pattern: &self.pattern,
            program: Some(program),
            captures: &self.captures,
        }
    }
}

impl Pattern {
    /// This pattern printed with the names of `program` and of `captures` (the captures of the
    /// rule it belongs to).
    pub fn display<'a>(
        &'a self,
        program: &'a ir::Program,
        captures: &'a [String],
    ) -> PatternDisplay<'a> {
        PatternDisplay {
            pattern: self,
            program: Some(program),
            captures,
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = Names {
            program: None,
            captures: &[],
        };
        names.pattern(f, self)
    }
}

impl fmt::Display for PatternDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = Names {
            program: self.program,
            captures: self.captures,
        };
        names.pattern(f, self.pattern)
    }
}

/// A token test with the names it needs to be printed in rule syntax.
#[derive(Clone, Copy, Debug)]
pub struct TokenTestDisplay<'a> {
    test: &'a TokenTest,
    program: &'a ir::Program,
}

impl TokenTest {
    /// This test printed as written inside brackets, with the lexicon names of `program`.
    pub fn display<'a>(&'a self, program: &'a ir::Program) -> TokenTestDisplay<'a> {
        TokenTestDisplay {
            test: self,
            program,
        }
    }
}

impl fmt::Display for TokenTestDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = Names {
            program: Some(self.program),
            captures: &[],
        };
        names.test(f, self.test)
    }
}

impl fmt::Display for TokenTest {
    /// The test as written inside brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = Names {
            program: None,
            captures: &[],
        };
        names.test(f, self)
    }
}

struct Names<'a> {
    program: Option<&'a ir::Program>,
    captures: &'a [String],
}

impl Names<'_> {
    fn pattern(&self, f: &mut fmt::Formatter<'_>, pattern: &Pattern) -> fmt::Result {
        match pattern {
            Pattern::Alt(branches) => {
                for (n, branch) in branches.iter().enumerate() {
                    if n > 0 {
                        f.write_str(" | ")?;
                    }
                    self.pattern(f, branch)?;
                }
                Ok(())
            }
            Pattern::Seq(parts) => {
                for (n, part) in parts.iter().enumerate() {
                    if n > 0 {
                        f.write_str(" ")?;
                    }
                    self.grouped_if(f, part, matches!(part, Pattern::Alt(_)))?;
                }
                Ok(())
            }
            Pattern::Repeat {
                inner,
                min,
                max,
                greedy,
            } => {
                let needs_group = matches!(
                    **inner,
                    Pattern::Alt(_)
                        | Pattern::Seq(_)
                        | Pattern::Capture { .. }
                        | Pattern::Repeat { .. }
                );
                self.grouped_if(f, inner, needs_group)?;
                match (min, max) {
                    (0, Some(1)) => f.write_str("?")?,
                    (0, None) => f.write_str("*")?,
                    (1, None) => f.write_str("+")?,
                    (m, None) => write!(f, "{{{m},}}")?,
                    (m, Some(n)) if m == n => write!(f, "{{{m}}}")?,
                    (m, Some(n)) => write!(f, "{{{m},{n}}}")?,
                }
                if !greedy {
                    f.write_str("?")?;
                }
                Ok(())
            }
            Pattern::Capture { id, inner } => {
                match self.captures.get(id.0 as usize) {
                    Some(name) => write!(f, "{name}:")?,
                    None => write!(f, "#{}:", id.0)?,
                }
                self.grouped_if(
                    f,
                    inner,
                    matches!(**inner, Pattern::Alt(_) | Pattern::Seq(_)),
                )
            }
            Pattern::Look {
                direction,
                negated,
                inner,
            } => {
                let op = match (direction, negated) {
                    (LookDirection::Ahead, false) => "(?= ",
                    (LookDirection::Ahead, true) => "(?! ",
                    (LookDirection::Behind, false) => "(?<= ",
                    (LookDirection::Behind, true) => "(?<! ",
                };
                f.write_str(op)?;
                self.pattern(f, inner)?;
                f.write_str(")")
            }
            Pattern::Token(test) => match test {
                TokenTest::Text(text) => write_string(f, text),
                TokenTest::Norm(text) => {
                    write_string(f, text)?;
                    f.write_str("i")
                }
                other => {
                    f.write_str("[")?;
                    self.test(f, other)?;
                    f.write_str("]")
                }
            },
            Pattern::Annotation(label) => {
                f.write_str("@")?;
                self.label(f, *label)
            }
            Pattern::Phrase(lexicon) => self.lexicon(f, *lexicon),
            Pattern::Anchor(anchor) => f.write_str(match anchor {
                Anchor::SentenceStart => "<s>",
                Anchor::SentenceEnd => "</s>",
                Anchor::ParagraphStart => "<p>",
                Anchor::ParagraphEnd => "</p>",
                Anchor::DocumentStart => "<doc>",
                Anchor::DocumentEnd => "</doc>",
            }),
        }
    }

    fn grouped_if(
        &self,
        f: &mut fmt::Formatter<'_>,
        pattern: &Pattern,
        group: bool,
    ) -> fmt::Result {
        if group {
            f.write_str("(")?;
            self.pattern(f, pattern)?;
            f.write_str(")")
        } else {
            self.pattern(f, pattern)
        }
    }

    fn label(&self, f: &mut fmt::Formatter<'_>, label: ir::LabelId) -> fmt::Result {
        let builtin = ir::BuiltinLabel::ALL
            .iter()
            .find(|b| b.id() == label)
            .map(|b| b.name().to_string());
        match (
            self.program.and_then(|p| p.labels.get(label.0 as usize)),
            builtin,
        ) {
            (Some(l), _) => f.write_str(&l.name),
            (None, Some(name)) => f.write_str(&name),
            (None, None) => write!(f, "#{}", label.0),
        }
    }

    fn lexicon(&self, f: &mut fmt::Formatter<'_>, lexicon: ir::LexiconId) -> fmt::Result {
        match self
            .program
            .and_then(|p| p.lexicons.get(lexicon.0 as usize))
        {
            Some(l) => f.write_str(&l.name),
            None => write!(f, "#{}", lexicon.0),
        }
    }

    fn test(&self, f: &mut fmt::Formatter<'_>, test: &TokenTest) -> fmt::Result {
        match test {
            TokenTest::Any => Ok(()),
            TokenTest::Text(text) => write_string(f, text),
            TokenTest::Norm(text) => {
                write_string(f, text)?;
                f.write_str("i")
            }
            TokenTest::Regex {
                source,
                case_insensitive,
            } => write!(f, "/{source}/{}", if *case_insensitive { "i" } else { "" }),
            TokenTest::Shape(shape) => {
                f.write_str("shape:")?;
                write_string(f, shape)
            }
            TokenTest::Kind(kind) => f.write_str(kind_name(*kind)),
            TokenTest::Flag(flag) => f.write_str(flag_name(*flag)),
            TokenTest::InLexicon(lexicon) => self.lexicon(f, *lexicon),
            TokenTest::Lemma { lemma, .. } => {
                f.write_str("lemma:")?;
                write_string(f, lemma)
            }
            TokenTest::And(parts) => {
                for (n, part) in parts.iter().enumerate() {
                    if n > 0 {
                        f.write_str(" & ")?;
                    }
                    self.test_grouped_if(f, part, matches!(part, TokenTest::Or(_)))?;
                }
                Ok(())
            }
            TokenTest::Or(parts) => {
                for (n, part) in parts.iter().enumerate() {
                    if n > 0 {
                        f.write_str(" | ")?;
                    }
                    self.test(f, part)?;
                }
                Ok(())
            }
            TokenTest::Not(inner) => {
                f.write_str("!")?;
                self.test_grouped_if(
                    f,
                    inner,
                    matches!(
                        **inner,
                        TokenTest::And(_) | TokenTest::Or(_) | TokenTest::Any
                    ),
                )
            }
        }
    }

    fn test_grouped_if(
        &self,
        f: &mut fmt::Formatter<'_>,
        test: &TokenTest,
        group: bool,
    ) -> fmt::Result {
        if group {
            f.write_str("(")?;
            self.test(f, test)?;
            f.write_str(")")
        } else {
            self.test(f, test)
        }
    }
}

/// A string literal with the escapes the grammar knows.
fn write_string(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in text.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{{{:X}}}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

/// The rule-language name of a kind test.
pub(crate) fn kind_name(kind: TokenKindTest) -> &'static str {
    match kind {
        TokenKindTest::Word => "word",
        TokenKindTest::Number => "number",
        TokenKindTest::Punct => "punct",
        TokenKindTest::QuoteMark => "quote",
        TokenKindTest::Symbol => "symbol",
        TokenKindTest::Url => "url",
        TokenKindTest::Email => "email",
    }
}

/// The rule-language name of a flag test.
pub(crate) fn flag_name(flag: FlagTest) -> &'static str {
    match flag {
        FlagTest::Title => "title",
        FlagTest::Upper => "upper",
        FlagTest::Lower => "lower",
        FlagTest::Capitalized => "capitalized",
        FlagTest::Alpha => "alpha",
        FlagTest::Digit => "digit",
        FlagTest::Abbrev => "abbrev",
        FlagTest::QuoteOpen => "quote_open",
        FlagTest::QuoteClose => "quote_close",
        FlagTest::SpaceBefore => "space_before",
    }
}
