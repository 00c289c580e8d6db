//! Writes the benchmarks' inputs to stdout, so that whole-process runs of the `sayso` binary can
//! reproduce them: `bench_inputs rules N` prints the N generated rules of the rule-count
//! benchmark, `bench_inputs seed` the seed article repeated to about one megabyte.
#![allow(missing_docs)]

use std::io::Write;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["rules", count] => match count.parse::<usize>() {
            Ok(count) => sayso_benches::generated_rules(count),
            Err(_) => return usage(),
        },
        ["seed"] => sayso_benches::seed_megabyte(),
        _ => return usage(),
    };
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) => std::process::ExitCode::FAILURE,
    }
}

fn usage() -> std::process::ExitCode {
    eprintln!("usage: bench_inputs rules N | bench_inputs seed");
    std::process::ExitCode::from(2)
}
