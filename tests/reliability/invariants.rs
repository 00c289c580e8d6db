//! The invariants every document and every match must satisfy, whatever the input. The fuzz
//! targets include this file too (by path), so the fuzzers and the regression tests check the
//! same thing.

use std::collections::HashSet;

use sayso_engine::{Match, RuleSet};
use sayso_lang::ir::EmitValue;
use sayso_tokenize::{Document, Span};

/// Checks that `span` is a valid half-open range of `text` on char boundaries.
fn check_span(text: &str, span: Span, what: &str) -> Result<(), String> {
    if span.start > span.end || span.end > text.len() {
        return Err(format!(
            "{what} {}..{} is outside the text of {} bytes",
            span.start,
            span.end,
            text.len()
        ));
    }
    if !text.is_char_boundary(span.start) || !text.is_char_boundary(span.end) {
        return Err(format!(
            "{what} {}..{} is not on char boundaries",
            span.start, span.end
        ));
    }
    Ok(())
}

fn contains(outer: Span, inner: Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// Checks a tokenized document: tokens are non-empty, ordered, on char boundaries and cover
/// every byte that is not white space; sentences and paragraphs partition the tokens; every
/// quotation lies inside the text and holds its inner part.
pub fn check_document(doc: &Document<'_>) -> Result<(), String> {
    let text = doc.text();
    let tokens = doc.tokens();
    let mut covered_to = 0;
    for (index, token) in tokens.iter().enumerate() {
        check_span(text, token.span, &format!("token {index}"))?;
        if token.span.is_empty() {
            return Err(format!("token {index} is empty"));
        }
        if token.span.start < covered_to {
            return Err(format!(
                "token {index} starts at {} before the previous token ends at {covered_to}",
                token.span.start
            ));
        }
        let gap = &text[covered_to..token.span.start];
        if let Some(c) = gap.chars().find(|c| !c.is_whitespace()) {
            return Err(format!(
                "{c:?} in {covered_to}..{} is in no token",
                token.span.start
            ));
        }
        covered_to = token.span.end;
        // The accessors must not panic either.
        let _ = (doc.norm(index), doc.shape(index), doc.token_text(index));
    }
    if let Some(c) = text[covered_to..].chars().find(|c| !c.is_whitespace()) {
        return Err(format!("{c:?} after the last token is in no token"));
    }
    check_segments(doc, doc.sentences(), "sentence")?;
    check_segments(doc, doc.paragraphs(), "paragraph")?;
    for (index, quote) in doc.quotations().iter().enumerate() {
        let what = format!("quotation {index}");
        check_span(text, quote.span, &what)?;
        check_span(text, quote.inner, &format!("{what} inner part"))?;
        if !contains(quote.span, quote.inner) {
            return Err(format!("{what}: the inner part is outside the quotation"));
        }
        let (t, i) = (&quote.tokens, &quote.inner_tokens);
        if t.start > t.end || t.end > tokens.len() || i.start < t.start || i.end > t.end {
            return Err(format!(
                "{what}: token ranges {t:?} / {i:?} are inconsistent"
            ));
        }
    }
    Ok(())
}

fn check_segments(
    doc: &Document<'_>,
    segments: &[sayso_tokenize::Segment],
    what: &str,
) -> Result<(), String> {
    let tokens = doc.tokens();
    let mut next = 0;
    for (index, segment) in segments.iter().enumerate() {
        check_span(doc.text(), segment.span, &format!("{what} {index}"))?;
        if segment.tokens.start != next || segment.tokens.end <= segment.tokens.start {
            return Err(format!(
                "{what} {index} holds tokens {:?}, expected a non-empty range from {next}",
                segment.tokens
            ));
        }
        let first = tokens.get(segment.tokens.start).map(|t| t.span.start);
        let last = tokens.get(segment.tokens.end - 1).map(|t| t.span.end);
        if first != Some(segment.span.start) || last != Some(segment.span.end) {
            return Err(format!(
                "{what} {index} span {:?} does not run from its first token to its last",
                segment.span
            ));
        }
        next = segment.tokens.end;
    }
    if next != tokens.len() {
        return Err(format!(
            "the {what}s hold {next} of {} tokens",
            tokens.len()
        ));
    }
    Ok(())
}

/// Checks matches: inside the document on char boundaries, agreeing with their token ranges,
/// sorted, with every field inside its match except link fields (and fields copied from a link
/// field of a consumed match), which point at earlier text.
pub fn check_matches(set: &RuleSet, doc: &Document<'_>, matches: &[Match]) -> Result<(), String> {
    let text = doc.text();
    let program = set.program();
    let link_fields: HashSet<&str> = program
        .rules
        .iter()
        .flat_map(|rule| rule.links.iter().map(|link| link.field.as_str()))
        .collect();
    let token_count = doc.tokens().len();
    let mut previous: Option<(usize, usize, u32)> = None;
    for (index, m) in matches.iter().enumerate() {
        let what = format!("match {index} of rule {}", m.rule.0);
        check_span(text, m.span, &what)?;
        let rule = program
            .rules
            .get(m.rule.0 as usize)
            .ok_or_else(|| format!("{what}: no such rule"))?;
        if m.label != rule.label {
            return Err(format!("{what}: label {:?} is not its rule's", m.label));
        }
        check_token_range(doc, &m.tokens, m.span, &what)?;
        let key = (m.span.start, m.span.end, m.rule.0);
        if previous.is_some_and(|p| p > key) {
            return Err(format!("{what} is out of order"));
        }
        previous = Some(key);
        for field in &m.fields {
            let what = format!("{what}, field {}", field.name);
            check_span(text, field.span, &what)?;
            if field.tokens.end > token_count || field.tokens.start > field.tokens.end {
                return Err(format!("{what}: tokens {:?} out of range", field.tokens));
            }
            let linked = rule.links.iter().any(|link| *link.field == *field.name)
                || rule.emit.iter().any(|emit| {
                    *emit.name == *field.name
                        && matches!(&emit.value, EmitValue::CaptureField { field, .. }
                            if link_fields.contains(field.as_str()))
                });
            if !linked && !contains(m.span, field.span) {
                return Err(format!(
                    "{what}: {:?} lies outside the match {:?}",
                    field.span, m.span
                ));
            }
        }
        for &consumed in &m.consumed {
            let Some(inner) = matches.get(consumed) else {
                return Err(format!(
                    "{what} consumed match {consumed}, which does not exist"
                ));
            };
            if !contains(m.span, inner.span) {
                return Err(format!(
                    "{what} consumed match {consumed} at {:?}, outside {:?}",
                    inner.span, m.span
                ));
            }
        }
    }
    Ok(())
}

fn check_token_range(
    doc: &Document<'_>,
    tokens: &std::ops::Range<usize>,
    span: Span,
    what: &str,
) -> Result<(), String> {
    let all = doc.tokens();
    if tokens.start >= tokens.end || tokens.end > all.len() {
        return Err(format!(
            "{what}: token range {tokens:?} is empty or out of range"
        ));
    }
    let expected = Span::new(all[tokens.start].span.start, all[tokens.end - 1].span.end);
    if expected != span {
        return Err(format!(
            "{what}: span {span:?} differs from its tokens' span {expected:?}"
        ));
    }
    Ok(())
}
