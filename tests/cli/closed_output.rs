//! A reader that stops early, as in `sayso bench | head -1`, ends the output but not the
//! command's success: the exit status stays 0 and nothing panics.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};

use super::{RULES, build, root};

/// `sayso ARGS...` with every stream piped, so that the test decides when the reader leaves.
fn spawn(args: &[&str]) -> Child {
    Command::new(build())
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for the command and checks that it took the closed output in its stride.
fn assert_success_without_panic(child: Child, command: &str) {
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{command}: {stderr}");
    assert!(
        output.status.success(),
        "{command}: {}\n{stderr}",
        output.status
    );
}

/// The report is several times larger than a pipe holds (64 KiB on Linux), so the command is
/// still writing when the reader leaves after the first bytes.
#[test]
fn a_reader_that_leaves_after_the_first_bytes() {
    let text = "“Yes,” Smith said. ".repeat(2000);
    let mut child = spawn(&["explain", "-r", RULES, "--rule", "quote_said", &text]);
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0; 16];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"rule quote_said ");
    drop(stdout);
    assert_success_without_panic(child, "explain");
}

/// Each command waits for its input on stdin, which comes only after the reader has gone, so
/// its first write meets the closed pipe whatever the size of its report.
#[cfg(unix)]
#[test]
fn a_reader_that_left_before_the_first_byte() {
    let rules = std::fs::read_to_string(root().join(RULES)).unwrap();
    let gold = std::fs::read_to_string(root().join("tests/eval/gold.jsonl")).unwrap();
    let commands: [(&[&str], &str); 4] = [
        (&["bench", "-r", RULES, "-"], "“We will win,” Smith said."),
        (&["check", "/dev/stdin"], &rules),
        (&["test", "/dev/stdin"], &rules),
        (&["eval", "-r", RULES, "/dev/stdin"], &gold),
    ];
    for (args, input) in commands {
        let mut child = spawn(args);
        drop(child.stdout.take());
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
        drop(stdin);
        assert_success_without_panic(child, args[0]);
    }
}
