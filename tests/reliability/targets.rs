//! The bodies of the fuzz targets. The cargo-fuzz binaries in `fuzz/` include this file by path,
//! and the regression test replays every saved finding through the same functions, so a fixed
//! finding stays fixed. Each function panics when an invariant breaks.

use std::path::Path;
use std::sync::OnceLock;

use sayso_engine::{EngineConfig, RuleSet, Simulation};
use sayso_lang::MemoryLoader;

use super::generate::{self, Choices};
use super::invariants::{check_document, check_matches};

/// The shipped attribution pack, as the binary embeds it.
const PACK: &[(&str, &str)] = &[
    (
        "rules/attribution.sayso",
        include_str!("../../rules/attribution.sayso"),
    ),
    (
        "rules/lexicons/attitude-verbs.txt",
        include_str!("../../rules/lexicons/attitude-verbs.txt"),
    ),
    (
        "rules/lexicons/cognition-verbs.txt",
        include_str!("../../rules/lexicons/cognition-verbs.txt"),
    ),
    (
        "rules/lexicons/evidence-verbs.txt",
        include_str!("../../rules/lexicons/evidence-verbs.txt"),
    ),
    (
        "rules/lexicons/female-names.txt",
        include_str!("../../rules/lexicons/female-names.txt"),
    ),
    (
        "rules/lexicons/feminine-words.txt",
        include_str!("../../rules/lexicons/feminine-words.txt"),
    ),
    (
        "rules/lexicons/inflections.txt",
        include_str!("../../rules/lexicons/inflections.txt"),
    ),
    (
        "rules/lexicons/male-names.txt",
        include_str!("../../rules/lexicons/male-names.txt"),
    ),
    (
        "rules/lexicons/masculine-words.txt",
        include_str!("../../rules/lexicons/masculine-words.txt"),
    ),
    (
        "rules/lexicons/not-names.txt",
        include_str!("../../rules/lexicons/not-names.txt"),
    ),
    (
        "rules/lexicons/plural-words.txt",
        include_str!("../../rules/lexicons/plural-words.txt"),
    ),
    (
        "rules/lexicons/pronouns.txt",
        include_str!("../../rules/lexicons/pronouns.txt"),
    ),
    (
        "rules/lexicons/roles.txt",
        include_str!("../../rules/lexicons/roles.txt"),
    ),
    (
        "rules/lexicons/singular-words.txt",
        include_str!("../../rules/lexicons/singular-words.txt"),
    ),
    (
        "rules/lexicons/source-nouns.txt",
        include_str!("../../rules/lexicons/source-nouns.txt"),
    ),
    (
        "rules/lexicons/source-qualifiers.txt",
        include_str!("../../rules/lexicons/source-qualifiers.txt"),
    ),
    (
        "rules/lexicons/speech-verbs.txt",
        include_str!("../../rules/lexicons/speech-verbs.txt"),
    ),
    (
        "rules/lexicons/titles.txt",
        include_str!("../../rules/lexicons/titles.txt"),
    ),
];

/// The compiled shipped pack, or `None` while the rule language cannot compile anything yet
/// (it then answers with no diagnostic at all). A pack that fails with diagnostics is a bug.
pub fn pack() -> Option<&'static RuleSet> {
    static PACK_RULES: OnceLock<Option<RuleSet>> = OnceLock::new();
    PACK_RULES
        .get_or_init(|| {
            let loader = PACK
                .iter()
                .fold(MemoryLoader::new(), |loader, (name, text)| {
                    loader.with(*name, *text)
                });
            match sayso_lang::compile(&[Path::new(PACK[0].0)], &loader) {
                Ok(program) => Some(RuleSet::new(program).expect("the shipped pack compiles")),
                Err(diagnostics) if diagnostics.items.is_empty() => None,
                Err(diagnostics) => panic!("the shipped pack has errors:\n{diagnostics}"),
            }
        })
        .as_ref()
}

/// Arbitrary bytes as lossy UTF-8 through the tokenizer.
pub fn tokenize(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let doc = sayso_tokenize::tokenize(&text);
    if let Err(problem) = check_document(&doc) {
        panic!("tokenizer invariant broken: {problem}\ntext: {text:?}");
    }
}

