//! Compilation limits: counted repetition is expanded, so a rule whose expansion would exceed
//! the configured size is refused with an error instead of exhausting memory.

use sayso_engine::{CompileError, EngineConfig, RuleSet};

use super::ir_text;

fn compile(source: &str, max_instructions: usize) -> Result<RuleSet, CompileError> {
    let program = ir_text::program(source).expect("the program parses");
    RuleSet::with_config(
        program,
        EngineConfig {
            max_instructions,
            ..EngineConfig::default()
        },
    )
}

#[test]
fn nested_counted_repetition_beyond_the_limit_is_an_error() {
    let error = compile(
        r#"(rule big Hit (rep 1 1000 (rep 1 1000 (alt "a" "b"))))"#,
        100_000,
    )
    .expect_err("a million-fold expansion is refused");
    assert!(matches!(error, CompileError::Limit(_)), "{error}");
    assert!(error.to_string().contains("100000"), "{error}");
}

#[test]
fn a_smaller_expansion_compiles_and_runs() {
    let rules = compile(r#"(rule small Hit (rep 1 50 (rep 1 20 "a")))"#, 100_000)
        .expect("a thousand-fold expansion fits");
    let doc = sayso_tokenize::tokenize("a a a b");
    assert_eq!(rules.run(&doc).len(), 1);
}

#[test]
fn an_invalid_regex_is_an_error_not_a_panic() {
    let error = compile(r#"(rule bad Hit (tok (re "a(")))"#, 100_000)
        .expect_err("the regex does not compile");
    assert!(matches!(error, CompileError::Regex { .. }), "{error}");
}
