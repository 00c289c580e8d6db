//! Token tests compiled once per rule set: regexes built, lexicons turned into sets, and every
//! distinct test given an id so that a document can evaluate it once per token for all rules.

use std::collections::HashMap;

use crate::hash::FastSet as HashSet;

use regex_automata::meta::Regex;
use sayso_lang::ir::{self, FlagTest, TokenKindTest, TokenTest};
use sayso_tokenize::{Document, Flags, TokenKind};

use crate::CompileError;

/// Index into [`Predicates::tests`].
pub(crate) type PredId = usize;

/// A compiled lexicon: single-word entries as a set, every entry as a token sequence for
/// phrase matching, and for inflection lexicons the forms of each lemma.
#[derive(Debug, Default)]
pub(crate) struct CompiledLexicon {
    /// Whether entries compare exact text instead of normalised forms.
    pub(crate) case_sensitive: bool,
    /// Entries that are one token, as keys (normalised or exact).
    pub(crate) single: HashSet<String>,
    /// The normalised forms of the single-token entries, for the position index.
    pub(crate) single_norms: Vec<String>,
    /// Every entry as its token keys, longest first, for `Phrase`.
    pub(crate) phrases: Vec<Vec<String>>,
    /// For each first key, the indices into `phrases` of the entries that start with it.
    pub(crate) phrases_by_first: std::collections::HashMap<
        String,
        Vec<usize>,
        std::hash::BuildHasherDefault<crate::hash::FastHasher>,
    >,
    /// Normalised lemma -> normalised forms of that lemma.
    pub(crate) lemma_forms: HashMap<String, HashSet<String>>,
}

impl CompiledLexicon {
    pub(crate) fn new(lexicon: &ir::Lexicon) -> CompiledLexicon {
        let mut compiled = CompiledLexicon {
            case_sensitive: lexicon.case_sensitive,
            ..CompiledLexicon::default()
        };
        let mut seen_phrases: HashSet<Vec<String>> = HashSet::default();
        let mut seen_norms: HashSet<String> = HashSet::default();
        for (index, entry) in lexicon.entries.iter().enumerate() {
            let keys = entry_keys(entry, lexicon.case_sensitive);
            if keys.is_empty() {
                continue;
            }
            if keys.len() == 1 {
                compiled.single.insert(keys[0].clone());
                let norms = entry_keys(entry, false);
                if let [norm] = norms.as_slice()
                    && seen_norms.insert(norm.clone())
                {
                    compiled.single_norms.push(norm.clone());
                }
            }
            if let Some(lemma) = lexicon.lemmas.get(index) {
                let lemma_key = entry_keys(lemma, false).join(" ");
                let form_key = entry_keys(entry, false).join(" ");
                compiled
                    .lemma_forms
                    .entry(lemma_key.clone())
                    .or_default()
                    .insert(form_key);
                // The lemma is a form of itself even when the file lists only inflections.
                compiled
                    .lemma_forms
                    .entry(lemma_key.clone())
                    .or_default()
                    .insert(lemma_key);
            }
            if seen_phrases.insert(keys.clone()) {
                compiled.phrases.push(keys);
            }
        }
        // Longer entries first, so that the longest entry starting at a token is preferred; the
        // sort is stable, so entries of equal length keep their file order.
        compiled
            .phrases
            .sort_by_key(|entry| std::cmp::Reverse(entry.len()));
        for (index, entry) in compiled.phrases.iter().enumerate() {
            if let Some(first) = entry.first() {
                compiled
                    .phrases_by_first
                    .entry(first.clone())
                    .or_default()
                    .push(index);
            }
        }
        compiled
    }

    /// The key a token is looked up by in this lexicon.
    pub(crate) fn key<'d>(&self, doc: &'d Document<'_>, index: usize) -> &'d str {
        if self.case_sensitive {
            doc.token_text(index)
        } else {
            doc.norm(index)
        }
    }
}

