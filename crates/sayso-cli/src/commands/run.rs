//! `sayso run`: documents in, matches out, in input order whatever the number of threads.
//! Documents are read lazily and processed in bounded batches, so memory follows the batch size
//! and not the size of the input.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use sayso_engine::{Match, RuleSet};
use sayso_output::{DocumentView, Format, OffsetUnit, RenderOptions};

use crate::input::{DocumentStream, InputArgs, Loaded};
use crate::rules::{self, LimitArgs};
use crate::{Outcome, RulesArgs};

pub const EXAMPLES: &str = "\
Examples:
  sayso run article.txt                       who said what, with the embedded rule pack
  sayso run --label Attribution article.txt   only the attributions, not the helper labels
  sayso run --format pretty article.txt       coloured view of the matches
  sayso run -r my-rules/ --format csv corpus/ every .txt file under corpus/, as CSV
  cat article.txt | sayso run -               read stdin
  sayso run --input jsonl --id-field url --text-field body news.jsonl > matches.jsonl
  sayso run --format html corpus/ > matches.html
  sayso run --format brat --out-dir annotations/ corpus/

Output: jsonl prints one line per input document, in input order:
  {\"id\", \"matches\": [{\"label\", \"rule\", \"start\", \"end\", \"text\", \"captures\", \"attrs\"}]}
A document that fails is reported on stderr (and as an \"error\" field in jsonl and json) and
the others go on; the exit status is then 1.";

/// Documents per batch: enough to keep every thread busy.
const BATCH_DOCUMENTS: usize = 256;
/// Text bytes per batch: bounds memory on streams of large documents.
const BATCH_BYTES: usize = 32 << 20;

/// The output formats as the command line names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// One JSON object per document and line (the default when stdout is not a terminal).
    Jsonl,
    /// One JSON array of document objects.
    Json,
    /// One row per match with its captures.
    Csv,
    /// Coloured terminal view (the default on a terminal).
    Pretty,
    /// One standalone HTML page.
    Html,
    /// brat standoff annotations.
    Brat,
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Format {
        match format {
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Json => Format::Json,
            FormatArg::Csv => Format::Csv,
            FormatArg::Pretty => Format::Pretty,
            FormatArg::Html => Format::Html,
            FormatArg::Brat => Format::Brat,
        }
    }
}

/// Offset units as the command line names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OffsetsArg {
    /// UTF-8 byte offsets.
    Bytes,
    /// Unicode code point offsets.
    Chars,
}

/// When to colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorArg {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Arguments of `sayso run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Files, directories (searched recursively) or `-` for stdin; none reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub rules: RulesArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format [default: pretty on a terminal, else jsonl].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<FormatArg>,
    /// Offset unit of the output (brat always uses chars).
    #[arg(long, value_enum, default_value_t = OffsetsArg::Bytes)]
    pub offsets: OffsetsArg,
    /// Worker threads [default: all cores].
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar and no warnings.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Colour of the pretty format.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Print only the matches with this label (repeatable), such as Attribution without the
    /// helper labels a pack builds it from [default: every label].
    #[arg(long = "label", short = 'l', value_name = "LABEL")]
    pub labels: Vec<String>,
    /// With --format brat: write a NAME.txt and NAME.ann pair per document into DIR, as brat
    /// expects, instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Writes one document's brat pair; the file name comes from the id, made safe and unique.
struct BratDirectory {
    dir: PathBuf,
    used: std::collections::HashSet<String>,
}

impl BratDirectory {
    fn write(
        &mut self,
        program: &sayso_engine::Program,
        view: &DocumentView<'_>,
    ) -> io::Result<()> {
        let safe: String = view
            .id
            .trim_end_matches(".txt")
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut name = safe.trim_start_matches(['.', '_']).to_owned();
        if name.is_empty() {
            name = "document".to_owned();
        }
        let mut unique = name.clone();
        let mut n = 1;
        while !self.used.insert(unique.clone()) {
            n += 1;
            unique = format!("{name}-{n}");
        }
        std::fs::write(self.dir.join(format!("{unique}.txt")), view.text)?;
        let annotations = sayso_output::brat_annotations(program, view);
        std::fs::write(self.dir.join(format!("{unique}.ann")), annotations)
    }
}

/// A document after the engine ran.
enum Processed {
    Done {
        id: String,
        text: String,
        matches: Vec<Match>,
    },
    Failed {
        id: String,
        message: String,
    },
}

fn process(rules: &RuleSet, labels: &[String], item: Loaded) -> Processed {
    match item {
        Ok(doc) => {
            let mut matches = rules.run(&sayso_tokenize::tokenize(&doc.text));
            if !labels.is_empty() {
                // Renderers do not follow `consumed`, so dropping matches is safe here.
                let program = rules.program();
                matches.retain(|m| {
                    program
                        .labels
                        .get(m.label.0 as usize)
                        .is_some_and(|l| labels.contains(&l.name))
                });
            }
            Processed::Done {
                id: doc.id,
                text: doc.text,
                matches,
            }
        }
        Err(failed) => Processed::Failed {
            id: failed.id,
            message: failed.message,
        },
    }
}

