//! The serialisable form of a document's matches: the output contract of design.md. Fields
//! may be added here; the existing ones never change. The JSON formats write the same bytes
//! without going through it (see `write.rs`); it stays their definition, and the tests hold
//! them to what serde_json writes for it.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::{DocumentView, OffsetMap, RenderOptions, label_name, rule_name, rule_origin, slice};
use sayso_engine::{Match, Program};

/// One document's line of JSON Lines output. It borrows the document, its matches and the
/// program, so that writing a match copies no text and allocates little.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocumentRecord<'a> {
    /// The document id.
    pub id: &'a str,
    /// Its matches in order.
    pub matches: Vec<MatchRecord<'a>>,
    /// Why the document could not be processed (absent when it was).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
}

/// One match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatchRecord<'a> {
    /// The label (`Attribution`).
    pub label: &'a str,
    /// The rule that made it.
    pub rule: &'a str,
    /// Start offset.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// The text it covers.
    pub text: &'a str,
    /// Its fields by name, in the order the rule emits them.
    #[serde(serialize_with = "ordered_map")]
    pub captures: Vec<(&'a str, CaptureValue<'a>)>,
    /// Its constant attributes, in the order the rule emits them.
    #[serde(serialize_with = "ordered_map")]
    pub attrs: Vec<(&'a str, &'a str)>,
    /// `file:line` of the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<RuleOrigin<'a>>,
}

/// A field's value: one span, or a list when a match carries the same name more than once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum CaptureValue<'a> {
    /// The usual case.
    One(CaptureRecord<'a>),
    /// Repeated field names.
    Many(Vec<CaptureRecord<'a>>),
}

/// One captured span.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaptureRecord<'a> {
    /// Start offset.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// The text it covers.
    pub text: &'a str,
}

/// Where a rule is declared, written as `file:line`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleOrigin<'a> {
    /// The rule file.
    pub file: &'a str,
    /// The line of its `rule` keyword.
    pub line: u32,
}

impl std::fmt::Display for RuleOrigin<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

impl Serialize for RuleOrigin<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn ordered_map<S: Serializer, K: Serialize, V: Serialize>(
    entries: &[(K, V)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(entries.len()))?;
    for (key, value) in entries {
        map.serialize_entry(key, value)?;
    }
    map.end()
}

impl<'a> DocumentRecord<'a> {
    /// Builds the record of a document.
    pub fn new(program: &'a Program, doc: &DocumentView<'a>, options: RenderOptions) -> Self {
        let offsets = OffsetMap::new(doc.text, options.offsets);
        DocumentRecord {
            id: doc.id,
            matches: doc
                .matches
                .iter()
                .map(|m| MatchRecord::new(program, doc.text, m, &offsets))
                .collect(),
            error: doc.error,
        }
    }
}

impl<'a> MatchRecord<'a> {
    /// Builds the record of a match.
    pub fn new(program: &'a Program, text: &'a str, m: &'a Match, offsets: &OffsetMap) -> Self {
        let mut captures: Vec<(&'a str, CaptureValue<'a>)> = Vec::with_capacity(m.fields.len());
        for field in &m.fields {
            let record = CaptureRecord {
                start: offsets.map(field.span.start),
                end: offsets.map(field.span.end),
                text: slice(text, field.span.start, field.span.end),
            };
            match captures.iter_mut().find(|(name, _)| *name == &*field.name) {
                None => captures.push((&field.name, CaptureValue::One(record))),
                Some((_, value)) => {
                    let previous = std::mem::replace(value, CaptureValue::Many(Vec::new()));
                    let mut list = match previous {
                        CaptureValue::One(one) => vec![one],
                        CaptureValue::Many(many) => many,
                    };
                    list.push(record);
                    *value = CaptureValue::Many(list);
                }
            }
        }
        MatchRecord {
            label: label_name(program, m),
            rule: rule_name(program, m),
            start: offsets.map(m.span.start),
            end: offsets.map(m.span.end),
            text: slice(text, m.span.start, m.span.end),
            captures,
            attrs: m
                .attrs
                .iter()
                .map(|(name, value)| (&**name, &**value))
                .collect(),
            origin: rule_origin(program, m),
        }
    }
}
