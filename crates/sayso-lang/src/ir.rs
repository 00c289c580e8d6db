//! The checked intermediate representation: what the engine compiles.
//!
//! Every name is resolved to an index, every regex is known to be valid and every lexicon file
//! is loaded, so the engine never has to report a rule-writer's mistake.

/// Index into [`Program::labels`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LabelId(pub u32);

/// Index into [`Program::lexicons`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LexiconId(pub u32);

/// Index into [`Program::rules`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub u32);

/// Index into [`Rule::captures`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaptureId(pub u32);

/// Index into [`Program::features`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FeatureId(pub u32);

/// Where a declaration is written: file name, 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The file as the user named it (or the embedded name).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A whole checked rule set.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// Labels: the built-ins ([`BuiltinLabel`]) first, at the indices of their discriminants,
    /// then every label a rule emits.
    pub labels: Vec<Label>,
    /// Every lexicon any rule uses.
    pub lexicons: Vec<Lexicon>,
    /// Agreement features used by links.
    pub features: Vec<Feature>,
    /// The rules, sorted into cascade order: a rule comes after every rule whose label it
    /// references; rules with no order between them keep their order in the source.
    pub rules: Vec<Rule>,
    /// The rules grouped into stages that can run together: stage `k` only references labels
    /// made in stages before `k`. Each entry indexes into `rules`.
    pub stages: Vec<Vec<RuleId>>,
}

/// A label: a kind of span that rules produce and other rules can match with `@Name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Its name, as written after `->` or `@`.
    pub name: String,
    /// Set for labels the tokenizer provides (`Quote`, `Sentence`, `Paragraph`).
    pub builtin: Option<BuiltinLabel>,
    /// The fields a match of this label can carry (union over the rules that emit it). For
    /// `Quote` these are `inner`, `open` and `close`.
    pub fields: Vec<String>,
}

/// Labels that exist without a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinLabel {
    /// A quotation, marks included; fields `inner` (without the marks), `open`, `close`.
    Quote = 0,
    /// A sentence.
    Sentence = 1,
    /// A paragraph.
    Paragraph = 2,
}

impl BuiltinLabel {
    /// All built-in labels, in [`LabelId`] order.
    pub const ALL: [BuiltinLabel; 3] = [
        BuiltinLabel::Quote,
        BuiltinLabel::Sentence,
        BuiltinLabel::Paragraph,
    ];

    /// The id the built-in label has in every program.
    pub const fn id(self) -> LabelId {
        LabelId(self as u32)
    }

    /// The name rules write after `@`.
    pub const fn name(self) -> &'static str {
        match self {
            BuiltinLabel::Quote => "Quote",
            BuiltinLabel::Sentence => "Sentence",
            BuiltinLabel::Paragraph => "Paragraph",
        }
    }

    /// The fields an annotation of this label carries.
    pub const fn fields(self) -> &'static [&'static str] {
        match self {
            BuiltinLabel::Quote => &["inner", "open", "close"],
            BuiltinLabel::Sentence | BuiltinLabel::Paragraph => &[],
        }
    }

    /// The label as it stands at index [`BuiltinLabel::id`] of every program.
    pub fn label(self) -> Label {
        Label {
            name: self.name().to_string(),
            builtin: Some(self),
            fields: self.fields().iter().map(|f| f.to_string()).collect(),
        }
    }
}

/// A lexicon: a set of entries, each one or more words, compared on normalised forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lexicon {
    /// Its declared name (inline sets get a name like `{said says}` from their text).
    pub name: String,
    /// The entries in file order, without duplicates: trimmed, white space collapsed to one
    /// space, and normalised as token forms are (lower case, ’ as ') unless `case_sensitive`.
    /// An entry with white space in it is a multi-word entry; the engine tokenizes entries as it
    /// tokenizes text.
    pub entries: Vec<String>,
    /// Whether matching ignores case (the default) or compares exact text.
    pub case_sensitive: bool,
    /// For an inflection lexicon, the lemma of each entry (same length as `entries`);
    /// empty for a plain lexicon.
    pub lemmas: Vec<String>,
    /// Where it is declared.
    pub origin: Origin,
}

/// A feature used for agreement in links, such as gender or number: each value is a token test,
/// and a span has the first value one of its tokens passes.
#[derive(Clone, Debug, PartialEq)]
pub struct Feature {
    /// Its name (`gender`).
    pub name: String,
    /// Its values in order (`feminine`, `masculine`) and the test that gives each.
    pub values: Vec<(String, TokenTest)>,
    /// Where it is declared.
    pub origin: Origin,
}