/// Builds the worker pool; `None` or 0 is every core.
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))
}

/// Takes the next batch of documents, bounded in count and bytes.
pub fn next_batch(stream: &mut DocumentStream) -> Vec<Loaded> {
    let mut batch = Vec::new();
    let mut bytes = 0;
    while batch.len() < BATCH_DOCUMENTS && bytes < BATCH_BYTES {
        match stream.next() {
            Some(item) => {
                bytes += item.as_ref().map_or(0, |d| d.text.len());
                batch.push(item);
            }
            None => break,
        }
    }
    batch
}

fn progress_bar(planned: Option<usize>, quiet: bool) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    match planned {
        Some(n) if n > 1 => {
            let bar = ProgressBar::with_draw_target(Some(n as u64), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {pos}/{len} documents {elapsed}")
            {
                bar.set_style(style);
            }
            bar
        }
        Some(_) => ProgressBar::hidden(),
        // A stream of unknown length: the spinner appears with the second document.
        None => {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {pos} documents {elapsed}") {
                bar.set_style(style);
            }
            bar
        }
    }
}

pub fn run(args: RunArgs) -> Outcome {
    let rules = match rules::load(&args.rules.rule_paths, &args.limits) {
        Ok(rules) => rules,
        Err(e) => {
            rules::report(&e, crate::stderr_color());
            return Outcome::Usage;
        }
    };
    let pool = match thread_pool(args.threads) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Usage;
        }
    };
    if args.paths.is_empty() && io::stdin().is_terminal() {
        eprintln!("error: no input: give files or directories, or pipe text into `sayso run -`");
        return Outcome::Usage;
    }
    let mut stream = match DocumentStream::new(&args.paths, &args.input) {
        Ok(stream) => stream,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Usage;
        }
    };
    let stdout_terminal = io::stdout().is_terminal();
    let format = args.format.map_or(
        if stdout_terminal {
            Format::Pretty
        } else {
            Format::Jsonl
        },
        Format::from,
    );
    let options = RenderOptions {
        offsets: match args.offsets {
            OffsetsArg::Bytes => OffsetUnit::Bytes,
            OffsetsArg::Chars => OffsetUnit::Chars,
        },
        color: match args.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => crate::use_color(stdout_terminal),
        },
    };
    let mut brat_directory = match (&args.out_dir, format) {
        (Some(dir), Format::Brat) => {
            if let Err(e) = std::fs::create_dir_all(dir) {
                eprintln!("error: cannot create {}: {e}", dir.display());
                return Outcome::Usage;
            }
            Some(BratDirectory {
                dir: dir.clone(),
                used: Default::default(),
            })
        }
        (Some(_), _) => {
            eprintln!("error: --out-dir goes with --format brat");
            return Outcome::Usage;
        }
        (None, _) => None,
    };
    let bar = progress_bar(stream.planned(), args.quiet);
    let mut renderer = sayso_output::renderer(format, rules.program(), options);
    let mut out = BufWriter::new(io::stdout().lock());
    let (mut documents, mut failures) = (0usize, 0usize);
    let written = (|| -> io::Result<()> {
        renderer.begin(&mut out)?;
        loop {
            let batch = next_batch(&mut stream);
            for warning in stream.warnings.drain(..) {
                if !args.quiet {
                    bar.suspend(|| eprintln!("{warning}"));
                }
            }
            if batch.is_empty() {
                break;
            }
            let processed: Vec<Processed> = pool.install(|| {
                batch
                    .into_par_iter()
                    .map(|item| process(&rules, &args.labels, item))
                    .collect()
            });
            for item in processed {
                documents += 1;
                let unknown_length = stream.planned().is_none();
                if documents == 2 && unknown_length && !args.quiet && io::stderr().is_terminal() {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                }
                match &item {
                    Processed::Done { id, text, matches } => {
                        let view = DocumentView::new(id, text, matches);
                        match brat_directory.as_mut() {
                            Some(directory) => directory.write(rules.program(), &view)?,
                            None => renderer.document(&mut out, &view)?,
                        }
                    }
                    Processed::Failed { id, message } => {
                        failures += 1;
                        bar.suspend(|| eprintln!("error: {message}"));
                        if brat_directory.is_none() {
                            renderer.document(&mut out, &DocumentView::failed(id, message))?;
                        }
                    }
                }
                bar.inc(1);
            }
            out.flush()?;
        }
        renderer.finish(&mut out)?;
        out.flush()
    })();
    bar.finish_and_clear();
    if let Err(e) = written {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return Outcome::Success;
        }
        eprintln!("error: cannot write the output: {e}");
        return Outcome::Failed;
    }
    if documents == 0 && !args.quiet {
        eprintln!("warning: no input documents");
    }
    if failures > 0 {
        let noun = if documents == 1 { "input" } else { "inputs" };
        eprintln!("error: {failures} of {documents} {noun} failed; the others were processed");
        return Outcome::Failed;
    }
    Outcome::Success
}
