//! `sayso eval`: scores attribution predictions against gold annotations with the project's
//! protocol (see `sayso_output::eval`), printing the figures in the reference scorer's layout.
//! Without predictions, the rules are run on the gold texts first.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sayso_output::eval::{self, EvalConfig, GoldDocument};
use sayso_output::{DocumentRecord, DocumentView, RenderOptions};

use crate::rules::{self, LimitArgs};
use crate::stdout::{Stdout, out, outln};
use crate::{Outcome, RulesArgs};

pub const EXAMPLES: &str = "\
Examples:
  sayso eval gold.jsonl                       run the embedded pack on the gold texts and score it
  sayso eval gold.jsonl predictions.jsonl     score predictions made earlier with run --format jsonl
  sayso eval -r my-rules/ --show-errors 20 gold.jsonl
  sayso eval --json gold.jsonl

Gold lines: {\"id\", \"text\", \"attributions\": [{\"source\", \"cue\", \"content\", \"resolved\",
\"optional\"}]} with spans as [start, end] lists in code points. Figures: quotes found at 30% and
80% coverage (P/R/F1), speaker, cue and resolved-speaker accuracy, who-said-what P/R/F1.";

/// Arguments of `sayso eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Gold annotations (JSONL).
    #[arg(value_name = "GOLD")]
    pub gold: PathBuf,
    /// Predictions in the jsonl output format; without it the rules run on the gold texts.
    #[arg(value_name = "PRED")]
    pub predictions: Option<PathBuf>,
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Only matches with this label are predictions.
    #[arg(long, default_value = "Attribution", value_name = "LABEL")]
    pub label: String,
    /// Print the figures as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// List up to N misses, wrong speakers and spurious predictions.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub show_errors: usize,
    /// Worker threads when running the rules [default: all cores].
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    // The limits apply when the rules run on the gold texts.
    #[command(flatten)]
    pub limits: LimitArgs,
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read {}: {}",
            path.display(),
            crate::input::io_message(&e)
        )
    })
}

/// Runs the rules over the gold texts and returns the jsonl lines they would print.
fn predict(args: &EvalArgs, gold: &[GoldDocument]) -> Result<String, Outcome> {
    let rules = rules::load(&args.rules.rule_paths, &args.limits).map_err(|e| {
        rules::report(&e, crate::stderr_color());
        Outcome::Usage
    })?;
    let pool = super::run::thread_pool(args.threads).map_err(|e| {
        eprintln!("error: {e}");
        Outcome::Usage
    })?;
    let lines: Vec<String> = pool.install(|| {
        gold.par_iter()
            .map(|doc| {
                let id = match &doc.id {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let matches = rules.run(&sayso_tokenize::tokenize(&doc.text));
                let view = DocumentView::new(&id, &doc.text, &matches);
                let record = DocumentRecord::new(rules.program(), &view, RenderOptions::default());
                serde_json::to_string(&record).unwrap_or_default()
            })
            .collect()
    });
    Ok(lines.join("\n"))
}

pub fn run(args: EvalArgs) -> Outcome {
    let gold_name = args.gold.display().to_string();
    let gold = match read(&args.gold)
        .and_then(|t| eval::read_gold(&gold_name, &t).map_err(|e| e.to_string()))
    {
        Ok(gold) => gold,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Usage;
        }
    };
    let (pred_name, pred_text) = match &args.predictions {
        Some(path) => match read(path) {
            Ok(text) => (path.display().to_string(), text),
            Err(e) => {
                eprintln!("error: {e}");
                return Outcome::Usage;
            }
        },
        None => match predict(&args, &gold) {
            Ok(text) => ("<rules>".to_owned(), text),
            Err(outcome) => return outcome,
        },
    };
    let config = EvalConfig {
        label: args.label.clone(),
        show_errors: args.show_errors,
    };
    let report = eval::read_predictions(&pred_name, &pred_text, &config.label)
        .and_then(|predictions| eval::score(&gold, &predictions, &config));
    match report {
        Ok(report) if args.json => {
            let mut out = Stdout::lock();
            outln!(out, "{}", report.to_json());
            out.finish(Outcome::Success)
        }
        Ok(report) => {
            let mut out = Stdout::lock();
            out!(out, "{}", report.to_text());
            out.finish(Outcome::Success)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Outcome::Usage
        }
    }
}
