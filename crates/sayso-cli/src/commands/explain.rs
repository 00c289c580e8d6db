//! `sayso explain`: why a rule matched a text, or why it did not: its matches with their
//! fields, the furthest its pattern got and the test that failed there, and its matches that
//! lost to an overlapping match of the same label.

use std::fmt::Write as _;
use std::path::Path;

use sayso_engine::{FailedStep, Match, Program};
use sayso_lang::ir::Pattern;
use sayso_tokenize::Document;

use crate::rules::{self, LimitArgs};
use crate::stdout::{Stdout, outln};
use crate::{Outcome, RulesArgs};

pub const EXAMPLES: &str = "\
Examples:
  sayso explain --rule quote_then_speaker '“We will win,” Smith said.'
  sayso explain --rule according_to article.txt
  sayso explain -r my-rules.sayso --rule said 'Smith said so.'";

/// Arguments of `sayso explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The rule to explain.
    #[arg(long, value_name = "NAME")]
    pub rule: String,
    /// A text, or the path of a file holding it.
    #[arg(value_name = "TEXT|FILE")]
    pub input: String,
    #[command(flatten)]
    pub rules: RulesArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

fn rule_name(program: &Program, m: &Match) -> String {
    program
        .rules
        .get(m.rule.0 as usize)
        .map_or_else(|| "?".to_owned(), |r| r.name.clone())
}

fn quoted(text: &str, start: usize, end: usize) -> String {
    format!("{:?}", text.get(start..end).unwrap_or(""))
}

fn print_match(out: &mut Stdout, text: &str, m: &Match, indent: &str) {
    outln!(
        out,
        "{indent}{}..{} {}",
        m.span.start,
        m.span.end,
        quoted(text, m.span.start, m.span.end)
    );
    for f in &m.fields {
        outln!(
            out,
            "{indent}  {} = {} ({}..{})",
            f.name,
            quoted(text, f.span.start, f.span.end),
            f.span.start,
            f.span.end
        );
    }
    for (name, value) in m.attrs.iter() {
        outln!(out, "{indent}  {name} = {value:?}");
    }
}

/// What the pattern needed where it failed.
fn failed_step(program: &Program, step: &FailedStep) -> String {
    match step {
        FailedStep::Token(test) => format!("it needed a token [{}]", test.display(program)),
        FailedStep::Annotation(label) => format!(
            "it needed a @{} starting there",
            program
                .labels
                .get(label.0 as usize)
                .map_or("?", |l| l.name.as_str())
        ),
        FailedStep::Phrase(id) => format!(
            "it needed an entry of the lexicon {}",
            program
                .lexicons
                .get(id.0 as usize)
                .map_or("?", |l| l.name.as_str())
        ),
        FailedStep::Anchor(anchor) => format!(
            "it needed the position {}",
            Pattern::Anchor(*anchor).display(program, &[])
        ),
        FailedStep::Lookaround => "a lookaround did not hold".to_owned(),
    }
}

/// The text of tokens `start..end`.
fn token_text(doc: &Document<'_>, text: &str, start: usize, end: usize) -> String {
    let tokens = doc.tokens();
    match (
        tokens.get(start),
        end.checked_sub(1).and_then(|e| tokens.get(e)),
    ) {
        (Some(first), Some(last)) if start < end => quoted(text, first.span.start, last.span.end),
        _ => "\"\"".to_owned(),
    }
}

pub fn run(args: ExplainArgs) -> Outcome {
    let rules = match rules::load(&args.rules.rule_paths, &args.limits) {
        Ok(rules) => rules,
        Err(e) => {
            rules::report(&e, crate::stderr_color());
            return Outcome::Usage;
        }
    };
    let program = rules.program();
    let Some(id) = rules.rule_id(&args.rule) else {
        let near = program
            .rules
            .iter()
            .map(|r| r.name.as_str())
            .min_by_key(|n| strsim::levenshtein(n, &args.rule))
            .filter(|n| strsim::levenshtein(n, &args.rule) <= 3);
        let mut message = format!("error: no rule named `{}`", args.rule);
        if let Some(n) = near {
            let _ = write!(message, "; did you mean `{n}`?");
        }
        eprintln!("{message}");
        return Outcome::Usage;
    };
    let rule = &program.rules[id.0 as usize];
    let path = Path::new(&args.input);
    let text = if path.is_file() {
        match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                eprintln!(
                    "error: cannot read {}: {}",
                    path.display(),
                    crate::input::io_message(&e)
                );
                return Outcome::Failed;
            }
        }
    } else {
        args.input.clone()
    };
    let doc = sayso_tokenize::tokenize(&text);
    let explanation = rules.explain(id, &doc);
    let label = program
        .labels
        .get(rule.label.0 as usize)
        .map_or("?", |l| l.name.as_str());
    let mut out = Stdout::lock();
    outln!(out, "rule {} -> {label} ({})", rule.name, rule.origin);
    if explanation.matches.is_empty() {
        outln!(out, "no match in {} tokens", doc.tokens().len());
    } else {
        outln!(out, "{} match(es):", explanation.matches.len());
        for m in &explanation.matches {
            print_match(&mut out, &text, m, "  ");
        }
    }
    // The furthest attempt says why the rule did not match; next to a match it is noise.
    if let (true, Some(partial)) = (explanation.matches.is_empty(), &explanation.furthest) {
        let at = doc.tokens().get(partial.reached).map_or_else(
            || "at the end of the text".to_owned(),
            |t| {
                format!(
                    "at token {} {}",
                    partial.reached,
                    quoted(&text, t.span.start, t.span.end)
                )
            },
        );
        let matched = if partial.reached > partial.start {
            format!(
                "matched {} from token {}, then ",
                token_text(&doc, &text, partial.start, partial.reached),
                partial.start
            )
        } else {
            String::new()
        };
        outln!(
            out,
            "furthest attempt: {matched}failed {at}: {}",
            failed_step(program, &partial.failed)
        );
    }
    if !explanation.suppressed.is_empty() {
        outln!(out, "suppressed in conflict resolution:");
        for s in &explanation.suppressed {
            print_match(&mut out, &text, &s.candidate, "  ");
            outln!(
                out,
                "    lost to {} at {}..{} {}",
                rule_name(program, &s.winner),
                s.winner.span.start,
                s.winner.span.end,
                quoted(&text, s.winner.span.start, s.winner.span.end)
            );
        }
    }
    if !explanation.unlinked.is_empty() {
        outln!(out, "dropped because a required link found no candidate:");
        for u in &explanation.unlinked {
            print_match(&mut out, &text, &u.candidate, "  ");
            outln!(out, "    no earlier annotation for `{}`", u.link);
        }
    }
    out.finish(Outcome::Success)
}
