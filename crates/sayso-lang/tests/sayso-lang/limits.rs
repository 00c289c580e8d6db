//! Hostile and oversized inputs: each must end in a limit diagnostic (or a clean result) in
//! bounded time, never in a stack overflow, a panic or a hang.

use std::fmt::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use sayso_lang::{CompileOptions, MemoryLoader, codes, compile_str, compile_with};

/// The codes of the diagnostics of a failed compilation.
fn error_codes(
    result: Result<sayso_lang::ir::Program, sayso_lang::Diagnostics>,
) -> Vec<&'static str> {
    match result {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.items.iter().map(|d| d.code).collect(),
    }
}

#[test]
fn deeply_nested_groups_hit_the_nesting_limit() {
    let depth = 100_000;
    let source = format!(
        "rule r -> X {{ match {}[]{} }}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    assert_eq!(
        error_codes(compile_str("deep.sayso", &source)),
        [codes::LIMIT]
    );
    let source = format!(
        "rule r -> X {{ match [{}title{}] }}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    assert_eq!(
        error_codes(compile_str("deep.sayso", &source)),
        [codes::LIMIT]
    );
}

#[test]
fn nesting_up_to_the_limit_parses() {
    // The deepest tree per bracket: a capture of a repeated sequence at every level.
    let depth = CompileOptions::default().max_nesting - 2;
    let mut source = String::from("rule r -> X { match s:");
    for n in 0..depth {
        let _ = write!(source, "(\"a\" c{n}:");
    }
    source.push_str("[title]");
    source.push_str(&")+".repeat(depth));
    source.push_str(" emit s: s }");
    let program = compile_str("nested.sayso", &source).unwrap();
    assert_eq!(program.rules[0].captures.len(), depth + 1);
}

#[test]
fn a_hundred_thousand_rules_end_in_a_limit_diagnostic() {
    let mut source = String::new();
    for n in 0..100_000 {
        let _ = writeln!(source, "rule r{n} -> L{n} {{ match c:\"w{n}\" emit c: c }}");
    }
    let started = Instant::now();
    let result = compile_str("many.sayso", &source);
    assert!(started.elapsed() < Duration::from_secs(120));
    assert_eq!(error_codes(result), [codes::LIMIT]);
}

#[test]
fn the_rule_limit_is_configurable() {
    let source =
        "rule a -> A { match c:\"a\" emit c: c }\nrule b -> B { match c:\"b\" emit c: c }\n";
    let loader = MemoryLoader::new().with("two.sayso", source);
    let options = CompileOptions {
        max_rules: 1,
        ..CompileOptions::default()
    };
    let result = compile_with(&[Path::new("two.sayso")], &loader, &options);
    assert_eq!(error_codes(result), [codes::LIMIT]);
    assert!(
        compile_with(
            &[Path::new("two.sayso")],
            &loader,
            &CompileOptions::default()
        )
        .is_ok()
    );
}

#[test]
fn exponential_inlining_hits_the_size_limit() {
    let mut source = String::from("pattern P0 = [title]\n");
    for n in 1..=40 {
        let _ = writeln!(source, "pattern P{n} = P{m} P{m}", m = n - 1);
    }
    source.push_str("rule r -> X { match s:P40 emit s: s }\n");
    let started = Instant::now();
    let codes_found = error_codes(compile_str("exp.sayso", &source));
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(codes_found.contains(&codes::LIMIT), "{codes_found:?}");
}

#[test]
fn long_chains_of_patterns_hit_the_depth_limit() {
    let mut source = String::new();
    for n in 0..10_000 {
        let _ = writeln!(source, "pattern P{n} = P{}", n + 1);
    }
    source.push_str("pattern P10000 = [title]\nrule r -> X { match s:P0 emit s: s }\n");
    let codes_found = error_codes(compile_str("chain.sayso", &source));
    assert!(codes_found.contains(&codes::LIMIT), "{codes_found:?}");
}

#[test]
fn the_lexicon_byte_limit_is_enforced() {
    let loader = MemoryLoader::new()
        .with(
            "lex.sayso",
            "lexicon L = file(\"big.txt\")\nrule r -> X { match c:[L] emit c: c }\n",
        )
        .with("big.txt", "word\n".repeat(1_000));
    let options = CompileOptions {
        max_lexicon_bytes: 100,
        ..CompileOptions::default()
    };
    let result = compile_with(&[Path::new("lex.sayso")], &loader, &options);
    assert_eq!(error_codes(result), [codes::LIMIT]);
}

#[test]
fn garbage_never_panics() {
    let inputs = [
        "",
        "\u{FEFF}",
        "rule",
        "rule r -> X { match \"unterminated }",
        "rule r -> X { match /unterminated }",
        "rule r -> X { match [ }",
        "((((((((",
        "}}}}]]]]))))",
        "rule r -> X { match [] {99999999999999999999} }",
        "rule r -> X priority 99999999999999999999999 { match [] }",
        "lexicon L = {\"\\u{D800}\" \"\\u{110000}\" \"\\q\"}",
        "rule r -> X { match a:b:c:d:[] }",
        "\u{0}\u{1}\u{2}",
        "rule é -> ü { match [ü] }",
        "# only a comment",
        "rule r -> X { match (?<= (?! (?= [])))[] }",
    ];
    for input in inputs {
        // Any outcome is fine as long as it is an outcome.
        let _ = compile_str("garbage.sayso", input).map_err(|d| d.to_string());
    }
}

#[test]
fn paths_are_resolved_relative_to_the_naming_file() {
    let loader = MemoryLoader::new()
        .with(
            "./rules/main.sayso",
            "import \"../shared/names.sayso\"\nrule r -> X { match s:Name emit s: s }\n",
        )
        .with(
            "shared/names.sayso",
            "lexicon L = file(\"./../lexicons/l.txt\")\npattern Name = [L]\n",
        )
        .with("lexicons/l.txt", "smith\n");
    let program = compile_with(
        &[Path::new("rules/./main.sayso")],
        &loader,
        &CompileOptions::default(),
    )
    .unwrap();
    assert_eq!(program.lexicons[0].entries, ["smith"]);
    // A leading `..` stays: it leaves the starting directory.
    let loader =
        MemoryLoader::new().with("../up.sayso", "rule r -> X { match s:\"a\" emit s: s }\n");
    assert!(
        compile_with(
            &[Path::new("../up.sayso")],
            &loader,
            &CompileOptions::default()
        )
        .is_ok()
    );
}

#[test]
fn unbalanced_nesting_fails_fast() {
    // Each level that fails must not make the parser retry the levels inside it. The rule's
    // braces and a bracket count towards the nesting limit too.
    let depth = CompileOptions::default().max_nesting - 3;
    let inputs = [
        format!("rule r -> X {{ match {}[]", "(".repeat(depth)),
        format!(
            "rule r -> X {{ match {}[]{} }}",
            "(".repeat(depth),
            ")".repeat(depth - 1)
        ),
        format!("rule r -> X {{ match {}[]", "(?= ".repeat(depth)),
        format!("rule r -> X {{ match s:[{}title", "(".repeat(depth)),
        format!("rule r -> X {{ match {}\"a\" | ", "a:(".repeat(depth)),
        format!("lexicon L = {}", "{".repeat(depth)),
    ];
    for input in inputs {
        let started = Instant::now();
        let codes_found = error_codes(compile_str("unbalanced.sayso", &input));
        assert!(started.elapsed() < Duration::from_secs(5), "{input}");
        assert!(
            codes_found.contains(&codes::SYNTAX),
            "{input}: {codes_found:?}"
        );
    }
}
