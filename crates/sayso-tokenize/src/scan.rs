//! A first, simple scanner: tokens by character class, sentences at terminal punctuation,
//! paragraphs at blank lines, quotations by pairing double quotes.

use crate::document::{
    Document, Flags, Quotation, QuotationStyle, Segment, Span, Token, TokenKind,
};

pub(crate) fn tokenize(text: &str) -> Document<'_> {
    let mut doc = Document {
        text,
        tokens: Vec::new(),
        norms: String::new(),
        shapes: String::new(),
        sentences: Vec::new(),
        paragraphs: Vec::new(),
        quotations: Vec::new(),
    };
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    let mut newline_before = false;
    let mut space_before = true;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c.is_whitespace() {
            if c == '\n' {
                newline_before = true;
            }
            space_before = true;
            i += 1;
            continue;
        }
        let mut j = i + 1;
        let kind = if c.is_alphanumeric() {
            while j < chars.len() {
                let d = chars[j].1;
                let joiner = matches!(d, '\'' | '’' | '-')
                    && j + 1 < chars.len()
                    && chars[j + 1].1.is_alphanumeric();
                if d.is_alphanumeric() || joiner {
                    j += if joiner { 2 } else { 1 };
                } else {
                    break;
                }
            }
            let all_digits = chars[i..j].iter().all(|&(_, d)| d.is_ascii_digit());
            if all_digits {
                TokenKind::Number
            } else {
                TokenKind::Word
            }
        } else if matches!(c, '"' | '“' | '”' | '«' | '»') {
            TokenKind::QuoteMark
        } else if c.is_ascii_punctuation() || matches!(c, '–' | '—' | '…') {
            TokenKind::Punct
        } else {
            TokenKind::Symbol
        };
        let end = chars.get(j).map_or(text.len(), |&(b, _)| b);
        push_token(
            &mut doc,
            Span::new(start, end),
            kind,
            space_before,
            newline_before,
        );
        space_before = false;
        newline_before = false;
        i = j;
    }
    segment(&mut doc);
    pair_quotes(&mut doc);
    doc
}

fn push_token(doc: &mut Document<'_>, span: Span, kind: TokenKind, space: bool, newline: bool) {
    let text = span.text(doc.text);
    let mut flags = Flags::default();
    if space {
        flags.insert(Flags::SPACE_BEFORE);
    }
    if newline {
        flags.insert(Flags::NEWLINE_BEFORE);
    }
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    if !letters.is_empty() {
        flags.insert(Flags::ALPHA);
        if letters.iter().all(|c| c.is_uppercase()) {
            flags.insert(Flags::UPPER);
        }
        if letters.iter().all(|c| c.is_lowercase()) {
            flags.insert(Flags::LOWER);
        }
        if letters[0].is_uppercase() && letters[1..].iter().all(|c| c.is_lowercase()) {
            flags.insert(Flags::TITLE);
        }
    }
    if text.chars().any(|c| c.is_ascii_digit()) {
        flags.insert(Flags::DIGIT);
    }
    let n0 = doc.norms.len() as u32;
    for c in text.chars() {
        match c {
            '’' | '‘' => doc.norms.push('\''),
            c => doc.norms.extend(c.to_lowercase()),
        }
    }
    let s0 = doc.shapes.len() as u32;
    let mut last = None;
    let mut run = 0;
    for c in text.chars() {
        let s = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_ascii_digit() {
            'd'
        } else {
            c
        };
        run = if Some(s) == last { run + 1 } else { 1 };
        last = Some(s);
        if run <= 4 {
            doc.shapes.push(s);
        }
    }
    doc.tokens.push(Token {
        span,
        kind,
        flags,
        norm: (n0, doc.norms.len() as u32),
        shape: (s0, doc.shapes.len() as u32),
    });
}

fn segment(doc: &mut Document<'_>) {
    let n = doc.tokens.len();
    let mut para_start = 0;
    let mut sent_start = 0;
    for i in 0..n {
        let next_para = i + 1 == n || {
            let gap = &doc.text[doc.tokens[i].span.end..doc.tokens[i + 1].span.start];
            gap.matches('\n').count() >= 2
        };
        let t = doc.token_text(i);
        let next_upper = i + 1 < n
            && (doc.tokens[i + 1].flags.contains(Flags::TITLE)
                || doc.tokens[i + 1].kind == TokenKind::QuoteMark);
        let sent_end = next_para || (matches!(t, "." | "!" | "?") && next_upper);
        if sent_end {
            close(
                &mut doc.sentences,
                &mut doc.tokens,
                sent_start,
                i + 1,
                Flags::SENT_START,
                Flags::SENT_END,
            );
            sent_start = i + 1;
        }
        if next_para {
            close(
                &mut doc.paragraphs,
                &mut doc.tokens,
                para_start,
                i + 1,
                Flags::PARA_START,
                Flags::PARA_END,
            );
            para_start = i + 1;
        }
    }
}

fn close(
    out: &mut Vec<Segment>,
    tokens: &mut [Token],
    a: usize,
    b: usize,
    first: Flags,
    last: Flags,
) {
    if a >= b {
        return;
    }
    tokens[a].flags.insert(first);
    tokens[b - 1].flags.insert(last);
    out.push(Segment {
        span: Span::new(tokens[a].span.start, tokens[b - 1].span.end),
        tokens: a..b,
    });
}

fn pair_quotes(doc: &mut Document<'_>) {
    let mut open: Option<usize> = None;
    for i in 0..doc.tokens.len() {
        if doc.tokens[i].kind != TokenKind::QuoteMark {
            continue;
        }
        let t = doc.token_text(i);
        let opens = t == "“" || (t == "\"" && open.is_none());
        match open {
            Some(o) if !opens || t == "\"" => {
                doc.tokens[o].flags.insert(Flags::QUOTE_OPEN);
                doc.tokens[i].flags.insert(Flags::QUOTE_CLOSE);
                let span = Span::new(doc.tokens[o].span.start, doc.tokens[i].span.end);
                let inner = Span::new(doc.tokens[o].span.end, doc.tokens[i].span.start);
                doc.quotations.push(Quotation {
                    span,
                    inner,
                    tokens: o..i + 1,
                    inner_tokens: o + 1..i,
                    style: QuotationStyle::Double,
                    closed: true,
                    depth: 0,
                    paragraphs: 1,
                });
                open = None;
            }
            _ if opens => open = Some(i),
            _ => {}
        }
    }
}
