//! The engine's work must grow linearly with the document on hostile input. Each case runs one
//! rule over texts of n, 2n and 4n units and checks, on the engine's own step counts (never on
//! wall time), that doubling the input at most about doubles the steps and that the steps per
//! token stay bounded. Every text ends with the token the rule needs, so the prefilter (which
//! skips segments without it) cannot hide the work; both simulations are measured.

use sayso_engine::{EngineConfig, RuleSet, Simulation};
use sayso_lang::ir::{Anchor, BuiltinLabel, Pattern, Program, Scope};

use super::programs::*;

/// The base size in repetitions of the text's unit; each case runs n, 2n and 4n.
const BASE: usize = 2_000;

/// The engine's steps and the token count of one text.
fn steps(set: &RuleSet, text: &str) -> (u64, usize) {
    let doc = sayso_tokenize::tokenize(text);
    let (_, stats) = set.run_with_stats(&doc);
    (stats.total_steps(), doc.tokens().len())
}

/// Asserts linear growth of the steps of `program` over the texts `make(n)`, `make(2n)` and
/// `make(4n)` in both simulations, with at most `per_token` steps per token.
fn assert_linear_with(
    name: &str,
    program: Program,
    make: impl Fn(usize) -> String,
    per_token: u64,
) {
    assert_linear_in(
        name,
        program,
        make,
        per_token,
        &[Simulation::Optimized, Simulation::Plain],
    );
}

/// [`assert_linear_with`] in the given simulations only.
fn assert_linear_in(
    name: &str,
    program: Program,
    make: impl Fn(usize) -> String,
    per_token: u64,
    simulations: &[Simulation],
) {
    let texts: Vec<String> = [BASE, 2 * BASE, 4 * BASE].map(&make).to_vec();
    for &simulation in simulations {
        let config = EngineConfig {
            simulation,
            ..EngineConfig::default()
        };
        let set = RuleSet::with_config(program.clone(), config).expect("the program compiles");
        let runs: Vec<(u64, usize)> = texts.iter().map(|text| steps(&set, text)).collect();
        assert_growth(&format!("{name} ({simulation:?})"), &runs, per_token);
    }
}

/// Asserts, for (steps, tokens) runs of growing inputs, that each step from one run to the
/// next grows the steps at most by the token ratio plus 10%, and that no run takes more than
/// `per_token` steps per token.
fn assert_growth(name: &str, runs: &[(u64, usize)], per_token: u64) {
    for pair in runs.windows(2) {
        let ((small, small_tokens), (large, large_tokens)) = (pair[0], pair[1]);
        assert!(
            small > 0,
            "{name}: the engine did no work, so the test measures nothing"
        );
        let ratio = large as f64 / small as f64;
        let token_ratio = large_tokens as f64 / small_tokens as f64;
        assert!(
            ratio <= token_ratio * 1.1,
            "{name}: {small_tokens} tokens took {small} steps but {large_tokens} took \
             {large} ({ratio:.2}x for {token_ratio:.2}x the tokens)"
        );
    }
    for (steps, tokens) in runs {
        assert!(
            *steps <= per_token * *tokens as u64,
            "{name}: {steps} steps for {tokens} tokens, more than {per_token} per token"
        );
    }
}

/// [`assert_linear_with`] over `unit` repeated, then `tail`.
fn assert_linear(name: &str, program: Program, unit: &str, tail: &str, per_token: u64) {
    assert_linear_with(name, program, |n| unit.repeat(n) + tail, per_token);
}

#[test]
fn many_quotation_marks() {
    // An unbalanced flood of straight and curly marks: the tokenizer pairs some, and a rule that
    // consumes quotations and skips lazily to a speech verb must not rescan them.
    let program = one_rule(
        seq(vec![
            Pattern::Annotation(BuiltinLabel::Quote.id()),
            lazy_star(any()),
            token(SAY),
        ]),
        Scope::Document,
    );
    assert_linear("quotation marks", program, "\" “ ' ” ‘ ", "said", 60);
}

#[test]
fn many_commas() {
    let program = one_rule(
        seq(vec![star(any()), norm(","), token(SAY)]),
        Scope::Document,
    );
    assert_linear("commas", program, ", ", "said", 60);
}

#[test]
fn one_long_line_without_sentence_punctuation() {
    // A capitalised word, anything, then a speech verb that never comes.
    let program = one_rule(
        seq(vec![title(), lazy_star(any()), token(SAY)]),
        Scope::Sentence,
    );
    assert_linear(
        "one long line",
        program,
        "Smith and the others ",
        "said",
        60,
    );
}

#[test]
fn quotes_nested_deeply() {
    // Double, single and angle marks nested ever deeper, closed after the speaker. (Marks of
    // one style do not nest in the tokenizer's model, so this stresses the pairing, not deep
    // annotations.) The innermost quotation, the one the tokenizer pairs, is attributed: with
    // no quotation ending right before the speaker, the index would skip the rule altogether.
    let program = one_rule(
        seq(vec![
            capture(0, Pattern::Annotation(BuiltinLabel::Quote.id())),
            capture(1, title()),
            token(SAY),
        ]),
        Scope::Paragraph,
    );
    let nested = |depth: usize| {
        "“‘«".repeat(depth) + "win»’” Smith said." + &"»’”".repeat(depth.saturating_sub(1))
    };
    assert_linear_with("nested quotes", program, nested, 60);
}

