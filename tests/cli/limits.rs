//! The rule-set limits on the command line: each `--max-*` option set below what a rule set
//! needs fails with its error and exit status 2, and raising it again lets the rules load. The
//! fixture `tests/cli/fixtures/limits/limits.sayso` says what it needs of each limit.

use super::{sayso, transcript};

const LIMITS: &str = "tests/cli/fixtures/limits/limits.sayso";
const INPUT: &str = "tests/inputs/one.txt";

/// Each option with a value just below the fixture's need, and the value it needs.
const BELOW_AND_ENOUGH: [(&str, &str, &str); 7] = [
    ("--max-rules", "2", "3"),
    ("--max-nesting", "3", "4"),
    ("--max-files", "1", "2"),
    ("--max-file-bytes", "100", "1000"),
    ("--max-lexicon-bytes", "20", "21"),
    ("--max-repeat", "2", "3"),
    ("--max-instructions", "10", "1000"),
];

#[test]
fn each_limit_below_the_rule_set_fails_with_exit_2_and_names_its_option() {
    let mut all = String::new();
    for (option, below, _) in BELOW_AND_ENOUGH {
        let (code, out) = transcript(&mut sayso(&["check", option, below, LIMITS]));
        assert_eq!(code, 2, "{option} {below}: {out}");
        assert!(out.contains(option), "{option} {below}: {out}");
        all.push_str(&format!("=== check {option} {below}\n{out}\n"));
    }
    insta::assert_snapshot!(all);
}

#[test]
fn raising_each_limit_makes_the_rule_set_load() {
    for (option, _, enough) in BELOW_AND_ENOUGH {
        let (code, out) = transcript(&mut sayso(&["check", option, enough, LIMITS]));
        assert_eq!(code, 0, "{option} {enough}: {out}");
        assert!(out.contains("ok: 3 rules"), "{option} {enough}: {out}");
    }
}

/// The pattern-size limits also report `E0021`, but the checker goes on with the patterns it
/// dropped and reports their captures as unbound, so only the limit's own lines are checked.
#[test]
fn the_pattern_size_limits_fail_with_e0021() {
    for (option, below) in [
        ("--max-pattern-size", "3"),
        ("--max-total-pattern-size", "12"),
    ] {
        let (code, out) = transcript(&mut sayso(&["check", option, below, LIMITS]));
        assert_eq!(code, 2, "{option} {below}: {out}");
        assert!(out.contains("E0021"), "{option} {below}: {out}");
        assert!(out.contains("grows past"), "{option} {below}: {out}");
        assert!(
            out.contains("raise `--max-pattern-size`"),
            "{option}: {out}"
        );
        let (code, out) = transcript(&mut sayso(&["check", option, "100", LIMITS]));
        assert_eq!(code, 0, "{option} 100: {out}");
    }
}

#[test]
fn every_subcommand_that_loads_rules_takes_the_limits() {
    let commands: [&[&str]; 6] = [
        &["run", "-r", LIMITS, INPUT],
        &["check", LIMITS],
        &["test", LIMITS],
        &[
            "explain",
            "-r",
            LIMITS,
            "--rule",
            "quote_said",
            "“Yes,” Smith said.",
        ],
        &["bench", "-r", LIMITS, INPUT],
        &["eval", "-r", LIMITS, "tests/eval/gold.jsonl"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.extend(["--max-rules", "2"]);
        let (code, out) = transcript(&mut sayso(&args));
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(
            out.contains("E0021") && out.contains("the rule set has more than 2 rules"),
            "{args:?}: {out}"
        );
        args.pop();
        args.push("3");
        let (code, out) = transcript(&mut sayso(&args));
        assert_ne!(code, 2, "{args:?}: {out}");
    }
}

#[test]
fn the_engine_limit_stops_run_before_any_document() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        LIMITS,
        "--format",
        "jsonl",
        "--max-instructions",
        "10",
        INPUT,
    ]));
    assert_eq!(code, 2);
    insta::assert_snapshot!(out);
}

#[test]
fn a_raised_limit_lets_run_find_the_matches() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        LIMITS,
        "--format",
        "csv",
        "--max-rules",
        "3",
        "--max-nesting",
        "4",
        "--max-instructions",
        "1000",
        INPUT,
    ]));
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn the_embedded_pack_obeys_the_limits_too() {
    let (code, out) = transcript(&mut sayso(&["check", "--max-rules", "5"]));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("the rule set has more than 5 rules"), "{out}");
}

/// Parsing, checking and compiling recurse once per level of nesting, so a raised nesting
/// limit needs a stack to match: 3,000 levels overflowed the main thread's before the rules
/// compiled on a thread sized for the limit. Generated at run time, not committed.
#[test]
fn a_raised_nesting_limit_compiles_deep_rules_without_overflowing_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("deep.sayso");
    let depth = 5_000;
    let source = format!(
        "rule deep -> Hit {{ match {}\"x\"{} }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    std::fs::write(&deep, source).unwrap();
    let path = deep.to_str().unwrap();
    let (code, out) = transcript(&mut sayso(&["check", "--max-nesting", "6000", path]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok: 1 rules"), "{out}");
    let (code, out) = transcript(&mut sayso(&["check", "--max-nesting", "4000", path]));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("nested more than 4000 levels"), "{out}");
}
