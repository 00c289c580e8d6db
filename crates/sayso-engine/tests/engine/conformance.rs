//! The conformance suite in the rule language: each `tests/conformance/*.case` file holds rule
//! text (with `#! explain RULE` directives), a line `---`, and the text to run over. The rules
//! go through the real parser and checker; the snapshot shows matches, explanations and the
//! inline examples' outcomes. Where an IR fixture of the same name exists, both must render
//! the same, so the parser's lowering and the engine are checked against each other.

use super::fixtures;

/// Cases whose IR fixture states something the language cannot, with the reason.
const NOT_TWINS: &[(&str, &str)] = &[(
    "link-skip-unresolved",
    "the IR fixture has a link with `when` that keeps unresolved candidates; the language \
     always skips them when a link has `when`",
)];

fn run_case(source: &str, name: &str) -> String {
    let (rules, text) = source
        .split_once("\n---\n")
        .expect("a case has a line --- before its text");
    let explain: Vec<String> = rules
        .lines()
        .filter_map(|line| line.strip_prefix("#! explain "))
        .map(|rule| rule.trim().to_string())
        .collect();
    let program = sayso_lang::compile_str(name, rules)
        .unwrap_or_else(|diagnostics| panic!("{name} does not compile: {diagnostics:?}"));
    fixtures::run_program(program, &explain, text)
}

#[test]
fn conformance() {
    insta::glob!("../conformance", "*.case", |path| {
        let source = std::fs::read_to_string(path).expect("case is readable");
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or("case");
        let rendered = run_case(&source, &format!("{name}.sayso"));
        let twin = path
            .parent()
            .and_then(|dir| dir.parent())
            .map(|tests| tests.join("fixtures").join(format!("{name}.fixture")));
        let is_twin = !NOT_TWINS.iter().any(|(case, _)| *case == name);
        if let Some(twin) = twin.filter(|twin| is_twin && twin.exists()) {
            let ir_source = std::fs::read_to_string(&twin).expect("fixture is readable");
            let (program, explain, text) = fixtures::fixture_program(&ir_source);
            assert_eq!(
                rendered,
                fixtures::run_program(program, &explain, text),
                "{name}: the rule text and its IR fixture disagree"
            );
        }
        insta::assert_snapshot!(rendered);
    });
}
