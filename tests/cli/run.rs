//! `sayso run`: inputs of every kind, in order, with the test rules.

use super::{RULES, sayso, transcript};

#[test]
fn one_file_as_jsonl() {
    let (code, out) = transcript(&mut sayso(&["run", "-r", RULES, "tests/inputs/one.txt"]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn files_keep_their_order_whatever_the_threads() {
    let args = [
        "run",
        "-r",
        RULES,
        "--threads",
        "2",
        "tests/inputs/two.txt",
        "tests/inputs/one.txt",
        "tests/inputs/corpus",
    ];
    let (code, out) = transcript(&mut sayso(&args));
    assert_eq!(code, 0);
    let one_thread = transcript(&mut sayso(
        &[&args[..3], &["--threads", "1"], &args[5..]].concat(),
    ));
    assert_eq!(out, one_thread.1);
    insta::assert_snapshot!(out);
}

#[test]
fn directories_are_searched_with_globs() {
    let (_, default_glob) = transcript(&mut sayso(&["run", "-r", RULES, "tests/inputs/corpus"]));
    insta::assert_snapshot!("default_glob", default_glob);
    let (_, markdown) = transcript(&mut sayso(&[
        "run",
        "-r",
        RULES,
        "--glob",
        "*.md",
        "tests/inputs/corpus",
    ]));
    insta::assert_snapshot!("markdown_glob", markdown);
}

#[test]
fn stdin_is_read_without_a_path_or_with_a_dash() {
    let text = std::fs::read_to_string(super::root().join("tests/inputs/one.txt")).unwrap();
    let (code, without) = transcript(sayso(&["run", "-r", RULES]).write_stdin(text.clone()));
    assert_eq!(code, 0);
    let (_, dash) = transcript(sayso(&["run", "-r", RULES, "-"]).write_stdin(text));
    assert_eq!(without, dash);
    insta::assert_snapshot!(without);
}

#[test]
fn jsonl_input_takes_id_and_text_and_ignores_other_fields() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        RULES,
        "--input",
        "jsonl",
        "tests/inputs/docs.jsonl",
    ]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn jsonl_field_names_can_be_chosen() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        RULES,
        "--input",
        "jsonl",
        "--id-field",
        "url",
        "--text-field",
        "body",
        "tests/inputs/fields.jsonl",
    ]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn the_embedded_pack_runs_with_no_other_file() {
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("article.txt");
    std::fs::copy(super::root().join("tests/articles/seed.txt"), &article).unwrap();
    let mut command = sayso(&["run", article.to_str().unwrap()]);
    command.current_dir(dir.path());
    let output = command.output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let attributions: Vec<&serde_json::Value> = line["matches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["label"] == "Attribution")
        .collect();
    assert!(
        attributions.len() >= 10,
        "the default pack finds attributions in the seed article"
    );
}

#[test]
fn the_default_pack_finds_a_plain_quote() {
    let (code, out) = transcript(
        sayso(&["run", "--label", "Attribution", "-"]).write_stdin("“We will win,” Smith said.\n"),
    );
    assert_eq!(code, 0);
    let line: serde_json::Value = serde_json::from_str(out.lines().nth(2).unwrap()).unwrap();
    let matches = line["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "{out}");
    assert_eq!(matches[0]["label"], "Attribution");
    assert_eq!(matches[0]["captures"]["speaker"]["text"], "Smith");
}

#[test]
fn jsonl_streams_keep_their_order_across_batches() {
    let lines: String = (0..600)
        .map(|n| format!("{{\"id\": \"doc-{n}\", \"text\": \"“Line {n},” Smith said.\"}}\n"))
        .collect();
    let output = sayso(&["run", "-r", RULES, "--input", "jsonl", "--threads", "2"])
        .write_stdin(lines)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let ids: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["matches"][0]["captures"]["speaker"]["text"], "Smith");
            v["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let expected: Vec<String> = (0..600).map(|n| format!("doc-{n}")).collect();
    assert_eq!(ids, expected);
}

/// A stream of several batches with every kind of bad line among the good ones: the output and
/// the messages are the same, byte for byte and in input order, whatever the threads and the
/// format, whether the workers render each document (jsonl, csv) or the writer does (json).
#[test]
fn bad_lines_among_batches_give_the_same_output_for_any_threads() {
    let mut input = Vec::new();
    for n in 0..700 {
        let line: Vec<u8> = match n % 50 {
            7 => b"{\"id\": \"broken\", \"text\": \"no end".to_vec(),
            13 => b"\xff\xfe not text".to_vec(),
            21 => b"   ".to_vec(),
            29 => format!("{{\"id\": {n}, \"text\": 42}}").into_bytes(),
            37 => format!("{{\"id\": {n}}}").into_bytes(),
            _ => format!(
                "{{\"id\": \"doc-{n}\", \"text\": \"{}“Line {n},” Smith said.\"}}",
                "Words. ".repeat(n % 11)
            )
            .into_bytes(),
        };
        input.extend(line);
        input.push(b'\n');
    }
    for format in ["jsonl", "csv", "json"] {
        let run = |threads: &str| {
            sayso(&[
                "run",
                "-r",
                RULES,
                "--input",
                "jsonl",
                "--format",
                format,
                "--threads",
                threads,
            ])
            .write_stdin(input.clone())
            .output()
            .unwrap()
        };
        let one = run("1");
        assert_eq!(one.status.code(), Some(1), "{format}");
        let stderr = String::from_utf8(one.stderr.clone()).unwrap();
        let places: Vec<usize> = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("error: -:"))
            .map(|l| l.split(':').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(places.len(), 14 * 4, "{format}: {stderr}");
        assert!(places.windows(2).all(|w| w[0] < w[1]), "{format}: {stderr}");
        assert!(stderr.ends_with("error: 56 of 686 inputs failed; the others were processed\n"));
        for threads in ["2", "3"] {
            let other = run(threads);
            assert_eq!(other.status.code(), Some(1), "{format} {threads}");
            assert!(
                other.stdout == one.stdout,
                "{format}: stdout differs with {threads}"
            );
            assert!(
                other.stderr == one.stderr,
                "{format}: stderr differs with {threads}"
            );
        }
    }
}