/// Which span a rule's matches may not cross.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// A match lies within one sentence.
    Sentence,
    /// A match lies within one paragraph (the default).
    #[default]
    Paragraph,
    /// A match may run anywhere in the document.
    Document,
}

/// One checked rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// Its name, unique in the program.
    pub name: String,
    /// The label of its matches.
    pub label: LabelId,
    /// Higher wins when two matches of the same label overlap. Default 0.
    pub priority: i32,
    /// The span a match may not cross.
    pub scope: Scope,
    /// What it matches.
    pub pattern: Pattern,
    /// The names of its captures, indexed by [`CaptureId`].
    pub captures: Vec<String>,
    /// The fields of its matches, in the order written.
    pub emit: Vec<EmitField>,
    /// Links that fill fields from earlier annotations, run after conflict resolution.
    pub links: Vec<Link>,
    /// Inline examples that `sayso test` runs.
    pub examples: Vec<Example>,
    /// Where the rule is declared.
    pub origin: Origin,
}

/// A pattern over tokens. Matching is leftmost; among matches at the same start, quantifiers
/// prefer more (greedy) or fewer (lazy) repetitions and alternation prefers earlier branches,
/// as in a backtracking regex engine, though the engine never backtracks.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    /// One token that passes the test.
    Token(TokenTest),
    /// Each part in turn.
    Seq(Vec<Pattern>),
    /// The first branch that leads to a match.
    Alt(Vec<Pattern>),
    /// `inner` repeated from `min` to `max` times (`None`: no bound).
    Repeat {
        /// What repeats.
        inner: Box<Pattern>,
        /// Least repetitions.
        min: u32,
        /// Most repetitions, if bounded.
        max: Option<u32>,
        /// Whether more repetitions are preferred.
        greedy: bool,
    },
    /// Records the tokens `inner` matches as capture `id`.
    Capture {
        /// Which capture.
        id: CaptureId,
        /// What it captures.
        inner: Box<Pattern>,
    },
    /// A zero-width assertion that `inner` matches (or not) right after (or right before, ending
    /// here) the current position.
    Look {
        /// Ahead or behind.
        direction: LookDirection,
        /// `(?!` and `(?<!`.
        negated: bool,
        /// What must (or must not) match.
        inner: Box<Pattern>,
    },
    /// Exactly the tokens of one annotation with this label that starts here (a quotation, or a
    /// match of an earlier rule). A capture around it also gives access to its fields.
    Annotation(LabelId),
    /// Any entry of the lexicon, multi-word entries included; the longest entry that starts here
    /// is preferred.
    Phrase(LexiconId),
    /// A zero-width position test.
    Anchor(Anchor),
}

/// Direction of a lookaround.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LookDirection {
    /// `(?=` / `(?!`: the tokens from here on.
    Ahead,
    /// `(?<=` / `(?<!`: the tokens that end here.
    Behind,
}

/// Zero-width position tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Anchor {
    /// `<s>`: before the first token of a sentence.
    SentenceStart,
    /// `</s>`: after the last token of a sentence.
    SentenceEnd,
    /// `<p>`: before the first token of a paragraph.
    ParagraphStart,
    /// `</p>`: after the last token of a paragraph.
    ParagraphEnd,
    /// `<doc>`: before the first token of the document.
    DocumentStart,
    /// `</doc>`: after the last token of the document.
    DocumentEnd,
}

/// A test on one token.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TokenTest {
    /// Every token passes (`[]`).
    Any,
    /// The token's text is exactly this (`"Said"`).
    Text(String),
    /// The token's normalised form (lower case, ’ as ') is this (`"said"i`, `norm:"said"`);
    /// the string is stored normalised.
    Norm(String),
    /// The regex matches the whole token text (`/re/`, `/re/i`).
    Regex {
        /// The pattern as written.
        source: String,
        /// Whether `i` followed it.
        case_insensitive: bool,
    },
    /// The token's shape is this (`shape:"Xxxx"`).
    Shape(String),
    /// The token is of this kind (`word`, `number`, `punct`, `quote`, `symbol`, `url`, `email`).
    Kind(TokenKindTest),
    /// The token has this property (`title`, `upper`, `lower`, ...).
    Flag(FlagTest),
    /// The token's normalised form is a single-word entry of the lexicon (`[SAY]`, `[{a an}]`).
    InLexicon(LexiconId),
    /// The token is an inflected form of `lemma` in the inflection lexicon (`lemma:"say"`).
    Lemma {
        /// The inflection lexicon.
        lexicon: LexiconId,
        /// The lemma.
        lemma: String,
    },
    /// Every test passes (`&`).
    And(Vec<TokenTest>),
    /// Some test passes (`|`).
    Or(Vec<TokenTest>),
    /// The test fails (`!`).
    Not(Box<TokenTest>),
}

