//! Linearity: the VM step counts that `run_with_stats` reports grow in proportion to the text,
//! for patterns that make a backtracking engine blow up, with lookarounds, annotations and
//! lazy quantifiers.

use sayso_engine::{EngineConfig, RuleSet, Simulation};

use super::ir_text;

/// Rules that are hard for backtracking engines, each run over a repeated text.
const CASES: &[(&str, &str)] = &[
    (
        r#"(rule nested Hit (seq (rep 0 _ (alt "a" "a")) (rep 0 _ (rep 1 _ "a")) "b"))"#,
        "a a a a a a a a a a a a a a a a a a a a a a a a c\n\n",
    ),
    (
        r#"(rule lazy Hit :scope sentence (seq (cap x (lazy 0 _ any)) (ahead (anchor /s))))"#,
        "Smith said the deal was dead and buried for now. ",
    ),
    (
        r#"(rule look Hit (seq (behind (seq (anchor p) (rep 0 3 any))) (cap x (tok (flag title))) (not-ahead "said")))"#,
        "Smith said Jones agreed. Brown and Green left.\n\n",
    ),
    (
        r#"(rule quote Hit (seq (cap q (@ Quote)) (rep 0 _ (tok (not (kind punct)))) "said") (emit content q.inner))"#,
        "“We will win, we will,” the senior official said today.\n\n",
    ),
    (
        r#"(rule counted Hit (seq (rep 2 12 (alt "a" (seq "a" "a"))) "b"))"#,
        "a a a a a a a a a a a a a a a a a a a a a a a b a a a a a\n\n",
    ),
];

fn steps(program: &sayso_lang::ir::Program, text: &str) -> u64 {
    // The plain simulation, so the prefilter cannot skip the work being measured.
    let config = EngineConfig {
        simulation: Simulation::Plain,
        ..EngineConfig::default()
    };
    let rules = RuleSet::with_config(program.clone(), config).expect("compiles");
    let doc = sayso_tokenize::tokenize(text);
    let (_, stats) = rules.run_with_stats(&doc);
    stats.total_steps()
}

#[test]
fn steps_grow_linearly_with_the_text() {
    for (source, unit) in CASES {
        let program = ir_text::program(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        let small = steps(&program, &unit.repeat(8));
        let large = steps(&program, &unit.repeat(32));
        assert!(small > 0, "{source}: no work counted");
        let ratio = large as f64 / small as f64;
        assert!(
            (3.5..=4.5).contains(&ratio),
            "{source}: 4x the text took {ratio:.2}x the steps ({small} -> {large})"
        );
    }
}

#[test]
fn steps_stay_linear_in_one_long_paragraph_without_a_match() {
    let program = ir_text::program(
        r#"(rule nested Hit (seq (rep 0 _ (alt "a" (seq "a" "a"))) (lazy 0 _ any) "z"))"#,
    )
    .expect("parses");
    let small = steps(&program, &"a ".repeat(200));
    let large = steps(&program, &"a ".repeat(800));
    let ratio = large as f64 / small as f64;
    assert!(
        (3.5..=4.5).contains(&ratio),
        "ratio {ratio:.2} ({small} -> {large})"
    );
}
