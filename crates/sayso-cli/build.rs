//! Embeds the default rule pack: walks `rules/` at the workspace root and writes a table of
//! `(relative path, include_str!(absolute path))` into `OUT_DIR`, so the binary needs no other
//! file and rebuilds whenever a rule or lexicon file changes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, base, out);
        } else if let Ok(relative) = path.strip_prefix(base) {
            println!("cargo:rerun-if-changed={}", path.display());
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, path.clone()));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let rules = manifest.join("../../rules");
    let rules = rules.canonicalize().unwrap_or(rules);
    let mut files = Vec::new();
    collect(&rules, &rules, &mut files);
    let mut code = String::from("/// The default rule pack: (path under `rules/`, text).\n");
    code.push_str("pub const DEFAULT_PACK: &[(&str, &str)] = &[\n");
    for (name, path) in &files {
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("default_pack.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