/// Tokenizes a lexicon entry as text is tokenized, giving one key per token.
pub(crate) fn entry_keys(entry: &str, case_sensitive: bool) -> Vec<String> {
    // Most entries are one word of ASCII letters, which the tokenizer keeps whole and whose
    // norm is its lower case: the shipped pack compiles thousands of them at every start, and
    // tokenizing each took a sixth of compiling it.
    if !entry.is_empty() && entry.bytes().all(|byte| byte.is_ascii_alphabetic()) {
        return vec![if case_sensitive {
            entry.to_owned()
        } else {
            entry.to_ascii_lowercase()
        }];
    }
    tokenized_keys(entry, case_sensitive)
}

/// [`entry_keys`] the long way, for every entry.
fn tokenized_keys(entry: &str, case_sensitive: bool) -> Vec<String> {
    let doc = sayso_tokenize::tokenize(entry);
    (0..doc.tokens().len())
        .map(|i| {
            if case_sensitive {
                doc.token_text(i).to_string()
            } else {
                doc.norm(i).to_string()
            }
        })
        .collect()
}

/// A part of a compound test: the test, and whether it is negated.
pub(crate) type Part = (PredId, bool);

/// A compiled token test.
#[derive(Debug)]
pub(crate) enum Pred {
    Any,
    Text(String),
    Norm(String),
    Regex(Box<Regex>),
    Shape(String),
    Kind(TokenKind),
    Flag(FlagTest),
    InLexicon(usize),
    Lemma {
        lexicon: usize,
        lemma: String,
    },
    /// Parts that must all pass, each with whether it is negated.
    And(Vec<Part>),
    /// Parts of which one must pass, each with whether it is negated.
    Or(Vec<Part>),
    Not(PredId),
}

/// Every distinct token test of a rule set, each compiled once.
#[derive(Debug, Default)]
pub(crate) struct Predicates {
    pub(crate) tests: Vec<Pred>,
    /// The IR test each predicate came from, for `explain`.
    pub(crate) sources: Vec<TokenTest>,
    by_key: crate::hash::FastMap<TokenTest, PredId>,
    /// The single-word lexicon tests, each with its lexicon. The type memo decides them for a
    /// new token type at once, from one lookup of the type in [`Membership`]: asked one by one
    /// as the rules need them, each took a lookup of its own.
    pub(crate) lexicon_tests: Vec<(PredId, u32)>,
    /// The literal tests by the exact text they ask for, and by the normalised form: a new
    /// token type decides each kind at once, from one lookup of its text or form, instead of
    /// comparing strings test by test as the rules ask them.
    pub(crate) text_tests: crate::hash::FastMap<String, PredId>,
    pub(crate) norm_tests: crate::hash::FastMap<String, PredId>,
    /// The tests of a token's kind and of its flags, which a new type decides at once too.
    pub(crate) kind_tests: Vec<(TokenKind, PredId)>,
    pub(crate) flag_tests: Vec<(FlagTest, PredId)>,
}

