//! Standard output for the commands' reports. `println!` panics when the reader has gone
//! (`sayso bench | head -1`), so the commands write through [`Stdout`] instead, which treats a
//! closed pipe as the reader's choice to stop and any other write error as a failure.

use std::fmt;
use std::io::{self, BufWriter, StdoutLock, Write};

use crate::Outcome;

/// Writes with [`Stdout::print`] like `print!`.
macro_rules! out {
    ($out:expr, $($arg:tt)*) => {
        $out.print(format_args!($($arg)*))
    };
}

/// Writes with [`Stdout::print`] like `println!`.
macro_rules! outln {
    ($out:expr) => {
        $out.print(format_args!("\n"))
    };
    ($out:expr, $($arg:tt)*) => {
        $out.print(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};

/// What the writes so far have met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Every write went through.
    Open,
    /// The reader closed the pipe: the rest of the report is not wanted.
    ReaderGone,
    /// A write failed otherwise, and the error was reported.
    Failed,
}

/// Locked, buffered standard output that never panics. After the first error further writes are
/// dropped; [`Stdout::finish`] flushes and turns the error into the command's outcome.
pub struct Stdout {
    out: BufWriter<StdoutLock<'static>>,
    state: State,
}

impl Stdout {
    /// Locks standard output for the rest of the command, so that every line goes out in large
    /// writes rather than one system call each.
    pub fn lock() -> Stdout {
        Stdout {
            out: BufWriter::new(io::stdout().lock()),
            state: State::Open,
        }
    }

    /// Writes formatted text; use the [`out!`] and [`outln!`] macros.
    pub fn print(&mut self, args: fmt::Arguments<'_>) {
        if self.state == State::Open {
            let written = self.out.write_fmt(args);
            self.record(written);
        }
    }

    /// Writes bytes as they are.
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        if self.state == State::Open {
            let written = self.out.write_all(bytes);
            self.record(written);
        }
    }

    /// Flushes what is buffered and returns the command's outcome: a reader that left changes
    /// nothing, since it took what it wanted, but a failed write fails a command that
    /// otherwise succeeded, since its report is lost.
    pub fn finish(mut self, outcome: Outcome) -> Outcome {
        if self.state == State::Open {
            let flushed = self.out.flush();
            self.record(flushed);
        }
        match (self.state, outcome) {
            (State::Failed, Outcome::Success) => Outcome::Failed,
            _ => outcome,
        }
    }

    fn record(&mut self, written: io::Result<()>) {
        match written {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => self.state = State::ReaderGone,
            Err(e) => {
                eprintln!("error: cannot write the output: {e}");
                self.state = State::Failed;
            }
        }
    }
}

impl Drop for Stdout {
    /// A command that returns without [`Stdout::finish`] still writes the end of its report,
    /// and still reports a write error, which the flush of a dropped `BufWriter` would hide.
    fn drop(&mut self) {
        if self.state == State::Open {
            let flushed = self.out.flush();
            self.record(flushed);
        }
    }
}
