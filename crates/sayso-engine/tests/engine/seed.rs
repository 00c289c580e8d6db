//! The seed article under a small attribution rule set in IR form: the plain and optimized
//! simulations give identical matches, and the matches are snapshotted.

use sayso_engine::{EngineConfig, RuleSet, Simulation};

use super::{ir_text, render};

const SEED: &str = include_str!("../../../../tests/articles/seed.txt");
const PROGRAM: &str = include_str!("../programs/attribution.ir");

fn rule_set(simulation: Simulation) -> RuleSet {
    let program = ir_text::program(PROGRAM).expect("the program parses");
    let config = EngineConfig {
        simulation,
        ..EngineConfig::default()
    };
    RuleSet::with_config(program, config).expect("the program compiles")
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