impl Predicates {
    /// Interns `test` (and its parts), returning its id.
    pub(crate) fn intern(&mut self, test: &TokenTest) -> Result<PredId, CompileError> {
        if let Some(&id) = self.by_key.get(test) {
            return Ok(id);
        }
        let pred = match test {
            TokenTest::Any => Pred::Any,
            TokenTest::Text(text) => Pred::Text(text.clone()),
            TokenTest::Norm(norm) => Pred::Norm(norm.clone()),
            TokenTest::Regex {
                source,
                case_insensitive,
            } => {
                let anchored = format!("^(?:{source})$");
                let regex = Regex::builder()
                    .syntax(
                        regex_automata::util::syntax::Config::new()
                            .case_insensitive(*case_insensitive),
                    )
                    .build(&anchored)
                    .map_err(|error| CompileError::Regex {
                        source_text: source.clone(),
                        message: error.to_string(),
                    })?;
                Pred::Regex(Box::new(regex))
            }
            TokenTest::Shape(shape) => Pred::Shape(shape.clone()),
            TokenTest::Kind(kind) => Pred::Kind(match kind {
                TokenKindTest::Word => TokenKind::Word,
                TokenKindTest::Number => TokenKind::Number,
                TokenKindTest::Punct => TokenKind::Punct,
                TokenKindTest::QuoteMark => TokenKind::QuoteMark,
                TokenKindTest::Symbol => TokenKind::Symbol,
                TokenKindTest::Url => TokenKind::Url,
                TokenKindTest::Email => TokenKind::Email,
            }),
            TokenTest::Flag(flag) => Pred::Flag(*flag),
            TokenTest::InLexicon(lexicon) => Pred::InLexicon(lexicon.0 as usize),
            TokenTest::Lemma { lexicon, lemma } => Pred::Lemma {
                lexicon: lexicon.0 as usize,
                lemma: entry_keys(lemma, false).join(" "),
            },
            TokenTest::And(parts) => Pred::And(self.intern_parts(parts)?),
            TokenTest::Or(parts) => Pred::Or(self.intern_parts(parts)?),
            TokenTest::Not(inner) => Pred::Not(self.intern(inner)?),
        };
        let id = self.tests.len();
        match &pred {
            Pred::InLexicon(lexicon) => self.lexicon_tests.push((id, *lexicon as u32)),
            Pred::Text(text) => {
                self.text_tests.insert(text.clone(), id);
            }
            Pred::Norm(norm) => {
                self.norm_tests.insert(norm.clone(), id);
            }
            Pred::Kind(kind) => self.kind_tests.push((*kind, id)),
            Pred::Flag(flag) => self.flag_tests.push((*flag, id)),
            _ => {}
        }
        self.tests.push(pred);
        self.sources.push(test.clone());
        self.by_key.insert(test.clone(), id);
        Ok(id)
    }

    /// Interns the parts of a compound test. A negated part is its inner test with a flag,
    /// not a test of its own: `[capitalized & !NOT_NAME & !PRONOUN & !SAY]` then decides three
    /// lexicon tests, which a new token type has decided already, instead of three more tests.
    fn intern_parts(&mut self, tests: &[TokenTest]) -> Result<Vec<Part>, CompileError> {
        tests
            .iter()
            .map(|test| match test {
                TokenTest::Not(inner) => Ok((self.intern(inner)?, true)),
                test => Ok((self.intern(test)?, false)),
            })
            .collect()
    }

    /// Whether token `index` of `doc` passes predicate `id`.
    pub(crate) fn eval(
        &self,
        id: PredId,
        doc: &Document<'_>,
        index: usize,
        lexicons: &[CompiledLexicon],
    ) -> bool {
        let Some(pred) = self.tests.get(id) else {
            return false;
        };
        let Some(token) = doc.tokens().get(index) else {
            return false;
        };
        match pred {
            Pred::Any => true,
            Pred::Text(text) => doc.token_text(index) == text,
            Pred::Norm(norm) => doc.norm(index) == norm,
            Pred::Regex(regex) => regex.is_match(doc.token_text(index)),
            Pred::Shape(shape) => doc.shape(index) == shape,
            Pred::Kind(kind) => token.kind == *kind,
            Pred::Flag(flag) => flag_holds(*flag, token.flags, doc.token_text(index)),
            Pred::InLexicon(lexicon) => lexicons
                .get(*lexicon)
                .is_some_and(|lex| lex.single.contains(lex.key(doc, index))),
            Pred::Lemma { lexicon, lemma } => lexicons
                .get(*lexicon)
                .and_then(|lex| lex.lemma_forms.get(lemma))
                .is_some_and(|forms| forms.contains(doc.norm(index))),
            Pred::And(parts) => parts
                .iter()
                .all(|&(p, negated)| self.eval(p, doc, index, lexicons) != negated),
            Pred::Or(parts) => parts
                .iter()
                .any(|&(p, negated)| self.eval(p, doc, index, lexicons) != negated),
            Pred::Not(inner) => !self.eval(*inner, doc, index, lexicons),
        }
    }
}

