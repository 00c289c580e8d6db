//! Lowering token tests: flags, kinds, lexicons, lemmas and regexes, each name resolved.

use super::*;

impl Checker<'_> {
    pub(super) fn lower_test(&mut self, file: FileId, test: &ast::Test, muted: bool) -> TokenTest {
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
    pub(super) fn check_one_token(&mut self, file: FileId, text: &ast::StrLit, muted: bool) {
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

    pub(super) fn check_regex(
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

    pub(super) fn lower_lemma(
        &mut self,
        file: FileId,
        text: &ast::StrLit,
        muted: bool,
    ) -> TokenTest {
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

    pub(super) fn lower_test_name(&mut self, file: FileId, name: &Ident, muted: bool) -> TokenTest {
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
}
