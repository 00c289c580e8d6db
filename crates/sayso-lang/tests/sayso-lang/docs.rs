//! Every ```sayso block of docs/language.md is a complete rule file: each must check without a
//! single diagnostic, so the reference cannot drift from the language. (Running the blocks'
//! examples through the engine is the job of the workspace tests.)

use std::path::Path;

use sayso_lang::{CompileOptions, MemoryLoader, check};

/// The ```sayso blocks of a Markdown text, with the line each starts on.
fn sayso_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in markdown.lines().enumerate() {
        match &mut current {
            None if line.trim_end() == "```sayso" => current = Some((number + 2, String::new())),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

#[test]
fn every_sayso_block_in_the_reference_checks_cleanly() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/language.md");
    let markdown = std::fs::read_to_string(&path).unwrap();
    let blocks = sayso_blocks(&markdown);
    assert!(blocks.len() >= 20, "found only {} blocks", blocks.len());
    for (line, text) in blocks {
        let name = format!("language.md:{line}");
        let loader = MemoryLoader::new().with(name.as_str(), text);
        let checked = check(&[Path::new(&name)], &loader, &CompileOptions::default());
        assert!(
            checked.diagnostics.items.is_empty(),
            "block at {name}:\n{}",
            checked.diagnostics
        );
        let program = checked.program.unwrap();
        let examples: usize = program.rules.iter().map(|r| r.examples.len()).sum();
        assert!(examples > 0, "block at {name} has no example");
    }
}
