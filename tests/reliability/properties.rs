//! Property tests: the invariants of [`super::invariants`] on random texts and rule sets, the
//! plain simulation equal to the optimized one, and the same results across runs and across
//! thread counts. Case counts stay modest so the module runs in seconds.

use proptest::prelude::*;
use rayon::prelude::*;
use sayso_engine::{EngineConfig, Match, RuleSet, Simulation};

use super::generate::{self, Choices};
use super::invariants::{check_document, check_matches};
use super::targets;

/// Texts built from the pieces news text is made of, plus arbitrary characters.
fn news_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(vec![
            "Smith", "said", "she", "“", "”", "‘", "’", "\"", "'", "«", "»", ",", ".", "U.S.",
            "Mr.", "according", "to", "the", "official", "told", "O’Sullivan", "12", "—", "…",
        ])
        .prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
    ];
    let gap = proptest::sample::select(vec![" ", " ", "", "\n", "\n\n", "\t"]);
    proptest::collection::vec((piece, gap), 0..80)
        .prop_map(|pairs| pairs.into_iter().map(|(p, g)| p + g).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_string_tokenizes_into_a_valid_document(text in any::<String>()) {
        let doc = sayso_tokenize::tokenize(&text);
        prop_assert_eq!(check_document(&doc), Ok(()));
    }

    #[test]
    fn news_like_text_tokenizes_into_a_valid_document(text in news_text()) {
        let doc = sayso_tokenize::tokenize(&text);
        prop_assert_eq!(check_document(&doc), Ok(()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn the_shipped_pack_keeps_every_match_inside_its_document(text in news_text()) {
        let set = targets::pack().expect("the shipped pack compiles");
        let doc = sayso_tokenize::tokenize(&text);
        let matches = set.run(&doc);
        prop_assert_eq!(check_matches(set, &doc, &matches), Ok(()));
    }

    #[test]
    fn the_shipped_pack_gives_the_same_matches_in_both_simulations(text in news_text()) {
        let optimized = targets::pack().expect("the shipped pack compiles");
        let doc = sayso_tokenize::tokenize(&text);
        prop_assert_eq!(plain_pack().run(&doc), optimized.run(&doc));
    }

    /// Generated rules over generated text: invariants hold, the plain simulation equals the
    /// optimized one, and a second run gives the same matches (the fuzz target's checks).
    #[test]
    fn generated_rules_agree_across_simulations_and_runs(
        bytes in proptest::collection::vec(any::<u8>(), 0..300)
    ) {
        targets::engine_generated(&bytes);
    }
}

/// The shipped pack compiled for the plain simulation.
fn plain_pack() -> &'static RuleSet {
    static PLAIN: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    PLAIN.get_or_init(|| {
        let program = targets::pack()
            .expect("the shipped pack compiles")
            .program()
            .clone();
        let config = EngineConfig {
            simulation: Simulation::Plain,
            ..EngineConfig::default()
        };
        RuleSet::with_config(program, config).expect("the shipped pack compiles")
    })
}

/// Runs `set` over `texts` on a pool of `threads` threads, keeping input order.
fn run_on_threads(set: &RuleSet, texts: &[String], threads: usize) -> Vec<Vec<Match>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    pool.install(|| {
        texts
            .par_iter()
            .map(|text| set.run(&sayso_tokenize::tokenize(text)))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn results_do_not_depend_on_the_thread_count(
        texts in proptest::collection::vec(news_text(), 1..12),
        rule_bytes in proptest::collection::vec(any::<u8>(), 0..120),
    ) {
        let generated = generate::rules(&mut Choices::new(&rule_bytes));
        let generated = RuleSet::new(generated.program).expect("a valid program compiles");
        for set in [targets::pack().expect("the shipped pack compiles"), &generated] {
            let sequential: Vec<Vec<Match>> = texts
                .iter()
                .map(|text| set.run(&sayso_tokenize::tokenize(text)))
                .collect();
            for threads in [1, 2, 4] {
                prop_assert_eq!(&run_on_threads(set, &texts, threads), &sequential);
            }
        }
    }
}

#[test]
fn the_seed_article_gives_the_same_matches_on_every_thread_count() {
    let set = targets::pack().expect("the shipped pack compiles");
    let article = include_str!("../articles/seed.txt");
    // The article and slices of it, so that threads interleave documents of different sizes.
    let texts: Vec<String> = (0..8)
        .map(|i| {
            let mut end = article.len() * (i + 1) / 8;
            while !article.is_char_boundary(end) {
                end -= 1;
            }
            article[..end].to_string()
        })
        .collect();
    let sequential = run_on_threads(set, &texts, 1);
    assert!(
        sequential.last().is_some_and(|m| !m.is_empty()),
        "the pack finds attributions"
    );
    for (text, matches) in texts.iter().zip(&sequential) {
        let doc = sayso_tokenize::tokenize(text);
        assert_eq!(check_matches(set, &doc, matches), Ok(()));
    }
    for threads in [2, 3, 4] {
        assert_eq!(run_on_threads(set, &texts, threads), sequential);
    }
}
