//! The colours of the usual fields, shared by the terminal and HTML views so that a speaker
//! looks the same everywhere.

/// How strongly a field's colour wins where fields overlap: the smaller span is drawn on top.
pub(crate) fn field_rank(name: &str) -> u8 {
    match name {
        "cue" => 4,
        "speaker" => 3,
        "resolved" => 2,
        "content" => 1,
        _ => 0,
    }
}

/// ANSI SGR parameters for a field.
pub(crate) fn ansi(name: &str) -> &'static str {
    match name {
        "speaker" => "1;36",
        "cue" => "1;33",
        "content" => "32",
        "resolved" => "35",
        _ => "34",
    }
}

/// Background colour of a field in HTML.
pub(crate) fn html_colour(name: &str, index: usize) -> &'static str {
    const OTHERS: [&str; 6] = [
        "#d7c5f5", "#f5c5e0", "#c5e8f5", "#e8f5c5", "#f5dcc5", "#c5f5e2",
    ];
    match name {
        "speaker" => "#7fd6f5",
        "cue" => "#ffd86b",
        "content" => "#bff0b1",
        "resolved" => "#f1a7e8",
        _ => OTHERS[index % OTHERS.len()],
    }
}
