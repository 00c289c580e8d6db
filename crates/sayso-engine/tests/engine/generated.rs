//! Generated rule sets in the shape of real attribution rules, from ten to a few hundred rules:
//! the optimized simulation (anchor windows, shared per-position buffers, skipped rules) must
//! give exactly the plain simulation's matches, and skipping must actually save work.

use sayso_engine::{RuleSet, Simulation};

const SEED: &str = include_str!("../../../../tests/articles/seed.txt");

/// The lower-case words of the seed article, sorted and deduplicated.
fn seed_words() -> Vec<String> {
    let mut words: Vec<String> = sayso_tokenize::tokenize(SEED)
        .tokens()
        .iter()
        .filter(|t| t.kind == sayso_tokenize::TokenKind::Word)
        .map(|t| t.span.text(SEED).to_lowercase())
        .filter(|w| w.chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    words.sort();
    words.dedup();
    words
}

/// `count` rules, each anchored on its own cue word at a bounded or unbounded distance from
/// the match start, with quotations, lexicons, lookarounds and every scope among them.
fn generated_rules(count: usize) -> String {
    let words = seed_words();
    let mut rules = String::from(
        "lexicon DET = {a an the}\nlexicon ROLE = {official diplomat spokeswoman spokesman aide}\n",
    );
    for i in 0..count {
        // Spread the cues over the whole vocabulary, rare and common words alike.
        let cue = &words[(i * 7919) % words.len()];
        let body = match i % 7 {
            0 => format!("s:[title]{{1,3}} c:\"{cue}\"i"),
            1 => format!("c:\"{cue}\"i s:([DET] [!punct]{{0,3}} [ROLE])"),
            2 => format!("q:@Quote s:[title]+ c:\"{cue}\"i (?= [punct])"),
            3 => format!("s:([title] | [DET] [ROLE]) c:\"{cue}\"i [lower]*? </s>"),
            4 => format!("<s> s:[]{{0,6}}? c:\"{cue}\"i [!punct]{{1,4}}"),
            5 => format!("s:[]+? c:\"{cue}\"i (?! [title])"),
            _ => format!("s:[title] [lower]{{0,2}} c:[\"{cue}\"i | ROLE] s2:[!punct]*? \",\""),
        };
        let scope = ["", " within sentence", " within document"][i % 3];
        rules.push_str(&format!(
            "rule r{i} -> L{label}{scope} {{\n  match {body}\n  emit speaker: s, cue: c\n}}\n",
            label = i % 5
        ));
    }
    rules
}

fn rule_set(source: &str, simulation: Simulation) -> RuleSet {
    let program = sayso_lang::compile_str("generated.sayso", source)
        .unwrap_or_else(|diagnostics| panic!("generated rules compile:\n{diagnostics}"));
    super::fixtures::rule_set(program, simulation)
}

#[test]
fn plain_and_optimized_agree_on_generated_rule_sets() {
    // The seed article twice in one document, so that every rule has several candidate spots.
    let text = format!("{SEED}\n\n{SEED}");
    let doc = sayso_tokenize::tokenize(&text);
    for count in [10, 70, 300] {
        let source = generated_rules(count);
        let plain = rule_set(&source, Simulation::Plain);
        let optimized = rule_set(&source, Simulation::Optimized);
        let (plain_matches, plain_stats) = plain.run_with_stats(&doc);
        let (optimized_matches, optimized_stats) = optimized.run_with_stats(&doc);
        assert!(
            !plain_matches.is_empty(),
            "{count} generated rules should match somewhere"
        );
        assert_eq!(
            plain_matches, optimized_matches,
            "the simulations differ with {count} generated rules"
        );
        assert!(
            optimized_stats.total_steps() * 2 < plain_stats.total_steps(),
            "skipping should at least halve the work with {count} rules ({} vs {})",
            optimized_stats.total_steps(),
            plain_stats.total_steps()
        );
    }
}

#[test]
fn plain_and_optimized_agree_over_a_long_document() {
    // Sixteen copies of the article in one document: the rules over the whole document search
    // ranges too long for the table of marks of the optimized search, which then keeps its
    // marks in a hash set.
    let text = vec![SEED; 16].join("\n\n");
    let doc = sayso_tokenize::tokenize(&text);
    let source = generated_rules(70);
    let plain = rule_set(&source, Simulation::Plain).run(&doc);
    assert!(
        !plain.is_empty(),
        "the generated rules should match somewhere"
    );
    assert_eq!(
        plain,
        rule_set(&source, Simulation::Optimized).run(&doc),
        "the simulations differ over a long document"
    );
}

#[test]
fn plain_and_optimized_agree_paragraph_by_paragraph() {
    // Each paragraph of the article is a document of its own, so that most rules need a word
    // their document lacks and are passed over; rules over other rules' labels must still see
    // those labels resolved in cascade order. One rule set runs every document, as a corpus
    // run does, so what it learns from one document carries over to the next.
    let words = seed_words();
    let mut source = generated_rules(300);
    for i in 0..20 {
        let cue = &words[(i * 104_729) % words.len()];
        source.push_str(&format!(
            "rule over{i} -> M{label} {{\n  match a:@L{inner} []{{0,3}} c:\"{cue}\"i\n  emit speaker: a, cue: c\n}}\n",
            label = i % 2,
            inner = i % 5
        ));
    }
    let plain = rule_set(&source, Simulation::Plain);
    let optimized = rule_set(&source, Simulation::Optimized);
    let (mut matched, mut over_labels) = (0, 0);
    for paragraph in SEED.split("\n\n").filter(|p| !p.trim().is_empty()) {
        let doc = sayso_tokenize::tokenize(paragraph);
        let expected = plain.run(&doc);
        matched += expected.len();
        over_labels += expected.iter().filter(|m| m.rule.0 >= 300).count();
        assert_eq!(
            expected,
            optimized.run(&doc),
            "the simulations differ on the paragraph {paragraph:?}"
        );
    }
    assert!(matched > 0, "the generated rules should match somewhere");
    assert!(
        over_labels > 0,
        "the rules over other rules' labels should match somewhere"
    );
}
