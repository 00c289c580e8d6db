//! What a thread keeps from document to document (the automata of the rules, the results of
//! the tests per token type) never changes the matches of a later document.

use sayso_engine::{RuleSet, Simulation};

fn rule_set(source: &str, simulation: Simulation) -> RuleSet {
    let program = sayso_lang::compile_str("caches.sayso", source).expect("the rules compile");
    super::fixtures::rule_set(program, simulation)
}

#[test]
fn type_ids_given_again_after_the_memo_starts_again_mean_their_new_types() {
    // The automata a thread keeps are built over token type ids. A document of many new words
    // makes the type memo start again (its bound in types shrinks as the rule set's tests grow:
    // a thousand words here), and the next document's words get their ids from zero again:
    // "beta" gets the id "Beta" had, and nothing kept by id may let it pass `[title]`. The
    // rule's first step reads no keyed word, so that it makes a liveness pass rather than
    // searching from its few starts.
    let words: Vec<String> = (0..1_000).map(|n| format!("\"word{n}\"")).collect();
    let source = format!(
        "rule alpha -> Alpha {{ match [lower] \"alpha\" []{{0,2}} b:[title] []{{0,2}} \"omega\" \
         emit b: b }}\nrule words -> Word {{ match {} }}",
        words.join(" | ")
    );
    let optimized = rule_set(&source, Simulation::Optimized);
    let plain = rule_set(&source, Simulation::Plain);
    let many_words: String = (0..20_000).map(|n| format!("w{n} ")).collect();
    for text in [
        "so alpha Beta x omega",
        &many_words,
        "so alpha beta x omega",
    ] {
        let doc = sayso_tokenize::tokenize(text);
        let matches = optimized.run(&doc);
        // The plain simulation over the long document would only be slow.
        if text.len() < 100 {
            assert_eq!(matches, plain.run(&doc), "{text}");
        }
    }
}
