//! The `sayso` binary, run as a user runs it, from the workspace root. Each subcommand has its
//! own module; the inputs and rule files live under tests/inputs and tests/rules.

mod bench;
mod check;
mod closed_output;
mod docs;
mod errors;
mod eval;
mod explain;
mod formats;
mod limits;
mod run;
mod test_command;

use std::path::{Path, PathBuf};
use std::sync::Once;

/// The workspace root, where every command runs so that paths in the output are relative.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The binary lives in another package, so it is built once here before the first use.
fn build() -> PathBuf {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "--quiet", "-p", "sayso-cli"])
            .current_dir(root())
            .status()
            .unwrap();
        assert!(status.success(), "sayso-cli builds");
    });
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    target.join("debug").join("sayso")
}

/// `sayso ARGS...` from the workspace root, without colour.
pub fn sayso(args: &[&str]) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(build());
    command
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE");
    command
}

/// Runs a command and returns its exit code, stdout and stderr as one text for a snapshot.
pub fn transcript(command: &mut assert_cmd::Command) -> (i32, String) {
    let output = command.output().unwrap();
    let code = output.status.code().unwrap_or(-1);
    let text = format!(
        "exit: {code}\n--- stdout\n{}--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (code, text)
}

/// The rule file most tests use.
pub const RULES: &str = "tests/rules/said.sayso";
