//! The stable codes of every diagnostic, so that users, tests and documentation can refer to a
//! problem by a name that does not change when its wording does. docs/language.md lists them
//! with an example each.

/// A syntax error.
pub const SYNTAX: &str = "E0001";
/// A name in a pattern that is neither a pattern nor a lexicon.
pub const UNKNOWN_NAME: &str = "E0002";
/// A name in a token test that is neither a flag, a kind nor a lexicon.
pub const UNKNOWN_TEST: &str = "E0003";
/// `@Label` with no built-in label and no rule emitting it.
pub const UNKNOWN_LABEL: &str = "E0004";
/// A capture used in `emit` or `link` but never bound in `match`.
pub const UNKNOWN_CAPTURE: &str = "E0005";
/// `agree(...)` names no declared feature.
pub const UNKNOWN_FEATURE: &str = "E0006";
/// `q.field` or `@Label.field` names a field the label does not have.
pub const UNKNOWN_FIELD: &str = "E0007";
/// A lexicon or import file that cannot be read.
pub const MISSING_FILE: &str = "E0008";
/// A file that is not UTF-8 text.
pub const NOT_TEXT: &str = "E0009";
/// Files that import each other.
pub const IMPORT_CYCLE: &str = "E0010";
/// A capture bound twice on one path through a pattern.
pub const CAPTURE_TWICE: &str = "E0011";
/// Rules that depend on each other's labels in a cycle.
pub const RULE_CYCLE: &str = "E0012";
/// A rule pattern that can match zero tokens.
pub const EMPTY_MATCH: &str = "E0013";
/// Two declarations with the same name.
pub const DUPLICATE_NAME: &str = "E0014";
/// A regex that does not compile.
pub const BAD_REGEX: &str = "E0015";
/// Repetition bounds such as `{3,1}` or `{}`.
pub const BAD_BOUNDS: &str = "E0016";
/// An unknown option value such as `within sentense`.
pub const UNKNOWN_OPTION: &str = "E0017";
/// An example that expects a field the rule never produces.
pub const EXAMPLE_FIELD: &str = "E0018";
/// `lemma:"x"` where no inflections lexicon has the lemma.
pub const UNKNOWN_LEMMA: &str = "E0019";
/// A number out of its allowed range (priority, bounds, windows).
pub const OUT_OF_RANGE: &str = "E0020";
/// A limit of `CompileOptions` was exceeded.
pub const LIMIT: &str = "E0021";
/// Named patterns that refer to themselves.
pub const PATTERN_CYCLE: &str = "E0022";
/// `q.field` where `q` does not capture an annotation.
pub const NOT_AN_ANNOTATION: &str = "E0023";
/// The same field emitted twice by one rule.
pub const DUPLICATE_FIELD: &str = "E0024";
/// An unknown escape in a string.
pub const BAD_ESCAPE: &str = "E0025";
/// A rule without `match`, or with two.
pub const MATCH_COUNT: &str = "E0026";
/// A capture inside a lookaround.
pub const CAPTURE_IN_LOOK: &str = "E0027";
/// A rule option given twice (`priority 1 priority 2`).
pub const DUPLICATE_OPTION: &str = "E0028";
/// A token test that no token can pass (a string with white space inside brackets).
pub const IMPOSSIBLE_TEST: &str = "E0029";
/// A name used as the wrong kind of thing (a feature as a lexicon, a rule as a pattern).
pub const WRONG_KIND: &str = "E0030";

/// A lexicon declared but never used.
pub const UNUSED_LEXICON: &str = "W0001";
/// A pattern declared but never used.
pub const UNUSED_PATTERN: &str = "W0002";
/// A capture bound but used by no `emit` or `link`.
pub const UNUSED_CAPTURE: &str = "W0003";
/// A lexicon with no entries.
pub const EMPTY_LEXICON: &str = "W0004";
/// A one-token test on a lexicon whose entries all have several words.
pub const MULTIWORD_IN_TEST: &str = "W0005";
/// A feature declared but used by no link.
pub const UNUSED_FEATURE: &str = "W0006";
/// A rule without examples.
pub const NO_EXAMPLES: &str = "W0007";
/// A feature or lexicon listed twice in the conditions of one link.
pub const REPEATED_CONDITION: &str = "W0008";
/// A label made by one rule, matched by none, and spelt almost like another label.
pub const LONE_LABEL: &str = "W0007";
