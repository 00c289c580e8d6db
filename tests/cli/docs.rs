//! Help with examples for every subcommand, completions and the man page.

use super::{sayso, transcript};

#[test]
fn every_subcommand_has_examples_in_its_help() {
    for sub in [
        "run",
        "check",
        "test",
        "explain",
        "eval",
        "bench",
        "completions",
        "man",
    ] {
        let (code, out) = transcript(&mut sayso(&[sub, "--help"]));
        assert_eq!(code, 0);
        assert!(out.contains("Examples:"), "{sub}: {out}");
        insta::assert_snapshot!(format!("help_{sub}"), out);
    }
}

#[test]
fn the_main_help_documents_exit_codes() {
    let (code, out) = transcript(&mut sayso(&["--help"]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = sayso(&["completions", shell]).output().unwrap();
        assert!(output.status.success());
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(
            script.contains("sayso") && script.contains("explain"),
            "{shell}"
        );
    }
}

#[test]
fn man_page() {
    let output = sayso(&["man"]).output().unwrap();
    assert!(output.status.success());
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH sayso"),
        "{page}"
    );
    assert!(page.contains("eval"));
}
