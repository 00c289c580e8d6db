//! `sayso run`: documents in, matches out, in input order whatever the number of threads.
//!
//! Documents flow through a pipeline of bounded batches, so that memory follows the batch size
//! and not the size of the input, and so that the work that must happen in order overlaps with
//! the work that runs in parallel:
//!
//! 1. a reader thread reads bytes, splits JSON lines and hands out batches of raw documents
//!    through a channel that holds two batches;
//! 2. the worker pool parses each JSON line (or decodes each file), tokenizes, runs the rules
//!    and, for the formats whose documents render alone (jsonl, csv), renders each document
//!    into its own buffer;
//! 3. meanwhile the main thread writes the finished batches in input order.
//!
//! The workers hold two batches at once, so that a worker that runs out of work in one starts
//! the next instead of waiting for the slowest document. So they never wait for reading,
//! writing or each other, except at the first and last batch.

use std::collections::VecDeque;
use std::io::{self, BufWriter, IoSlice, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use sayso_engine::{Match, Program, RuleSet};
use sayso_output::{DocumentView, Format, OffsetUnit, RenderOptions, Renderer};

use crate::input::{DocumentStream, InputArgs, Loaded, RawDocument};
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

/// Bytes of output gathered before each write: what the writer renders itself, and small
/// batches, go out in a few large writes rather than one or more system calls per document,
/// which the writing thread would take from the workers.
const OUTPUT_BUFFER_BYTES: usize = 1 << 20;

/// Rendered output from which a batch's documents go out in their own vectored writes: a
/// system call costs less than copying this much into the buffer.
const VECTORED_WRITE_BYTES: usize = 16 << 10;

/// Buffers per vectored write, below the system's limit (1,024 on Linux).
const MAX_SLICES_PER_WRITE: usize = 512;

/// Documents per batch: enough to keep every thread busy.
const BATCH_DOCUMENTS: usize = 128;
/// Text bytes per batch: bounds memory on streams of large documents. Up to six batches are
/// alive at once (one being read, two waiting in the channel, two in the workers, one being
/// written).
const BATCH_BYTES: usize = 8 << 20;

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

/// A document ready to write.
enum Finished {
    /// Rendered by a worker: the bytes to print, and the message when the document failed.
    Rendered {
        output: io::Result<Vec<u8>>,
        failure: Option<String>,
    },
    /// Left for the writer's renderer, whose output depends on the documents before.
    Kept(Processed),
}

/// A batch of raw documents, with the warnings met while reading it.
struct RawBatch {
    documents: Vec<RawDocument>,
    warnings: Vec<String>,
}

/// A batch ready to write, in input order.
struct FinishedBatch {
    documents: Vec<Finished>,
    warnings: Vec<String>,
}

/// What the workers need besides the documents.
struct Work<'a> {
    rules: &'a RuleSet,
    labels: &'a [String],
    input: &'a InputArgs,
    /// The format and options when each document renders alone, else `None`.
    render_alone: Option<(Format, RenderOptions)>,
}

/// Whether a format's document output depends on nothing but the document, so that workers can
/// render documents independently: jsonl (one line each) and csv (rows; the header comes from
/// the program, in `begin`). The json array separates documents with commas, pretty, html and
/// brat number or group them.
pub fn renders_alone(format: Format) -> bool {
    matches!(format, Format::Jsonl | Format::Csv)
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

/// Renders one document on its own, as the writer's renderer would in sequence.
fn render_alone(renderer: &mut dyn Renderer, processed: Processed) -> Finished {
    // A buffer of the document's own size: the renderer's, grown for the longest document
    // yet, would hold its slack until the writer is done with it.
    let mut output = Vec::new();
    let (written, failure) = match processed {
        Processed::Done { id, text, matches } => (
            renderer.document(&mut output, &DocumentView::new(&id, &text, &matches)),
            None,
        ),
        Processed::Failed { id, message } => (
            renderer.document(&mut output, &DocumentView::failed(&id, &message)),
            Some(message),
        ),
    };
    Finished::Rendered {
        output: written.map(|()| output),
        failure,
    }
}

/// Loads, runs and (when the format allows) renders every document of a batch on the current
/// pool, keeping input order.
fn process_batch(work: &Work<'_>, batch: RawBatch) -> FinishedBatch {
    let program = work.rules.program();
    let documents = batch
        .documents
        .into_par_iter()
        .map_init(
            // One renderer per worker job: renderers are not shared between threads.
            || {
                work.render_alone
                    .map(|(format, options)| sayso_output::renderer(format, program, options))
            },
            |renderer, raw| {
                let processed = process(work.rules, work.labels, raw.load(work.input));
                match renderer {
                    Some(renderer) => render_alone(renderer.as_mut(), processed),
                    None => Finished::Kept(processed),
                }
            },
        )
        .collect();
    FinishedBatch {
        documents,
        warnings: batch.warnings,
    }
}

/// Builds the worker pool; `None` or 0 is every core.
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))
}

