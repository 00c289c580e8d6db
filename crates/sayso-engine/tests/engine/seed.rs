//! The seed article under a small attribution rule set in IR form: the plain and optimized
//! simulations give identical matches, automata that keep starting again change none of them,
//! and the matches are snapshotted.

use sayso_engine::{EngineConfig, RuleSet, Simulation};

use super::{fixtures, ir_text, render};

const SEED: &str = include_str!("../../../../tests/articles/seed.txt");
const PROGRAM: &str = include_str!("../programs/attribution.ir");

fn rule_set(simulation: Simulation) -> RuleSet {
    let program = ir_text::program(PROGRAM).expect("the program parses");
    fixtures::rule_set(program, simulation)
}

#[test]
fn automata_that_start_again_give_the_same_matches() {
    // With a bound of one state, every automaton starts again on nearly every pass: after the
    // whole article, a short document leaves each automaton smaller than it was. The results
    // must not change, and the cache's account of the automata's size must follow them down.
    let program = ir_text::program(PROGRAM).expect("the program parses");
    let config = EngineConfig {
        max_automaton_states: 1,
        ..EngineConfig::default()
    };
    let small = RuleSet::with_config(program, config).expect("the program compiles");
    let usual = rule_set(Simulation::Optimized);
    let short = "\u{201C}We will see,\u{201D} the minister said.";
    for text in [SEED, short, SEED, short] {
        let doc = sayso_tokenize::tokenize(text);
        let expected = usual.run(&doc);
        assert!(!expected.is_empty(), "{text:.40}");
        assert_eq!(small.run(&doc), expected);
    }
}

#[test]
fn plain_and_optimized_agree_on_the_seed_article() {
    let doc = sayso_tokenize::tokenize(SEED);
    let plain = rule_set(Simulation::Plain);
    let optimized = rule_set(Simulation::Optimized);
    let (plain_matches, plain_stats) = plain.run_with_stats(&doc);
    let (optimized_matches, optimized_stats) = optimized.run_with_stats(&doc);
    assert_eq!(plain_matches, optimized_matches);
    assert!(
        optimized_stats.total_steps() < plain_stats.total_steps(),
        "the optimized simulation should do less work ({} vs {})",
        optimized_stats.total_steps(),
        plain_stats.total_steps()
    );
    let attributions: Vec<_> = optimized_matches
        .iter()
        .filter(|m| optimized.program().labels[m.label.0 as usize].name == "Attribution")
        .cloned()
        .collect();
    insta::assert_snapshot!(render::matches(&optimized, SEED, &attributions));
}

#[test]
fn a_rule_set_is_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RuleSet>();
    let rules = rule_set(Simulation::Optimized);
    let doc = sayso_tokenize::tokenize(SEED);
    let here = rules.run(&doc);
    let there = std::thread::scope(|scope| {
        scope
            .spawn(|| rules.run(&sayso_tokenize::tokenize(SEED)))
            .join()
            .expect("the thread finishes")
    });
    assert_eq!(here, there);
}

fn pack_program() -> sayso_lang::ir::Program {
    let pack =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/attribution.sayso");
    sayso_lang::compile(&[pack.as_path()], &sayso_lang::FsLoader)
        .unwrap_or_else(|diagnostics| panic!("the pack compiles: {diagnostics:?}"))
}

/// The shipped attribution pack, through the real parser, on the seed article and on every
/// example text of the pack: the optimized simulation must give exactly the plain one's matches.
#[test]
fn plain_and_optimized_agree_with_the_attribution_pack() {
    let program = pack_program();
    let mut texts: Vec<String> = program
        .rules
        .iter()
        .flat_map(|rule| rule.examples.iter().map(|example| example.text.clone()))
        .collect();
    texts.push(SEED.to_string());
    let optimized = RuleSet::new(program.clone()).expect("compiles");
    let plain = RuleSet::with_config(
        program,
        EngineConfig {
            simulation: Simulation::Plain,
            ..EngineConfig::default()
        },
    )
    .expect("compiles");
    let mut total = 0;
    for text in &texts {
        let doc = sayso_tokenize::tokenize(text);
        let matches = optimized.run(&doc);
        total += matches.len();
        assert_eq!(
            matches,
            plain.run(&doc),
            "the simulations differ on {text:?}"
        );
    }
    assert!(
        total > texts.len() / 2,
        "the pack should match most of its examples"
    );
}

fn pack_rule_sets() -> &'static (RuleSet, RuleSet) {
    static PACK: std::sync::OnceLock<(RuleSet, RuleSet)> = std::sync::OnceLock::new();
    PACK.get_or_init(|| {
        let program = pack_program();
        let plain = RuleSet::with_config(
            program.clone(),
            EngineConfig {
                simulation: Simulation::Plain,
                ..EngineConfig::default()
            },
        )
        .expect("compiles");
        (RuleSet::new(program).expect("compiles"), plain)
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]

    /// The engine is total: any text, noise and stray quotation marks included, runs through
    /// the whole pack without a panic, and both simulations agree on it.
    #[test]
    fn the_pack_runs_on_any_text(
        text in "([A-Z][a-z]{0,6}|[a-z]{1,7}|[.,;:!?]|\u{201C}|\u{201D}|\"|'|\n\n|said|told|according to| ){0,60}|\\PC{0,80}"
    ) {
        let (optimized, plain) = pack_rule_sets();
        let doc = sayso_tokenize::tokenize(&text);
        let (matches, stats) = optimized.run_with_stats(&doc);
        proptest::prop_assert_eq!(&matches, &plain.run(&doc));
        proptest::prop_assert_eq!(stats.rules.len(), optimized.program().rules.len());
        for found in &matches {
            proptest::prop_assert!(found.span.end <= text.len());
            proptest::prop_assert!(text.is_char_boundary(found.span.start));
            proptest::prop_assert!(text.is_char_boundary(found.span.end));
        }
    }
}