/// Token kinds as the rule language names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKindTest {
    /// `word`
    Word,
    /// `number`
    Number,
    /// `punct`
    Punct,
    /// `quote`: a quotation mark.
    QuoteMark,
    /// `symbol`
    Symbol,
    /// `url`
    Url,
    /// `email`
    Email,
}

/// Token properties as the rule language names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlagTest {
    /// `title`: first letter upper case, the rest lower case.
    Title,
    /// `upper`: all letters upper case.
    Upper,
    /// `lower`: all letters lower case.
    Lower,
    /// `capitalized`: first letter upper case (Title or UPPER).
    Capitalized,
    /// `alpha`: has a letter.
    Alpha,
    /// `digit`: has a digit.
    Digit,
    /// `abbrev`: an abbreviation with its period (Mr., U.S.).
    Abbrev,
    /// `quote_open`: a mark that opens a quotation.
    QuoteOpen,
    /// `quote_close`: a mark that closes a quotation.
    QuoteClose,
    /// `space_before`: white space comes right before the token.
    SpaceBefore,
}

/// One field of a rule's matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmitField {
    /// The field name (`speaker`).
    pub name: String,
    /// Where its value comes from.
    pub value: EmitValue,
}

/// The value of an emitted field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmitValue {
    /// The tokens of a capture (`speaker: s`).
    Capture(CaptureId),
    /// A field of the annotation a capture matched (`content: q.inner`).
    CaptureField {
        /// The capture around an `@Label` element.
        capture: CaptureId,
        /// The field of that annotation.
        field: String,
    },
    /// A constant string, output as an attribute (`kind: "direct"`).
    Constant(String),
}

/// `link FIELD = nearest @Label.field before CAPTURE [within N units] [when PATTERN] [where
/// agree(features) and same(features) and shares(lexicons)] [required]`: fills `field` of a
/// match from the nearest earlier annotation.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// The field it fills (`resolved`).
    pub field: String,
    /// The capture it resolves (`s`); candidates must end before it starts.
    pub anchor: CaptureId,
    /// The label of candidate annotations.
    pub target: LabelId,
    /// The field of the candidate taken as the value; a candidate whose own `resolved`-style
    /// link field is set gives that instead, so chains resolve to the fullest mention.
    pub target_field: String,
    /// How far back to look.
    pub window: Window,
    /// The link applies only when the anchor capture's tokens match this pattern entirely.
    pub when: Option<Pattern>,
    /// Candidates whose value itself matches `when` entirely (another pronoun) are skipped
    /// unless they were resolved.
    pub skip_unresolved: bool,
    /// Features the anchor and the candidate must agree on (equal when both have a value).
    pub agree: Vec<FeatureId>,
    /// `where same(...)`: features on which a candidate must have the anchor's value whenever
    /// the anchor has one (a candidate without a value does not do). Empty by default.
    pub same: Vec<FeatureId>,
    /// One list per `where shares(...)` condition: the candidate's value must contain a
    /// one-word entry of one of the list's lexicons that the anchor also contains (forms of one
    /// lemma count as one entry in an inflections lexicon). Empty by default.
    pub shares: Vec<Vec<LexiconId>>,
    /// `required`: a match whose link applies (the anchor took part and matches `when`) but
    /// finds no candidate is dropped from the results. False by default.
    pub required: bool,
    /// Where the link is written.
    pub origin: Origin,
}

/// How far back a link looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Window {
    /// Up to this many sentences back (0: the same sentence).
    Sentences(u32),
    /// Up to this many paragraphs back (0: the same paragraph).
    Paragraphs(u32),
    /// Anywhere earlier in the document.
    Document,
}

/// An inline example: a text and what the rule must (or must not) produce on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// The text, with escapes resolved.
    pub text: String,
    /// `None` for `=> none`; otherwise fields and the text each must have in some match of the
    /// rule.
    pub expect: Option<Vec<(String, String)>>,
    /// Where the example is written.
    pub origin: Origin,
}
