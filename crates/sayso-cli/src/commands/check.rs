//! `sayso check`: every error in the rule files at once, rendered like rustc's.

use std::path::PathBuf;

use crate::Outcome;
use crate::rules::{self, LimitArgs};
use crate::stdout::{Stdout, outln};

pub const EXAMPLES: &str = "\
Examples:
  sayso check rules/attribution.sayso
  sayso check my-rules/            every .sayso file under my-rules/
  sayso check                      the embedded default pack

Exit status: 0 when the rules are clean, 2 when they have errors.";

/// Arguments of `sayso check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Rule files or directories of .sayso files; none checks the embedded pack.
    #[arg(value_name = "RULES")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

pub fn run(args: CheckArgs) -> Outcome {
    match rules::load_with_warnings(&args.paths, &args.limits) {
        Ok((rules, warnings)) => {
            if !warnings.items.is_empty() {
                eprint!("{}", rules::render(&warnings, crate::stderr_color()));
            }
            let program = rules.program();
            let examples: usize = program.rules.iter().map(|r| r.examples.len()).sum();
            let mut files: Vec<&str> = program
                .rules
                .iter()
                .map(|r| r.origin.file.as_str())
                .collect();
            files.sort_unstable();
            files.dedup();
            let mut out = Stdout::lock();
            outln!(
                out,
                "ok: {} rules, {} lexicons, {} examples in {} files",
                program.rules.len(),
                program.lexicons.len(),
                examples,
                files.len()
            );
            out.finish(Outcome::Success)
        }
        Err(e) => {
            rules::report(&e, crate::stderr_color());
            Outcome::Usage
        }
    }
}
