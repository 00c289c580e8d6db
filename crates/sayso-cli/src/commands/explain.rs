//! `sayso explain`: why a rule matched a text, or why it did not. It shows the rule's matches
//! with their fields, and the matches of other rules that overlap the same text, which is where
//! a missing match has usually gone (conflict resolution keeps the higher priority).

use std::path::Path;

use sayso_engine::Match;

use crate::{Outcome, RulesArgs, rules};

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
}

fn fields(m: &Match, text: &str) -> Vec<String> {
    m.fields
        .iter()
        .map(|f| {
            let value = text.get(f.span.start..f.span.end).unwrap_or("");
            format!("{} = {value:?} ({}..{})", f.name, f.span.start, f.span.end)
        })
        .chain(m.attrs.iter().map(|(k, v)| format!("{k} = {v:?}")))
        .collect()
}

pub fn run(args: ExplainArgs) -> Outcome {
    let rules = match rules::load(&args.rules.rule_paths) {
        Ok(rules) => rules,
        Err(e) => {
            rules::report(&e, crate::stderr_color());
            return Outcome::Usage;
        }
    };
    let program = rules.program();
    let Some(index) = program.rules.iter().position(|r| r.name == args.rule) else {
        let names: Vec<&str> = program.rules.iter().map(|r| r.name.as_str()).collect();
        let near = names
            .iter()
            .min_by_key(|n| edit_distance(n, &args.rule))
            .filter(|n| edit_distance(n, &args.rule) <= 3);
        eprint!("error: no rule named `{}`", args.rule);
        match near {
            Some(n) => eprintln!("; did you mean `{n}`?"),
            None => eprintln!(),
        }
        return Outcome::Usage;
    };
    let rule = &program.rules[index];
    let path = Path::new(&args.input);
    let text = if path.is_file() {
        match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                return Outcome::Failed;
            }
        }
    } else {
        args.input.clone()
    };
    let doc = sayso_tokenize::tokenize(&text);
    let matches = rules.run(&doc);
    println!(
        "rule {} -> {} ({})",
        rule.name,
        label(program, rule.label.0),
        rule.origin
    );
    let own: Vec<&Match> = matches
        .iter()
        .filter(|m| m.rule.0 as usize == index)
        .collect();
    if own.is_empty() {
        println!("no match of {} in {} tokens", rule.name, doc.tokens().len());
    }
    for m in &own {
        println!(
            "match {}..{}: {:?}",
            m.span.start,
            m.span.end,
            text.get(m.span.start..m.span.end).unwrap_or("")
        );
        for line in fields(m, &text) {
            println!("  {line}");
        }
    }
    // Other rules' matches of the same label where this rule did not win: the conflicts that
    // may have suppressed it.
    let others: Vec<&Match> = matches
        .iter()
        .filter(|m| m.rule.0 as usize != index && m.label == rule.label)
        .collect();
    if !others.is_empty() {
        println!("other matches of {}:", label(program, rule.label.0));
        for m in others {
            let name = program
                .rules
                .get(m.rule.0 as usize)
                .map_or("?", |r| r.name.as_str());
            println!(
                "  {name} {}..{}: {:?}",
                m.span.start,
                m.span.end,
                text.get(m.span.start..m.span.end).unwrap_or("")
            );
        }
    }
    Outcome::Success
}

fn label(program: &sayso_engine::Program, id: u32) -> &str {
    program
        .labels
        .get(id as usize)
        .map_or("?", |l| l.name.as_str())
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}
