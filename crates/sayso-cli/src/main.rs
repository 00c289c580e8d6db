//! The `sayso` command line: runs rule sets over news text and helps rule writers check, test,
//! explain, evaluate and benchmark their rules. Each subcommand lives in its own module under
//! `commands`.
#![forbid(unsafe_code)]

mod commands;
mod input;
mod rules;
mod stdout;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

// The engine makes and drops many small lists per document (a match's fields, a stretch's
// lookaround table); mimalloc serves them faster than the system allocator (a news corpus
// takes 6 to 12% less time) for 8 to 14 MB more peak memory. Without transparent huge pages,
// which would take tens of megabytes more for a corpus run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXIT_CODES: &str = "\
Exit status:
  0  every input was processed (and, for check and test, the rules are clean)
  1  some input failed (the others were still processed), or a rule example failed
  2  usage error or errors in the rule files";

/// Rule-based extraction of who said what in news text.
#[derive(Debug, Parser)]
#[command(name = "sayso", version, about, long_about = None, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Rule files shared by every subcommand that runs rules.
#[derive(Clone, Debug, clap::Args)]
pub struct RulesArgs {
    /// A rule file or a directory of .sayso files (repeatable); replaces the embedded default
    /// pack.
    #[arg(long = "rules", short = 'r', value_name = "PATH")]
    pub rule_paths: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run rules over documents and print the matches.
    #[command(after_help = commands::run::EXAMPLES)]
    Run(commands::run::RunArgs),
    /// Check rule files and report every error, like a compiler.
    #[command(after_help = commands::check::EXAMPLES)]
    Check(commands::check::CheckArgs),
    /// Run the examples written in rule files.
    #[command(after_help = commands::test::EXAMPLES)]
    Test(commands::test::TestArgs),
    /// Show why a rule matched a text, or why not.
    #[command(after_help = commands::explain::EXAMPLES)]
    Explain(commands::explain::ExplainArgs),
    /// Score predictions against gold attributions.
    #[command(after_help = commands::eval::EXAMPLES)]
    Eval(commands::eval::EvalArgs),
    /// Measure a rule set's speed over a corpus, rule by rule.
    #[command(after_help = commands::bench::EXAMPLES)]
    Bench(commands::bench::BenchArgs),
    /// Print a shell completion script.
    #[command(after_help = commands::docs::COMPLETION_EXAMPLES)]
    Completions(commands::docs::CompletionsArgs),
    /// Print the man page (roff).
    #[command(after_help = commands::docs::MAN_EXAMPLES)]
    Man,
}

/// How a subcommand ended; maps onto the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Everything went through.
    Success,
    /// Some input failed or a check found problems.
    Failed,
    /// Usage error or rule errors.
    Usage,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Failed => ExitCode::from(1),
            Outcome::Usage => ExitCode::from(2),
        }
    }
}

/// Whether to colour a stream: only for terminals, and never when `NO_COLOR` is set.
pub fn use_color(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether stderr can take colour.
pub fn stderr_color() -> bool {
    use_color(std::io::stderr().is_terminal())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => commands::run::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Test(args) => commands::test::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Bench(args) => commands::bench::run(args),
        Command::Completions(args) => commands::docs::completions(args),
        Command::Man => commands::docs::man(),
    };
    outcome.into()
}

/// The clap definition, for completions and the man page.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::command().debug_assert();
    }
}
