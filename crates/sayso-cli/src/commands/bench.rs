//! `sayso bench`: how fast a rule set runs over a corpus, and which rules cost the most. The
//! corpus is loaded into memory first so that reading files is not measured.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use sayso_engine::RuleSet;

use crate::input::{DocumentStream, InputArgs, SourceDocument};
use crate::rules::{self, LimitArgs};
use crate::stdout::{Stdout, outln};
use crate::{Outcome, RulesArgs};

pub const EXAMPLES: &str = "\
Examples:
  sayso bench corpus/                          the embedded pack over every .txt file
  sayso bench --input jsonl news.jsonl --repeat 3
  sayso bench -r my-rules/ -j 1 corpus/        one thread, for stable per-rule figures

Prints MB/s and documents/s for tokenizing and matching, then a table of the rules sorted by
cost: engine steps (thread-instruction executions and liveness-pass positions, the engine's
measure of work), their share
of all steps (the rule's share of matching time), the positions where the rule started, the
matches it found before conflict resolution and the matches it kept.";

/// Arguments of `sayso bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Files, directories or `-` for stdin.
    #[arg(value_name = "CORPUS")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub rules: RulesArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Worker threads [default: all cores].
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Passes over the corpus; the fastest is reported.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub repeat: usize,
    /// Rows of the per-rule table.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Per-rule totals over one pass.
#[derive(Clone, Debug, Default)]
struct RuleTotals {
    steps: u64,
    starts: u64,
    candidates: u64,
    kept: usize,
}

struct Pass {
    elapsed: Duration,
    tokenize: Duration,
    per_rule: Vec<RuleTotals>,
}

fn one_pass(rules: &RuleSet, corpus: &[SourceDocument]) -> Pass {
    let rule_count = rules.program().rules.len();
    let started = Instant::now();
    // Each thread adds its documents' work into its own totals as it goes: keeping every
    // document's per-rule statistics until the end would cost memory in proportion to
    // documents times rules, and time that is not the engine's.
    let (tokenize, per_rule) = corpus
        .par_iter()
        .fold(
            || (Duration::ZERO, vec![RuleTotals::default(); rule_count]),
            |(mut tokenize, mut per_rule), doc| {
                let t = Instant::now();
                let tokens = sayso_tokenize::tokenize(&doc.text);
                tokenize += t.elapsed();
                let (matches, stats) = rules.run_with_stats(&tokens);
                for stats in &stats.rules {
                    if let Some(totals) = per_rule.get_mut(stats.rule.0 as usize) {
                        totals.steps += stats.steps;
                        totals.starts += stats.starts;
                        totals.candidates += stats.matches;
                    }
                }
                for found in &matches {
                    if let Some(totals) = per_rule.get_mut(found.rule.0 as usize) {
                        totals.kept += 1;
                    }
                }
                (tokenize, per_rule)
            },
        )
        .reduce(
            || (Duration::ZERO, vec![RuleTotals::default(); rule_count]),
            |(tokenize, mut per_rule), (more_tokenize, more)| {
                for (totals, more) in per_rule.iter_mut().zip(more) {
                    totals.steps += more.steps;
                    totals.starts += more.starts;
                    totals.candidates += more.candidates;
                    totals.kept += more.kept;
                }
                (tokenize + more_tokenize, per_rule)
            },
        );
    Pass {
        elapsed: started.elapsed(),
        tokenize,
        per_rule,
    }
}

pub fn run(args: BenchArgs) -> Outcome {
    let rules = match rules::load(&args.rules.rule_paths, &args.limits) {
        Ok(rules) => rules,
        Err(e) => {
            rules::report(&e, crate::stderr_color());
            return Outcome::Usage;
        }
    };
    let pool = match super::run::thread_pool(args.threads) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Usage;
        }
    };
    let stream = match DocumentStream::new(&args.paths, &args.input) {
        Ok(stream) => stream,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Usage;
        }
    };
    let mut corpus = Vec::new();
    let mut failures = 0;
    for item in stream {
        match item {
            Ok(doc) => corpus.push(doc),
            Err(failed) => {
                failures += 1;
                eprintln!("error: {}", failed.message);
            }
        }
    }
    if corpus.is_empty() {
        eprintln!("error: no document to benchmark");
        return Outcome::Failed;
    }
    let bytes: usize = corpus.iter().map(|d| d.text.len()).sum();
    let passes: Vec<Pass> = (0..args.repeat.max(1))
        .map(|_| pool.install(|| one_pass(&rules, &corpus)))
        .collect();
    let Some(best) = passes.into_iter().min_by_key(|p| p.elapsed) else {
        return Outcome::Failed;
    };
    let seconds = best.elapsed.as_secs_f64().max(1e-9);
    let mut out = Stdout::lock();
    outln!(
        out,
        "{} {}, {:.2} MB, {} rules, {} threads",
        corpus.len(),
        if corpus.len() == 1 {
            "document"
        } else {
            "documents"
        },
        bytes as f64 / 1e6,
        rules.program().rules.len(),
        pool.current_num_threads()
    );
    outln!(
        out,
        "time {:.3} s   {:.2} MB/s   {:.0} documents/s   (tokenizing {:.0}% of thread time)",
        seconds,
        bytes as f64 / 1e6 / seconds,
        corpus.len() as f64 / seconds,
        100.0 * best.tokenize.as_secs_f64()
            / (seconds * pool.current_num_threads() as f64).max(1e-9)
    );
    let program = rules.program();
    let mut rows: Vec<(usize, &RuleTotals)> = best.per_rule.iter().enumerate().collect();
    rows.sort_by(|a, b| b.1.steps.cmp(&a.1.steps).then(a.0.cmp(&b.0)));
    let total_steps: u64 = best.per_rule.iter().map(|r| r.steps).sum();
    let width = program
        .rules
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    outln!(out);
    outln!(
        out,
        "{:width$}  {:>12}  {:>6}  {:>10}  {:>10}  {:>7}  origin",
        "rule",
        "steps",
        "share",
        "starts",
        "candidates",
        "kept"
    );
    for (index, totals) in rows.into_iter().take(args.top) {
        let rule = &program.rules[index];
        let share = 100.0 * totals.steps as f64 / total_steps.max(1) as f64;
        outln!(
            out,
            "{:width$}  {:>12}  {:>5.1}%  {:>10}  {:>10}  {:>7}  {}",
            rule.name,
            totals.steps,
            share,
            totals.starts,
            totals.candidates,
            totals.kept,
            rule.origin
        );
    }
    out.finish(if failures > 0 {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}
