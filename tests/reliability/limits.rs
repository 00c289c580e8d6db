//! Hostile rule sets end in a diagnostic (or a bounded, working rule set), never in a crash, a
//! hang or exhausted memory. The big inputs are generated at run time, not committed.

use std::fs;
use std::path::Path;

use sayso_engine::{CompileError, RuleSet};
use sayso_lang::{CompileOptions, Diagnostics, FsLoader, codes};

/// Compiles the rule file `root` under `dir` with `options`.
fn compile_files(
    dir: &Path,
    root: &str,
    options: &CompileOptions,
) -> Result<sayso_lang::ir::Program, Diagnostics> {
    let root = dir.join(root);
    sayso_lang::compile_with(&[root.as_path()], &FsLoader, options)
}

/// Asserts that the diagnostics hold an error with `code` whose message contains `words`.
fn assert_error(result: Result<sayso_lang::ir::Program, Diagnostics>, code: &str, words: &str) {
    let diagnostics = match result {
        Ok(_) => panic!("expected error {code}, the rule set compiled"),
        Err(diagnostics) => diagnostics,
    };
    assert!(
        diagnostics
            .items
            .iter()
            .any(|d| d.code == code && d.message.contains(words)),
        "expected {code} mentioning {words:?}, got:\n{diagnostics}"
    );
    // The rendering must work too: it is what the user sees.
    assert!(diagnostics.to_string().contains(code));
}

fn many_rules(count: usize) -> String {
    (0..count)
        .map(|i| format!("rule r{i} -> Hit {{ match \"w{i}\" }}\n"))
        .collect()
}

#[test]
fn too_many_rules_hit_the_configured_rule_limit() {
    // The default limit is 20,000 rules; a hundred thousand take the same path (measured by hand
    // in docs/limits.md). The suite lowers the limit so that it stays fast in debug builds.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("many.sayso"), many_rules(2_500)).unwrap();
    let options = CompileOptions {
        max_rules: 2_000,
        ..CompileOptions::default()
    };
    assert_error(
        compile_files(dir.path(), "many.sayso", &options),
        codes::LIMIT,
        "more than 2000 rules",
    );
    let program = compile_files(dir.path(), "many.sayso", &CompileOptions::default()).unwrap();
    assert_eq!(program.rules.len(), 2_500);
    assert_eq!(CompileOptions::default().max_rules, 20_000);
}

#[test]
fn groups_nested_ten_thousand_deep_hit_the_nesting_limit() {
    let source = format!(
        "rule deep -> Hit {{ match {}[]{} }}",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    assert_error(
        sayso_lang::compile_str("deep.sayso", &source),
        codes::LIMIT,
        "nested more than 64 levels",
    );
    let tests = format!(
        "rule deep -> Hit {{ match [{}word{}] }}",
        "!(".repeat(10_000),
        ")".repeat(10_000)
    );
    assert_error(
        sayso_lang::compile_str("deep.sayso", &tests),
        codes::LIMIT,
        "nested more than 64 levels",
    );
}

#[test]
fn unclosed_brackets_ten_thousand_deep_end_in_a_diagnostic() {
    let source = format!("rule deep -> Hit {{ match {}", "([".repeat(10_000));
    let diagnostics = sayso_lang::compile_str("deep.sayso", &source).unwrap_err();
    assert!(diagnostics.has_errors());
}

#[test]
fn named_patterns_that_double_at_each_step_hit_the_size_limit() {
    // Each pattern is two copies of the one before: inlined, the last would have 2^60 nodes.
    // The limits are lowered so the suite stays fast; the defaults take the same path.
    let mut source = String::from("pattern P0 = \"a\"\n");
    for i in 1..60 {
        source.push_str(&format!("pattern P{i} = P{} P{}\n", i - 1, i - 1));
    }
    source.push_str("rule bomb -> Hit { match P59 }\n");
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bomb.sayso"), source).unwrap();
    let options = CompileOptions {
        max_pattern_size: 1_000,
        max_total_pattern_size: 10_000,
        ..CompileOptions::default()
    };
    assert_error(
        compile_files(dir.path(), "bomb.sayso", &options),
        codes::LIMIT,
        "grows past 1000 nodes",
    );
}

#[test]
fn a_ten_megabyte_lexicon_loads_or_hits_the_configured_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut lexicon = String::with_capacity(10 << 20);
    let mut i = 0u64;
    while lexicon.len() < 10 << 20 {
        lexicon.push_str(&format!("word{i:x} entry{}\n", i % 7));
        i += 1;
    }
    fs::write(dir.path().join("big.txt"), &lexicon).unwrap();
    fs::write(
        dir.path().join("rules.sayso"),
        "lexicon BIG = file(\"big.txt\")\nrule big -> Hit { match BIG }\n",
    )
    .unwrap();
    let options = CompileOptions {
        max_lexicon_bytes: 1 << 20,
        ..CompileOptions::default()
    };
    assert_error(
        compile_files(dir.path(), "rules.sayso", &options),
        codes::LIMIT,
        "goes over the limit of 1048576 bytes",
    );
}

