//! The syntax tree of one rule file, with byte spans into that file.
//!
//! The tree is what the text says and nothing more: names are unresolved strings and numbers
//! are unchecked, so that the checker can report every problem with its own span.

// Every node keeps its span, even where no diagnostic uses it yet, so new checks can point at
// any construct.
#![allow(dead_code)]

use std::ops::Range;

use crate::ir::{Anchor, LookDirection};

/// A half-open byte range in the file the node comes from.
pub(crate) type ByteSpan = Range<usize>;

/// A name as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ident {
    pub name: String,
    pub span: ByteSpan,
}

/// A string literal with its escapes decoded; `span` covers the quotes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StrLit {
    pub value: String,
    pub span: ByteSpan,
}

/// An integer as written, kept as text so the checker can report overflow at its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IntLit {
    pub text: String,
    pub span: ByteSpan,
}

/// Every declaration of one file, in file order.
#[derive(Clone, Debug, Default)]
pub(crate) struct File {
    pub declarations: Vec<Declaration>,
}

#[derive(Clone, Debug)]
pub(crate) enum Declaration {
    Import(StrLit),
    Lexicon(LexiconDecl),
    Feature(FeatureDecl),
    Pattern(PatternDecl),
    Rule(RuleDecl),
}

#[derive(Clone, Debug)]
pub(crate) struct LexiconDecl {
    pub name: Ident,
    pub source: LexiconSource,
    pub case_sensitive: bool,
    pub span: ByteSpan,
}

#[derive(Clone, Debug)]
pub(crate) enum LexiconSource {
    File(StrLit),
    Inflections(StrLit),
    Inline(InlineSet),
}

/// `{a an "according to"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InlineSet {
    pub entries: Vec<StrLit>,
    pub span: ByteSpan,
}

#[derive(Clone, Debug)]
pub(crate) struct FeatureDecl {
    pub name: Ident,
    pub values: Vec<(Ident, Test)>,
    pub span: ByteSpan,
}

#[derive(Clone, Debug)]
pub(crate) struct PatternDecl {
    pub name: Ident,
    pub pattern: Pattern,
    pub span: ByteSpan,
}

#[derive(Clone, Debug)]
pub(crate) struct RuleDecl {
    pub name: Ident,
    pub label: Ident,
    pub priorities: Vec<IntLit>,
    pub scopes: Vec<Ident>,
    pub matches: Vec<Pattern>,
    pub emits: Vec<EmitField>,
    pub links: Vec<LinkClause>,
    pub examples: Vec<ExampleClause>,
    pub span: ByteSpan,
}

#[derive(Clone, Debug)]
pub(crate) struct EmitField {
    pub name: Ident,
    pub value: EmitValue,
}

#[derive(Clone, Debug)]
pub(crate) enum EmitValue {
    Constant(StrLit),
    /// `s`, `q.inner`, `s.who.name`: the first segment names a capture.
    Path(Vec<Ident>),
}

#[derive(Clone, Debug)]
pub(crate) struct LinkClause {
    pub field: Ident,
    pub label: Ident,
    pub label_field: Ident,
    /// The capture the link resolves: a name, or a sub-capture path such as `s.n` kept whole,
    /// as sub-captures are named in the IR.
    pub anchor: Ident,
    pub window: Option<(Option<IntLit>, Ident)>,
    pub when: Option<Pattern>,
    pub agree: Vec<Ident>,
    /// Features the candidate must have the anchor's value of (`where same(gender)`).
    pub same: Vec<Ident>,
    /// One list per `shares(...)`: the candidate must contain an entry of one of its lexicons
    /// that the anchor contains.
    pub shares: Vec<Vec<Ident>>,
    /// `required`: a match whose link applies and finds nothing is dropped.
    pub required: bool,
    pub span: ByteSpan,
}

/// The kinds of candidate condition after `where`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkConditionKind {
    Agree,
    Same,
    Shares,
}

#[derive(Clone, Debug)]
pub(crate) struct ExampleClause {
    pub text: StrLit,
    pub expect: Option<Vec<(Ident, StrLit)>>,
    pub span: ByteSpan,
}

/// A pattern node and the bytes it was written with.
#[derive(Clone, Debug)]
pub(crate) struct Pattern {
    pub kind: PatternKind,
    pub span: ByteSpan,
}

#[derive(Clone, Debug)]
pub(crate) enum PatternKind {
    Alt(Vec<Pattern>),
    Seq(Vec<Pattern>),
    Repeat {
        inner: Box<Pattern>,
        quantifier: Quantifier,
    },
    Capture {
        name: Ident,
        inner: Box<Pattern>,
    },
    Look {
        direction: LookDirection,
        negated: bool,
        inner: Box<Pattern>,
    },
    /// `"said"` or `"according to"i` outside brackets.
    Text {
        text: StrLit,
        case_insensitive: bool,
    },
    Token(Test),
    Annotation(Ident),
    Anchor(Anchor),
    Set(InlineSet),
    Reference(Ident),
}

/// `? * + {m,n}` with laziness; bounds are unchecked.
#[derive(Clone, Debug)]
pub(crate) struct Quantifier {
    pub min: Option<IntLit>,
    pub max: Option<IntLit>,
    /// Whether the braces had a comma (`{2,}` vs `{2}`).
    pub has_comma: bool,
    /// `?`, `*`, `+` give fixed bounds; braces give the literals above.
    pub fixed: Option<(u32, Option<u32>)>,
    pub greedy: bool,
    pub span: ByteSpan,
}

/// A token test node.
#[derive(Clone, Debug)]
pub(crate) struct Test {
    pub kind: TestKind,
    pub span: ByteSpan,
}

#[derive(Clone, Debug)]
pub(crate) enum TestKind {
    Any,
    Text {
        text: StrLit,
        case_insensitive: bool,
    },
    Norm(StrLit),
    Shape(StrLit),
    Lemma(StrLit),
    Regex {
        /// The body between the slashes, as written.
        source: String,
        /// Where the body starts in the file.
        body_start: usize,
        case_insensitive: bool,
    },
    Name(Ident),
    Set(InlineSet),
    And(Vec<Test>),
    Or(Vec<Test>),
    Not(Box<Test>),
}
