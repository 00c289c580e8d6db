//! Input documents: files, directories, stdin, and JSON Lines, read lazily in input order.
//! Every problem becomes a failed document in its place, so that one bad input is reported and
//! the others still go through.
//!
//! Reading is split in two so that a reader thread does only what must be done in order
//! (reading bytes, splitting lines, checking UTF-8, skipping blank lines) and hands out
//! [`RawDocument`]s, while the costly rest (parsing a JSON line, decoding a file) runs on the
//! worker threads in [`RawDocument::load`].

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// How input files are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputKind {
    /// Each file (or stdin) is one document; its id is its path (`-` for stdin).
    Text,
    /// Each line is a JSON object with an id and a text field.
    Jsonl,
}

/// Input settings shared by `run`, `bench` and `explain`.
#[derive(Clone, Debug, clap::Args)]
pub struct InputArgs {
    /// How to read inputs.
    #[arg(long = "input", value_enum, default_value_t = InputKind::Text)]
    pub kind: InputKind,
    /// The JSONL field holding the document id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,
    /// The JSONL field holding the document text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,
    /// Include pattern for files found in directories (repeatable) [default: *.txt, or *.jsonl
    /// with --input jsonl].
    #[arg(long = "glob", value_name = "GLOB")]
    pub globs: Vec<String>,
    /// Replace invalid UTF-8 with U+FFFD instead of failing the document.
    #[arg(long)]
    pub lossy: bool,
    /// The largest document (or JSONL line) read, in bytes; a larger one fails with a message
    /// and the others go on. Memory per document is a small multiple of its size.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_DOCUMENT_BYTES,
          value_parser = clap::value_parser!(u64).range(1..=MAX_DOCUMENT_BYTES))]
    pub max_document_size: u64,
}

/// The default of `--max-document-size`: 64 MiB, far above any news article.
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 64 << 20;

/// The largest value `--max-document-size` takes: token offsets are 32-bit.
const MAX_DOCUMENT_BYTES: u64 = (4 << 30) - 1;

/// A document ready to run.
#[derive(Clone, Debug)]
pub struct SourceDocument {
    /// Its id.
    pub id: String,
    /// Its text.
    pub text: String,
}

/// A document (or a whole input) that could not be read.
#[derive(Clone, Debug)]
pub struct FailedDocument {
    /// Its id, or the place it came from.
    pub id: String,
    /// What went wrong, naming the file and where.
    pub message: String,
}

/// One item of the input stream.
pub type Loaded = Result<SourceDocument, FailedDocument>;

/// A document as the reader hands it out, before the parsing or decoding that can run in
/// parallel.
#[derive(Debug)]
pub enum RawDocument {
    /// The bytes of a text file (or of stdin), not yet decoded.
    Text {
        /// The file's path, `-` for stdin: the document id.
        name: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// A non-blank JSON line, not yet parsed.
    Line {
        /// `file:line`, for the messages and as the id of last resort.
        place: String,
        /// The line as read, its end of line included.
        line: String,
    },
    /// A document already loaded, or a failure met while reading.
    Loaded(Loaded),
}

impl RawDocument {
    /// The bytes it holds, to bound batches.
    pub fn size(&self) -> usize {
        match self {
            RawDocument::Text { bytes, .. } => bytes.len(),
            RawDocument::Line { line, .. } => line.len(),
            RawDocument::Loaded(loaded) => loaded.as_ref().map_or(0, |d| d.text.len()),
        }
    }