#[test]
fn import_cycles_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.sayso"),
        "import \"b.sayso\"\nrule a -> Hit { match \"a\" }\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("b.sayso"),
        "import \"c.sayso\"\nrule b -> Hit { match \"b\" }\n",
    )
    .unwrap();
    fs::write(dir.path().join("c.sayso"), "import \"a.sayso\"\n").unwrap();
    assert_error(
        compile_files(dir.path(), "a.sayso", &CompileOptions::default()),
        codes::IMPORT_CYCLE,
        "import cycle",
    );
    fs::write(dir.path().join("self.sayso"), "import \"self.sayso\"\n").unwrap();
    assert_error(
        compile_files(dir.path(), "self.sayso", &CompileOptions::default()),
        codes::IMPORT_CYCLE,
        "import cycle",
    );
}

#[test]
fn missing_and_binary_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("missing.sayso"),
        "import \"nowhere.sayso\"\nrule a -> Hit { match \"a\" }\n",
    )
    .unwrap();
    assert_error(
        compile_files(dir.path(), "missing.sayso", &CompileOptions::default()),
        codes::MISSING_FILE,
        "nowhere.sayso",
    );
    let mut binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    binary.extend_from_slice(&[0xff, 0xfe, 0x00, 0xc3]);
    fs::write(dir.path().join("binary.sayso"), &binary).unwrap();
    fs::write(dir.path().join("binary.txt"), &binary).unwrap();
    fs::write(
        dir.path().join("imports-binary.sayso"),
        "import \"binary.sayso\"\nrule a -> Hit { match \"a\" }\n",
    )
    .unwrap();
    assert_error(
        compile_files(
            dir.path(),
            "imports-binary.sayso",
            &CompileOptions::default(),
        ),
        codes::NOT_TEXT,
        "binary.sayso",
    );
    fs::write(
        dir.path().join("binary-lexicon.sayso"),
        "lexicon B = file(\"binary.txt\")\nrule a -> Hit { match [B] }\n",
    )
    .unwrap();
    let diagnostics = compile_files(
        dir.path(),
        "binary-lexicon.sayso",
        &CompileOptions::default(),
    )
    .unwrap_err();
    assert!(
        diagnostics.to_string().contains("binary.txt"),
        "{diagnostics}"
    );
    fs::create_dir(dir.path().join("folder.sayso")).unwrap();
    fs::write(
        dir.path().join("imports-folder.sayso"),
        "import \"folder.sayso\"\nrule a -> Hit { match \"a\" }\n",
    )
    .unwrap();
    let diagnostics = compile_files(
        dir.path(),
        "imports-folder.sayso",
        &CompileOptions::default(),
    )
    .unwrap_err();
    assert!(
        diagnostics.to_string().contains("folder.sayso"),
        "{diagnostics}"
    );
}

#[test]
fn a_rule_too_large_for_the_engine_is_refused_with_a_limit_error() {
    // Counted repetition expands: a thousand copies of a thousand tokens.
    let program =
        sayso_lang::compile_str("big.sayso", "rule big -> Hit { match ([]{1000}){1000} }")
            .expect("the checker accepts counts up to 1000");
    match RuleSet::new(program) {
        Err(CompileError::Limit(message)) => {
            assert!(message.contains("100000 instructions"), "{message}");
        }
        Err(other) => panic!("expected a limit error, got {other}"),
        Ok(_) => panic!("expected a limit error, the rule compiled"),
    }
}
