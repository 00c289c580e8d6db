//! The shipped attribution pack on the seed article and on the short articles written for the
//! tests (one construction each): each snapshot lists every attribution with its rule, kind,
//! speaker, cue, content and resolved speaker, so a change to the pack shows as a reviewable diff.

use std::fmt::Write as _;
use std::path::Path;

use sayso_engine::{Match, RuleSet};

fn pack() -> RuleSet {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/attribution.sayso");
    let program = sayso_lang::compile(&[&root], &sayso_lang::FsLoader)
        .unwrap_or_else(|diagnostics| panic!("the pack does not compile:\n{diagnostics}"));
    RuleSet::new(program).unwrap()
}

/// The attributions of one text, one block each, in text order.
fn render(rules: &RuleSet, text: &str) -> String {
    let doc = sayso_tokenize::tokenize(text);
    let program = rules.program();
    let mut out = String::new();
    let attributions = rules
        .run(&doc)
        .into_iter()
        .filter(|m| program.labels[m.label.0 as usize].name == "Attribution");
    for m in attributions {
        render_match(&mut out, rules, text, &m);
    }
    if out.is_empty() {
        out.push_str("(no attribution)\n");
    }
    out
}

fn render_match(out: &mut String, rules: &RuleSet, text: &str, m: &Match) {
    let rule = &rules.program().rules[m.rule.0 as usize];
    let kind = m.attr("kind").unwrap_or("-");
    let _ = writeln!(
        out,
        "{} [{kind}] {}..{}",
        rule.name, m.span.start, m.span.end
    );
    for name in ["speaker", "cue", "content", "resolved"] {
        if let Some(field) = m.field(name) {
            let _ = writeln!(out, "  {name:<8} {:?}", field.span.text(text));
        }
    }
}

#[test]
fn seed_article() {
    let text = include_str!("articles/seed.txt");
    insta::assert_snapshot!(render(&pack(), text));
}

#[test]
fn one_construction_per_article() {
    let rules = pack();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("articles/attribution");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "at least ten construction articles");
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let rendered = format!("{text}\n---\n{}", render(&rules, &text));
        insta::assert_snapshot!(format!("pack_{name}"), rendered);
    }
}
