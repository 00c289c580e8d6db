//! `sayso test`: runs the examples written next to the rules. An example passes when the whole
//! rule set, run on its text, gives a match of its rule with every listed field equal to the
//! given text (`=> none`: no match of the rule).

use std::path::PathBuf;

use sayso_engine::{Match, RuleSet};

use crate::{Outcome, rules};

pub const EXAMPLES: &str = "\
Examples:
  sayso test rules/attribution.sayso
  sayso test my-rules/
  sayso test                       the embedded default pack

Prints each failure as expected vs got, then `N passed, M failed`; exit status 1 if any
example failed, 2 if the rules have errors.";

/// Arguments of `sayso test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Rule files or directories of .sayso files; none tests the embedded pack.
    #[arg(value_name = "RULES")]
    pub paths: Vec<PathBuf>,
    /// Only the examples of rules whose name contains this.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
}

/// The outcome of one example.
struct Failure {
    rule: String,
    origin: String,
    text: String,
    expected: String,
    got: Vec<String>,
}

fn describe(fields: &[(String, String)]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|(name, text)| format!("{name}: {text:?}"))
        .collect();
    parts.join(", ")
}

fn fields_of(m: &Match, text: &str) -> Vec<(String, String)> {
    m.fields
        .iter()
        .map(|f| {
            let value = text.get(f.span.start..f.span.end).unwrap_or("");
            (f.name.clone(), value.to_owned())
        })
        .collect()
}

/// Runs every example; returns (passed, failures).
fn run_examples(rules: &RuleSet, filter: Option<&str>) -> (usize, Vec<Failure>) {
    let program = rules.program();
    let mut passed = 0;
    let mut failures = Vec::new();
    for (index, rule) in program.rules.iter().enumerate() {
        if filter.is_some_and(|f| !rule.name.contains(f)) {
            continue;
        }
        for example in &rule.examples {
            let doc = sayso_tokenize::tokenize(&example.text);
            let matches = rules.run(&doc);
            let own: Vec<&Match> = matches
                .iter()
                .filter(|m| m.rule.0 as usize == index)
                .collect();
            let ok = match &example.expect {
                None => own.is_empty(),
                Some(expected) => own.iter().any(|m| {
                    let got = fields_of(m, &example.text);
                    expected.iter().all(|(name, want)| {
                        got.iter()
                            .any(|(field, text)| field == name && text == want)
                    })
                }),
            };
            if ok {
                passed += 1;
                continue;
            }
            let mut got: Vec<String> = own
                .iter()
                .map(|m| describe(&fields_of(m, &example.text)))
                .collect();
            if got.is_empty() {
                got.push(format!("no match of {}", rule.name));
            }
            let others = matches.len() - own.len();
            if others > 0 {
                got.push(format!("({others} match(es) of other rules)"));
            }
            failures.push(Failure {
                rule: rule.name.clone(),
                origin: example.origin.to_string(),
                text: example.text.clone(),
                expected: example
                    .expect
                    .as_ref()
                    .map_or_else(|| "none".to_owned(), |e| describe(e)),
                got,
            });
        }
    }
    (passed, failures)
}

pub fn run(args: TestArgs) -> Outcome {
    let rules = match rules::load(&args.paths) {
        Ok(rules) => rules,
        Err(e) => {
            rules::report(&e, crate::stderr_color());
            return Outcome::Usage;
        }
    };
    let (passed, failures) = run_examples(&rules, args.filter.as_deref());
    for f in &failures {
        println!("FAILED {} ({})", f.rule, f.origin);
        println!("  text:     {:?}", f.text);
        println!("  expected: {}", f.expected);
        for (n, got) in f.got.iter().enumerate() {
            let head = if n == 0 { "got:     " } else { "         " };
            println!("  {head} {got}");
        }
        println!();
    }
    println!("{passed} passed, {} failed", failures.len());
    if failures.is_empty() {
        Outcome::Success
    } else {
        Outcome::Failed
    }
}
