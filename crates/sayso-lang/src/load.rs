//! Loading the files of a rule set: roots, their imports (each file once), and import cycles.

use std::collections::HashMap;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::ast::{self, ByteSpan};
use crate::diagnostic::FileId;
use crate::loader::Loader;
use crate::report::Reporter;
use crate::{CompileOptions, codes, syntax};

/// A parsed rule file.
pub(crate) struct LoadedFile {
    pub id: FileId,
    pub path: PathBuf,
    pub ast: ast::File,
}

/// Why a file could not be read, in the words of a diagnostic.
pub(crate) enum ReadError {
    Missing(String),
    NotText(String),
    TooLarge(usize),
}

/// Reads a file through the loader and classifies failures.
pub(crate) fn read(
    loader: &dyn Loader,
    path: &Path,
    max_bytes: usize,
) -> Result<String, ReadError> {
    match loader.load(path) {
        Ok(text) if text.len() > max_bytes => Err(ReadError::TooLarge(text.len())),
        Ok(text) if text.contains('\0') => Err(ReadError::NotText(
            "it holds NUL bytes, so it looks like a binary file".into(),
        )),
        Ok(text) => Ok(text),
        Err(error) if error.kind() == io::ErrorKind::InvalidData => {
            Err(ReadError::NotText("it is not valid UTF-8 text".into()))
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            Err(ReadError::Missing("no such file".into()))
        }
        Err(error) => Err(ReadError::Missing(error.to_string())),
    }
}

/// Joins `relative` to the directory of `base` and removes `.` and `..` lexically, so that one
/// file reached by two spellings is loaded once.
pub(crate) fn resolve(base: &Path, relative: &str) -> PathBuf {
    let joined = match base.parent() {
        Some(dir) => dir.join(relative),
        None => PathBuf::from(relative),
    };
    clean(&joined)
}

pub(crate) fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                // Only a named directory can be undone; leading `..` (and the root) stay.
                match out.components().next_back() {
                    Some(Component::Normal(_)) => {
                        out.pop();
                    }
                    Some(Component::RootDir | Component::Prefix(_)) => {}
                    _ => out.push(".."),
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Loads the roots and every file they import. Files are returned in load order (roots first,
/// then imports breadth first), each once.
pub(crate) fn load_all(
    roots: &[&Path],
    loader: &dyn Loader,
    options: &CompileOptions,
    reporter: &mut Reporter,
) -> Vec<LoadedFile> {
    let mut files: Vec<LoadedFile> = Vec::new();
    let mut by_path: HashMap<PathBuf, usize> = HashMap::new();
    // Import edges: (importing file index, imported file index, span of the import string).
    let mut edges: Vec<(usize, usize, ByteSpan)> = Vec::new();
    let mut queue: Vec<(PathBuf, Option<(usize, ByteSpan)>)> =
        roots.iter().map(|r| (clean(r), None)).collect();
    let mut next = 0;
    let mut limit_reported = false;
    while next < queue.len() {
        let (path, importer) = queue[next].clone();
        next += 1;
        if let Some(&index) = by_path.get(&path) {
            if let Some((from, span)) = importer {
                edges.push((from, index, span));
            }
            continue;
        }
        if files.len() >= options.max_files {
            if !limit_reported {
                limit_reported = true;
                let (file, span) = match &importer {
                    Some((from, span)) => (files[*from].id, span.clone()),
                    None => (reporter.placeholder(&path), 0..0),
                };
                reporter.error(
                    codes::LIMIT,
                    format!("the rule set has more than {} files", options.max_files),
                    file,
                    span,
                    "this file is one too many",
                    Some("raise `max_files` in the compile options".into()),
                );
            }
            continue;
        }
        let text = match read(loader, &path, options.max_file_bytes) {
            Ok(text) => text,
            Err(error) => {
                let (file, span) = match &importer {
                    Some((from, span)) => (files[*from].id, span.clone()),
                    None => (reporter.placeholder(&path), 0..0),
                };
                let shown = path.display();
                let label = if importer.is_some() {
                    "imported here"
                } else {
                    "given as a rule file"
                };
                let _ = match error {
                    ReadError::Missing(why) => reporter.error(
                        codes::MISSING_FILE,
                        format!("cannot read rule file `{shown}`: {why}"),
                        file,
                        span,
                        label,
                        Some("paths are relative to the file that names them".into()),
                    ),
                    ReadError::NotText(why) => reporter.error(
                        codes::NOT_TEXT,
                        format!("rule file `{shown}` is not text: {why}"),
                        file,
                        span,
                        label,
                        Some("rule files must be UTF-8 text".into()),
                    ),
                    ReadError::TooLarge(size) => reporter.error(
                        codes::LIMIT,
                        format!(
                            "rule file `{shown}` has {size} bytes, more than the limit of {}",
                            options.max_file_bytes
                        ),
                        file,
                        span,
                        label,
                        Some("raise `max_file_bytes` in the compile options".into()),
                    ),
                };
                continue;
            }
        };
        let id = reporter.add_source(path.display().to_string(), text);
        let parsed = syntax::parse_file(reporter.text(id), options.max_nesting);
        for problem in parsed.problems {
            reporter.error(
                problem.code,
                problem.message,
                id,
                problem.span,
                problem.label,
                problem.help,
            );
        }
        let index = files.len();
        by_path.insert(path.clone(), index);
        if let Some((from, span)) = importer {
            edges.push((from, index, span));
        }
        for declaration in &parsed.file.declarations {
            if let ast::Declaration::Import(target) = declaration {
                queue.push((
                    resolve(&path, &target.value),
                    Some((index, target.span.clone())),
                ));
            }
        }
        files.push(LoadedFile {
            id,
            path,
            ast: parsed.file,
        });
    }
    report_cycles(&files, &edges, reporter);
    files
}

/// Finds import cycles with an iterative depth-first search and reports each once, at the
/// import that closes it.
fn report_cycles(
    files: &[LoadedFile],
    edges: &[(usize, usize, ByteSpan)],
    reporter: &mut Reporter,
) {
    let mut out: Vec<Vec<(usize, ByteSpan)>> = vec![Vec::new(); files.len()];
    for (from, to, span) in edges {
        out[*from].push((*to, span.clone()));
    }
    // 0: unvisited, 1: on the stack, 2: done.
    let mut state = vec![0u8; files.len()];
    for start in 0..files.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
            if *edge >= out[node].len() {
                state[node] = 2;
                stack.pop();
                continue;
            }
            let (target, span) = out[node][*edge].clone();
            *edge += 1;
            match state[target] {
                0 => {
                    state[target] = 1;
                    stack.push((target, 0));
                }
                1 => {
                    let from = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                    let mut names: Vec<String> = stack[from..]
                        .iter()
                        .map(|(n, _)| files[*n].path.display().to_string())
                        .collect();
                    names.push(files[target].path.display().to_string());
                    reporter.error(
                        codes::IMPORT_CYCLE,
                        format!("import cycle: {}", names.join(" -> ")),
                        files[node].id,
                        span,
                        "this import closes the cycle",
                        Some("move what both files need into a third file that both import".into()),
                    );
                }
                _ => {}
            }
        }
    }
}
