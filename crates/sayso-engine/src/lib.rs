//! The sayso engine: a checked [`Program`] compiles into a [`RuleSet`], and a rule set runs over
//! a tokenized [`Document`] to give [`Match`]es with their provenance.
//!
//! ```
//! use sayso_engine::RuleSet;
//!
//! let program = sayso_lang::compile_str("demo.sayso", r#"
//!     rule said -> Speech {
//!       match s:[title] c:"said"
//!       emit speaker: s, cue: c
//!     }
//! "#).unwrap();
//! let rules = RuleSet::new(program).unwrap();
//! let text = "Smith said so.";
//! let doc = sayso_tokenize::tokenize(text);
//! let matches = rules.run(&doc);
//! assert_eq!(matches[0].span.text(text), "Smith said");
//! assert_eq!(matches[0].field("speaker").unwrap().span.text(text), "Smith");
//! ```
#![forbid(unsafe_code)]

use std::ops::Range;

pub use sayso_lang::ir::{LabelId, Program, RuleId};
pub use sayso_tokenize::{Document, Span};

/// Why a program could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// A limit of [`EngineConfig`] was exceeded.
    #[error("the rule set exceeds a limit: {0}")]
    Limit(String),
}

/// A compiled rule set: built once, shared by every thread.
#[derive(Debug)]
pub struct RuleSet {
    program: Program,
}

/// One match of a rule, after conflict resolution and linking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// The rule that made it.
    pub rule: RuleId,
    /// Its label.
    pub label: LabelId,
    /// The bytes it covers.
    pub span: Span,
    /// The token indices it covers.
    pub tokens: Range<usize>,
    /// Its captured and linked fields, in the order the rule emits them.
    pub fields: Vec<Field>,
    /// Its constant attributes, in the order the rule emits them.
    pub attrs: Vec<(String, String)>,
    /// Indices (into the same result list) of earlier matches it consumed with `@Label`.
    pub consumed: Vec<usize>,
}

/// A named span of a match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The field name (`speaker`).
    pub name: String,
    /// The bytes it covers.
    pub span: Span,
    /// The token indices it covers.
    pub tokens: Range<usize>,
}

impl Match {
    /// The field with this name, if the match has it.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

impl RuleSet {
    /// Compiles a checked program.
    pub fn new(program: Program) -> Result<RuleSet, CompileError> {
        Ok(RuleSet { program })
    }

    /// The program the rule set was compiled from (names, origins, labels).
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Runs every rule over `doc` and returns the matches that survive conflict resolution,
    /// ordered by start, then end, then rule.
    pub fn run(&self, doc: &Document<'_>) -> Vec<Match> {
        let _ = doc;
        Vec::new()
    }
}
