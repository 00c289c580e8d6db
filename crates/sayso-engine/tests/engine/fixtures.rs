//! Data-driven fixtures: each `tests/fixtures/*.fixture` file holds IR declarations (see
//! `ir_text`), optional `(explain RULE)` directives, a line `---`, and the text to run over.
//! The snapshot shows the matches, the explanations and the inline examples' outcomes. Every
//! fixture also runs under the plain simulation, which must give the same matches.

use sayso_engine::{EngineConfig, RuleSet, Simulation};

use super::ir_text::{self, Sexp};
use super::render;

/// Builds the program of an IR fixture, with `-` in rule names read as `_` (as the rule
/// language spells them), and returns it with its explain directives and its text.
pub fn fixture_program(source: &str) -> (sayso_lang::ir::Program, Vec<String>, &str) {
    let (head, text) = source
        .split_once("\n---\n")
        .expect("a fixture has a line --- before its text");
    let forms = ir_text::parse_all(head).expect("fixture parses");
    let mut builder = ir_text::Builder::new();
    let mut explain = Vec::new();
    for form in &forms {
        match form {
            Sexp::List(items) if items.first() == Some(&Sexp::Atom("explain".into())) => {
                if let Some(Sexp::Atom(rule)) = items.get(1) {
                    explain.push(rule.clone());
                }
            }
            _ => builder.declare(form).expect("declaration builds"),
        }
    }
    let mut program = builder.program;
    for rule in &mut program.rules {
        rule.name = rule.name.replace('-', "_");
    }
    let explain = explain.iter().map(|rule| rule.replace('-', "_")).collect();
    (program, explain, text)
}

/// Runs a program over a text under both simulations and renders the matches, the
/// explanations of the named rules and the inline examples' outcomes.
/// The rule set of `program` under `simulation`, with the default limits.
pub fn rule_set(program: sayso_lang::ir::Program, simulation: Simulation) -> RuleSet {
    let config = EngineConfig {
        simulation,
        ..EngineConfig::default()
    };
    RuleSet::with_config(program, config).expect("the program fits the limits")
}

pub fn run_program(program: sayso_lang::ir::Program, explain: &[String], text: &str) -> String {
    let optimized = rule_set(program.clone(), Simulation::Optimized);
    let plain = rule_set(program, Simulation::Plain);
    let doc = sayso_tokenize::tokenize(text);
    let matches = optimized.run(&doc);
    assert_eq!(
        matches,
        plain.run(&doc),
        "plain and optimized simulations differ"
    );
    let mut out = render::matches(&optimized, text, &matches);
    for rule in explain {
        let id = optimized.rule_id(rule).expect("explained rule exists");
        let explanation = optimized.explain(id, &doc);
        assert_eq!(explanation, plain.explain(id, &doc));
        out.push_str(&render::explanation(&optimized, text, &explanation));
    }
    out.push_str(&render::examples(&optimized));
    out
}

fn run_fixture(source: &str) -> String {
    let (program, explain, text) = fixture_program(source);
    run_program(program, &explain, text)
}

#[test]
fn fixtures() {
    insta::glob!("../fixtures", "*.fixture", |path| {
        let source = std::fs::read_to_string(path).expect("fixture is readable");
        insta::assert_snapshot!(run_fixture(&source));
    });
}