/// Whether a token with `flags` and `text` has the property `flag`.
///
/// `capitalized` is decided on the text: the first character is an upper-case letter. That covers
/// Title case, UPPER case and mixed forms such as `McDonald`, and excludes `iPhone` and `3M`.
pub(crate) fn flag_holds(flag: FlagTest, flags: Flags, text: &str) -> bool {
    match flag {
        FlagTest::Title => flags.contains(Flags::TITLE),
        FlagTest::Upper => flags.contains(Flags::UPPER),
        FlagTest::Lower => flags.contains(Flags::LOWER),
        FlagTest::Capitalized => text.chars().next().is_some_and(char::is_uppercase),
        FlagTest::Alpha => flags.contains(Flags::ALPHA),
        FlagTest::Digit => flags.contains(Flags::DIGIT),
        FlagTest::Abbrev => flags.contains(Flags::ABBREV),
        FlagTest::QuoteOpen => flags.contains(Flags::QUOTE_OPEN),
        FlagTest::QuoteClose => flags.contains(Flags::QUOTE_CLOSE),
        FlagTest::SpaceBefore => flags.contains(Flags::SPACE_BEFORE),
    }
}

/// For every single-word lexicon entry, the lexicons that hold it: one lookup per token then
/// answers membership in every lexicon at once.
#[derive(Debug, Default)]
pub(crate) struct Membership {
    /// Normalised entry -> ids of the case-insensitive lexicons that hold it, ascending.
    by_norm: HashMap<String, Vec<u32>, std::hash::BuildHasherDefault<crate::hash::FastHasher>>,
    /// Exact entry -> ids of the case-sensitive lexicons that hold it, ascending.
    by_text: HashMap<String, Vec<u32>, std::hash::BuildHasherDefault<crate::hash::FastHasher>>,
}

impl Membership {
    pub(crate) fn new(lexicons: &[CompiledLexicon]) -> Membership {
        let mut membership = Membership::default();
        for (id, lexicon) in lexicons.iter().enumerate() {
            let map = if lexicon.case_sensitive {
                &mut membership.by_text
            } else {
                &mut membership.by_norm
            };
            for entry in &lexicon.single {
                map.entry(entry.clone()).or_default().push(id as u32);
            }
        }
        membership
    }

    /// The lexicons that hold a token with this normalised form and text.
    pub(crate) fn of(&self, norm: &str, text: &str) -> Members<'_> {
        Members {
            by_norm: self.by_norm.get(norm).map_or(&[], Vec::as_slice),
            by_text: self.by_text.get(text).map_or(&[], Vec::as_slice),
        }
    }
}

/// The lexicons that hold one token, as [`Membership::of`] finds them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Members<'m> {
    by_norm: &'m [u32],
    by_text: &'m [u32],
}

impl Members<'_> {
    /// Every lexicon that holds the token (a lexicon is either case-sensitive or not, so none
    /// comes twice).
    pub(crate) fn iter(self) -> impl Iterator<Item = u32> {
        self.by_norm.iter().chain(self.by_text).copied()
    }

    /// Whether `lexicon` holds the token.
    pub(crate) fn include(self, lexicon: u32) -> bool {
        self.by_norm.binary_search(&lexicon).is_ok() || self.by_text.binary_search(&lexicon).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_words_key_as_the_tokenizer_keys_them() {
        let words = [
            "I", "a", "A", "Mr", "Dr", "eg", "USA", "iPhone", "McDonald", "cannot", "gonna",
            "wanna", "dont", "Ms", "St", "vs", "etc", "x", "OK", "uk",
        ];
        for word in words {
            for case_sensitive in [false, true] {
                assert_eq!(
                    entry_keys(word, case_sensitive),
                    tokenized_keys(word, case_sensitive),
                    "{word:?}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn ascii_words_key_as_the_tokenizer_keys_them(
            word in "[A-Za-z]{1,40}",
            case_sensitive: bool,
        ) {
            prop_assert_eq!(
                entry_keys(&word, case_sensitive),
                tokenized_keys(&word, case_sensitive)
            );
        }
    }
}
