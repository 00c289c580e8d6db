//! The sayso rule language: rule files are parsed into a syntax tree, names are resolved and
//! checked, and the result is an [`ir::Program`] that `sayso-engine` compiles. Every problem
//! comes back at once as [`Diagnostics`], each with a stable code from [`codes`].
//!
//! The entry points are [`compile_str`] for one file given as text, [`compile`] for files read
//! through a [`Loader`] (such as [`FsLoader`] or [`MemoryLoader`]), [`compile_with`] to set the
//! [`CompileOptions`] limits, and [`check()`] when warnings matter even on success.
//!
//! ```
//! use sayso_lang::{compile_str, ir::Pattern};
//!
//! let program = compile_str("demo.sayso", r#"
//!     rule said -> Speech {
//!       match s:[title] c:"said"
//!       emit speaker: s, cue: c
//!     }
//! "#).unwrap();
//! assert_eq!(program.rules[0].name, "said");
//! assert!(matches!(program.rules[0].pattern, Pattern::Seq(_)));
//! assert_eq!(program.rules[0].pattern_display(&program).to_string(), r#"s:[title] c:"said""#);
//!
//! let errors = compile_str("bad.sayso", "rule r -> X { match [titel] }").unwrap_err();
//! assert_eq!(errors.items[0].code, "E0003");
//! assert!(errors.to_string().contains("did you mean `title`?"));
//! ```
#![forbid(unsafe_code)]

// The parser pest generates without its `std` feature names `alloc`.
extern crate alloc;

mod ast;
mod check;
pub mod codes;
mod diagnostic;
mod display;
pub mod ir;
mod lexicon;
mod load;
mod loader;
mod report;
mod syntax;

pub use diagnostic::{Diagnostic, Diagnostics, FileId, Label, Severity, SourceFile, SourceMap};
pub use display::{PatternDisplay, TokenTestDisplay};
pub use lexicon::normalize;
pub use loader::{FsLoader, Loader, MemoryLoader};

use std::path::Path;

/// Limits that keep compilation bounded on any input, however large or hostile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileOptions {
    /// Deepest nesting of `(`, `[` and `{` in a file; deeper files are rejected before parsing
    /// so the parser cannot exhaust the stack. Parsing, checking and compiling recurse once per
    /// level, a few kilobytes of stack each: the default fits any thread, and a limit raised
    /// into the thousands needs a thread with a larger stack.
    pub max_nesting: usize,
    /// Most rules in a rule set.
    pub max_rules: usize,
    /// Most bytes of all lexicon files together.
    pub max_lexicon_bytes: usize,
    /// Most rule files (roots and imports).
    pub max_files: usize,
    /// Most bytes in one rule file.
    pub max_file_bytes: usize,
    /// Most pattern nodes in one rule once its named patterns are inlined.
    pub max_pattern_size: usize,
    /// Most pattern nodes in the whole program once named patterns are inlined.
    pub max_total_pattern_size: usize,
    /// Largest repetition bound (`{m,n}`).
    pub max_repeat: u32,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            max_nesting: 64,
            max_rules: 20_000,
            max_lexicon_bytes: 64 << 20,
            max_files: 1_000,
            max_file_bytes: 16 << 20,
            max_pattern_size: 100_000,
            max_total_pattern_size: 10_000_000,
            max_repeat: 1_000,
        }
    }
}

/// The outcome of checking a rule set: the program when there is no error, and every
/// diagnostic (errors and warnings) either way.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The checked program, or `None` when any diagnostic is an error.
    pub program: Option<ir::Program>,
    /// Every error and warning, in file and position order.
    pub diagnostics: Diagnostics,
}

/// Loads the rule files at `roots` and everything they import, checks them, and returns the
/// program (if there is no error) together with all warnings and errors.
pub fn check(roots: &[&Path], loader: &dyn Loader, options: &CompileOptions) -> Checked {
    let (program, diagnostics) = check::check(roots, loader, options);
    Checked {
        program,
        diagnostics,
    }
}

/// Like [`compile`], with explicit limits.
pub fn compile_with(
    roots: &[&Path],
    loader: &dyn Loader,
    options: &CompileOptions,
) -> Result<ir::Program, Diagnostics> {
    let checked = check(roots, loader, options);
    match checked.program {
        Some(program) => Ok(program),
        None => Err(checked.diagnostics),
    }
}

/// Loads the rule files at `roots` (and everything they import) through `loader`, and checks
/// them into one program. Warnings are dropped on success; use [`check()`] to see them.
pub fn compile(roots: &[&Path], loader: &dyn Loader) -> Result<ir::Program, Diagnostics> {
    compile_with(roots, loader, &CompileOptions::default())
}

/// Checks one rule file given as text; imports and lexicon files are not available.
pub fn compile_str(name: &str, source: &str) -> Result<ir::Program, Diagnostics> {
    let loader = MemoryLoader::new().with(name, source);
    compile(&[Path::new(name)], &loader)
}
