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