/// Takes the next batch of raw documents, bounded in count and bytes.
fn next_batch(stream: &mut DocumentStream) -> Vec<RawDocument> {
    let mut batch = Vec::new();
    let mut bytes = 0;
    while batch.len() < BATCH_DOCUMENTS && bytes < BATCH_BYTES {
        match stream.next_raw() {
            Some(item) => {
                bytes += item.size();
                batch.push(item);
            }
            None => break,
        }
    }
    batch
}

/// The reader thread: sends batches until the input ends (the last batch is empty and carries
/// the last warnings) or until the receiver is gone.
fn read_batches(mut stream: DocumentStream, sender: SyncSender<RawBatch>) {
    loop {
        let documents = next_batch(&mut stream);
        let last = documents.is_empty();
        let warnings = std::mem::take(&mut stream.warnings);
        if sender
            .send(RawBatch {
                documents,
                warnings,
            })
            .is_err()
            || last
        {
            return;
        }
    }
}

/// Batches the reader keeps ready. When the main thread takes one to start it, another must
/// already wait: with one, the reader was still waking up to send the next when the main
/// thread looked, so only one batch was ever in flight and a worker idled at the end of each.
const READ_AHEAD: usize = BATCHES_IN_FLIGHT;

/// Starts the reader thread. It is not joined: when writing fails the main thread returns
/// without waiting for input that may never end.
fn spawn_reader(stream: DocumentStream) -> io::Result<Receiver<RawBatch>> {
    let (sender, receiver) = mpsc::sync_channel(READ_AHEAD);
    std::thread::Builder::new()
        .name("sayso-reader".to_owned())
        .spawn(move || read_batches(stream, sender))?;
    Ok(receiver)
}

/// The main thread's side: writes finished batches in order, prints failures and warnings, and
/// moves the progress bar.
struct Writer<'a, W: Write> {
    out: BufWriter<W>,
    renderer: Box<dyn Renderer + 'a>,
    brat_directory: Option<BratDirectory>,
    program: &'a Program,
    bar: ProgressBar,
    quiet: bool,
    unknown_length: bool,
    documents: usize,
    failures: usize,
}