    /// Decodes the text or parses the JSON line into a document, or says why it cannot be.
    pub fn load(self, args: &InputArgs) -> Loaded {
        match self {
            RawDocument::Text { name, bytes } => match decode(args, &name, bytes, 0) {
                Ok(text) => Ok(SourceDocument { id: name, text }),
                Err(message) => Err(FailedDocument { id: name, message }),
            },
            RawDocument::Line { place, line } => parse_line(args, &place, line),
            RawDocument::Loaded(loaded) => loaded,
        }
    }
}

enum Source {
    Stdin,
    File(PathBuf),
    Failed(FailedDocument),
}

/// The documents of all inputs, in order.
pub struct DocumentStream {
    args: InputArgs,
    sources: VecDeque<Source>,
    lines: Option<LineReader>,
    /// Warnings about empty inputs, to print when they are met.
    pub warnings: Vec<String>,
}

struct LineReader {
    name: String,
    reader: Box<dyn BufRead + Send>,
    line: usize,
    offset: usize,
    documents: usize,
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

impl DocumentStream {
    /// Plans the inputs: no path or `-` is stdin, directories are searched for files matching
    /// the globs. Paths that do not exist become failures in place.
    pub fn new(paths: &[PathBuf], args: &InputArgs) -> Result<Self, String> {
        let globs = glob_set(args)?;
        let mut sources = VecDeque::new();
        if paths.is_empty() {
            sources.push_back(Source::Stdin);
        }
        for path in paths {
            if path.as_os_str() == "-" {
                sources.push_back(Source::Stdin);
            } else if path.is_dir() {
                let before = sources.len();
                for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
                    match entry {
                        Ok(e) if e.file_type().is_file() => {
                            let relative = e.path().strip_prefix(path).unwrap_or(e.path());
                            if globs.is_match(relative) || globs.is_match(e.file_name()) {
                                sources.push_back(Source::File(e.into_path()));
                            }
                        }
                        Ok(_) => {}
                        Err(e) => sources.push_back(Source::Failed(FailedDocument {
                            id: e.path().map_or_else(|| display(path), display),
                            message: format!("cannot read {}: {e}", display(path)),
                        })),
                    }
                }
                if sources.len() == before {
                    sources.push_back(Source::Failed(FailedDocument {
                        id: display(path),
                        message: format!(
                            "no input file under {} matches {}",
                            display(path),
                            glob_list(args).join(", ")
                        ),
                    }));
                }
            } else {
                sources.push_back(Source::File(path.clone()));
            }
        }
        Ok(DocumentStream {
            args: args.clone(),
            sources,
            lines: None,
            warnings: Vec::new(),
        })
    }

    /// How many text documents are planned, when each source is one document.
    pub fn planned(&self) -> Option<usize> {
        (self.args.kind == InputKind::Text).then_some(self.sources.len())
    }

    fn open(&self, source: &Source) -> Result<(String, Box<dyn Read + Send>), FailedDocument> {
        match source {
            Source::Stdin => Ok(("-".to_owned(), Box::new(io::stdin()))),
            Source::File(path) => match File::open(path) {
                Ok(file) => Ok((display(path), Box::new(file))),
                Err(e) => Err(FailedDocument {
                    id: display(path),
                    message: format!("cannot read {}: {}", display(path), io_message(&e)),
                }),
            },
            Source::Failed(failed) => Err(failed.clone()),
        }
    }

