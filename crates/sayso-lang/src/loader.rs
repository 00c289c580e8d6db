//! Where rule and lexicon files come from. Loading goes through a trait so that the embedded
//! default pack, tests and fuzzers can load from memory and the checker stays free of IO policy.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// Reads the files a rule set names (its roots, imports and lexicon files).
pub trait Loader {
    /// Returns the text of the file at `path`. Relative paths in rule files are joined to the
    /// directory of the file that names them before they reach the loader.
    fn load(&self, path: &Path) -> io::Result<String>;
}

/// Reads from the file system; files must be UTF-8.
#[derive(Clone, Copy, Debug, Default)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }
}

/// Reads from a map of paths to texts, such as files embedded in a binary.
#[derive(Clone, Debug, Default)]
pub struct MemoryLoader {
    files: BTreeMap<PathBuf, String>,
}

impl MemoryLoader {
    /// An empty loader.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file. Paths are compared after removing `.` and `..` segments, as the checker
    /// does with the paths it resolves, so `./rules/a.sayso` and `rules/a.sayso` are one file.
    pub fn with(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.files
            .insert(crate::load::clean(&path.into()), text.into());
        self
    }
}

impl Loader for MemoryLoader {
    fn load(&self, path: &Path) -> io::Result<String> {
        self.files
            .get(&crate::load::clean(path))
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such embedded file"))
    }
}
