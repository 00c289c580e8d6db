//! Skipping what would lose: conflicts of a label are decided in priority order, so a rule that
//! ranks below others of its label runs after them, whatever the order of the file, and skips
//! the segments where each of its matches would overlap one of their winners.

use sayso_engine::{EngineConfig, Match, RuleSet, RunStats, Simulation};

use super::ir_text;

/// `cue` comes first but ranks below `said`, whose matches hold the cue words of the first two
/// sentences; in the third no title comes before the cue, so `said` finds nothing there.
const PROGRAM: &str = r#"
(rule cue Speech :priority 5 :scope sentence (seq (cap c "said") (tok (not (kind punct)))) (emit cue c))
(rule said Speech :priority 30 :scope sentence (seq (cap s (tok (flag title))) "said" (tok (not (kind punct)))) (emit speaker s))
"#;

const TEXT: &str = "Ann said yes. Bob said no. And then said it.";

/// `told` must consume a quotation, and in the first sentence that quotation lies in a match
/// of `said`; its cue word does not.
const ANNOTATION_PROGRAM: &str = r#"
(rule told Speech :priority 5 :scope sentence (seq (cap q (@ Quote)) (rep 0 5 any) "told"))
(rule said Speech :priority 30 :scope sentence (seq (cap q (@ Quote)) "said"))
"#;

const ANNOTATION_TEXT: &str = "“Yes,” said Ann, and told Bob. “Maybe” and then told.";

fn run(simulation: Simulation) -> (RuleSet, Vec<Match>, RunStats) {
    run_program(PROGRAM, TEXT, simulation)
}

fn run_program(
    source: &str,
    text: &str,
    simulation: Simulation,
) -> (RuleSet, Vec<Match>, RunStats) {
    let program = ir_text::program(source).expect("parses");
    let config = EngineConfig {
        simulation,
        ..EngineConfig::default()
    };
    let rules = RuleSet::with_config(program, config).expect("compiles");
    let (matches, stats) = rules.run_with_stats(&sayso_tokenize::tokenize(text));
    (rules, matches, stats)
}

#[test]
fn a_rule_below_settled_winners_skips_the_segments_where_it_would_lose() {
    let (rules, optimized, optimized_stats) = run(Simulation::Optimized);
    let (_, plain, plain_stats) = run(Simulation::Plain);
    assert_eq!(optimized, plain);
    let cue = rules.rule_id("cue").expect("the rule exists").0 as usize;
    assert_eq!(
        plain_stats.rules[cue].matches, 3,
        "the plain simulation finds every match of the lower rule"
    );
    assert_eq!(
        optimized_stats.rules[cue].matches, 1,
        "the optimized one only searches the sentence without a winner above it"
    );
}

#[test]
fn a_rule_whose_annotation_lies_in_a_settled_winner_skips_the_segment() {
    let (rules, optimized, optimized_stats) =
        run_program(ANNOTATION_PROGRAM, ANNOTATION_TEXT, Simulation::Optimized);
    let (_, plain, plain_stats) =
        run_program(ANNOTATION_PROGRAM, ANNOTATION_TEXT, Simulation::Plain);
    assert_eq!(optimized, plain);
    let told = rules.rule_id("told").expect("the rule exists").0 as usize;
    assert_eq!(plain_stats.rules[told].matches, 2);
    assert_eq!(optimized_stats.rules[told].matches, 1);
}
