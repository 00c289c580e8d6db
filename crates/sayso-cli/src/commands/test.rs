//! `sayso test`: runs the examples written next to the rules. An example passes when the whole
//! rule set, run on its text, gives a match of its rule with every listed field equal to the
//! given text (`=> none`: no match of the rule).

use std::path::PathBuf;

use sayso_engine::ExampleOutcome;

use crate::Outcome;
use crate::rules::{self, LimitArgs};
use crate::stdout::{Stdout, outln};

pub const EXAMPLES: &str = "\
Examples:
  sayso test rules/attribution.sayso
  sayso test my-rules/
  sayso test --filter quote        only the rules whose name contains `quote`
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
    #[command(flatten)]
    pub limits: LimitArgs,
}

fn describe(fields: &[(String, String)]) -> String {
    if fields.is_empty() {
        return "a match with no field".to_owned();
    }
    let parts: Vec<String> = fields
        .iter()
        .map(|(name, text)| format!("{name}: {text:?}"))
        .collect();
    parts.join(", ")
}

fn print_failure(out: &mut Stdout, rule: &str, outcome: &ExampleOutcome) {
    outln!(out, "FAILED {rule} ({})", outcome.origin);
    outln!(out, "  text:     {:?}", outcome.text);
    let expected = outcome
        .expected
        .as_ref()
        .map_or_else(|| "none".to_owned(), |fields| describe(fields));
    outln!(out, "  expected: {expected}");
    if outcome.got.is_empty() {
        outln!(out, "  got:      no match of {rule}");
    }
    for (n, fields) in outcome.got.iter().enumerate() {
        let head = if n == 0 { "got:     " } else { "         " };
        outln!(out, "  {head} {}", describe(fields));
    }
    outln!(out);
}

pub fn run(args: TestArgs) -> Outcome {
    let rules = match rules::load(&args.paths, &args.limits) {
        Ok(rules) => rules,
        Err(e) => {
            rules::report(&e, crate::stderr_color());
            return Outcome::Usage;
        }
    };
    let program = rules.program();
    let mut out = Stdout::lock();
    let (mut passed, mut failed) = (0, 0);
    for outcome in rules.run_examples() {
        let name = program
            .rules
            .get(outcome.rule.0 as usize)
            .map_or("?", |r| r.name.as_str());
        if args.filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        if outcome.passed {
            passed += 1;
        } else {
            failed += 1;
            print_failure(&mut out, name, &outcome);
        }
    }
    outln!(out, "{passed} passed, {failed} failed");
    out.finish(if failed == 0 {
        Outcome::Success
    } else {
        Outcome::Failed
    })
}
