//! Hard cases: each `tests/fixtures/NAME.txt` is tokenized and its rendering compared with the
//! reviewed snapshot `tests/snapshots/tokenize__tokenize__fixtures__NAME.snap`.

use super::{invariants, render};

#[test]
fn fixtures_match_their_snapshots() {
    insta::glob!("..", "fixtures/*.txt", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let doc = sayso_tokenize::tokenize(&text);
        invariants::check(&doc);
        insta::assert_snapshot!(render::render(&doc));
    });
}