    fn next_line(&mut self) -> Option<RawDocument> {
        let mut reader = self.lines.take()?;
        loop {
            let mut bytes = Vec::new();
            let start = reader.offset;
            let limit = self.args.max_document_size;
            match (&mut reader.reader)
                .take(limit + 1)
                .read_until(b'\n', &mut bytes)
            {
                Ok(0) => {
                    if reader.documents == 0 {
                        self.warnings
                            .push(format!("warning: {} holds no document", reader.name));
                    }
                    return None;
                }
                Ok(n) => {
                    reader.line += 1;
                    reader.offset += n;
                }
                Err(e) => {
                    let failed = FailedDocument {
                        id: format!("{}:{}", reader.name, reader.line + 1),
                        message: format!("cannot read {}: {}", reader.name, io_message(&e)),
                    };
                    return Some(RawDocument::Loaded(Err(failed)));
                }
            }
            let place = format!("{}:{}", reader.name, reader.line);
            if bytes.len() as u64 > limit && bytes.last() != Some(&b'\n') {
                let skipped = skip_line(&mut reader.reader);
                reader.offset += skipped;
                let failed = FailedDocument {
                    message: too_large(&place, limit),
                    id: place,
                };
                self.lines = Some(reader);
                return Some(RawDocument::Loaded(Err(failed)));
            }
            // UTF-8 is checked here, in order, because a line that is not text is no document
            // and a blank line is skipped; both decide the "holds no document" warning.
            let line = match decode(&self.args, &place, bytes, start) {
                Ok(line) => line,
                Err(message) => {
                    let failed = FailedDocument { id: place, message };
                    self.lines = Some(reader);
                    return Some(RawDocument::Loaded(Err(failed)));
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            reader.documents += 1;
            self.lines = Some(reader);
            return Some(RawDocument::Line { place, line });
        }
    }

    /// The next document as read, in input order, before parsing or decoding.
    pub fn next_raw(&mut self) -> Option<RawDocument> {
        loop {
            if self.lines.is_some() {
                if let Some(item) = self.next_line() {
                    return Some(item);
                }
                continue;
            }
            let source = self.sources.pop_front()?;
            let (name, reader) = match self.open(&source) {
                Ok(opened) => opened,
                Err(failed) => return Some(RawDocument::Loaded(Err(failed))),
            };
            if self.args.kind == InputKind::Jsonl {
                self.lines = Some(LineReader {
                    name,
                    reader: Box::new(BufReader::new(reader)),
                    line: 0,
                    offset: 0,
                    documents: 0,
                });
                continue;
            }
            let mut bytes = Vec::new();
            let limit = self.args.max_document_size;
            if let Err(e) = reader.take(limit + 1).read_to_end(&mut bytes) {
                return Some(RawDocument::Loaded(Err(FailedDocument {
                    message: format!("cannot read {name}: {}", io_message(&e)),
                    id: name,
                })));
            }
            if bytes.len() as u64 > limit {
                return Some(RawDocument::Loaded(Err(FailedDocument {
                    message: too_large(&name, limit),
                    id: name,
                })));
            }
            if bytes.is_empty() {
                self.warnings.push(format!("warning: {name} is empty"));
            }
            return Some(RawDocument::Text { name, bytes });
        }
    }
}

impl Iterator for DocumentStream {
    type Item = Loaded;

    fn next(&mut self) -> Option<Loaded> {
        let raw = self.next_raw()?;
        Some(raw.load(&self.args))
    }
}

/// Decodes UTF-8, or replaces what is not with `--lossy`; `base` is the offset of `bytes` in
/// their file, for the message.
fn decode(args: &InputArgs, name: &str, bytes: Vec<u8>, base: usize) -> Result<String, String> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) if args.lossy => Ok(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        Err(e) => Err(format!(
            "{name}: invalid UTF-8 at byte {} (use --lossy to replace it)",
            base + e.utf8_error().valid_up_to()
        )),
    }
}

/// Parses one JSON line into a document; the text is moved out of the parsed value, not copied.
fn parse_line(args: &InputArgs, place: &str, line: String) -> Loaded {
    let failed = |message: String| FailedDocument {
        id: place.to_owned(),
        message: format!("{place}: {message}"),
    };
    let mut value: serde_json::Value = serde_json::from_str(line.trim_end_matches(['\n', '\r']))
        .map_err(|e| {
            // serde_json counts lines within this one line; the column is what helps.
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message);
            failed(format!(
                "malformed JSON line: {message} at column {}",
                e.column()
            ))
        })?;
    // The line is parsed; free it before the document is tokenized and run.
    drop(line);
    let id = match value.get(&args.id_field) {
        Some(serde_json::Value::String(id)) => Some(id.clone()),
        Some(serde_json::Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    let text = match value.get_mut(&args.text_field) {
        Some(serde_json::Value::String(text)) => std::mem::take(text),
        Some(_) => {
            return Err(failed(format!(
                "field `{}` is not a string",
                args.text_field
            )));
        }
        None => return Err(failed(format!("no field `{}`", args.text_field))),
    };
    Ok(SourceDocument {
        id: id.unwrap_or_else(|| place.to_owned()),
        text,
    })
}

/// The message for a document above `--max-document-size`.
fn too_large(place: &str, limit: u64) -> String {
    format!(
        "{place}: document larger than {limit} bytes (raise the limit with --max-document-size)"
    )
}

/// Reads and drops the rest of a line without holding it in memory; returns the bytes skipped.
fn skip_line(reader: &mut Box<dyn BufRead + Send>) -> usize {
    let mut skipped = 0;
    loop {
        let (done, used) = match reader.fill_buf() {
            Ok([]) | Err(_) => return skipped,
            Ok(buffer) => match buffer.iter().position(|&b| b == b'\n') {
                Some(at) => (true, at + 1),
                None => (false, buffer.len()),
            },
        };
        reader.consume(used);
        skipped += used;
        if done {
            return skipped;
        }
    }
}

/// An IO error in plain words, without the `(os error N)` suffix.
pub fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ if e.raw_os_error() == Some(21) => "is a directory".to_owned(),
        _ => e.to_string(),
    }
}

fn glob_list(args: &InputArgs) -> Vec<String> {
    if !args.globs.is_empty() {
        return args.globs.clone();
    }
    match args.kind {
        InputKind::Text => vec!["*.txt".to_owned()],
        InputKind::Jsonl => vec!["*.jsonl".to_owned()],
    }
}

fn glob_set(args: &InputArgs) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for pattern in glob_list(args) {
        let glob = Glob::new(&pattern).map_err(|e| format!("invalid --glob {pattern}: {e}"))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| e.to_string())
}
