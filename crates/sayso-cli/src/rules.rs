//! Where the rule set comes from: the pack embedded at build time, or the files and directories
//! given with `--rules`; and how rule diagnostics are shown (through miette, like rustc).

use std::path::{Path, PathBuf};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use sayso_engine::RuleSet;
use sayso_lang::{Diagnostic, Diagnostics, FsLoader, MemoryLoader, Severity, SourceMap};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/default_pack.rs"));
}

/// The prefix of the embedded files' names in diagnostics and rule origins.
const EMBEDDED_DIR: &str = "rules";

/// Why a rule set could not be loaded.
#[derive(Debug)]
pub enum RulesError {
    /// Errors in the rule files.
    Diagnostics(Diagnostics),
    /// A `--rules` path could not be listed, or the engine refused the program.
    Other(String),
}

/// The embedded files as (name, text), names under `rules/`.
pub fn embedded_files() -> impl Iterator<Item = (String, &'static str)> {
    embedded::DEFAULT_PACK
        .iter()
        .map(|(name, text)| (format!("{EMBEDDED_DIR}/{name}"), *text))
}

/// Loads the rule set from `paths`, or the embedded pack when there are none.
pub fn load(paths: &[PathBuf]) -> Result<RuleSet, RulesError> {
    load_with_warnings(paths).map(|(rules, _warnings)| rules)
}

/// Like [`load`], and also returns the warnings of a rule set that loaded.
pub fn load_with_warnings(paths: &[PathBuf]) -> Result<(RuleSet, Diagnostics), RulesError> {
    let options = sayso_lang::CompileOptions::default();
    let checked = if paths.is_empty() {
        let mut loader = MemoryLoader::new();
        let mut roots = Vec::new();
        for (name, text) in embedded_files() {
            // The top-level rule files are the roots; the rest are imports and lexicons.
            if name.ends_with(".sayso") && name.matches('/').count() == 1 {
                roots.push(PathBuf::from(&name));
            }
            loader = loader.with(name, text);
        }
        let roots: Vec<&Path> = roots.iter().map(PathBuf::as_path).collect();
        sayso_lang::check(&roots, &loader, &options)
    } else {
        let roots = rule_files(paths)?;
        let roots: Vec<&Path> = roots.iter().map(PathBuf::as_path).collect();
        sayso_lang::check(&roots, &FsLoader, &options)
    };
    let Some(program) = checked.program else {
        return Err(RulesError::Diagnostics(checked.diagnostics));
    };
    let rules = RuleSet::new(program).map_err(|e| RulesError::Other(e.to_string()))?;
    Ok((rules, checked.diagnostics))
}

/// The `.sayso` files named by `paths`: files as given, directories searched recursively.
fn rule_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, RulesError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path())
                .filter(|p| p.extension().is_some_and(|x| x == "sayso"))
                .collect();
            if found.is_empty() {
                return Err(RulesError::Other(format!(
                    "no .sayso file under {}",
                    path.display()
                )));
            }
            files.append(&mut found);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(RulesError::Other(format!(
                "cannot read rules {}: no such file or directory",
                path.display()
            )));
        }
    }
    Ok(files)
}

/// Prints a loading failure on stderr.
pub fn report(error: &RulesError, color: bool) {
    match error {
        RulesError::Diagnostics(diagnostics) => eprint!("{}", render(diagnostics, color)),
        RulesError::Other(message) => eprintln!("error: {message}"),
    }
}

/// Renders every diagnostic like rustc does, followed by a count.
pub fn render(diagnostics: &Diagnostics, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    for item in &diagnostics.items {
        let report = RuleDiagnostic::new(&diagnostics.sources, item);
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}: {}\n", item.code, item.message));
        }
        out.push('\n');
    }
    let errors = diagnostics
        .items
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.items.len() - errors;
    match (errors, warnings) {
        (0, 0) => out.push_str("error: the rule set could not be loaded\n"),
        (0, w) => out.push_str(&format!("warning: {w} warning(s)\n")),
        (e, w) => out.push_str(&format!(
            "error: could not load the rules: {e} error(s), {w} warning(s)\n"
        )),
    }
    out
}

