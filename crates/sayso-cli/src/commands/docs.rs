//! Shell completions and the man page, generated from the clap definition so they never drift
//! from the real options.

use crate::Outcome;
use crate::stdout::Stdout;

pub const COMPLETION_EXAMPLES: &str = "\
Examples:
  sayso completions bash > ~/.local/share/bash-completion/completions/sayso
  sayso completions zsh > ~/.zfunc/_sayso
  sayso completions fish > ~/.config/fish/completions/sayso.fish";

pub const MAN_EXAMPLES: &str = "\
Examples:
  sayso man > sayso.1 && man ./sayso.1";

/// Arguments of `sayso completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn completions(args: CompletionsArgs) -> Outcome {
    let mut command = crate::command();
    // The generator panics when a write fails, so it writes to memory, which cannot fail.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "sayso", &mut script);
    let mut out = Stdout::lock();
    out.write_bytes(&script);
    out.finish(Outcome::Success)
}

pub fn man() -> Outcome {
    let mut page = Vec::new();
    if let Err(e) = clap_mangen::Man::new(crate::command()).render(&mut page) {
        eprintln!("error: cannot render the man page: {e}");
        return Outcome::Failed;
    }
    let mut out = Stdout::lock();
    out.write_bytes(&page);
    out.finish(Outcome::Success)
}
