//! Each fixture in `tests/diagnostics/` holds one kind of mistake (or several, in
//! `many-errors.sayso`); its snapshot is the plain rendering of every diagnostic.

use sayso_lang::{CompileOptions, check};

use crate::{DirLoader, file_name};

#[test]
fn rendered_diagnostics() {
    let loader = DirLoader::fixtures("diagnostics");
    insta::glob!("../diagnostics", "*.sayso", |path| {
        let name = file_name(path);
        let checked = check(
            &[std::path::Path::new(&name)],
            &loader,
            &CompileOptions::default(),
        );
        assert!(
            !checked.diagnostics.items.is_empty(),
            "{name} should produce diagnostics"
        );
        // A fixture with an error must not yield a program.
        assert_eq!(
            checked.program.is_none(),
            checked.diagnostics.has_errors(),
            "{name}"
        );
        insta::assert_snapshot!(checked.diagnostics.to_string());
    });
}
