//! The rule language reference cannot go stale: every ```sayso block in docs/language.md is a
//! complete rule file, and here each one is compiled and its inline examples are run through
//! the engine, as `sayso test` would.

use std::path::Path;

/// The ```sayso blocks of a Markdown text, each with the line it starts on.
fn sayso_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in markdown.lines().enumerate() {
        match &mut current {
            None if line.trim_start() == "```sayso" => current = Some((number + 1, String::new())),
            None => {}
            Some(_) if line.trim_start() == "```" => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

#[test]
fn every_example_in_the_language_reference_passes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/language.md");
    let markdown = std::fs::read_to_string(path).unwrap();
    let blocks = sayso_blocks(&markdown);
    assert!(
        blocks.len() >= 20,
        "the reference shows its constructs as rule files"
    );
    let mut failures = Vec::new();
    let mut examples = 0;
    for (line, source) in &blocks {
        let name = format!("docs/language.md:{line}");
        let program = match sayso_lang::compile_str(&name, source) {
            Ok(program) => program,
            Err(diagnostics) => {
                failures.push(format!("{name} does not compile:\n{diagnostics}"));
                continue;
            }
        };
        let rules = sayso_engine::RuleSet::new(program).unwrap();
        for outcome in rules.run_examples() {
            examples += 1;
            if !outcome.passed {
                failures.push(format!(
                    "{name}: example at {} on {:?}: expected {:?}, got {:?}",
                    outcome.origin, outcome.text, outcome.expected, outcome.got
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        examples >= blocks.len(),
        "most blocks carry examples ({examples} in {} blocks)",
        blocks.len()
    );
}
