//! Tests of sayso-lang, driven by fixture files: every `.sayso` file under `tests/diagnostics/`
//! is a rule file with planted problems whose rendered diagnostics are snapshotted, and every
//! one under `tests/programs/` is a valid rule file whose checked program is snapshotted.

mod diagnostics;
mod docs;
mod limits;
mod printer;
mod programs;
mod robustness;

use std::io;
use std::path::{Path, PathBuf};

use sayso_lang::Loader;

/// Reads files relative to a fixture directory, so diagnostics show short, portable paths.
pub struct DirLoader {
    base: PathBuf,
}

impl DirLoader {
    /// A loader rooted at `tests/<dir>` of this crate.
    pub fn fixtures(dir: &str) -> Self {
        DirLoader {
            base: Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests")
                .join(dir),
        }
    }
}

impl Loader for DirLoader {
    fn load(&self, path: &Path) -> io::Result<String> {
        let bytes = std::fs::read(self.base.join(path))?;
        String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

/// The name of a fixture relative to its directory.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
