//! Each fixture in `tests/programs/` is a valid rule file; its snapshot is the checked program
//! printed by [`crate::printer`], with any warnings first.

use sayso_lang::{CompileOptions, check};

use crate::printer::print_program;
use crate::{DirLoader, file_name};

#[test]
fn checked_programs() {
    let loader = DirLoader::fixtures("programs");
    insta::glob!("../programs", "*.sayso", |path| {
        let name = file_name(path);
        let checked = check(
            &[std::path::Path::new(&name)],
            &loader,
            &CompileOptions::default(),
        );
        let program = checked
            .program
            .unwrap_or_else(|| panic!("{name} should check cleanly:\n{}", checked.diagnostics));
        let mut text = String::new();
        if !checked.diagnostics.items.is_empty() {
            text.push_str(&checked.diagnostics.to_string());
            text.push('\n');
        }
        text.push_str(&print_program(&program));
        insta::assert_snapshot!(text);
    });
}

/// Printing a rule's pattern and checking the print again gives the same pattern: what
/// `sayso explain` shows is the rule as the engine runs it. Rules with sub-captures are left
/// out, as `s.t:` names a capture the syntax cannot bind.
#[test]
fn printed_patterns_read_back_the_same() {
    let loader = DirLoader::fixtures("programs");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs");
    let mut compared = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "sayso") {
            continue;
        }
        let name = file_name(&path);
        let options = CompileOptions::default();
        let program = check(&[std::path::Path::new(&name)], &loader, &options)
            .program
            .unwrap();
        let original = std::fs::read_to_string(&path).unwrap();
        for rule in &program.rules {
            if rule.captures.iter().any(|c| c.contains('.')) {
                continue;
            }
            let printed = rule.pattern_display(&program).to_string();
            let source =
                format!("{original}\nrule round_trip -> RoundTrip {{ match {printed} }}\n");
            let reread = sayso_lang::MemoryLoader::new().with(&name, source);
            let checked = check(
                &[std::path::Path::new(&name)],
                &DirLoaderWith(&loader, &reread),
                &options,
            );
            let again = checked.program.unwrap_or_else(|| {
                panic!(
                    "{name}: `{printed}` does not check:\n{}",
                    checked.diagnostics
                )
            });
            let copy = again.rules.iter().find(|r| r.name == "round_trip").unwrap();
            assert_eq!(copy.pattern, rule.pattern, "{name}: {printed}");
            compared += 1;
        }
    }
    assert!(compared > 30, "{compared}");
}

/// Reads the root from memory and everything else (lexicon files, imports) from the fixtures.
struct DirLoaderWith<'a>(&'a DirLoader, &'a sayso_lang::MemoryLoader);

impl sayso_lang::Loader for DirLoaderWith<'_> {
    fn load(&self, path: &std::path::Path) -> std::io::Result<String> {
        self.1.load(path).or_else(|_| self.0.load(path))
    }
}