impl<W: Write> Writer<'_, W> {
    fn write_batch(&mut self, batch: FinishedBatch) -> io::Result<()> {
        for warning in &batch.warnings {
            if !self.quiet {
                self.bar.suspend(|| eprintln!("{warning}"));
            }
        }
        // Rendered documents wait here to go out together (see `write_rendered`).
        let mut rendered = Vec::new();
        for item in batch.documents {
            self.documents += 1;
            if self.documents == 2
                && self.unknown_length
                && !self.quiet
                && io::stderr().is_terminal()
            {
                self.bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            match item {
                Finished::Rendered { output, failure } => {
                    if let Some(message) = failure {
                        self.failure(&message);
                    }
                    rendered.push(output?);
                }
                Finished::Kept(Processed::Done { id, text, matches }) => {
                    self.write_rendered(&mut rendered)?;
                    let view = DocumentView::new(&id, &text, &matches);
                    match self.brat_directory.as_mut() {
                        Some(directory) => directory.write(self.program, &view)?,
                        None => self.renderer.document(&mut self.out, &view)?,
                    }
                }
                Finished::Kept(Processed::Failed { id, message }) => {
                    self.write_rendered(&mut rendered)?;
                    self.failure(&message);
                    if self.brat_directory.is_none() {
                        self.renderer
                            .document(&mut self.out, &DocumentView::failed(&id, &message))?;
                    }
                }
            }
            self.bar.inc(1);
        }
        self.write_rendered(&mut rendered)?;
        self.out.flush()
    }

    /// Writes documents rendered by the workers, in order. Together they go straight to the
    /// output in vectored writes rather than through the buffer: copying a batch's output
    /// into the buffer was the writing thread's main work, taken from the workers.
    fn write_rendered(&mut self, rendered: &mut Vec<Vec<u8>>) -> io::Result<()> {
        let total: usize = rendered.iter().map(Vec::len).sum();
        // One document goes through the buffer too, which passes a large one straight on:
        // stdout's line buffering scans the last buffer of a vectored write for newlines (4
        // million instructions for a 3.4 MB document), which a plain write does not.
        if total < VECTORED_WRITE_BYTES || rendered.len() < 2 {
            for output in rendered.drain(..) {
                self.out.write_all(&output)?;
            }
            return Ok(());
        }
        self.out.flush()?;
        for chunk in rendered.chunks(MAX_SLICES_PER_WRITE) {
            let mut slices: Vec<IoSlice<'_>> = chunk.iter().map(|o| IoSlice::new(o)).collect();
            let mut slices = &mut slices[..];
            while !slices.is_empty() {
                match self.out.get_mut().write_vectored(slices) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(written) => IoSlice::advance_slices(&mut slices, written),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        rendered.clear();
        Ok(())
    }

    fn failure(&mut self, message: &str) {
        self.failures += 1;
        self.bar.suspend(|| eprintln!("error: {message}"));
    }
}

/// Batches the workers hold at once. Two let a worker that runs out of work in one batch
/// start the next instead of waiting for the slowest document of the first.
const BATCHES_IN_FLIGHT: usize = 2;

/// Runs the pipeline: the reader thread reads ahead, the pool works on up to
/// [`BATCHES_IN_FLIGHT`] batches, and the main thread writes each batch once it and every batch
/// before it are done.
fn pipeline<W: Write>(
    pool: &rayon::ThreadPool,
    work: &Work<'_>,
    batches: &Receiver<RawBatch>,
    writer: &mut Writer<'_, W>,
) -> io::Result<()> {
    pool.in_place_scope(|scope| {
        let mut in_flight: VecDeque<Receiver<FinishedBatch>> = VecDeque::new();
        let mut input_open = true;
        loop {
            if input_open && in_flight.len() < BATCHES_IN_FLIGHT {
                // Wait for the reader only when the workers have nothing else; otherwise write
                // what is done first, so that a slow input still sees its output.
                let next = if in_flight.is_empty() {
                    batches.recv().map_err(|_| TryRecvError::Disconnected)
                } else {
                    batches.try_recv()
                };
                match next {
                    Ok(batch) => {
                        let (done, finished) = mpsc::channel();
                        scope.spawn(move |_| {
                            // The writer is gone only when writing failed; the batch is moot.
                            let _ = done.send(process_batch(work, batch));
                        });
                        in_flight.push_back(finished);
                        continue;
                    }
                    Err(TryRecvError::Disconnected) => input_open = false,
                    Err(TryRecvError::Empty) => {}
                }
            }
            let Some(oldest) = in_flight.pop_front() else {
                return Ok(());
            };
            match oldest.recv() {
                Ok(done) => writer.write_batch(done)?,
                // A worker panicked; the scope raises the panic when it ends.
                Err(_) => return Ok(()),
            }
        }
    })
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
    let stream = match DocumentStream::new(&args.paths, &args.input) {
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
    let brat_directory = match (&args.out_dir, format) {
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
    let unknown_length = stream.planned().is_none();
    let batches = match spawn_reader(stream) {
        Ok(batches) => batches,
        Err(e) => {
            eprintln!("error: cannot start the reader thread: {e}");
            return Outcome::Usage;
        }
    };
    let work = Work {
        rules: &rules,
        labels: &args.labels,
        input: &args.input,
        render_alone: (renders_alone(format) && brat_directory.is_none())
            .then_some((format, options)),
    };
    let mut writer = Writer {
        out: BufWriter::with_capacity(OUTPUT_BUFFER_BYTES, io::stdout().lock()),
        renderer: sayso_output::renderer(format, rules.program(), options),
        brat_directory,
        program: rules.program(),
        bar: bar.clone(),
        quiet: args.quiet,
        unknown_length,
        documents: 0,
        failures: 0,
    };
    let written = (|| -> io::Result<()> {
        writer.renderer.begin(&mut writer.out)?;
        pipeline(&pool, &work, &batches, &mut writer)?;
        writer.renderer.finish(&mut writer.out)?;
        writer.out.flush()
    })();
    let (documents, failures) = (writer.documents, writer.failures);
    drop(writer);
    // The rule set's caches hold many small allocations (about 15 ms to free over the BBC
    // corpus, after the work is done and on one core): the process is about to exit, and the
    // system takes the whole heap back at once.
    std::mem::forget(rules);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::LimitArgs;

    /// The formats that workers render document by document give the same bytes as one
    /// renderer over the whole sequence; if a renderer ever keeps state between documents,
    /// this fails and `renders_alone` must drop its format.
    #[test]
    fn documents_rendered_alone_equal_the_sequence() {
        #[derive(clap::Parser)]
        struct Limits {
            #[command(flatten)]
            limits: LimitArgs,
        }
        let limits = <Limits as clap::Parser>::try_parse_from(["limits"])
            .unwrap()
            .limits;
        let rules = crate::rules::load(&[], &limits).unwrap_or_else(|_| panic!("the pack loads"));
        let texts = [
            "“We will win,” Smith said.",
            "No quote here.",
            "The senator said the river is “cleaner than in decades”. “Yes,” she added.",
        ];
        let processed = || {
            let mut documents: Vec<Processed> = texts
                .iter()
                .enumerate()
                .map(|(n, text)| {
                    let doc = crate::input::SourceDocument {
                        id: format!("doc-{n}"),
                        text: (*text).to_owned(),
                    };
                    process(&rules, &[], Ok(doc))
                })
                .collect();
            documents.insert(
                1,
                Processed::Failed {
                    id: "bad".to_owned(),
                    message: "bad: malformed".to_owned(),
                },
            );
            documents
        };
        for format in [Format::Jsonl, Format::Csv, Format::Json, Format::Html] {
            let options = RenderOptions::default();
            let mut sequence = Vec::new();
            let mut renderer = sayso_output::renderer(format, rules.program(), options);
            renderer.begin(&mut sequence).unwrap();
            for document in processed() {
                let view = match &document {
                    Processed::Done { id, text, matches } => DocumentView::new(id, text, matches),
                    Processed::Failed { id, message } => DocumentView::failed(id, message),
                };
                renderer.document(&mut sequence, &view).unwrap();
            }
            renderer.finish(&mut sequence).unwrap();
            assert!(
                String::from_utf8_lossy(&sequence).contains("Smith"),
                "{format:?}"
            );
            let mut alone = Vec::new();
            let mut renderer = sayso_output::renderer(format, rules.program(), options);
            renderer.begin(&mut alone).unwrap();
            // A worker renders many documents with one renderer, which must give what a fresh
            // renderer gives each of them.
            let mut worker = sayso_output::renderer(format, rules.program(), options);
            for (document, again) in processed().into_iter().zip(processed()) {
                let mut fresh = sayso_output::renderer(format, rules.program(), options);
                let output = |finished| match finished {
                    Finished::Rendered { output, .. } => output.unwrap(),
                    Finished::Kept(_) => unreachable!("render_alone always renders"),
                };
                let from_fresh = output(render_alone(fresh.as_mut(), document));
                let from_worker = output(render_alone(worker.as_mut(), again));
                if renders_alone(format) {
                    assert_eq!(from_worker, from_fresh, "{format:?}");
                }
                alone.extend(from_fresh);
            }
            renderer.finish(&mut alone).unwrap();
            assert_eq!(
                renders_alone(format),
                alone == sequence,
                "{format:?}: {}",
                String::from_utf8_lossy(&sequence)
            );
        }
    }
}