/// A rule-file diagnostic as miette sees it: one source file with its labels; labels in other
/// files become related diagnostics so each is shown against its own text.
#[derive(Debug)]
struct RuleDiagnostic {
    message: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    related: Vec<RuleDiagnostic>,
}

impl RuleDiagnostic {
    fn new(sources: &SourceMap, d: &Diagnostic) -> Self {
        let severity = match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        };
        let file = d.primary.file;
        let label = |l: &sayso_lang::Label, primary: bool| {
            let text = (!l.message.is_empty()).then(|| l.message.clone());
            let span = (l.span.start, l.span.end.saturating_sub(l.span.start));
            if primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        };
        let mut labels = vec![label(&d.primary, true)];
        let mut related = Vec::new();
        for other in &d.secondary {
            if other.file == file {
                labels.push(label(other, false));
            } else {
                related.push(RuleDiagnostic {
                    message: if other.message.is_empty() {
                        "related".to_owned()
                    } else {
                        other.message.clone()
                    },
                    code: String::new(),
                    severity: miette::Severity::Advice,
                    help: None,
                    source: named_source(sources, other.file),
                    labels: vec![LabeledSpan::new_primary_with_span(
                        None,
                        (
                            other.span.start,
                            other.span.end.saturating_sub(other.span.start),
                        ),
                    )],
                    related: Vec::new(),
                });
            }
        }
        RuleDiagnostic {
            message: d.message.clone(),
            code: d.code.to_owned(),
            severity,
            help: d.help.clone(),
            source: named_source(sources, file),
            labels,
            related,
        }
    }
}

fn named_source(sources: &SourceMap, id: sayso_lang::FileId) -> NamedSource<String> {
    match sources.files().get(id.0 as usize) {
        Some(file) => NamedSource::new(&file.name, file.text.clone()),
        None => NamedSource::new("<unknown>", String::new()),
    }
}

impl std::fmt::Display for RuleDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuleDiagnostic {}

impl miette::Diagnostic for RuleDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn std::fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two errors in one file, one with a note in another file, rendered without colour.
    #[test]
    fn diagnostics_render_like_rustc() {
        let mut sources = SourceMap::default();
        let rules = sources.add(
            "pack.sayso",
            "lexicon SAY = {said}\n\nrule r -> A {\n  match s:Speakr c:[SAYS]\n  emit speaker: s\n}\n",
        );
        let common = sources.add("common.sayso", "pattern Speaker = [title]\n");
        let label = |file, start: usize, end: usize, message: &str| sayso_lang::Label {
            file,
            span: start..end,
            message: message.to_owned(),
        };
        let text = &sources.file(rules).text;
        let speakr = text.find("Speakr").unwrap();
        let says = text.find("SAYS").unwrap();
        let diagnostics = Diagnostics {
            items: vec![
                Diagnostic {
                    severity: Severity::Error,
                    code: "E0002",
                    message: "unknown pattern `Speakr`".to_owned(),
                    primary: label(rules, speakr, speakr + 6, "not declared"),
                    secondary: vec![label(common, 8, 15, "a similar name is declared here")],
                    help: Some("did you mean `Speaker`?".to_owned()),
                },
                Diagnostic {
                    severity: Severity::Error,
                    code: "E0003",
                    message: "unknown lexicon `SAYS`".to_owned(),
                    primary: label(rules, says, says + 4, ""),
                    secondary: vec![label(rules, 8, 11, "`SAY` is declared here")],
                    help: Some("did you mean `SAY`?".to_owned()),
                },
            ],
            sources,
        };
        insta::assert_snapshot!(render(&diagnostics, false));
    }
}
