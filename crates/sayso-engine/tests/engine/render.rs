//! Renders matches, explanations and example outcomes as readable text for snapshots.

use std::fmt::Write;

use sayso_engine::{Explanation, Match, RuleSet};

pub fn matches(rules: &RuleSet, text: &str, matches: &[Match]) -> String {
    let mut out = String::new();
    if matches.is_empty() {
        out.push_str("(no matches)\n");
    }
    for (index, m) in matches.iter().enumerate() {
        write_match(&mut out, rules, text, index, m);
    }
    out
}

fn write_match(out: &mut String, rules: &RuleSet, text: &str, index: usize, m: &Match) {
    let program = rules.program();
    let rule = &program.rules[m.rule.0 as usize].name;
    let label = &program.labels[m.label.0 as usize].name;
    let _ = writeln!(
        out,
        "#{index} {label} by {rule} tokens {}..{} bytes {}..{} {:?}",
        m.tokens.start,
        m.tokens.end,
        m.span.start,
        m.span.end,
        m.span.text(text)
    );
    for field in &m.fields {
        let _ = writeln!(
            out,
            "    {}: tokens {}..{} {:?}",
            field.name,
            field.tokens.start,
            field.tokens.end,
            field.span.text(text)
        );
    }
    for (name, value) in m.attrs.iter() {
        let _ = writeln!(out, "    {name} = {value:?}");
    }
    if !m.consumed.is_empty() {
        let _ = writeln!(out, "    consumed {:?}", m.consumed);
    }
}

pub fn explanation(rules: &RuleSet, text: &str, explanation: &Explanation) -> String {
    let mut out = String::new();
    let name = &rules.program().rules[explanation.rule.0 as usize].name;
    let _ = writeln!(out, "explain {name}: {} matches", explanation.matches.len());
    match &explanation.furthest {
        Some(partial) => {
            let _ = writeln!(
                out,
                "  furthest partial: from token {} to token {}, failed {:?}",
                partial.start, partial.reached, partial.failed
            );
        }
        None => out.push_str("  no failed attempt\n"),
    }
    for suppressed in &explanation.suppressed {
        out.push_str("  suppressed:\n");
        write_match(&mut out, rules, text, 0, &suppressed.candidate);
        out.push_str("  by:\n");
        write_match(&mut out, rules, text, 0, &suppressed.winner);
    }
    for unlinked in &explanation.unlinked {
        let _ = writeln!(
            out,
            "  dropped, required link `{}` found nothing:",
            unlinked.link
        );
        write_match(&mut out, rules, text, 0, &unlinked.candidate);
    }
    out
}

pub fn examples(rules: &RuleSet) -> String {
    let mut out = String::new();
    for outcome in rules.run_examples() {
        let name = &rules.program().rules[outcome.rule.0 as usize].name;
        let _ = writeln!(
            out,
            "example {name}#{} {}: {:?}\n    expected {:?}\n    got {:?}",
            outcome.example,
            if outcome.passed { "passed" } else { "FAILED" },
            outcome.text,
            outcome.expected,
            outcome.got
        );
    }
    out
}