#[test]
fn many_sentences_without_punctuation() {
    let program = one_rule(
        seq(vec![
            Pattern::Anchor(Anchor::SentenceStart),
            capture(0, plus(title())),
            lazy_star(any()),
            token(SAY),
        ]),
        Scope::Paragraph,
    );
    assert_linear(
        "sentences without punctuation",
        program,
        "Smith went home\n",
        "Smith said",
        60,
    );
}

#[test]
fn nested_star_of_any() {
    // ([]*)* over everything: the classic catastrophic pattern of backtracking engines.
    let program = one_rule(seq(vec![star(star(any())), norm("never")]), Scope::Document);
    assert_linear("([]*)*", program, "word ", "never", 60);
}

#[test]
fn nested_plus_of_titles_before_a_verb() {
    // ([title]+)+ [SAY] over capitalised words up to a verb: one match as long as the
    // document, taken through nested repetitions. (With no title right before the verb, or
    // an anchor after it that fails, the index and the anchor checks skip the rule, and the
    // test would measure nothing.)
    let program = one_rule(seq(vec![plus(plus(title())), token(SAY)]), Scope::Document);
    assert_linear("([title]+)+ [SAY]", program, "Smith Jones ", "said", 60);
}

/// `[title] ([]* [SAY])?` within the document.
fn optional_tail() -> Program {
    one_rule(
        seq(vec![
            title(),
            repeat(seq(vec![star(any()), token(SAY)]), 0, Some(1), true),
        ]),
        Scope::Document,
    )
}

#[test]
fn optional_tail_that_completes_at_the_end() {
    // The first capitalised word's greedy optional tail runs to the verb at the very end: one
    // long match, found in one pass.
    let program = optional_tail();
    assert_linear("[title] ([]* [SAY])?", program, "Smith ", "said", 60);
}

#[test]
fn optional_tail_that_never_completes() {
    // With no verb anywhere, every capitalised word matches alone. Before each of those matches
    // is final, the preferred tail `[]* [SAY]` could run on to the end of the scope, and the
    // next search starts again after the match: about 2n² steps in a simulation that keeps
    // such threads (4.0x the steps for 2x the tokens). The liveness pass drops them where no
    // verb follows, so the optimized simulation stays linear; the plain one, kept as the
    // reference, does not prune and is left out.
    let program = optional_tail();
    assert_linear_in(
        "[title] ([]* [SAY])? without a verb",
        program,
        |n| "Smith ".repeat(n),
        60,
        &[Simulation::Optimized],
    );
}

/// `first ([]* [SAY] "!")?` within the document, over `unit` repeated and a verb at the end:
/// every search from a start runs its preferred tail to the end of the document before the
/// start matches alone, so searching on without a pass would take quadratic time, and the
/// step budget must hand the stretch to the pass in time.
fn assert_sparse_starts_linear(name: &str, first: Pattern, unit: &str) {
    let program = one_rule(
        seq(vec![
            first,
            repeat(
                seq(vec![star(any()), token(SAY), norm("!")]),
                0,
                Some(1),
                true,
            ),
        ]),
        Scope::Document,
    );
    assert_linear_in(
        name,
        program,
        |n| unit.repeat(n) + "said",
        60,
        &[Simulation::Optimized],
    );
}

#[test]
fn sparse_quotations_with_a_tail_that_never_completes() {
    // A rule that begins at a quotation searches a stretch with few quotations without a
    // liveness pass.
    assert_sparse_starts_linear(
        "@Quote ([]* [SAY] \"!\")? with sparse quotations",
        Pattern::Annotation(BuiltinLabel::Quote.id()),
        "“q” a a a a a a a a a a ",
    );
}

#[test]
fn sparse_keyed_starts_with_a_tail_that_never_completes() {
    // So does one whose first step reads a token under an index key: its starts are the
    // key's positions.
    assert_sparse_starts_linear(
        "\"q\" ([]* [SAY] \"!\")? with sparse starts",
        norm("q"),
        "q a a a a a a a a a a ",
    );
}

#[test]
fn alternation_inside_counted_repetition() {
    let program = one_rule(
        seq(vec![
            repeat(
                alt(vec![title(), any(), seq(vec![any(), any()])]),
                0,
                Some(8),
                true,
            ),
            norm("never"),
        ]),
        Scope::Document,
    );
    assert_linear(
        "([title] | [] | [] []){0,8}",
        program,
        "Smith said , ",
        "never",
        1_000,
    );
}

/// The shipped pack's steps over `make(n)`, `make(2n)` and `make(4n)` grow linearly.
fn assert_pack_linear(name: &str, make: impl Fn(usize) -> String, base: usize, per_token: u64) {
    let set = super::targets::pack().expect("the shipped pack compiles");
    let runs: Vec<(u64, usize)> = [base, 2 * base, 4 * base]
        .iter()
        .map(|&n| steps(set, &make(n)))
        .collect();
    assert_growth(name, &runs, per_token);
}

#[test]
fn the_pack_on_one_sentence_full_of_speech_verbs() {
    // One endless sentence in which every rule of the pack finds a start over and over.
    let unit = "Smith said the official told Jones that “we will win” and ";
    assert_pack_linear("pack, verbs", |n| unit.repeat(n), 60, 400);
}

#[test]
fn the_pack_on_commas_quotes_and_verbs() {
    let unit = "Smith said, she said, “Yes,” he told, ";
    assert_pack_linear("pack, commas", |n| unit.repeat(n), 80, 400);
}

#[test]
fn the_pack_on_quotation_marks_and_a_verb() {
    assert_pack_linear(
        "pack, marks",
        |n| "\" “ ' ” ‘ ".repeat(n) + " she said",
        400,
        400,
    );
}