/// Arbitrary rule text through the checker: a program or diagnostics that point into the
/// loaded files, never a panic. A program must also compile and run.
pub fn rules(data: &[u8]) {
    let source = String::from_utf8_lossy(data);
    match sayso_lang::compile_str("fuzz.sayso", &source) {
        Ok(program) => {
            if let Ok(set) = RuleSet::new(program) {
                let doc = sayso_tokenize::tokenize(SAMPLE);
                let matches = set.run(&doc);
                if let Err(problem) = check_matches(&set, &doc, &matches) {
                    panic!("match invariant broken: {problem}\nrules: {source:?}");
                }
            }
        }
        Err(diagnostics) => {
            let _ = diagnostics.to_string();
            for diagnostic in &diagnostics.items {
                for label in std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary) {
                    let files = diagnostics.sources.files();
                    let Some(file) = files.get(label.file.0 as usize) else {
                        panic!(
                            "diagnostic {} names a file that was not loaded",
                            diagnostic.code
                        );
                    };
                    let span = &label.span;
                    assert!(
                        span.start <= span.end
                            && file.text.is_char_boundary(span.start)
                            && file.text.is_char_boundary(span.end),
                        "diagnostic {} points at {span:?}, outside {} of {} bytes",
                        diagnostic.code,
                        file.name,
                        file.text.len()
                    );
                }
            }
        }
    }
}

/// A text the rule fuzzer runs compiled programs over.
const SAMPLE: &str = "“We will win,” Smith said. She told Reuters the official said so.\n\n\
According to the official, “it ‘works’ now.” He said: «Non».";

/// Arbitrary text through the shipped pack.
pub fn engine_pack(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let doc = sayso_tokenize::tokenize(&text);
    if let Err(problem) = check_document(&doc) {
        panic!("tokenizer invariant broken: {problem}\ntext: {text:?}");
    }
    if let Some(set) = pack() {
        let matches = set.run(&doc);
        if let Err(problem) = check_matches(set, &doc, &matches) {
            panic!("match invariant broken: {problem}\ntext: {text:?}");
        }
    }
}

/// A generated rule set over a generated text: the optimized and the plain simulation agree,
/// a second run gives the same result, and every match keeps the invariants. The same rules
/// as text go through the checker, which must not panic on them.
pub fn engine_generated(data: &[u8]) {
    let mut choices = Choices::new(data);
    let generated = generate::rules(&mut choices);
    let text = generate::text(&mut choices);
    let doc = sayso_tokenize::tokenize(&text);
    let compile = |simulation| {
        RuleSet::with_config(
            generated.program.clone(),
            EngineConfig {
                simulation,
                ..EngineConfig::default()
            },
        )
        .unwrap_or_else(|error| panic!("a valid program fails to compile: {error}"))
    };
    let optimized = compile(Simulation::Optimized);
    let plain = compile(Simulation::Plain);
    let matches = optimized.run(&doc);
    let context = || format!("rules:\n{}\ntext: {text:?}", generated.source);
    if let Err(problem) = check_matches(&optimized, &doc, &matches) {
        panic!("match invariant broken: {problem}\n{}", context());
    }
    assert_eq!(
        matches,
        plain.run(&doc),
        "optimized and plain differ\n{}",
        context()
    );
    assert_eq!(
        matches,
        optimized.run(&doc),
        "a second run differs\n{}",
        context()
    );
    // When the checker accepts the rendered text (it rejects, for instance, patterns that can
    // match nothing), its program must give the same matches as the generated IR.
    if let Ok(program) = sayso_lang::compile_str("generated.sayso", &generated.source) {
        let set = RuleSet::new(program)
            .unwrap_or_else(|error| panic!("a checked program fails to compile: {error}"));
        let from_text = set.run(&doc);
        if let Err(problem) = check_matches(&set, &doc, &from_text) {
            panic!(
                "match invariant broken (rules from text): {problem}\n{}",
                context()
            );
        }
        assert_eq!(
            summary(&set, &text, &from_text),
            summary(&optimized, &text, &matches),
            "the rules as text and as generated IR differ\n{}",
            context()
        );
    }
}

/// A match as (rule name, text, fields, attributes).
type Summary = (String, String, Vec<(String, String)>, Vec<(String, String)>);

/// Matches comparable across programs whose rule and label numbering may differ.
fn summary(set: &RuleSet, text: &str, matches: &[sayso_engine::Match]) -> Vec<Summary> {
    matches
        .iter()
        .map(|m| {
            let rule = set.program().rules[m.rule.0 as usize].name.clone();
            let fields = m
                .fields
                .iter()
                .map(|f| (f.name.to_string(), f.span.text(text).to_string()))
                .collect();
            let attrs = m
                .attrs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect();
            (rule, m.span.text(text).to_string(), fields, attrs)
        })
        .collect()
}
