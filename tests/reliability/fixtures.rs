//! Replays every saved fuzzer input through the target that found it. The inputs live in
//! `fixtures/<target>/`, one file per finding, named after what it found.

use std::fs;
use std::path::Path;

use super::targets;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reliability/fixtures")
        .join(target);
    let mut count = 0;
    let mut entries: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    entries.sort();
    for path in entries {
        let data = fs::read(&path).expect("a readable fixture");
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} fails again", path.display());
        count += 1;
    }
    count
}

#[test]
fn tokenizer_findings_stay_fixed() {
    assert!(replay("tokenize", targets::tokenize) > 0);
}

#[test]
fn rule_text_findings_stay_fixed() {
    assert!(replay("rules", targets::rules) > 0);
}

#[test]
fn shipped_pack_findings_stay_fixed() {
    assert!(replay("engine_pack", targets::engine_pack) > 0);
}

#[test]
fn generated_rule_findings_stay_fixed() {
    assert!(replay("engine_generated", targets::engine_generated) > 0);
}
