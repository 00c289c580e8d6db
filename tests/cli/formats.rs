//! Every output format of `sayso run` on the same input.

use super::{RULES, sayso, transcript};

fn render(extra: &[&str]) -> String {
    let mut args = vec!["run", "-r", RULES];
    args.extend_from_slice(extra);
    args.extend(["tests/inputs/one.txt", "tests/inputs/two.txt"]);
    let (code, out) = transcript(&mut sayso(&args));
    assert_eq!(code, 0, "{out}");
    out
}

#[test]
fn jsonl() {
    insta::assert_snapshot!(render(&["--format", "jsonl"]));
}

#[test]
fn jsonl_with_char_offsets() {
    insta::assert_snapshot!(render(&["--format", "jsonl", "--offsets", "chars"]));
}

#[test]
fn json() {
    insta::assert_snapshot!(render(&["--format", "json"]));
}

#[test]
fn csv() {
    insta::assert_snapshot!(render(&["--format", "csv"]));
}

#[test]
fn pretty_without_colour() {
    insta::assert_snapshot!(render(&["--format", "pretty"]));
}

#[test]
fn pretty_with_colour() {
    insta::assert_snapshot!(render(&["--format", "pretty", "--color", "always"]));
}

#[test]
fn html() {
    insta::assert_snapshot!(render(&["--format", "html"]));
}

#[test]
fn brat() {
    insta::assert_snapshot!(render(&["--format", "brat"]));
}

#[test]
fn brat_pairs_in_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("ann");
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        RULES,
        "--format",
        "brat",
        "--out-dir",
        out_dir.to_str().unwrap(),
        "tests/inputs/one.txt",
        "tests/inputs/corpus",
    ]));
    assert_eq!(code, 0, "{out}");
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "tests_inputs_corpus_a.ann",
            "tests_inputs_corpus_a.txt",
            "tests_inputs_corpus_nested_b.ann",
            "tests_inputs_corpus_nested_b.txt",
            "tests_inputs_one.ann",
            "tests_inputs_one.txt",
        ]
    );
    let text = std::fs::read_to_string(out_dir.join("tests_inputs_one.txt")).unwrap();
    let ann = std::fs::read_to_string(out_dir.join("tests_inputs_one.ann")).unwrap();
    // Every text-bound annotation's character offsets slice its own text out of the .txt.
    let chars: Vec<char> = text.chars().collect();
    for line in ann.lines().filter(|l| l.starts_with('T')) {
        let fields: Vec<&str> = line.split('\t').collect();
        let ranges: Vec<(usize, usize)> = fields[1]
            .split_once(' ')
            .unwrap()
            .1
            .split(';')
            .map(|r| {
                let (a, b) = r.split_once(' ').unwrap();
                (a.parse().unwrap(), b.parse().unwrap())
            })
            .collect();
        let pieces: Vec<String> = ranges
            .iter()
            .map(|&(a, b)| chars[a..b].iter().collect())
            .collect();
        assert_eq!(pieces.join(" "), fields[2], "{line}");
    }
    assert!(ann.contains("\tspeaker "), "{ann}");
}
